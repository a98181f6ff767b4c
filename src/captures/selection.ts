import type { Capture, SourcedCapture } from './capture-file.js';
import { callIdOf, eventOf } from '../platform/schemas/index.js';
import { EVENT_HEADER } from '../signing/signature.js';

/** Which captured requests a command takes: `--line`, `--event`, `--call`, `--failed` (and `--last`, applied by the reader). */
export interface CaptureSelection {
  /** Line numbers of a capture file, or entry numbers of a HAR file; empty takes every one. */
  lines: readonly LineRange[];
  event?: string;
  callId?: string;
  /** Only requests whose capture failed its checks. */
  failed?: boolean;
}

export interface LineRange {
  from: number;
  to: number;
}

/** What a capture says about itself, read once: the event, the call id and the body as JSON. */
export interface CaptureFacts {
  event: string | undefined;
  callId: string | undefined;
  /** The body parsed, or undefined when it is not JSON. */
  document: unknown;
}

export function factsOf(capture: Capture, body: Buffer): CaptureFacts {
  let document: unknown;
  try {
    document = JSON.parse(body.toString('utf8'));
  } catch {
    document = undefined;
  }
  const header = capture.headers[EVENT_HEADER];
  return {
    event: eventOf(document) ?? (typeof header === 'string' ? header : undefined),
    callId: callIdOf(document),
    document,
  };
}

/** Whether a request is selected; `failed` answers whether its capture failed, asked only when --failed is given. */
export function isSelected(selection: CaptureSelection, sourced: SourcedCapture, facts: CaptureFacts, failed: () => boolean): boolean {
  const position = sourced.line ?? sourced.entry ?? 0;
  if (selection.lines.length > 0 && !selection.lines.some((range) => position >= range.from && position <= range.to)) return false;
  if (selection.event !== undefined && facts.event !== selection.event) return false;
  if (selection.callId !== undefined && facts.callId !== selection.callId) return false;
  return selection.failed !== true || failed();
}

/** The verdict `listen --save` recorded with the capture, if any: `{"verdict": {"passed": …}}`. */
export function recordedVerdict(capture: Capture): boolean | undefined {
  return capture.verdict?.passed;
}
