import type { CommandContext } from '../../cli/command-context.js';
import { TestReport } from '../../output/test-report.js';
import { resolveSecrets } from '../../signing/secrets.js';
import { seedOf } from './chaos-options.js';
import { CheckFailed, UsageError } from '../../errors.js';
import { isEvent } from '../../platform/events.js';
import { checkReceivedReply, judgedAs } from '../../platform/reply-check.js';
import { Reporter } from '../../output/reporter.js';
import { NetworkFailure, postOnce } from '../../sending/http.js';
import { parseTarget } from '../../sending/target.js';
import type { SendOptions } from './command.js';
import { sendJson, sendLines, type SendReport } from './render.js';
import { prepareRequest } from './request.js';
import { isOwnRoute, routeOf, routeToolCalls, toolsOf, undeclaredTool } from '../../platform/assistant-tools.js';
import { asObject } from '../../platform/schemas/common.js';
import { parseRoutes, readAssistantFile } from '../tool-routing.js';

/** `send EVENT`: one request (or --repeat identical ones), its reply checked as the platform would use it. */
export async function runSend(name: string | undefined, options: SendOptions, context: CommandContext): Promise<void> {
  if (options.count !== undefined) {
    throw new UsageError(`load mode is its own command now: hms-webhook send load ${name ?? 'EVENT'} --count ${options.count}`);
  }
  const { io } = context;
  const reporter = new Reporter(io, { json: options.json === true, color: context.color() });
  const url = parseTarget(options.to);
  const prepared = await prepareRequest(name, url, options, io, (text) => reporter.note(text));
  const { event, dialect, document, forgery, signedWith } = prepared;
  if (options.fuzz !== undefined && event !== 'tool-calls')
    throw new UsageError(`--fuzz sends tool calls: send tool-calls --fuzz, not ${event}`);
  if (options.seed !== undefined && options.fuzz === undefined) throw new UsageError('--seed is the seed of --fuzz: add --fuzz');
  const checkedAs = judgedAs(event);
  if (forgery !== undefined && options.expectStatus === undefined) {
    reporter.note(
      `this request is forged (--${forgery}); a careful receiver refuses it — add --expect-status 4xx to make a refusal the pass`,
    );
  }
  const routes = parseRoutes(options.route);
  // Routed by --assistant only, not by the assistant a payload echoes: a plain send goes where --to says.
  const assistant = options.assistant !== undefined ? await readAssistantFile(options.assistant, io.stdin) : undefined;
  // Tool calls go where the platform sends them: each tool's own URL (or --route), else --to.
  const parts =
    event === 'tool-calls'
      ? routeToolCalls(asObject(document) ?? {}, dialect, toolsOf(assistant), routes, url.href)
      : [{ route: routeOf(undefined, routes, url.href), document, async: false, tools: [] }];
  if (event !== 'tool-calls' && (options.assistant !== undefined || routes.size > 0))
    reporter.note(`--assistant and --route route tool calls: this ${event} goes to ${url.href}`);
  if (options.fuzz !== undefined) {
    // Fuzzing replaces the send: the tools of the assistant, or with none known, those the payload calls (with no schema).
    const named = toolsOf(assistant);
    const called = parts.flatMap((part) => part.tools);
    const tools = named.length > 0 ? named : called.map(undeclaredTool);
    if (named.length === 0) reporter.note('--fuzz: no tool definitions (give --assistant FILE): the arguments follow no parameters schema');
    const seed = seedOf(options.seed);
    // The fuzzer (fast-check) loads only when asked for.
    const { DEFAULT_FUZZ_RUNS, runFuzz } = await import('./run-fuzz.js');
    const fuzzed = await runFuzz(
      {
        tools,
        routes,
        receiver: url.href,
        runs: options.fuzz === true ? DEFAULT_FUZZ_RUNS : options.fuzz,
        seed,
        dialect,
        secret: resolveSecrets(options, io.env)[0],
        clock: io.clock,
      },
      reporter,
      new TestReport('hms-webhook send --fuzz', undefined, io.env, io.clock.now),
    );
    reporter.summary(fuzzed.passed, fuzzed.failed, {
      fields: { seed },
      suffix: ` · reproduce the cases: --fuzz ${options.fuzz === true ? '' : `${options.fuzz} `}--seed ${seed}`,
    });
    if (fuzzed.failed > 0) throw new CheckFailed();
    return;
  }
  // --repeat sends each identical signed request again: a duplicate delivery.
  const outgoing = parts.map((part) =>
    parts.length === 1 && part.route.source === 'receiver' && part.route.secret === undefined
      ? prepared.make()
      : prepared.make({ url: new URL(part.route.url), document: part.document, secret: part.route.secret }),
  );
  let passed = 0;
  let failed = 0;
  for (let attempt = 1; attempt <= options.repeat; attempt++) {
    for (const [at, part] of parts.entries()) {
      const request = outgoing[at]!;
      const spinner = await startSpinner(`POST ${request.url.href} (${event})`, io);
      const routed = isOwnRoute(part.route);
      const base = {
        url: request.url.href,
        event,
        dialect,
        signedWith: routed && part.route.secret !== undefined && forgery === undefined ? "signed, the tool's own secret" : signedWith,
        attempt,
        repeat: options.repeat,
        request,
        ...(routed || parts.length > 1 ? { route: { tools: part.tools, source: part.route.source } } : {}),
        ...(part.async ? { async: true } : {}),
      };
      let report: SendReport;
      try {
        const reply = await postOnce(request, options.timeout * 1000, io.clock);
        const verdict = checkReceivedReply({
          event: checkedAs,
          dialect,
          request: part.document,
          reply,
          deadlineMs: isEvent(event) && options.deadline !== undefined ? options.deadline * 1000 : undefined,
          expectStatus: options.expectStatus,
          ...(part.async ? { asyncTool: true } : {}),
        });
        report = { ...base, reply, verdict };
      } catch (error) {
        // No reply in time, or the connection closed before one: the receiver failed to answer (exit 1).
        // Any other network failure (refused, unknown host) means we could not run.
        if (!(error instanceof NetworkFailure) || (error.kind !== 'timeout' && error.kind !== 'reset')) throw error;
        report = { ...base, failure: error.message };
      } finally {
        spinner?.stop();
      }
      if (report.verdict?.ok === true) passed++;
      else failed++;
      reporter.result(
        () => sendJson(report, options.verbose === true),
        () => sendLines(report, reporter.style, options.verbose === true),
      );
    }
  }
  if (options.repeat > 1 || parts.length > 1) reporter.summary(passed, failed);
  if (failed > 0) throw new CheckFailed();
}

/**
 * A spinner only on a terminal whose width is known, outside CI: in a log it is noise, and on a
 * terminal that reports 0 columns (some CI and `docker -t` setups) it would redraw for ever.
 */
async function startSpinner(text: string, io: CommandContext['io']): Promise<{ stop(): void } | undefined> {
  if (!io.stderr.isTTY || !((io.stderr.columns ?? 0) > 0) || io.env.CI) return undefined;
  const { default: ora } = await import('ora');
  return ora({ text, stream: io.stderr as NodeJS.WritableStream }).start();
}
