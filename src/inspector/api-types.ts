// The inspector's JSON API, snake_case as every --json: the server builds these, the page reads them.
// No imports: the page's bundle and the server's modules both use this file.

/** The list row of a request: what the live list shows and the event stream sends. */
export interface RequestSummary {
  id: number;
  received_at: string;
  method: string;
  path: string;
  event: string | null;
  dialect: string | null;
  call_id: string | null;
  tools: string[];
  passed: boolean;
  reason: string | null;
  latency_ms: number;
  deadline_ms: number | null;
  status: number;
  bytes: number;
  /** The request this one is a re-send of, when the inspector sent it to this listener. */
  resend_of: number | null;
  /** Loaded from the capture file at start: a request of an earlier run. */
  earlier: boolean;
  /** Header values and the start of the body, for the filter's free text. */
  search_text: string;
}

export interface Finding {
  path: string;
  message: string;
}

/** One re-send of a request from the page, kept with it. */
export interface ResendAttempt {
  /** 1, 2, …: the order of the re-sends of this request. */
  number: number;
  sent_at: string;
  ok: boolean;
  to: string;
  signed: 'resign' | 'as-captured' | 'unsigned';
  /** Its body was edited in the page. */
  edited: boolean;
  status: number | null;
  latency_ms: number | null;
  checks: { name: string; severity: 'pass' | 'warning' | 'failure'; message: string }[];
  outcome: string[];
  reply: string | null;
  error: string | null;
  /** The request it became at this listener, when it was sent here. */
  request_id: number | null;
}

export interface RequestDetail extends RequestSummary {
  headers: Record<string, string>;
  diagnosis: string | null;
  errors: Finding[];
  warnings: Finding[];
  reply: { status: number; body: string; content_type: string | null; headers: Record<string, string> };
  /** What the platform makes of the reply, in plain words. */
  outcome: string[];
  /** What the reply's status means for this event, in one line. */
  reply_meaning: string;
  forwarded_to: string | null;
  forward_hint: string | null;
  not_forwarded: string | null;
  body_base64: string;
  body_text: string | null;
  body_cut: boolean;
  curl: string;
  send: string;
  default_target: string;
  signs: boolean;
  attempts: ResendAttempt[];
  /** Where an earlier run's request was loaded from. */
  loaded_from: string | null;
}
