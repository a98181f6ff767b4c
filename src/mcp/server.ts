import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ReadResourceResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { inputGuard, parseObject, Refused } from './input-guard.js';
import { keptListener } from './kept-listener.js';
import { webhookReference } from './webhook-reference.js';
import * as z from 'zod/mini';
import type { Clock } from '../clock.js';
import { fixtureRecords } from '../commands/fixtures/render.js';
import { probeJson } from '../commands/probe/render.js';
import { callStepJson, callsJson } from '../commands/send/call-render.js';
import { fuzzJson } from '../commands/send/fuzz-render.js';
import { replayJson } from '../commands/replay/render.js';
import { sendJson } from '../commands/send/render.js';
import { toolCheckJson } from '../commands/tools/render.js';
import { documentJson } from '../commands/validate/render.js';
import { verifyJson } from '../commands/verify/render.js';
import { checkTools } from '../engine/check-tools.js';
import { type CallEvent, playCalls } from '../engine/play-calls.js';
import { fuzzTools } from '../engine/fuzz-tools.js';
import { probeReceiver } from '../engine/probe-receiver.js';
import { replayCaptures } from '../engine/replay-captures.js';
import { sendEvent } from '../engine/send-event.js';
import { validateText } from '../engine/validate-documents.js';
import { verifyCaptureFile } from '../engine/verify-captures.js';
import { HmsWebhookError } from '../errors.js';
import { EVENTS, isEvent } from '../platform/events.js';
import { listFixtures, listScenarios, loadFixture } from '../platform/fixtures.js';
import { loadScenario } from '../platform/scenario.js';
import { formatPath, jsonSchema } from '../platform/schemas/index.js';
import { assistantOf, toolsOf } from '../platform/assistant-tools.js';
import { urlCheck } from '../sending/side-effect-check.js';
import { diagnoseSignature } from '../signing/diagnosis.js';
import { DEFAULT_TOLERANCE_SECONDS } from '../defaults.js';

/** What the server is given at start, and nothing a tool call can widen. */
export interface McpServerOptions {
  /** The webhook secrets, from the environment or a secret file: never from a tool argument. */
  secrets: readonly string[];
  /** Every file a tool reads stays under this folder. */
  root: string;
  /** Targets off this machine are refused unless the server was started to allow them. */
  allowRemote: boolean;
  version: string;
  clock: Clock;
}

const TIMEOUT_MS = 10_000;

/**
 * The MCP face of the engine: each tool parses its input, checks it against what the server was
 * started with, calls the library and returns the same records `--json` prints, with a short text.
 */
export function createMcpServer(options: McpServerOptions): { server: McpServer; close(): Promise<void> } {
  const server = new McpServer({ name: 'hms-webhook', version: options.version });
  const guard = inputGuard(options);
  /** An assistant as `--assistant` reads it: an assistant-request reply, or the assistant itself. */
  const assistantIn = (text: string) => {
    const assistant = assistantOf(parseObject(text, 'assistant'));
    if (assistant === undefined)
      throw new Refused(
        'assistant is neither an assistant-request reply with an assistant nor an assistant (no llm_config, tools or webhook_events)',
      );
    return assistant;
  };
  /** Tool name → URL, each a target the server may send to. */
  const routesOf = (routes: Record<string, string> | undefined) =>
    new Map(Object.entries(routes ?? {}).map(([name, route]) => [name, guard.target(route).href]));

  const tool = <Shape extends z.core.$ZodShape>(
    name: string,
    description: string,
    shape: Shape,
    run: (input: z.infer<z.ZodMiniObject<Shape>>, extra: ToolExtra) => Promise<Answer>,
  ) =>
    server.registerTool(name, { description, inputSchema: shape }, (async (input: z.infer<z.ZodMiniObject<Shape>>, extra: ToolExtra) => {
      try {
        guard.noSecretIn(input);
        return answered(await run(input, extra));
      } catch (error) {
        if (error instanceof Refused || error instanceof HmsWebhookError) return refused(error.message);
        throw error;
      }
    }) as never);

  tool('list_fixtures', 'The built-in payloads, replies and call scenarios: names to give send_event and play_call.', {}, async () => {
    const records = fixtureRecords(listFixtures(), listScenarios());
    return { text: `${records.length} fixtures and scenarios`, records, ok: true };
  });

  const to = z.string().check(z.minLength(1));
  tool(
    'send_event',
    'Sign one event as the platform does, POST it to the receiver and judge the reply. A forgery checks that the receiver refuses it.',
    {
      to,
      fixture: z.optional(z.string()),
      payload: z.optional(z.string()),
      set: z.optional(z.array(z.string())),
      unset: z.optional(z.array(z.string())),
      dialect: z.optional(z.enum(['hms', 'flireo'])),
      forgery: z.optional(z.enum(['bad-signature', 'wrong-secret', 'unsigned', 'tamper'])),
      expect_status: z.optional(z.string()),
    },
    async (input) => {
      const url = guard.target(input.to);
      if (input.payload !== undefined && !/^\s*[[{]/.test(input.payload)) throw new Refused('payload is the JSON itself, not a file name');
      const sent = await sendEvent({
        url,
        ...(input.fixture !== undefined ? { fixture: input.fixture } : {}),
        ...(input.payload !== undefined ? { data: input.payload } : {}),
        ...(input.dialect !== undefined ? { dialect: input.dialect } : {}),
        set: input.set ?? [],
        unset: input.unset ?? [],
        secret: [...options.secrets],
        badSignature: input.forgery === 'bad-signature',
        wrongSecret: input.forgery === 'wrong-secret',
        unsigned: input.forgery === 'unsigned',
        tamper: input.forgery === 'tamper',
        ...(input.expect_status !== undefined ? { expectStatus: input.expect_status } : {}),
        timeoutMs: TIMEOUT_MS,
        clock: options.clock,
        env: {},
      });
      const records = sent.reports.map((report) => sendJson(report, false));
      const lines = records.map(
        (record) =>
          `${record.ok ? 'pass' : 'FAIL'} ${record.status ?? 'no reply'}: ${record.outcome.join('; ') || checkText(record.checks)}`,
      );
      return { text: lines.join('\n'), records, ok: sent.failed === 0 };
    },
  );

  tool(
    'play_call',
    'Play a whole call at the receiver, event after event as the platform sends them, each reply judged. Chaos plays duplicates, reordering, drops and retries from a seed; calls plays many at once, with progress, and stops starting calls when cancelled.',
    {
      to,
      scenario: z.optional(z.string()),
      dialect: z.optional(z.enum(['hms', 'flireo'])),
      chaos: z.optional(z.array(z.enum(['dup', 'reorder', 'drop', 'late', 'redeliver', 'overlap']))),
      seed: z.optional(z.int()),
      calls: z.optional(z.int().check(z.minimum(1), z.maximum(10_000))),
      assistant: z.optional(z.string()),
      routes: z.optional(z.record(z.string(), z.string())),
      check_url: z.optional(z.string()),
    },
    async (input, extra) => {
      const url = guard.target(input.to);
      const assistant = input.assistant === undefined ? undefined : assistantIn(input.assistant);
      const scenario = await loadScenario({ name: input.scenario ?? 'book-appointment' });
      const calls = input.calls ?? 1;
      const chaos = input.chaos !== undefined && input.chaos.length > 0 ? { faults: input.chaos, seed: input.seed ?? 1 } : undefined;
      const steps: ReturnType<typeof callStepJson>[] = [];
      let done = 0;
      const notified: Promise<void>[] = [];
      const outcome = await playCalls(
        {
          url,
          scenario: scenario.scenario,
          label: scenario.label,
          ...(input.dialect !== undefined ? { dialect: input.dialect } : {}),
          secret: options.secrets[0],
          timeoutMs: TIMEOUT_MS,
          clock: options.clock,
          ...(chaos !== undefined ? { chaos } : {}),
          ...(assistant !== undefined ? { assistant } : {}),
          routes: routesOf(input.routes),
          allowRemoteTools: options.allowRemote,
          ...(input.check_url !== undefined ? { check: urlCheck(guard.target(input.check_url), TIMEOUT_MS) } : {}),
          calls,
          stopped: () => extra.signal.aborted,
        },
        (event: CallEvent) => {
          if (calls === 1 && event.type === 'step') steps.push(callStepJson(event.report, event.callId));
          if (event.type === 'call') notified.push(progress(extra, ++done, calls));
        },
      );
      await Promise.all(notified);
      if (calls > 1) {
        const { passed, failed } = outcome.tally;
        const first = outcome.firstFailed;
        const text = `${passed} of ${calls} calls passed${first !== undefined ? `; call ${first.call} failed first: ${first.failure}` : ''}${extra.signal.aborted ? ' (cancelled)' : ''}`;
        return { text, records: [callsJson(outcome.tally, chaos?.seed)], ok: failed === 0 && !extra.signal.aborted };
      }
      const failure = outcome.first?.failure;
      const failed = steps.filter((step) => !step.ok);
      const text =
        failure === undefined
          ? `${steps.length} steps, all passed`
          : failed.length > 0
            ? [
                'the call failed:',
                ...failed.map((step) => `step ${step.index} ${step.event} ${step.label}: ${checkText(step.checks)}`),
              ].join('\n')
            : `the call failed: ${failure}`;
      return { text, records: steps, ok: failure === undefined };
    },
  );

  tool(
    'fuzz_tools',
    "Call an assistant's tools with generated arguments from their parameters, valid then odd ones; a bad reply is shrunk to the smallest arguments that still get it.",
    {
      to,
      assistant: z.string(),
      routes: z.optional(z.record(z.string(), z.string())),
      runs: z.optional(z.int().check(z.minimum(1), z.maximum(1000))),
      seed: z.optional(z.int()),
    },
    async (input) => {
      const assistant = assistantIn(input.assistant);
      const seed = input.seed ?? 1;
      const fuzzed = await fuzzTools({
        tools: toolsOf(assistant),
        routes: routesOf(input.routes),
        allowRemoteTools: options.allowRemote,
        receiver: guard.target(input.to).href,
        ...(input.runs !== undefined ? { runs: input.runs } : {}),
        seed,
        dialect: 'hms',
        secret: options.secrets[0],
        clock: options.clock,
      });
      const records = fuzzed.results.map((result) => fuzzJson(result, seed));
      const failures = fuzzed.results.flatMap((result) =>
        result.failure === undefined ? [] : [`${result.tool}: ${result.failure.kind}: ${result.failure.reason}`],
      );
      return {
        text: failures.length === 0 ? `${fuzzed.passed} tools passed (seed ${seed})` : failures.join('\n'),
        records,
        ok: fuzzed.failed === 0,
      };
    },
  );

  tool(
    'replay',
    'Send saved requests again to the receiver, each re-signed now; with compare, its replies now are matched against the ones recorded.',
    { file: z.string(), to, compare: z.optional(z.boolean()) },
    async (input) => {
      const file = guard.file(input.file);
      const secret = options.secrets[0];
      const records: ReturnType<typeof replayJson>[] = [];
      const counts = await replayCaptures(
        {
          source: file,
          url: guard.target(input.to),
          signing: secret === undefined ? { kind: 'unsigned' } : { kind: 'resign', secret },
          selection: { lines: [] },
          timeoutMs: TIMEOUT_MS,
          compare: input.compare === true,
          clock: options.clock,
        },
        (report) => records.push(replayJson(report)),
      );
      const failed = records.filter((record) => !record.ok);
      const text =
        failed.length === 0
          ? `${counts.passed} passed`
          : failed
              .map((record) => `${record.location} ${record.event}: ${record.outcome.join('; ') || checkText(record.checks)}`)
              .join('\n');
      return { text, records, ok: counts.failed === 0 };
    },
  );

  tool(
    'probe',
    'Is the receiver safe? The valid request and its correctly signed variants must be accepted, every forgery refused.',
    { to, fixture: z.optional(z.string()) },
    async (input) => {
      const url = guard.target(input.to);
      const secret = options.secrets[0];
      if (secret === undefined)
        throw new Refused('probe needs the webhook secret: start the server with HMS_WEBHOOK_SECRET or --secret-file');
      const outcome = await probeReceiver({
        url,
        secret,
        ...(input.fixture !== undefined ? { fixture: input.fixture } : {}),
        timeoutMs: TIMEOUT_MS,
        clock: options.clock,
      });
      const records = outcome.results.map(probeJson);
      const text = outcome.failed === 0 ? `${outcome.passed} cases passed` : `your receiver ${outcome.problems.join(' and ')}`;
      return { text, records, ok: outcome.failed === 0 };
    },
  );

  tool(
    'check_tools',
    "Lint an assistant's webhook tools and call each once, at its route, with valid arguments from its parameters.",
    { to, assistant: z.string(), routes: z.optional(z.record(z.string(), z.string())) },
    async (input) => {
      const receiver = guard.target(input.to);
      const assistant = assistantIn(input.assistant);
      const routes = routesOf(input.routes);
      const checks: ReturnType<typeof toolCheckJson>[] = [];
      const checked = await checkTools(
        { assistant, receiver, routes, allowRemoteTools: options.allowRemote, secret: options.secrets[0], clock: options.clock },
        (check) => checks.push(toolCheckJson(check)),
      );
      const text = `${checked.passed} passed, ${checked.failed} failed${checked.skipped > 0 ? `, ${checked.skipped} not called (off this machine)` : ''}`;
      return { text, records: checks, ok: checked.failed === 0 };
    },
  );

  tool(
    'verify_captures',
    'Check requests saved by `listen --save` (or a HAR file): each signature (with why it fails), timestamp and payload.',
    { file: z.string() },
    async (input) => {
      const file = guard.file(input.file);
      const records: ReturnType<typeof verifyJson>[] = [];
      const counts = await verifyCaptureFile(
        file,
        {
          secrets: options.secrets.map((secret, index) => ({ secret, label: `secret ${index + 1}`, accepted: true })),
          toleranceSeconds: DEFAULT_TOLERANCE_SECONDS,
          clock: () => Math.floor(options.clock.now() / 1000),
        },
        (report) => {
          records.push(verifyJson(report));
        },
      );
      return { text: `${counts.passed} passed, ${counts.failed} failed`, records, ok: counts.failed === 0 && counts.unreadable === 0 };
    },
  );

  tool(
    'validate',
    "Check a payload (or a reply to an event) against the platform's schemas, as its SDK types them: errors and warnings with their paths.",
    {
      json: z.string(),
      reply: z.optional(z.enum(EVENTS)),
      request: z.optional(z.string()),
      event: z.optional(z.enum(EVENTS)),
      dialect: z.optional(z.enum(['hms', 'flireo'])),
    },
    async (input) => {
      const { results, unreadable } = await validateText(input.json, 'json', {
        ...(input.reply !== undefined ? { reply: input.reply } : {}),
        ...(input.request !== undefined ? { request: parseObject(input.request, 'request') } : {}),
        ...(input.event !== undefined ? { event: input.event } : {}),
        ...(input.dialect !== undefined ? { dialect: input.dialect } : {}),
      });
      if (unreadable.length > 0) throw new Refused(unreadable.map((problem) => problem.message).join('; '));
      const records = results.map(documentJson);
      const findings = results.flatMap((result) => result.errors.map((error) => `${formatPath(error.path)}: ${error.message}`));
      const warnings = results.reduce((n, result) => n + result.warnings.length, 0);
      const text = findings.length === 0 ? `valid${warnings > 0 ? ` (${warnings} warnings)` : ''}` : findings.join('\n');
      return { text, records, ok: findings.length === 0 };
    },
  );

  tool(
    'explain_signature',
    "Why does a request's signature not match? The body as received and its headers, checked against the server's secret and the mistakes that explain a mismatch.",
    { body: z.string(), headers: z.record(z.string(), z.string()) },
    async (input) => {
      const diagnosis = diagnoseSignature({
        body: Buffer.from(input.body, 'utf8'),
        headers: input.headers,
        secrets: options.secrets.map((secret, index) => ({ secret, label: `secret ${index + 1}`, accepted: true })),
      });
      return {
        text: diagnosis.message,
        records: [{ type: 'diagnosis', causes: diagnosis.causes, message: diagnosis.message }],
        ok: diagnosis.causes.length === 0,
      };
    },
  );

  const listening = keptListener(options.secrets, guard);
  tool(
    'start_listener',
    'Start a listener kept by the server on a free port of 127.0.0.1: it verifies, answers and (with forward_to) forwards each request, and saves it (save: a file under the root).',
    { forward_to: z.optional(z.string()), save: z.optional(z.string()) },
    async (input) => {
      const url = await listening.start(input.forward_to, input.save);
      return { text: `listening on ${url}`, records: [{ type: 'listening', url }], ok: true };
    },
  );
  tool(
    'read_listener',
    "The requests the server's listener received since a cursor (0: all), each with its verdict, and the cursor to read on from.",
    { since: z.optional(z.int().check(z.minimum(0))) },
    async (input) => {
      const { records, cursor } = listening.read(input.since ?? 0);
      const failed = records.filter((record) => !record.passed).length;
      return { text: `${records.length} requests, ${failed} failed; read on from cursor ${cursor}`, records, ok: failed === 0, cursor };
    },
  );
  tool(
    'stop_listener',
    "Stop the server's listener: requests in flight are answered and saved first. Gives the requests not read yet, then the summary.",
    {},
    async () => {
      const { passed, failed, unread } = await listening.stop();
      return {
        text: `stopped: ${passed} passed, ${failed} failed`,
        records: [...unread, { type: 'summary', stopped_by: 'stop_listener', passed, failed }],
        ok: failed === 0,
      };
    },
  );

  server.registerResource(
    'fixture',
    new ResourceTemplate('hms-webhook://fixtures/{kind}/{event}/{variant}', { list: undefined }),
    {
      description: 'A built-in payload (kind payload) or reply (kind reply), as the platform sends or expects it',
      mimeType: 'application/json',
    },
    async (uri, variables) => {
      const kind = variables.kind === 'reply' ? 'reply' : 'payload';
      const { document } = loadFixture(`${variables.event}/${variables.variant}`, { kind });
      return resourceText(uri, 'application/json', `${JSON.stringify(document, null, 2)}\n`);
    },
  );
  server.registerResource(
    'schema',
    new ResourceTemplate('hms-webhook://schemas/{dialect}/{event}/{form}', { list: undefined }),
    {
      description: "The JSON Schema of an event's payload (form payload) or of its reply (form reply), in the hms or the flireo dialect",
      mimeType: 'application/schema+json',
    },
    async (uri, variables) => {
      const event = String(variables.event);
      if (!isEvent(event)) throw new Refused(`no event ${event}: ${EVENTS.join(', ')}`);
      const dialect = variables.dialect === 'flireo' ? 'flireo' : 'hms';
      const schema = jsonSchema(event, dialect, variables.form === 'reply' ? 'reply' : 'payload');
      return resourceText(uri, 'application/schema+json', `${JSON.stringify(schema, null, 2)}\n`);
    },
  );
  server.registerResource(
    'reference',
    'hms-webhook://reference',
    { description: "The platform's webhooks: each event, its deadline, its reply forms, and the signature", mimeType: 'text/markdown' },
    async (uri) => resourceText(uri, 'text/markdown', webhookReference()),
  );
  server.registerResource(
    'listener-events',
    'hms-webhook://listener/events',
    {
      description: "What the server's listener received so far, one JSON event per line (as listen --json)",
      mimeType: 'application/jsonl',
    },
    async (uri) =>
      resourceText(
        uri,
        'application/jsonl',
        listening
          .peek()
          .map((record) => `${JSON.stringify(record)}\n`)
          .join(''),
      ),
  );
  return {
    server,
    close: async () => {
      await listening.close();
      await server.close();
    },
  };
}

/** What a tool found: a line or two an agent can act on, and the records behind it. */
interface Answer {
  text: string;
  records: object[];
  ok: boolean;
  /** read_listener: where to read on from. */
  cursor?: number;
}

function answered(answer: Answer): CallToolResult {
  return {
    content: [{ type: 'text', text: answer.text }],
    structuredContent: { ok: answer.ok, records: answer.records, ...(answer.cursor !== undefined ? { cursor: answer.cursor } : {}) },
  };
}

type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * Progress of a long call, when the agent asked for it (a progress token in the request). The caller
 * awaits what this returns before it answers, so that no progress comes after the result.
 */
function progress(extra: ToolExtra, done: number, total: number): Promise<void> {
  const progressToken = extra._meta?.progressToken;
  if (progressToken === undefined) return Promise.resolve();
  return extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress: done, total } });
}

/** A resource's one text content, as the SDK reads it back. */
function resourceText(uri: URL, mimeType: string, text: string): ReadResourceResult {
  return { contents: [{ uri: uri.href, mimeType, text }] };
}

function refused(message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: message }] };
}

function checkText(checks: readonly { name: string; severity: string; message?: string }[]): string {
  return checks
    .filter((check) => check.severity !== 'pass')
    .map((check) => `${check.name}: ${check.message}`)
    .join('; ');
}
