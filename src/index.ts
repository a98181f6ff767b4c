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
} from './signature.js';
export { convertDialect, detectDialect, DIALECTS, type Dialect } from './dialect.js';
export { EVENTS, isEvent, type EventType } from './events.js';
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
} from './schemas/index.js';
export { findFixture, listFixtures, loadFixture, type FixtureEntry, type FixtureKind } from './fixtures.js';
export { startListener, type Listener, type ListenerOptions, type ListenEvent } from './listener.js';
export { readCaptures, captureBody, type Capture, type SourcedCapture } from './captures.js';
export { diagnoseSignature, type Diagnosis, type DiagnosisCause, type KnownSecret } from './diagnosis.js';
export { checkCapture, type CaptureCheck, type CaptureCheckOptions } from './capture-check.js';
