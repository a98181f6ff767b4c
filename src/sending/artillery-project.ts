import { toolsOf, notSentReason } from '../platform/assistant-tools.js';
import { keyIn, type Dialect } from '../platform/dialect.js';
import type { EventType } from '../platform/events.js';
import { CallScript, type CallStep, type Scenario } from '../platform/scenario.js';
import { asObject } from '../platform/schemas/common.js';
import { replyDeadlineMs } from '../platform/schemas/index.js';

/** One request of the flow each virtual user plays: the payload it is built from at send time. */
export interface ArtilleryStep {
  event: EventType;
  /** What the step is, for Artillery's request name: `in-progress`, the tool names… */
  label: string;
  payload: unknown;
  /** The platform's deadline for the reply, when the event has one. */
  deadlineSeconds?: number;
  /** Tool calls of `async: true` tools: only a 2xx is checked. */
  async?: boolean;
  /** The status-update that ends the call: the one step still sent after the receiver rejects the call. */
  endsCall?: boolean;
}

/** A lone event as the flow's one request. */
export function eventStep(event: EventType, payload: unknown): ArtilleryStep {
  return withDeadline({ event, label: event, payload });
}

/**
 * A whole call's requests in order, played against a receiver that answers each tool call with the
 * scenario's `tool_results` (else "ok"): the transcript of the report reads as a real one. Events the
 * assistant's webhook_events leaves out are not sent, as on the platform.
 */
export function callSteps(scenario: Scenario, options: { dialect: Dialect; set: readonly string[] }): ArtilleryStep[] {
  const d = options.dialect;
  const script = new CallScript(scenario, { dialect: d, set: options.set });
  const steps: ArtilleryStep[] = [];
  for (let step = script.next(); step !== undefined; step = script.next()) {
    if (notSentReason(step.event, script.assistantInPlay(), d) !== undefined) continue;
    const tools = step.event === 'tool-calls' ? toolNamesOf(step) : [];
    const declared = toolsOf(script.assistantInPlay());
    const async = tools.length > 0 && tools.every((name) => declared.find((tool) => tool.name === name)?.async === true);
    script.answer(step, step.event === 'tool-calls' ? toolReply(step, tools, scenario.tool_results ?? {}) : undefined);
    const endsCall = step.event === 'status-update' && step.label !== 'in-progress';
    steps.push(
      withDeadline({
        event: step.event,
        label: step.label,
        payload: step.document,
        ...(async ? { async } : {}),
        ...(endsCall ? { endsCall } : {}),
      }),
    );
  }
  return steps;
}

function withDeadline(step: ArtilleryStep): ArtilleryStep {
  const ms = replyDeadlineMs(step.event);
  return ms === undefined ? step : { ...step, deadlineSeconds: ms / 1000 };
}

function toolNamesOf(step: CallStep): string[] {
  const list = asObject(step.document.message)?.[keyIn(step.dialect, 'tool_call_list')];
  return Array.isArray(list) ? list.map((call) => String(asObject(asObject(call)?.function)?.name ?? '')) : [];
}

function toolReply(step: CallStep, tools: string[], results: Record<string, unknown>): unknown {
  return {
    results: step.toolCallIds.map((id, at) => ({
      [keyIn(step.dialect, 'tool_call_id')]: id,
      result: Object.hasOwn(results, tools[at] ?? '') ? results[tools[at]!] : 'ok',
    })),
  };
}

export interface ArtilleryProjectInput {
  /** The receiver: its origin is Artillery's target, its path and query every request's url. */
  target: URL;
  /** What each virtual user sends: one event, or a whole call in order. */
  steps: ArtilleryStep[];
  /** `tool-calls`, or `book-appointment (a whole call)`. */
  label: string;
  dialect: Dialect;
  /** false: unsigned, as the platform sends for an assistant without webhook_secret. */
  signed: boolean;
  /** Virtual users (single requests, or whole calls) over the phase. */
  arrivals: number;
  durationSeconds: number;
  timeoutSeconds: number;
  /** The processor, as the build bundles it (dist/bundle/artillery-processor.cjs). */
  processorSource: string;
  /** `hms-webhook 0.1.0`. */
  generator: string;
}

export interface ProjectFile {
  path: string;
  content: string;
}

export const ARTILLERY_SCRIPT = 'artillery.yml';
export const ARTILLERY_PROCESSOR = 'hms-webhook.js';
export const ARTILLERY_PAYLOADS = 'payloads.json';

/** The files of a ready Artillery project; none holds a secret (the processor reads HMS_WEBHOOK_SECRET at run time). */
export function artilleryProject(input: ArtilleryProjectInput): ProjectFile[] {
  const d = input.dialect;
  const payloads = {
    generator: input.generator,
    dialect: d,
    signed: input.signed,
    keys: {
      toolCallList: keyIn(d, 'tool_call_list'),
      toolCallId: keyIn(d, 'tool_call_id'),
      startedAt: keyIn(d, 'started_at'),
      endedAt: keyIn(d, 'ended_at'),
      endReason: keyIn(d, 'end_reason'),
      durationSeconds: keyIn(d, 'duration_seconds'),
      assistantId: keyIn(d, 'assistant_id'),
    },
    steps: input.steps,
  };
  return [
    { path: ARTILLERY_SCRIPT, content: artilleryScript(input) },
    { path: ARTILLERY_PROCESSOR, content: input.processorSource },
    { path: ARTILLERY_PAYLOADS, content: `${JSON.stringify(payloads, null, 2)}\n` },
    { path: 'README.md', content: projectReadme(input) },
  ];
}

/** YAML written by hand: every scalar is a JSON string or number, which YAML reads as it is. */
function artilleryScript(input: ArtilleryProjectInput): string {
  const q = (text: string) => JSON.stringify(text);
  const path = `${input.target.pathname}${input.target.search}`;
  const requests = input.steps.flatMap((step, index) => [
    '      - post:',
    `          url: ${q(path)}`,
    `          name: ${q(`${index + 1} ${step.event}${step.label === step.event ? '' : ` ${step.label}`}`)}`,
    ...(index > 0 ? [`          ifTrue: ${q('hmsSends')}`] : []),
    `          beforeRequest: ${q('hmsSign')}`,
    `          afterResponse: ${q('hmsCheck')}`,
  ]);
  return [
    `# Written by ${input.generator} (send load --emit artillery): ${input.label}, ${input.dialect} dialect.`,
    '# Every request is signed at send time by hms-webhook.js with HMS_WEBHOOK_SECRET; see README.md.',
    'config:',
    `  target: ${q(input.target.origin)}`,
    `  processor: ${q(`./${ARTILLERY_PROCESSOR}`)}`,
    '  http:',
    `    timeout: ${input.timeoutSeconds}`,
    '  phases:',
    `    - name: ${q('hms-webhook')}`,
    `      duration: ${input.durationSeconds}`,
    `      arrivalCount: ${input.arrivals}`,
    '  plugins:',
    '    ensure:',
    '      conditions:',
    '        # A reply that failed the platform checks fails its virtual user, and the run with it.',
    `        - expression: ${q('vusers.failed == 0')}`,
    'scenarios:',
    `  - name: ${q(input.label)}`,
    '    flow:',
    `      - function: ${q('hmsStartCall')}`,
    ...requests,
    '',
  ].join('\n');
}

function projectReadme(input: ArtilleryProjectInput): string {
  const events = input.steps.map((step) => step.event);
  const secretLine = input.signed
    ? 'export HMS_WEBHOOK_SECRET=…   # the assistant webhook_secret; or: export HMS_WEBHOOK_SECRET="$(cat .webhook-secret)"'
    : '# unsigned: this project sends no X-Webhook-Signature (written with --unsigned)';
  return `# Signed load for Artillery: ${input.label}

Written by ${input.generator} (\`send load --emit artillery\`) for ${input.target.href}, ${input.dialect} dialect.
Each virtual user sends ${events.length === 1 ? `one ${events[0]}` : `a whole call: ${events.join(' → ')}`}, with a call id of
its own; ${input.arrivals} virtual users over ${input.durationSeconds} s (per worker).

| file | what it is |
| --- | --- |
| \`${ARTILLERY_SCRIPT}\` | the test: target, phase, flow, and an \`ensure\` check that fails the run when any reply failed |
| \`${ARTILLERY_PROCESSOR}\` | signs each request at send time and checks each reply |
| \`${ARTILLERY_PAYLOADS}\` | the payloads each request is built from |

## Run it here

\`\`\`sh
npm install artillery@2          # Artillery 2.0.22 and later need Node 22; 2.0.21 runs on Node 20
${secretLine}
npx artillery run ${ARTILLERY_SCRIPT}
\`\`\`

The secret is read from \`HMS_WEBHOOK_SECRET\` when Artillery runs and is written into none of these
files. Artillery has telemetry of its own: see its documentation (\`ARTILLERY_DISABLE_TELEMETRY\`).

## What is sent

Every request is built when it is sent: the current \`X-Webhook-Timestamp\` (a receiver refuses one older
than 300 s, so prepared request files would not do), \`message.timestamp\`, this call's id, fresh tool call
ids, and \`X-Webhook-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">\` over the exact bytes
sent. The body is handed to Artillery as bytes, which it neither re-serialises nor templates. The headers are
the platform's: \`Content-Type\`, \`User-Agent: HMS-Sovereign/1.0\`, \`X-Webhook-Event\`, \`X-Webhook-Timestamp\`,
\`X-Webhook-Signature\`. In a whole call, the assistant that the receiver returns to assistant-request is
echoed in the later events (without its secrets), as the platform does; a call it rejects
(\`{"error": …}\`) gets only the status-update that ends it (\`end_reason: "rejected"\`), counted as
\`hms_webhook.calls_rejected\`.

Each reply is checked as the platform uses it: a 2xx; within the event's deadline (5 s for
assistant-request, 10 s for tool-calls); for assistant-request a JSON object naming an assistant
(\`assistant\`, \`${keyIn(input.dialect, 'assistant_id')}\` or \`error\`); for tool-calls a \`results\` entry for every tool call id.
A failed check fails the virtual user with its reason (\`errors.hms-webhook: …\` in the report); the counters
\`hms_webhook.<event>.passed\` / \`.failed\` and the histogram \`hms_webhook.<event>.response_time\` are per event.

## Run it on many machines

Call ids never collide between workers: each worker process draws a random prefix for its ids. To run
the same test from many machines, Artillery's own commands distribute it; \`--count\` is the number of
workers, each running the whole phase:

\`\`\`sh
npx artillery run-fargate --region eu-west-1 --count 10 --dotenv .env ${ARTILLERY_SCRIPT}
npx artillery run-lambda --region eu-west-1 --count 10 ${ARTILLERY_SCRIPT}
\`\`\`

Give the workers \`HMS_WEBHOOK_SECRET\` the way Artillery documents for each (\`--dotenv\` with a file kept
outside this folder, or its secrets store); the target must be reachable from them.

- https://www.artillery.io/docs/reference/cli/run-fargate
- https://www.artillery.io/docs/load-testing-at-scale/aws-fargate
- https://www.artillery.io/docs/reference/cli/run-lambda
- https://www.artillery.io/docs/reference/extensions/ensure

Change the load in \`${ARTILLERY_SCRIPT}\` (\`phases\`: \`arrivalRate\`, \`rampTo\`, \`duration\`; \`maxVusers\`
caps the virtual users in flight, and Artillery skips the arrivals past it), or add \`- think: 2\`
between requests for the seconds a real call has between its events.
`;
}
