import { readFileSync } from 'node:fs';
import { parseReplyPlan, type ReplyPlan } from '../../receiving/reply-plan.js';
import { CheckFailed, Interrupted, UsageError } from '../../errors.js';
import { colorEnabled, createStyle, listenJson, listenLines, summaryLine } from '../../output/format.js';
import { startListener, type ListenEvent } from '../../receiving/listener.js';
import { fingerprint, resolveSecrets } from '../../signing/secrets.js';
import { whyUnreadable } from '../../input.js';
import { parseTarget } from '../../sending/target.js';

export interface ListenOptions {
  port: number;
  host: string;
  path: string;
  secret?: string[];
  secretFile?: string;
  tolerance: number;
  enforce: boolean;
  maxBody: number;
  reply?: string;
  delay: number;
  forwardTo?: string;
  save?: string;
  count?: number;
  timeout?: number;
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  color?: boolean;
}

export async function runListen(options: ListenOptions): Promise<void> {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)
    throw new UsageError(`--port ${options.port}: use 0 to 65535`);
  const secrets = resolveSecrets(options);
  const replies = options.reply !== undefined ? readReplyPlan(options.reply) : {};
  const forwardTo = options.forwardTo !== undefined ? parseTarget(options.forwardTo) : undefined;
  const path = options.path.startsWith('/') ? options.path : `/${options.path}`;
  // JSONL whenever stdout is not a terminal: a script or a file reads it.
  const jsonl = options.json === true || !process.stdout.isTTY;
  const style = createStyle(!jsonl && colorEnabled(process.stdout, process.env, options.color));
  const detail = options.quiet ? 'quiet' : options.verbose ? 'verbose' : 'normal';
  let passed = 0;
  let failed = 0;
  let idle: NodeJS.Timeout | undefined;
  let stop: (reason: 'count' | 'timeout' | 'SIGINT' | 'SIGTERM') => void = () => {};
  const stopped = new Promise<'count' | 'timeout' | 'SIGINT' | 'SIGTERM'>((resolve) => (stop = resolve));
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
    process.stdout.write(text);
  };
  const onEvent = (event: ListenEvent) => {
    if (event.passed) passed++;
    else failed++;
    if (pending.length === 0) setImmediate(flush);
    pending.push(
      jsonl ? `${JSON.stringify(listenJson(event, detail === 'verbose'))}\n` : `${listenLines(event, style, detail).join('\n')}\n`,
    );
    armTimeout();
    if (options.count !== undefined && passed + failed >= options.count) stop('count');
  };

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
    save: options.save,
    onEvent,
  });
  process.stderr.write(`Listening on ${listener.url}\n`);
  if (jsonl) process.stdout.write(`${JSON.stringify({ type: 'listening', url: listener.url })}\n`);
  if (!jsonl) {
    const verifying =
      secrets.length > 0
        ? `verifying with ${secrets.map((s) => fingerprint(s)).join(', ')}${options.enforce ? '' : ' (not enforced)'}`
        : 'signatures unchecked: no secret';
    process.stderr.write(
      style.dim(
        `${verifying}${options.save ? `; saving to ${options.save}` : ''}${forwardTo ? `; forwarding to ${forwardTo.href}` : ''}\n`,
      ),
    );
  }
  armTimeout();
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => () => stop(signal);
  const onInt = onSignal('SIGINT');
  const onTerm = onSignal('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);

  const reason = await stopped;
  clearTimeout(idle);
  process.off('SIGINT', onInt);
  process.off('SIGTERM', onTerm);
  await listener.close();
  flush();

  const received = passed + failed;
  if (jsonl) process.stdout.write(`${JSON.stringify({ type: 'summary', passed, failed, stopped_by: reason })}\n`);
  else process.stderr.write(`${summaryLine(passed, failed, style)}\n`);
  if (reason === 'SIGINT') throw new Interrupted();
  if (reason === 'timeout' && options.count !== undefined && received < options.count) {
    throw new CheckFailed(`only ${received} of ${options.count} events came within ${options.timeout} s`);
  }
  if (reason === 'timeout' && received === 0) throw new CheckFailed(`no event came within ${options.timeout} s`);
  if (failed > 0) throw new CheckFailed('');
}

function readReplyPlan(file: string): ReplyPlan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --reply ${file}: ${whyUnreadable(error) ?? (error as Error).message}`);
  }
  try {
    return parseReplyPlan(JSON.parse(text), file);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--reply ${file} is not JSON: ${(error as Error).message}`);
  }
}
