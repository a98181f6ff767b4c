import { spawn } from 'node:child_process';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { CommandContext } from '../../cli/command-context.js';
import type { StopSignal } from '../../cli/io.js';
import { CheckFailed, InputError, Interrupted, UsageError } from '../../errors.js';
import { whyUnreadable } from '../../input.js';
import { Reporter } from '../../output/reporter.js';
import { TestReport } from '../../output/test-report.js';
import { type ListenEvent, startListener } from '../../receiving/listener.js';
import { parseReplyPlan, type ReplyPlan } from '../../receiving/reply-plan.js';
import { parseTarget } from '../../sending/target.js';
import { fingerprint, resolveSecrets } from '../../signing/secrets.js';
import type { ListenOptions } from './command.js';
import { listenFailure, listenJson, listenLines } from './render.js';

type StopReason = 'count' | 'timeout' | StopSignal;

export async function runListen(options: ListenOptions, context: CommandContext): Promise<void> {
  const { io } = context;
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)
    throw new UsageError(`--port ${options.port}: use 0 to 65535`);
  const secrets = resolveSecrets(options, io.env);
  const replies = options.reply !== undefined ? readReplyPlan(options.reply) : {};
  const forwardTo = options.forwardTo !== undefined ? parseTarget(options.forwardTo) : undefined;
  const path = options.path.startsWith('/') ? options.path : `/${options.path}`;
  if (options.uiPort !== undefined && (!Number.isInteger(options.uiPort) || options.uiPort < 0 || options.uiPort > 65535))
    throw new UsageError(`--ui-port ${options.uiPort}: use 0 to 65535`);
  if (options.open && !options.ui) throw new UsageError('--open opens the inspector: add --ui');
  // Loaded only with --ui, so that listen without it loads nothing more.
  const store = options.ui ? new (await import('../../inspector/store.js')).RequestStore(options.uiKeep) : undefined;
  // JSONL whenever stdout is not a terminal: a script or a file reads it.
  const reporter = new Reporter(io, { json: options.json === true || !io.stdout.isTTY, color: context.color() });
  const { style } = reporter;
  const detail = options.quiet ? 'quiet' : options.verbose ? 'verbose' : 'normal';
  let passed = 0;
  let failed = 0;
  let idle: NodeJS.Timeout | undefined;
  let stop: (reason: StopReason) => void = () => {};
  const stopped = new Promise<StopReason>((resolve) => {
    stop = resolve;
  });
  const armTimeout = () => {
    if (options.timeout === undefined) return;
    clearTimeout(idle);
    idle = setTimeout(() => stop('timeout'), options.timeout * 1000);
  };

  // Under load, the events of one loop turn go out in one write rather than a write each.
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    reporter.write(text);
  };
  // A failing disk or an internal fault is said once on stderr, not once per request.
  const said = new Set<string>();
  const sayOnce = (text: string) => {
    if (said.has(text)) return;
    said.add(text);
    reporter.note(text);
  };
  const testReport = new TestReport('hms-webhook listen', options.junit, io.env, io.clock.now);
  const onEvent = (event: ListenEvent) => {
    store?.add(event);
    testReport.add(`listen ${path}`, () => ({
      name: `${event.receivedAt.toISOString()} ${event.event ?? event.method}${event.callId !== undefined ? ` call ${event.callId}` : ''}`,
      ...(event.passed ? {} : { failure: listenFailure(event) }),
      seconds: event.latencyMs / 1000,
    }));
    if (event.passed) passed++;
    else failed++;
    if (event.saveFailure !== undefined) sayOnce(event.saveFailure);
    if (event.internalError !== undefined && !said.has(String(event.badRequest))) {
      sayOnce(`${event.badRequest}${io.env.HMS_WEBHOOK_DEBUG ? '' : ' (run with HMS_WEBHOOK_DEBUG=1 for the stack)'}`);
      if (io.env.HMS_WEBHOOK_DEBUG) reporter.stderr(String((event.internalError as Error)?.stack ?? event.internalError));
    }
    if (pending.length === 0) setImmediate(flush);
    pending.push(
      reporter.json ? `${JSON.stringify(listenJson(event, detail === 'verbose'))}\n` : `${listenLines(event, style, detail).join('\n')}\n`,
    );
    armTimeout();
    if (options.count !== undefined && passed + failed >= options.count) stop('count');
  };

  // A file left by an earlier run must not say this one is ready.
  if (options.readyFile !== undefined) removeReadyFile(options.readyFile);
  const listener = await startListener({
    host: options.host,
    port: options.port,
    path,
    secrets,
    toleranceSeconds: options.tolerance,
    enforce: options.enforce,
    maxBodyBytes: options.maxBody,
    replies,
    delayMs: options.delay,
    forwardTo,
    forwardTimeoutMs: options.forwardTimeout === undefined ? undefined : options.forwardTimeout * 1000,
    save: options.save,
    onEvent,
  });
  if (forwardTo !== undefined && isSelf(forwardTo, new URL(listener.url))) {
    await listener.close(0);
    throw new UsageError(`--forward-to ${forwardTo.href} is this listener itself: every request would be forwarded to itself for ever`);
  }
  reporter.stderr(`Listening on ${listener.url}`);
  let inspector: { url: string; close(): Promise<void> } | undefined;
  if (store !== undefined) {
    const { startInspector } = await import('../../inspector/server.js');
    try {
      inspector = await startInspector({
        port: options.uiPort,
        store,
        secret: secrets[0],
        defaultTarget: forwardTo ?? new URL(path, listener.url),
        listenerUrl: new URL(listener.url),
        clock: io.clock,
      });
    } catch (error) {
      await listener.close(0);
      throw error;
    }
    reporter.stderr(`Inspector: ${inspector.url}`);
    if (options.open) openBrowser(inspector.url, (text) => reporter.note(text));
  }
  if (!isLoopback(options.host)) {
    reporter.note(`listening on ${options.host}, not loopback: anyone who can reach this address can post to it`);
  }
  if (options.readyFile !== undefined) {
    try {
      writeReadyFile(options.readyFile, listener.url);
    } catch (error) {
      await inspector?.close();
      await listener.close(0);
      throw error;
    }
  }
  if (reporter.json) reporter.record({ type: 'listening', url: listener.url });
  else {
    const verifying =
      secrets.length > 0
        ? `verifying with ${secrets.map((s) => fingerprint(s)).join(', ')}${options.enforce ? '' : ' (not enforced)'}`
        : 'signatures unchecked: no secret';
    reporter.stderr(
      style.dim(`${verifying}${options.save ? `; saving to ${options.save}` : ''}${forwardTo ? `; forwarding to ${forwardTo.href}` : ''}`),
    );
  }
  armTimeout();
  // The first signal stops the listener; a second one, while requests in flight finish, cuts them and exits at once.
  let stopping = false;
  let forced = false;
  const onSignal = (signal: StopSignal) => () => {
    if (!stopping) {
      stopping = true;
      stop(signal);
      return;
    }
    forced = true;
    listener.abort();
  };
  const onInt = onSignal('SIGINT');
  const onTerm = onSignal('SIGTERM');
  io.signals.on('SIGINT', onInt);
  io.signals.on('SIGTERM', onTerm);

  const reason = await stopped;
  stopping = true;
  clearTimeout(idle);
  await listener.close(options.grace * 1000);
  await inspector?.close();
  if (options.readyFile !== undefined) removeReadyFile(options.readyFile);
  io.signals.off('SIGINT', onInt);
  io.signals.off('SIGTERM', onTerm);
  flush();

  const received = passed + failed;
  testReport.write();
  reporter.summary(passed, failed, { fields: { stopped_by: reason }, stream: 'stderr' });
  if (reason === 'SIGINT' || forced) throw new Interrupted();
  if (reason === 'timeout' && options.count !== undefined && received < options.count) {
    throw new CheckFailed(`only ${received} of ${options.count} events came within ${options.timeout} s`);
  }
  if (reason === 'timeout' && received === 0) throw new CheckFailed(`no event came within ${options.timeout} s`);
  if (failed > 0) throw new CheckFailed();
}

/** Written whole under another name, then renamed: a script never reads half a URL. */
function writeReadyFile(file: string, url: string): void {
  const partial = `${file}.${process.pid}.partial`;
  try {
    writeFileSync(partial, `${url}\n`);
    renameSync(partial, file);
  } catch (error) {
    throw new InputError(`cannot write --ready-file ${file}: ${whyUnreadable(error) ?? (error as Error).message}`);
  }
}

function removeReadyFile(file: string): void {
  rmSync(file, { force: true });
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

/** 127.0.0.0/8, ::1 and localhost: only this machine can connect. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Whether a forward target is the listener's own address (same port, on this machine). */
function isSelf(target: URL, own: URL): boolean {
  const port = (url: URL) => url.port || (url.protocol === 'https:' ? '443' : '80');
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const ownHost = own.hostname.replace(/^\[|\]$/g, '');
  return port(target) === port(own) && (host === ownHost || isLoopback(host) || (ownHost === '0.0.0.0' && host !== ''));
}
