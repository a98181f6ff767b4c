import { Interrupted } from '../errors.js';
import type { SignalSource } from './io.js';

/**
 * Ctrl-C or SIGTERM during a run that sends: it stops starting new work, lets what is in flight
 * finish, and the run's summary covers what was done. Heard from when it is made until release().
 */
export class StopRequest {
  signal: 'SIGINT' | 'SIGTERM' | undefined;
  private readonly onInterrupt = () => this.heard('SIGINT');
  private readonly onTerminate = () => this.heard('SIGTERM');

  constructor(private readonly signals: SignalSource) {
    signals.once('SIGINT', this.onInterrupt);
    signals.once('SIGTERM', this.onTerminate);
  }

  get stopped(): boolean {
    return this.signal !== undefined;
  }

  /** How the summary says it: `stopped by Ctrl-C`, `stopped by SIGTERM`. */
  get words(): string {
    return `stopped by ${this.signal === 'SIGINT' ? 'Ctrl-C' : this.signal}`;
  }

  release(): void {
    this.signals.off('SIGINT', this.onInterrupt);
    this.signals.off('SIGTERM', this.onTerminate);
  }

  /** The end of a stopped run: exit 130 after Ctrl-C, 143 after SIGTERM. */
  interrupted(): Interrupted {
    return new Interrupted(this.signal === 'SIGTERM' ? 'SIGTERM' : 'SIGINT');
  }

  private heard(signal: 'SIGINT' | 'SIGTERM'): void {
    this.signal ??= signal;
  }
}
