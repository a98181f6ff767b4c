import type { OutputStream } from '../cli/io.js';

/** How often the line is redrawn at most: often enough to see it move, rarely enough to cost nothing. */
const REDRAW_MS = 200;

/**
 * A one-line count on a terminal's stderr, redrawn in place (`verify -q` of a large file), and cleared
 * before anything else is written so that no line lands in the middle of it. Off unless `enabled`.
 */
export class ProgressLine {
  private shown = false;
  private drawnAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly stderr: OutputStream,
    /** A monotonic clock, in milliseconds. */
    private readonly elapsed: () => number,
    private readonly enabled: boolean,
  ) {}

  update(text: () => string): void {
    if (!this.enabled) return;
    const at = this.elapsed();
    if (at - this.drawnAt < REDRAW_MS) return;
    this.drawnAt = at;
    this.stderr.write(`\r\x1b[K${text()}`);
    this.shown = true;
  }

  clear(): void {
    if (!this.shown) return;
    this.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}
