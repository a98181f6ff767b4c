import * as z from 'zod/mini';

// The one vocabulary of `--json`: every record any command prints, one JSON object per line, told apart
// by `type`. `hms-webhook schema output` prints it as a JSON Schema; a test validates every command's
// --json against it. Records are open objects: the fields named here are promised, more may follow.

const nullableNumber = z.nullable(z.number());
const check = z.object({
  name: z.string(),
  severity: z.enum(['pass', 'warning', 'failure']),
  message: z.optional(z.string()),
});
const finding = z.looseObject({ path: z.string(), message: z.string() });
/** What came of a sent request: the reply's status, latency, checks and outcome, or why none came. */
const replyResult = {
  status: z.nullable(z.int()),
  latency_ms: nullableNumber,
  checks: z.array(check),
  outcome: z.array(z.string()),
};
const signature = z.looseObject({ checked: z.boolean(), ok: z.optional(z.boolean()) });
const loadFigures = {
  sent: z.int(),
  elapsed_ms: z.number(),
  answered: z.int(),
  requests_per_second: z.number(),
  latency_ms: z.looseObject({ mean: z.number(), p50: z.number(), p90: z.number(), p99: z.number(), max: z.number() }),
  statuses: z.record(z.string(), z.int()),
  errors: z.record(z.string(), z.int()),
  failures: z.record(z.string(), z.int()),
};

export const RECORDS = {
  /** send: one request and its reply. */
  send: z.looseObject({
    type: z.literal('send'),
    url: z.string(),
    event: z.string(),
    dialect: z.string(),
    attempt: z.int(),
    request: z.looseObject({ headers: z.record(z.string(), z.string()), bytes: z.int() }),
    ...replyResult,
    reply: z.unknown(),
    ok: z.boolean(),
  }),
  /** send call, demo: one delivery of a call. */
  step: z.looseObject({
    type: z.literal('step'),
    index: z.int(),
    event: z.string(),
    label: z.string(),
    call_id: z.string(),
    delivery: z.enum(['first', 'duplicate', 'redelivery']),
    ...replyResult,
    ok: z.boolean(),
  }),
  /** send call --chaos, demo --chaos: the deliveries of a call, before it is played. */
  plan: z.looseObject({
    type: z.literal('plan'),
    seed: z.optional(z.int()),
    faults: z.array(z.looseObject({ step: z.string(), fault: z.string(), variant: z.string(), description: z.string() })),
    skipped: z.array(z.looseObject({ fault: z.string(), why: z.string() })),
    deliveries: z.array(z.looseObject({ index: z.int(), step: z.string(), kind: z.string() })),
  }),
  /** send call: a step the platform would not send (webhook_events leaves it out). */
  'not-sent': z.looseObject({ type: z.literal('not-sent'), event: z.string(), label: z.string(), call_id: z.string(), reason: z.string() }),
  /** send call --check/--check-url: the check at the end of a call failed. */
  check: z.looseObject({ type: z.literal('check'), phase: z.literal('end'), call_id: z.string(), ok: z.boolean(), message: z.string() }),
  /** send call --calls: one call, done. */
  call: z.looseObject({
    type: z.literal('call'),
    index: z.int(),
    call_id: z.string(),
    seed: z.optional(z.int()),
    faults: z.array(z.string()),
    passed: z.int(),
    failed: z.int(),
    failure: z.optional(z.string()),
  }),
  /** Tools fuzzed (send --fuzz, send call --fuzz): one tool. */
  fuzz: z.looseObject({
    type: z.literal('fuzz'),
    tool: z.string(),
    route: z.looseObject({ url: z.string(), source: z.string() }),
    seed: z.int(),
    cases: z.int(),
    kinds: z.array(z.looseObject({ name: z.string(), runs: z.int() })),
    ok: z.boolean(),
    failure: z.optional(z.looseObject({ kind: z.string(), reason: z.string(), reproduce: z.string() })),
  }),
  /** tools check: one tool, its definition and one call. */
  tool: z.looseObject({
    type: z.literal('tool'),
    tool: z.string(),
    async: z.boolean(),
    route: z.looseObject({ url: z.string(), source: z.string(), secret: z.enum(['tool', 'assistant']) }),
    arguments: z.record(z.string(), z.unknown()),
    problems: z.array(z.string()),
    status: z.nullable(z.int()),
    latency_ms: nullableNumber,
    failure: z.optional(z.string()),
    /** Why the tool was not called (its own URL is off this machine). */
    skipped: z.optional(z.string()),
    warnings: z.array(z.string()),
    ok: z.boolean(),
  }),
  /** probe: one case. */
  probe: z.looseObject({
    type: z.literal('probe'),
    case: z.string(),
    expected: z.enum(['2xx', 'non-2xx']),
    status: z.nullable(z.int()),
    verdict: z.enum(['pass', 'fail', 'warn', 'inconclusive']),
    why: z.string(),
    note: z.optional(z.string()),
    failure: z.optional(z.string()),
  }),
  /** send load: the figures of the run. */
  load: z.looseObject({ type: z.literal('load'), url: z.string(), concurrency: z.int(), ...loadFigures, expect: z.string() }),
  /** send load --ramp: every step, the knee and the answer. */
  ramp: z.looseObject({
    type: z.literal('ramp'),
    url: z.string(),
    event: z.string(),
    deadline_ms: z.number(),
    threshold_ms: z.number(),
    every_ms: z.number(),
    step_seconds: z.number(),
    steps: z.array(z.looseObject({ concurrency: z.int(), ...loadFigures, holds: z.boolean() })),
    knee: z.nullable(z.int()),
    answer: z.string(),
  }),
  /** send load --emit artillery: the project written. */
  emit: z.looseObject({
    type: z.literal('emit'),
    engine: z.literal('artillery'),
    dir: z.string(),
    files: z.array(z.string()),
    requests_per_user: z.int(),
    run: z.string(),
  }),
  /** listen: accepting connections (the first line). */
  listening: z.looseObject({ type: z.literal('listening'), url: z.string() }),
  /** listen, demo: one request received. */
  event: z.looseObject({
    type: z.literal('event'),
    received_at: z.string(),
    method: z.string(),
    path: z.string(),
    event: z.nullable(z.string()),
    dialect: z.nullable(z.string()),
    call_id: z.nullable(z.string()),
    passed: z.boolean(),
    signature,
    errors: z.array(finding),
    warnings: z.array(finding),
    reply: z.looseObject({ status: z.int() }),
    latency_ms: z.number(),
  }),
  /** verify, demo: one captured request checked. */
  request: z.looseObject({
    type: z.literal('request'),
    location: z.string(),
    received_at: z.nullable(z.string()),
    event: z.nullable(z.string()),
    dialect: z.nullable(z.string()),
    call_id: z.nullable(z.string()),
    passed: z.boolean(),
    signature,
    errors: z.array(finding),
    warnings: z.array(finding),
    reply: z.nullable(z.looseObject({ ok: z.boolean(), checks: z.array(check), outcome: z.array(z.string()) })),
  }),
  /** replay: one capture sent again. */
  replay: z.looseObject({
    type: z.literal('replay'),
    location: z.string(),
    event: z.nullable(z.string()),
    call_id: z.nullable(z.string()),
    request: z.looseObject({ headers: z.record(z.string(), z.string()), bytes: z.int() }),
    ...replyResult,
    ok: z.boolean(),
  }),
  /** validate: one document. */
  document: z.looseObject({
    type: z.literal('document'),
    source: z.string(),
    kind: z.enum(['payload', 'reply']),
    event: z.nullable(z.string()),
    dialect: z.string(),
    valid: z.boolean(),
    errors: z.array(finding),
    warnings: z.array(finding),
  }),
  /** validate, verify: an input, or a line of one, that could not be read. */
  unreadable: z.looseObject({ type: z.literal('unreadable'), message: z.string() }),
  /** fixtures --json: one built-in payload or reply. */
  fixture: z.looseObject({
    type: z.literal('fixture'),
    name: z.string(),
    event: z.string(),
    variant: z.string(),
    kind: z.enum(['payload', 'reply']),
    description: z.string(),
  }),
  /** fixtures --json: one built-in call scenario. */
  scenario: z.looseObject({ type: z.literal('scenario'), name: z.string(), description: z.string() }),
  /** scenario from --json: the scenario written, or (without --out) the scenario itself. */
  written_scenario: z.looseObject({
    type: z.literal('written_scenario'),
    call_id: z.string(),
    turns: z.int(),
    tool_turns: z.int(),
    requests: z.int(),
    complete: z.boolean(),
    out: z.nullable(z.string()),
    redacted: z.nullable(z.object({ phone_numbers: z.int(), names: z.int(), texts: z.int() })),
    scenario: z.optional(z.looseObject({})),
  }),
  /** init --json: the receiver project written, and the commands that run and check it. */
  project: z.looseObject({
    type: z.literal('project'),
    framework: z.string(),
    dialect: z.string(),
    lang: z.nullable(z.enum(['ts', 'js'])),
    out: z.string(),
    files: z.array(z.string()),
    next: z.array(z.string()),
  }),
  /** The last line of every checking command: the counts, and what the command adds. */
  summary: z.looseObject({ type: z.literal('summary'), passed: z.optional(z.int()), failed: z.optional(z.int()) }),
};

export type RecordType = keyof typeof RECORDS;
/** A --json record of the given type. */
export type OutputRecord<T extends RecordType = RecordType> = z.output<(typeof RECORDS)[T]>;

/** The fields of a record that say what came of a sent request. */
export type ReplyResultFields = Pick<OutputRecord<'send'>, 'status' | 'latency_ms' | 'checks' | 'outcome'>;
/** The figures of a load run, or of one step of a ramp. */
export type LoadFigures = z.output<z.ZodMiniObject<typeof loadFigures>>;

/** The JSON Schema of every --json line: one of the records, told apart by `type`. */
export function outputSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(z.union(Object.values(RECORDS)), { unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    title: 'hms-webhook --json record',
    description: 'One line of the JSONL that any hms-webhook command prints with --json.',
  };
}
