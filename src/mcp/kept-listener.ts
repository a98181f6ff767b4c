import { EventEmitter } from 'node:events';
import { listenJson } from '../commands/listen/render.js';
import { DEFAULT_HOST, DEFAULT_MAX_BODY_BYTES, DEFAULT_TOLERANCE_SECONDS } from '../defaults.js';
import { type ListenOutcome, listenUntilStopped } from '../engine/listen-session.js';
import type { OutputRecord } from '../output/records.js';
import { type InputGuard, Refused } from './input-guard.js';

/** The one listener the server keeps for an agent: started, read from a cursor, stopped. */
export function keptListener(secrets: readonly string[], guard: InputGuard) {
  let session:
    | { url: string; events: OutputRecord<'event'>[]; read: number; signals: EventEmitter; done: Promise<ListenOutcome> }
    | undefined;
  return {
    async start(forwardTo: string | undefined, save: string | undefined): Promise<string> {
      if (session !== undefined) throw new Refused(`a listener is running at ${session.url}: stop_listener first`);
      const events: OutputRecord<'event'>[] = [];
      const signals = new EventEmitter();
      let ready: (url: string) => void = () => {};
      const listening = new Promise<string>((resolve) => {
        ready = resolve;
      });
      const done = listenUntilStopped({
        host: DEFAULT_HOST,
        port: 0,
        path: '/',
        secrets: [...secrets],
        toleranceSeconds: DEFAULT_TOLERANCE_SECONDS,
        enforce: true,
        maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
        replies: {},
        delayMs: 0,
        graceMs: 5000,
        ...(forwardTo !== undefined ? { forwardTo: guard.target(forwardTo) } : {}),
        ...(save !== undefined ? { save: guard.writable(save) } : {}),
        signals,
        onEvent: (event) => events.push(listenJson(event, false)),
        onListening: ({ url }) => ready(url),
      });
      const url = await Promise.race([listening, done.then(() => Promise.reject(new Refused('the listener stopped before it listened')))]);
      session = { url, events, read: 0, signals, done };
      return url;
    },
    /** Everything received so far, read or not: the listener's resource. */
    peek(): OutputRecord<'event'>[] {
      if (session === undefined) throw new Refused('no listener is running: start_listener first');
      return [...session.events];
    },
    read(since: number): { records: OutputRecord<'event'>[]; cursor: number } {
      if (session === undefined) throw new Refused('no listener is running: start_listener first');
      session.read = session.events.length;
      return { records: session.events.slice(since), cursor: session.events.length };
    },
    /** Stops it once what is in flight is answered and saved; the requests not read yet come with the counts. */
    async stop(): Promise<{ passed: number; failed: number; unread: OutputRecord<'event'>[] }> {
      if (session === undefined) throw new Refused('no listener is running: start_listener first');
      const { signals, done, events, read } = session;
      session = undefined;
      signals.emit('SIGTERM');
      const outcome = await done;
      return { passed: outcome.passed, failed: outcome.failed, unread: events.slice(read) };
    },
    /** When the agent goes: the listener stops as at SIGTERM. */
    async close(): Promise<void> {
      if (session !== undefined) await this.stop();
    },
  };
}
