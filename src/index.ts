export {
  sign,
  verify,
  unsignedHeaders,
  computeSignature,
  headerValue,
  DEFAULT_TOLERANCE_SECONDS,
  type Body,
  type FailureReason,
  type HeaderBag,
  type PlatformHeaders,
  type SignInput,
  type VerifyInput,
  type VerifyResult,
} from './signing/signature.js';
export { convertDialect, detectDialect, DIALECTS, type Dialect } from './platform/dialect.js';
export { EVENTS, isEvent, type EventType } from './platform/events.js';
export {
  eventOf,
  formatPath,
  jsonSchema,
  payloadSchema,
  replyDeadlineMs,
  replyForm,
  replySchema,
  toolCallIds,
  validatePayload,
  validateReply,
  type Finding,
  type ReplyForm,
  type Validation,
  type AssistantRequestPayload,
  type AssistantRequestReply,
  type ToolCallsPayload,
  type ToolCallsReply,
  type StatusUpdatePayload,
  type EndOfCallReportPayload,
} from './platform/schemas/index.js';
export {
  verifyBody,
  verifyNodeRequest,
  verifyRequest,
  type VerifiedRequest,
  type VerifyRequestOptions,
} from './receiving/verify-request.js';
export { findFixture, listFixtures, loadFixture, type FixtureEntry, type FixtureKind } from './platform/fixtures.js';
export { startListener, type Listener, type ListenerOptions, type ListenEvent } from './receiving/listener.js';
export { readCaptures, captureBody, type Capture, type SourcedCapture } from './captures/capture-file.js';
export { diagnoseSignature, type Diagnosis, type DiagnosisCause, type KnownSecret } from './signing/diagnosis.js';
export { checkCapture, type CaptureCheck, type CaptureCheckOptions } from './captures/capture-check.js';
export { CannotRun, EXIT, HmsWebhookError, InputError } from './errors.js';
