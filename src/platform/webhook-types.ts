// The webhook payloads and replies as TypeScript types, in the HMS Sovereign dialect (snake_case), field
// for field as the platform's SDK (hmsovereign-node v1.0.1, src/types.ts) types them, so that a
// receiver written with the SDK's types can use these and the reverse without a cast. Where we know
// more (end_reason, started_at, the reply shapes), the field is optional. No index signature: it
// would stop the SDK's interfaces from being assigned to these. test/types/sdk-assignability.ts proves it.

export interface WebhookCall {
  id: string;
  type: 'inbound_phone_call' | 'outbound_phone_call' | 'web_call';
  status: string;
}

export interface WebhookPhoneNumber {
  number: string;
  name?: string;
}

export interface WebhookCustomer {
  number: string;
}

/** What every event's `message` carries. */
export interface WebhookMessage {
  type: string;
  timestamp: string;
  call: WebhookCall;
  phone_number: WebhookPhoneNumber;
  customer: WebhookCustomer;
  /** The assistant in play, with the metadata a reply gave it. */
  assistant?: Record<string, unknown>;
}

export interface AssistantRequestPayload {
  message: WebhookMessage & { type: 'assistant-request' };
}

export interface StatusUpdatePayload {
  message: WebhookMessage & { type: 'status-update'; error?: string; end_reason?: string };
}

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: Record<string, unknown> };
}

export interface ToolCallsPayload {
  message: WebhookMessage & { type: 'tool-calls'; tool_call_list: ToolCall[] };
}

export interface CallTranscriptMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface EndOfCallReportPayload {
  message: WebhookMessage & {
    type: 'end-of-call-report';
    duration_seconds: number;
    summary: string;
    messages: CallTranscriptMessage[];
    analysis?: Record<string, unknown>;
    recording_url?: string;
    end_reason?: string;
    started_at?: string;
    ended_at?: string;
  };
}

export type WebhookPayload = AssistantRequestPayload | StatusUpdatePayload | ToolCallsPayload | EndOfCallReportPayload;

/** The payload type of each event. */
export interface PayloadOfEvent {
  'assistant-request': AssistantRequestPayload;
  'status-update': StatusUpdatePayload;
  'tool-calls': ToolCallsPayload;
  'end-of-call-report': EndOfCallReportPayload;
}

/**
 * Narrows a verified payload (`unknown`) to its event's type by its `message.type`, as the SDK's
 * types are told apart. It does not check the fields: `validatePayload` does that.
 */
export function isPayloadOf<E extends keyof PayloadOfEvent>(payload: unknown, event: E): payload is PayloadOfEvent[E] {
  const message = (payload as { message?: { type?: unknown } } | null)?.message;
  return typeof message === 'object' && message !== null && message.type === event;
}

/** The reply to assistant-request: {} for the saved assistant, a transient one, a saved one with blocks replaced, a cap, or a refusal. */
export interface AssistantRequestReply {
  assistant?: Record<string, unknown>;
  assistant_id?: string;
  assistant_override?: Record<string, unknown>;
  max_duration_seconds?: number;
  error?: string;
}

/** One tool call's outcome: a result (any JSON) or an error the assistant is told. */
export interface ToolCallResult {
  tool_call_id: string;
  result?: unknown;
  error?: string;
}

/** The reply to tool-calls in its documented form: one result per tool call id. */
export interface ToolCallsReply {
  results: ToolCallResult[];
}
