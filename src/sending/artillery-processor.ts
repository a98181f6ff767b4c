// Artillery's processor for webhooks of the platform, as `send load --emit artillery` writes it (bundled
// whole into one CommonJS file by the build). Every request is built and signed at the moment it is sent,
// the way the platform signs it:
//   X-Webhook-Signature: sha256=<hex HMAC-SHA256 of "<X-Webhook-Timestamp>.<raw body>">
// The secret is read from HMS_WEBHOOK_SECRET where Artillery runs; it is never written into the files.
// Each reply is judged by the same checks `send` applies (platform/reply-check.ts); a failed check fails
// the virtual user, and `ensure` then fails the run. A call the receiver rejects ends as on the platform:
// only the status-update that ends it follows.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { withoutSecrets } from '../platform/assistant-tools.js';
import type { Dialect } from '../platform/dialect.js';
import { checkReceivedReply, stepFailure } from '../platform/reply-check.js';
import { asObject } from '../platform/schemas/common.js';
import type { ArtilleryStep } from './artillery-project.js';

/** payloads.json: what each virtual user sends, and the keys of the dialect. */
export interface ArtilleryPlan {
  dialect: Dialect;
  signed: boolean;
  keys: {
    toolCallList: string;
    toolCallId: string;
    startedAt: string;
    endedAt: string;
    endReason: string;
    durationSeconds: string;
    assistantId: string;
  };
  steps: ArtilleryStep[];
}

interface CallState {
  id: string;
  step: number;
  startedAt: number;
  assistant: Record<string, unknown> | undefined;
  rejected: string | undefined;
  pending: { step: ArtilleryStep; document: unknown } | undefined;
}

interface Context {
  vars: { hmsCall?: CallState };
}
interface RequestParams {
  headers?: Record<string, string>;
  json?: unknown;
  body?: Buffer;
}
interface Response {
  statusCode: number;
  body: string | Buffer;
  headers?: Record<string, string | string[] | undefined>;
  timings?: { phases?: { total?: number } };
}
interface Events {
  emit(kind: 'counter' | 'histogram', name: string, value: number): void;
}
type Done = (error?: Error) => void;

const USER_AGENT = 'HMS-Sovereign/1.0';

/** The value of X-Webhook-Signature for these exact bytes. */
export function signatureOf(secret: string, timestamp: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

function secret(): string {
  const value = process.env.HMS_WEBHOOK_SECRET;
  if (value === undefined || value === '') {
    throw new Error('HMS_WEBHOOK_SECRET is not set: export the assistant webhook_secret where Artillery runs');
  }
  return value;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The processor's hooks over one plan: Artillery calls them by name from artillery.yml. */
export function createProcessor(plan: ArtilleryPlan) {
  // Each worker (process) draws its own prefix, so call ids never collide between workers.
  const worker = randomBytes(4).toString('hex');
  const { keys } = plan;

  /** The step's payload as it goes out now: this call's id, fresh tool call ids, times of now. */
  function buildPayload(step: ArtilleryStep, call: CallState, now: number): Record<string, unknown> {
    const document = structuredClone(step.payload) as Record<string, unknown>;
    const message = asObject(document.message)!;
    message.timestamp = iso(now);
    const callOf = asObject(message.call);
    if (callOf !== undefined) callOf.id = call.id;
    if (call.assistant !== undefined && message.assistant !== undefined) message.assistant = call.assistant;
    const list = message[keys.toolCallList];
    if (Array.isArray(list))
      for (const toolCall of list.map(asObject)) if (toolCall !== undefined) toolCall.id = `tool_${randomBytes(6).toString('hex')}`;
    if (call.rejected !== undefined && step.endsCall === true) {
      // The receiver rejected the call: the platform ends it at once, with its error.
      message[keys.endReason] = 'rejected';
      message.error = call.rejected;
    }
    if (typeof message[keys.endedAt] === 'string') {
      // A whole call lasts from its first request to now; a lone report keeps its own duration.
      const seconds = plan.steps.length > 1 ? Math.round((now - call.startedAt) / 1000) : Number(message[keys.durationSeconds] ?? 0);
      message[keys.startedAt] = iso(now - seconds * 1000);
      message[keys.endedAt] = iso(now);
      message[keys.durationSeconds] = seconds;
    }
    return document;
  }

  /** `- function: hmsStartCall`, first in every flow: a new call for this virtual user. */
  function hmsStartCall(context: Context, _events: Events, done: Done): void {
    context.vars.hmsCall = {
      id: worker + randomUUID().slice(8),
      step: 0,
      startedAt: Date.now(),
      assistant: undefined,
      rejected: undefined,
      pending: undefined,
    };
    done();
  }

  /**
   * `ifTrue` of every request after the first: whether the platform sends this step. After a receiver
   * rejects the call ({"error": …} to assistant-request), it sends only the status-update that ends it.
   */
  function hmsSends(vars: Context['vars']): boolean {
    const call = vars.hmsCall;
    if (call?.rejected === undefined) return true;
    if (plan.steps[call.step]?.endsCall === true) return true;
    call.step++;
    return false;
  }

  /** beforeRequest: the flow's next step, signed now. The body is bytes, so Artillery neither re-serialises nor templates it. */
  function hmsSign(requestParams: RequestParams, context: Context, _events: Events, done: Done): void {
    const call = context.vars.hmsCall;
    const step = call === undefined ? undefined : plan.steps[call.step];
    if (call === undefined || step === undefined) {
      done(new Error('hms-webhook: the flow has more requests than payloads.json has steps, or no hmsStartCall before them'));
      return;
    }
    call.step++;
    const now = Date.now();
    const document = buildPayload(step, call, now);
    const body = Buffer.from(JSON.stringify(document));
    const timestamp = String(Math.floor(now / 1000));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'x-webhook-event': step.event,
      'x-webhook-timestamp': timestamp,
    };
    try {
      if (plan.signed) headers['x-webhook-signature'] = signatureOf(secret(), timestamp, body);
    } catch (error) {
      done(error as Error);
      return;
    }
    requestParams.headers = { ...requestParams.headers, ...headers };
    delete requestParams.json;
    requestParams.body = body;
    call.pending = { step, document };
    done();
  }

  /** afterResponse: the platform's checks, as `send` makes them; a failure fails this virtual user. */
  function hmsCheck(_requestParams: RequestParams, response: Response, context: Context, events: Events, done: Done): void {
    const call = context.vars.hmsCall;
    const pending = call?.pending;
    if (call === undefined || pending === undefined) {
      done();
      return;
    }
    call.pending = undefined;
    const { event } = pending.step;
    const ms = response.timings?.phases?.total;
    if (typeof ms === 'number') events.emit('histogram', `hms_webhook.${event}.response_time`, ms);
    const problem = replyProblem(pending, response, call, plan.dialect);
    if (problem === undefined) {
      events.emit('counter', `hms_webhook.${event}.passed`, 1);
      if (event === 'assistant-request' && call.rejected !== undefined) events.emit('counter', 'hms_webhook.calls_rejected', 1);
      done();
      return;
    }
    events.emit('counter', `hms_webhook.${event}.failed`, 1);
    done(new Error(`hms-webhook: ${event}: ${problem}`));
  }

  return { hmsStartCall, hmsSends, hmsSign, hmsCheck };
}

/** Why the platform could not use this reply (send's checks), or undefined; a reply that configures or rejects the call is kept. */
function replyProblem(
  pending: NonNullable<CallState['pending']>,
  response: Response,
  call: CallState,
  dialect: Dialect,
): string | undefined {
  const { step, document } = pending;
  const contentType = response.headers?.['content-type'];
  const latencyMs = response.timings?.phases?.total;
  const verdict = checkReceivedReply({
    event: step.event,
    dialect,
    request: document,
    reply: {
      status: response.statusCode,
      contentType: Array.isArray(contentType) ? contentType[0] : contentType,
      body: Buffer.isBuffer(response.body) ? response.body : Buffer.from(response.body ?? ''),
      ...(typeof latencyMs === 'number' ? { latencyMs } : {}),
    },
    ...(step.async === true ? { asyncTool: true } : {}),
  });
  if (!verdict.ok) return stepFailure({ verdict });
  const reply = asObject(verdict.parsed);
  if (step.event === 'assistant-request' && reply !== undefined) {
    if (typeof reply.error === 'string') call.rejected = reply.error;
    const assistant = asObject(reply.assistant);
    if (assistant !== undefined) call.assistant = withoutSecrets(assistant);
  }
  return undefined;
}
