import type { CommandContext } from '../../cli/command-context.js';
import { shownUrl } from '../../output/printable.js';
import { CheckFailed, UsageError } from '../../errors.js';
import { prepareEvent, type SendEventOptions, sendEvent } from '../../engine/send-event.js';
import { Reporter } from '../../output/reporter.js';
import { TestReport } from '../../output/test-report.js';
import { toolsOf, undeclaredTool } from '../../platform/assistant-tools.js';
import { resolveSecrets } from '../../signing/secrets.js';
import { parseRoutes, readAssistantFile } from '../tool-routing.js';
import { seedOf } from './chaos-options.js';
import type { SendOptions } from './command.js';
import { eventRequestOf } from './request-flags.js';
import { sendJson, sendLines } from './render.js';

/** `send EVENT`: one request (or --repeat identical ones), its reply checked as the platform would use it. */
export async function runSend(name: string | undefined, options: SendOptions, context: CommandContext): Promise<void> {
  if (options.count !== undefined) {
    throw new UsageError(`load mode is its own command now: hms-webhook send load ${name ?? 'EVENT'} --count ${options.count}`);
  }
  const { io } = context;
  const reporter = new Reporter(io, { json: options.json === true, color: context.color() });
  const routes = parseRoutes(options.route);
  const { assistant: _file, ...flags } = options;
  const send: SendEventOptions = {
    ...eventRequestOf(name, flags, io, reporter),
    routes,
    allowRemoteTools: options.allowRemoteTools === true,
    onNote: (text) => reporter.note(text),
    repeat: options.repeat,
    onSending: (request, event) => startSpinner(`POST ${shownUrl(request.url)} (${event})`, io),
  };
  if (options.fuzz !== undefined) return fuzzInstead(send, options, context, reporter);
  if (options.seed !== undefined) throw new UsageError('--seed is the seed of --fuzz: add --fuzz');
  // Routed by --assistant only, not by the assistant a payload echoes: a plain send goes where --to says.
  if (options.assistant !== undefined) send.assistant = await readAssistantFile(options.assistant, io.stdin);
  send.onPrepared = ({ prepared }) => {
    if (prepared.forgery !== undefined && options.expectStatus === undefined)
      reporter.note(
        `this request is forged (--${prepared.forgery}); a careful receiver refuses it — add --expect-status 4xx to make a refusal the pass`,
      );
    if (prepared.event !== 'tool-calls' && (options.assistant !== undefined || routes.size > 0))
      reporter.note(`--assistant and --route route tool calls: this ${prepared.event} goes to ${shownUrl(send.url)}`);
  };
  const sent = await sendEvent(send, (report) =>
    reporter.result(
      () => sendJson(report, options.verbose === true),
      () => sendLines(report, reporter.style, options.verbose === true),
    ),
  );
  if (options.repeat > 1 || sent.parts.length > 1) reporter.summary(sent.passed, sent.failed);
  if (sent.failed > 0) throw new CheckFailed();
}

/** `--fuzz`: the tools of the assistant (or, with none, those the payload calls, with no schema) fuzzed at their routes. */
async function fuzzInstead(send: SendEventOptions, options: SendOptions, context: CommandContext, reporter: Reporter): Promise<void> {
  const { io } = context;
  if (options.assistant !== undefined) send.assistant = await readAssistantFile(options.assistant, io.stdin);
  const { prepared, parts } = await prepareEvent(send);
  if (prepared.event !== 'tool-calls') throw new UsageError(`--fuzz sends tool calls: send tool-calls --fuzz, not ${prepared.event}`);
  const named = toolsOf(send.assistant);
  if (named.length === 0) reporter.note('--fuzz: no tool definitions (give --assistant FILE): the arguments follow no parameters schema');
  const seed = seedOf(options.seed);
  // The fuzzer (fast-check) loads only when asked for.
  const { runFuzz } = await import('./fuzz-render.js');
  const fuzzed = await runFuzz(
    {
      tools: named.length > 0 ? named : parts.flatMap((part) => part.tools).map(undeclaredTool),
      routes: send.routes ?? new Map(),
      allowRemoteTools: send.allowRemoteTools === true,
      receiver: send.url.href,
      seed,
      dialect: prepared.dialect,
      secret: resolveSecrets(options, io.env)[0],
      clock: io.clock,
    },
    options.fuzz,
    reporter,
    new TestReport('hms-webhook send --fuzz', undefined, io.env, io.clock.now),
  );
  reporter.summary(fuzzed.passed, fuzzed.failed, {
    fields: { seed },
    suffix: ` · reproduce the cases: --fuzz ${options.fuzz === true ? '' : `${options.fuzz} `}--seed ${seed}`,
  });
  if (fuzzed.failed > 0) throw new CheckFailed();
}

/**
 * A spinner only on a terminal whose width is known, outside CI: in a log it is noise, and on a
 * terminal that reports 0 columns (some CI and `docker -t` setups) it would redraw for ever.
 */
function startSpinner(text: string, io: CommandContext['io']): (() => void) | undefined {
  if (!io.stderr.isTTY || !((io.stderr.columns ?? 0) > 0) || io.env.CI) return undefined;
  let spinner: { stop(): void } | undefined;
  let stopped = false;
  void import('ora').then(({ default: ora }) => {
    if (!stopped) spinner = ora({ text, stream: io.stderr as NodeJS.WritableStream }).start();
  });
  return () => {
    stopped = true;
    spinner?.stop();
  };
}
