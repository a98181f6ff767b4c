import { type Capture, captureBody, type SourcedCapture } from './capture-file.js';
import { calledToolNames, callIdOf, eventOf } from '../platform/schemas/index.js';
import { type FilterFacts, filterMatches, searchTextOf } from './filter.js';
import { EVENT_HEADER } from '../signing/signature.js';

/** Which captured requests a command takes: `--line` and `--filter` (and `--last`, applied by the reader). */
export interface CaptureSelection {
  /** Line numbers of a capture file, or entry numbers of a HAR file; empty takes every one. */
  lines: readonly LineRange[];
  /** The filter grammar of captures/filter.ts: `event:tool-calls verdict:failed`. */
  filter?: string;
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

/** Whether a request is selected; `failed` answers whether its capture failed, asked only when the filter names a verdict. */
export function isSelected(selection: CaptureSelection, sourced: SourcedCapture, facts: CaptureFacts, failed: () => boolean): boolean {
  const position = sourced.line ?? sourced.entry ?? 0;
  if (selection.lines.length > 0 && !selection.lines.some((range) => position >= range.from && position <= range.to)) return false;
  return selection.filter === undefined || filterMatches(selection.filter, captureFilterFacts(sourced.capture, facts, failed));
}

/** What the filter grammar reads of a capture; whether it passed is worked out only if the filter asks. */
export function captureFilterFacts(capture: Capture, facts: CaptureFacts, failed: () => boolean): FilterFacts {
  return {
    event: facts.event,
    callId: facts.callId,
    status: capture.reply?.status,
    path: capture.path,
    tools: calledToolNames(facts.document),
    text: searchTextOf(capture.headers, captureBody(capture).toString('utf8')),
    get passed() {
      return !failed();
    },
  };
}

/** The verdict `listen --save` recorded with the capture, if any: `{"verdict": {"passed": …}}`. */
export function recordedVerdict(capture: Capture): boolean | undefined {
  return capture.verdict?.passed;
}
