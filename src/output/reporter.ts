import type { Io } from '../cli/io.js';
import { colorEnabled, createStyle, type Style, summaryLine } from './style.js';
import { printable } from './printable.js';

export interface ReporterOptions {
  /** Machine output: one JSON object per line on stdout. */
  json: boolean;
  /** false when --no-color was given. */
  color?: boolean;
}

export interface SummaryOptions {
  /** More fields of the JSON summary object. */
  fields?: Record<string, unknown>;
  /** Text after the summary line. */
  suffix?: string;
  /** listen keeps stdout for events, so its human summary goes to stderr. */
  stream?: 'stdout' | 'stderr';
}

/**
 * The one owner of "JSON or text": results go to stdout (as JSON lines or styled text), diagnostics
 * to stderr, and every checking command ends with the same summary.
 */
export class Reporter {
  readonly json: boolean;
  readonly style: Style;
  readonly color: boolean;
  private drained: Promise<void> | undefined;

  constructor(
    private readonly io: Io,
    options: ReporterOptions,
  ) {
    this.json = options.json;
    this.color = !options.json && colorEnabled(io.stdout, io.env, options.color);
    this.style = createStyle(this.color);
  }

  /** A result in both forms; only the one asked for is built. */
  result(json: () => object, text: () => readonly string[]): void {
    if (this.json) this.record(json());
    else this.lines(text());
  }

  record(value: object): void {
    this.io.stdout.write(`${JSON.stringify(value)}\n`);
  }

  line(text: string): void {
    this.io.stdout.write(`${text}\n`);
  }

  lines(texts: readonly string[]): void {
    if (texts.length > 0) this.io.stdout.write(`${texts.join('\n')}\n`);
  }

  /** Writes and waits when stdout is a slow pipe, so a long run never piles up output in memory. */
  write(text: string): Promise<void> | undefined {
    if (this.io.stdout.write(text)) return undefined;
    // One wait for every writer, however many write while the pipe is full.
    this.drained ??= new Promise((resolve) =>
      this.io.stdout.once('drain', () => {
        this.drained = undefined;
        resolve();
      }),
    );
    return this.drained;
  }

  /** A diagnostic line on stderr: `hms-webhook: …`. */
  note(text: string): void {
    this.io.stderr.write(`hms-webhook: ${printable(text)}\n`);
  }

  /** A raw line on stderr (annotations, the listening line). */
  stderr(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  summary(passed: number, failed: number, options: SummaryOptions = {}): void {
    // With stdout's reader gone, the summary is the one result left to show: on stderr, as text.
    if (this.json && this.io.stdout.closed !== true) {
      this.record({ type: 'summary', ...options.fields, passed, failed });
      return;
    }
    const text = `${summaryLine(passed, failed, this.style)}${options.suffix ?? ''}`;
    if (options.stream === 'stderr' || this.io.stdout.closed === true) this.stderr(text);
    else this.line(text);
  }
}
