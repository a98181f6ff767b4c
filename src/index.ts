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
} from './platform/schemas/index.js';
export { isPayloadOf } from './platform/webhook-types.js';
export type {
  AssistantRequestPayload,
  AssistantRequestReply,
  PayloadOfEvent,
  CallTranscriptMessage,
  EndOfCallReportPayload,
  StatusUpdatePayload,
  ToolCall,
  ToolCallResult,
  ToolCallsPayload,
  ToolCallsReply,
  WebhookCall,
  WebhookCustomer,
  WebhookMessage,
  WebhookPayload,
  WebhookPhoneNumber,
} from './platform/webhook-types.js';
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

// The engine: every use case as a function with typed results. The commands, the inspector and
// your own test suite call these; the --json records are rendered from what they return.
export {
  sendEvent,
  prepareEvent,
  type SendEventOptions,
  type SendReport,
  type SentEvent,
  type PreparedEvent,
} from './engine/send-event.js';
export type { RequestOptions, EventRequestOptions, Forgery } from './engine/request.js';
export {
  playCalls,
  planOfCall,
  scenarioWithPlan,
  DEFAULT_CALL_CONCURRENCY,
  type PlayCallsOptions,
  type CallEvent,
  type PlayedCall,
  type CallsOutcome,
} from './engine/play-calls.js';
export { loadScenario, type Scenario } from './platform/scenario.js';
export { listScenarios } from './platform/fixtures.js';
export { parseFaults, FAULTS, type Fault, type CallPlan } from './platform/delivery-faults.js';
export { judgeDuplicate, DUPLICATE_RULE, type DuplicateVerdict } from './platform/duplicate-delivery.js';
export { probeReceiver, type ProbeReceiverOptions, type ProbeOutcome } from './engine/probe-receiver.js';
export type { ProbeResult, ProbeVerdict, ProbeKind } from './sending/probe.js';
export { checkTools, assistantFromReply, type CheckToolsOptions, type ToolCheck } from './engine/check-tools.js';
export { fuzzTools, reproduceCommand, DEFAULT_FUZZ_RUNS, type FuzzToolsOptions } from './engine/fuzz-tools.js';
export type { FuzzResult } from './sending/tool-fuzz.js';
export { replayCaptures, type ReplayCapturesOptions, type ReplayReport } from './engine/replay-captures.js';
export {
  validateText,
  type ValidateTextOptions,
  type DocumentResult,
  type PlacedFinding,
  type UnreadableDocument,
} from './engine/validate-documents.js';
export {
  scenarioFromCaptures,
  type ScenarioFromCapturesOptions,
  type ScenarioFromCaptures,
} from './engine/scenario-from-captures.js';
export { verifyCaptureFile, capturedFromParts, type VerifyReport, type GivenRequest } from './engine/verify-captures.js';
export { listenUntilStopped, type ListenSessionOptions, type ListenOutcome } from './engine/listen-session.js';
export {
  sendLoad,
  rampLoad,
  rampConcurrencies,
  type SendLoadOptions,
  type RampLoadOptions,
  type RampOutcome,
} from './engine/send-load.js';
export { writeArtilleryProject, type ArtilleryProjectOptions, type ArtilleryProjectWritten } from './engine/artillery.js';
export { checkReceivedReply, type ReplyVerdict, type Check } from './platform/reply-check.js';
export { toolsOf, type AssistantTool, type ToolRoute } from './platform/assistant-tools.js';
export { outputSchema, type OutputRecord, type RecordType } from './output/records.js';
