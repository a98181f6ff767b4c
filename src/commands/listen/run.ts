import { spawn } from 'node:child_process';
import { shownUrl } from '../../output/printable.js';
import { readFileSync } from 'node:fs';
import type { CommandContext } from '../../cli/command-context.js';
import { type ListenOutcome, type ListenSessionOptions, listenUntilStopped } from '../../engine/listen-session.js';
import { isLoopback } from '../../sending/target.js';
import { DEFAULT_PORT } from '../../defaults.js';
import { CheckFailed, InputError, Interrupted, UsageError } from '../../errors.js';
import { whyUnreadable } from '../../input.js';
import { Reporter } from '../../output/reporter.js';
import { TestReport } from '../../output/test-report.js';
import { parseReplyPlan, type ReplyPlan } from '../../receiving/reply-plan.js';
import { parseTarget } from '../../sending/target.js';
import { fingerprint, resolveSecrets } from '../../signing/secrets.js';
import type { ListenOptions } from './command.js';
import { EventWriter, listeningJson } from './render.js';

/** `listen`: the flags into the engine's listening session, each request rendered as it comes, the exit from how it stopped. */
export async function runListen(options: ListenOptions, context: CommandContext): Promise<void> {
  const { io } = context;
  const session = sessionOf(options, io);
  // JSONL whenever stdout is not a terminal: a script or a file reads it.
  const reporter = new Reporter(io, { json: options.json === true || !io.stdout.isTTY, color: context.color() });
  const testReport = new TestReport('hms-webhook listen', options.junit, io.env, io.clock.now);
  const detail = options.quiet ? 'quiet' : options.verbose ? 'verbose' : 'normal';
  const writer = new EventWriter(reporter, testReport, session.path, detail, io.env, options.filter);
  const outcome = await listenUntilStopped({
    ...session,
    signals: io.signals,
    onEvent: (event) => writer.add(event),
    onWarning: (text) => reporter.note(text),
    onListening: ({ url, inspectorUrl, earlierRequests }) => {
      reporter.stderr(`Listening on ${url}`);
      if (inspectorUrl !== undefined)
        reporter.stderr(
          `Inspector: ${inspectorUrl}${earlierRequests ? ` (with ${earlierRequests} earlier request${earlierRequests === 1 ? '' : 's'} from ${options.save})` : ''}`,
        );
      if (inspectorUrl !== undefined && options.open) openBrowser(inspectorUrl, (text) => reporter.note(text));
      if (!isLoopback(options.host))
        reporter.note(`listening on ${options.host}, not loopback: anyone who can reach this address can post to it`);
      if (reporter.json) reporter.record(listeningJson(url));
      else reporter.stderr(reporter.style.dim(verifyingLine(session, options)));
    },
  });
  writer.flush();
  // A reader that stopped reading must not keep a stopped listener alive past --grace.
  io.stdout.giveUpAfter?.(options.grace * 1000, (text) => reporter.note(text));
  testReport.write();
  reporter.summary(outcome.passed, outcome.failed, { fields: { stopped_by: outcome.reason }, stream: 'stderr' });
  exitOf(outcome, options);
}

/** The flags as the engine's options, each checked with a one-line error. */
function sessionOf(options: ListenOptions, io: CommandContext['io']): Omit<ListenSessionOptions, 'onEvent'> {
  const port = listenPort(options.port, io.env);
  const secrets = resolveSecrets(options, io.env, (text) => io.stderr.write(`hms-webhook: ${text}\n`));
  const replies = options.reply !== undefined ? readReplyPlan(options.reply) : {};
  const forwardTo = options.forwardTo !== undefined ? parseTarget(options.forwardTo) : undefined;
  if (options.uiPort !== undefined && (!Number.isInteger(options.uiPort) || options.uiPort < 0 || options.uiPort > 65535))
    throw new UsageError(`--ui-port ${options.uiPort}: use 0 to 65535`);
  if (options.open && !options.ui) throw new UsageError('--open opens the inspector: add --ui');
  return {
    host: options.host,
    port,
    path: options.path.startsWith('/') ? options.path : `/${options.path}`,
    secrets,
    toleranceSeconds: options.tolerance,
    enforce: options.enforce,
    maxBodyBytes: options.maxBody,
    replies,
    delayMs: options.delay,
    forwardTo,
    forwardTimeoutMs: options.forwardTimeout === undefined ? undefined : options.forwardTimeout * 1000,
    save: options.save,
    graceMs: options.grace * 1000,
    ...(options.count !== undefined ? { count: options.count } : {}),
    ...(options.timeout !== undefined ? { idleTimeoutMs: options.timeout * 1000 } : {}),
    ...(options.readyFile !== undefined ? { readyFile: options.readyFile } : {}),
    ...(options.ui ? { inspector: { port: options.uiPort, keep: options.uiKeep, secret: secrets[0], clock: io.clock } } : {}),
  };
}

/** `--port`, else HMS_WEBHOOK_PORT, else the default port; one that is not 0 to 65535 is a usage error naming where it came from. */
function listenPort(flag: number | undefined, env: NodeJS.ProcessEnv): number {
  const fromEnv = env.HMS_WEBHOOK_PORT?.trim();
  const [port, source] = flag !== undefined ? [flag, '--port'] : fromEnv ? [Number(fromEnv), 'HMS_WEBHOOK_PORT'] : [DEFAULT_PORT, '--port'];
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${source} ${flag ?? fromEnv}: use 0 to 65535`);
  return port;
}

function verifyingLine(session: Omit<ListenSessionOptions, 'onEvent'>, options: ListenOptions): string {
  const verifying =
    session.secrets.length > 0
      ? `verifying with ${session.secrets.map((s) => fingerprint(s)).join(', ')}${options.enforce ? '' : ' (not enforced)'}`
      : 'signatures unchecked: no secret';
  return `${verifying}${options.save ? `; saving to ${options.save}` : ''}${session.forwardTo ? `; forwarding to ${shownUrl(session.forwardTo)}` : ''}`;
}

/** Ctrl-C (or a forced stop) is 130; too few events before --timeout, or any failed request, is 1. */
function exitOf(outcome: ListenOutcome, options: ListenOptions): void {
  const received = outcome.passed + outcome.failed;
  if (outcome.reason === 'SIGINT' || outcome.forced) throw new Interrupted();
  if (outcome.reason === 'timeout' && options.count !== undefined && received < options.count) {
    throw new CheckFailed(`only ${received} of ${options.count} events came within ${options.timeout} s`);
  }
  if (outcome.reason === 'timeout' && received === 0) throw new CheckFailed(`no event came within ${options.timeout} s`);
  if (outcome.failed > 0) throw new CheckFailed();
}

/** Opens a URL with the desktop's opener; where there is none, the printed URL is the way in. */
function openBrowser(url: string, note: (text: string) => void): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(command, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => note(`cannot open a browser (${command}): open the Inspector URL above`));
  child.unref();
}

function readReplyPlan(file: string): ReplyPlan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read --reply ${file}: ${whyUnreadable(error) ?? (error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`--reply ${file} is not JSON: ${(error as Error).message}`);
  }
  return parseReplyPlan(value, file);
}
