// A type test, checked by tsc with the rest of the suite: the webhook types of the platform's SDK,
// written here field by field from its src/types.ts (hmsovereign-node v1.0.1, commit 3ca1733; not
// copied, and not a dependency: the SDK is not on the registry), are assignable to ours, and ours to
// them. A failure here is a compile error, so `npm test` fails before any test runs.
import type {
  AssistantRequestPayload,
  EndOfCallReportPayload,
  StatusUpdatePayload,
  ToolCallsPayload,
  WebhookPayload,
} from '../../src/index.js';

interface SdkWebhookCallInfo {
  id: string;
  type: 'inbound_phone_call' | 'outbound_phone_call' | 'web_call';
  status: string;
}
interface SdkWebhookPhoneNumber {
  number: string;
  name?: string;
}
interface SdkWebhookCustomer {
  number: string;
}
interface SdkWebhookBasePayload {
  message: {
    type: string;
    timestamp: string;
    call: SdkWebhookCallInfo;
    phone_number: SdkWebhookPhoneNumber;
    customer: SdkWebhookCustomer;
    assistant?: Record<string, unknown>;
  };
}
interface SdkAssistantRequestPayload extends SdkWebhookBasePayload {
  message: SdkWebhookBasePayload['message'] & { type: 'assistant-request' };
}
interface SdkStatusUpdatePayload extends SdkWebhookBasePayload {
  message: SdkWebhookBasePayload['message'] & { type: 'status-update'; error?: string };
}
interface SdkToolCallsPayload extends SdkWebhookBasePayload {
  message: SdkWebhookBasePayload['message'] & {
    type: 'tool-calls';
    tool_call_list: Array<{ id: string; type: 'function'; function: { name: string; arguments: Record<string, unknown> } }>;
  };
}
interface SdkCallMessage {
  role: 'user' | 'assistant';
  content: string;
}
interface SdkEndOfCallReportPayload extends SdkWebhookBasePayload {
  message: SdkWebhookBasePayload['message'] & {
    type: 'end-of-call-report';
    duration_seconds: number;
    summary: string;
    messages: SdkCallMessage[];
    analysis?: Record<string, unknown>;
    recording_url?: string;
  };
}
type SdkWebhookPayload = SdkAssistantRequestPayload | SdkStatusUpdatePayload | SdkToolCallsPayload | SdkEndOfCallReportPayload;

/** true when each is assignable to the other; a `false` here fails the compile through `Holds`. */
type BothWays<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;

export type Proven = [
  Holds<BothWays<SdkAssistantRequestPayload, AssistantRequestPayload>>,
  Holds<BothWays<SdkStatusUpdatePayload, StatusUpdatePayload>>,
  Holds<BothWays<SdkToolCallsPayload, ToolCallsPayload>>,
  Holds<BothWays<SdkEndOfCallReportPayload, EndOfCallReportPayload>>,
  Holds<BothWays<SdkWebhookPayload, WebhookPayload>>,
];

/** A receiver written with the SDK's types hands its payload to code typed with ours, and back, with no cast. */
export function handOver(payload: SdkToolCallsPayload): SdkToolCallsPayload {
  const ours: ToolCallsPayload = payload;
  return ours;
}
