import { randomBytes } from 'node:crypto';
import { convertDialect, detectDialect, type Dialect } from '../../platform/dialect.js';
import { CheckFailed, UsageError } from '../../errors.js';
import { isEvent, type EventType } from '../../platform/events.js';
import { applySet, applyUnset, payloadToSend } from '../../platform/fixtures.js';
import {
  callStepJson,
  callStepLines,
  colorEnabled,
  createStyle,
  loadJson,
  loadLines,
  sendJson,
  sendLines,
  summaryLine,
  type SendReport,
} from '../../output/format.js';
import { NetworkFailure, postOnce, runLoad, type OutgoingRequest } from '../../sending/http.js';
import { readInput } from '../../input.js';
import { checkReceivedReply, statusMatches } from '../../platform/reply-check.js';
import { eventOf } from '../../platform/schemas/index.js';
import { fingerprint, resolveSecrets } from '../../signing/secrets.js';
import { sign, unixSeconds, unsignedHeaders } from '../../signing/signature.js';
import { parseTarget } from '../../sending/target.js';

export interface SendOptions {
  to?: string;
  secret?: string[];
  secretFile?: string;
  data?: string;
  set: string[];
  unset: string[];
  dialect?: Dialect;
  timeout: number;
  deadline?: number;
  json?: boolean;
  verbose?: boolean;
  color?: boolean;
  timestamp?: number;
  skew?: number;
  badSignature?: boolean;
  wrongSecret?: boolean;
  unsigned?: boolean;
  tamper?: boolean;
  repeat: number;
  expectStatus?: string;
  count?: number;
  concurrency: number;
  scenario?: string;
  pace: number;
  web?: boolean;
  fail?: boolean;
}

type Forgery = 'bad-signature' | 'wrong-secret' | 'unsigned' | 'tamper';

export async function runSend(name: string | undefined, options: SendOptions): Promise<void> {
  const url = parseTarget(options.to);
  const forgery = chooseForgery(options);
  if (name === 'call' || name?.startsWith('call/')) return sendCall(name.slice('call/'.length) || undefined, url, forgery, options);
  const callOnly = (['scenario', 'web', 'fail'] as const).find((key) => options[key] !== undefined);
  if (callOnly !== undefined) throw new UsageError(`--${callOnly} is for whole calls: send call --${callOnly} …`);
  if (options.expectStatus !== undefined && !/^([1-5]xx|[1-5]\d\d)$/i.test(options.expectStatus)) {
    throw new UsageError(`--expect-status ${options.expectStatus}: give a status such as 401 or a class such as 4xx`);
  }
  const secrets = resolveSecrets(options);
  const secret = secrets[0];
  if (forgery === 'tamper' && secret === undefined)
    throw new UsageError(
      '--tamper changes the body after signing: give the secret to sign with (--secret, HMS_WEBHOOK_SECRET or --secret-file)',
    );
  const signing =
    forgery === 'unsigned'
      ? undefined
      : forgery === 'wrong-secret' || forgery === 'bad-signature'
        ? randomBytes(24).toString('hex')
        : secret;

  const { body, document, dialect } = await buildBody(name, options);
  const event = eventOf(document);
  if (event === undefined)
    throw new UsageError('the payload has no message.type: the event header cannot be set (use --set message.type=status-update)');
  const knownEvent: EventType | undefined = isEvent(event) ? event : undefined;
  if (signing === undefined && forgery === undefined) {
    process.stderr.write(
      'hms-webhook: no secret (--secret, HMS_WEBHOOK_SECRET or --secret-file): sending unsigned, as the platform does for an assistant without webhook_secret\n',
    );
  }

  const makeRequest = (): OutgoingRequest => {
    const timestamp = options.timestamp ?? unixSeconds() + (options.skew ?? 0);
    if (signing === undefined) return { url, headers: { ...unsignedHeaders({ body, timestamp, event }) }, body };
    const headers: Record<string, string> = { ...sign({ body, secret: signing, timestamp, event }) };
    if (forgery === 'bad-signature') headers['X-Webhook-Signature'] = `sha256=${randomBytes(32).toString('hex')}`;
    return { url, headers, body: forgery === 'tamper' ? tamperWith(body) : body };
  };

  const style = createStyle(colorEnabled(process.stdout, process.env, options.color));
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const signedWith = forgery ?? (secret === undefined ? 'unsigned' : `signed, secret ${fingerprint(secret)}…`);

  if (options.count !== undefined) {
    await sendLoad(options, url, makeRequest, options.expectStatus ?? '2xx', out);
    return;
  }

  if (forgery !== undefined && options.expectStatus === undefined) {
    process.stderr.write(
      `hms-webhook: this request is forged (--${forgery}); a careful receiver refuses it — add --expect-status 4xx to make a refusal the pass\n`,
    );
  }
  // --repeat sends this identical signed request again: a duplicate delivery.
  const outgoing = makeRequest();
  let passed = 0;
  let failed = 0;
  for (let attempt = 1; attempt <= options.repeat; attempt++) {
    const spinner = await startSpinner(`POST ${url.href} (${event})`);
    let report: SendReport;
    try {
      const reply = await postOnce(outgoing, options.timeout * 1000);
      spinner?.stop();
      const verdict = knownEvent
        ? checkReceivedReply({
            event: knownEvent,
            dialect,
            request: document,
            reply,
            deadlineMs: options.deadline === undefined ? undefined : options.deadline * 1000,
            expectStatus: options.expectStatus,
          })
        : checkReceivedReply({ event: 'status-update', dialect, request: document, reply, expectStatus: options.expectStatus });
      report = { url: url.href, event, dialect, signedWith, attempt, repeat: options.repeat, request: outgoing, reply, verdict };
    } catch (error) {
      spinner?.stop();
      if (error instanceof NetworkFailure && error.kind !== 'timeout') throw new UsageError(error.message);
      if (!(error instanceof NetworkFailure)) throw error;
      report = { url: url.href, event, dialect, signedWith, attempt, repeat: options.repeat, request: outgoing, failure: error.message };
    }
    const ok = report.verdict?.ok === true;
    if (ok) passed++;
    else failed++;
    if (options.json) out(JSON.stringify(sendJson(report, options.verbose === true)));
    else for (const line of sendLines(report, style, options.verbose === true)) out(line);
  }
  if (options.repeat > 1) {
    if (options.json) out(JSON.stringify({ type: 'summary', passed, failed }));
    else out(summaryLine(passed, failed, style));
  }
  if (failed > 0) throw new CheckFailed('');
}

/** `send call`: plays a whole call, one event after another, each built from the receiver's replies so far. */
async function sendCall(name: string | undefined, url: URL, forgery: Forgery | undefined, options: SendOptions): Promise<void> {
  const misplaced =
    forgery !== undefined
      ? `--${forgery}`
      : options.data !== undefined
        ? '--data'
        : options.count !== undefined
          ? '--count'
          : options.repeat > 1
            ? '--repeat'
            : options.unset.length > 0
              ? '--unset'
              : undefined;
  if (misplaced !== undefined) throw new UsageError(`${misplaced} is for single events, not send call`);
  if (name !== undefined && options.scenario !== undefined)
    throw new UsageError(`give the scenario once: send call/${name} or --scenario FILE`);
  const { loadScenario, CallScript } = await import('../../platform/scenario.js');
  const { playCall } = await import('../../sending/call.js');
  const { label, scenario } = await loadScenario({ name, file: options.scenario });
  const secret = resolveSecrets(options)[0];
  if (secret === undefined)
    process.stderr.write('hms-webhook: no secret (--secret, HMS_WEBHOOK_SECRET or --secret-file): sending unsigned\n');
  const dialect = options.dialect ?? 'hms';
  const script = new CallScript(scenario, { dialect, web: options.web, fail: options.fail, set: options.set });
  const style = createStyle(colorEnabled(process.stdout, process.env, options.color));
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (!options.json)
    out(
      `${style.bold('call')} ${script.callId} · ${label} · ${dialect}${options.web ? ' · web' : ''}${options.fail ? ' · fails' : ''} → ${url.href}`,
    );
  let result;
  try {
    result = await playCall(script, {
      url,
      secret,
      timeoutMs: options.timeout * 1000,
      paceMs: options.pace,
      onStep: (report) => {
        if (options.json) out(JSON.stringify(callStepJson(report, script.callId)));
        else for (const line of callStepLines(report, style)) out(line);
      },
    });
  } catch (error) {
    if (error instanceof NetworkFailure) throw new UsageError(error.message);
    throw error;
  }
  if (options.json) out(JSON.stringify({ type: 'summary', call_id: script.callId, passed: result.passed, failed: result.failed }));
  else out(`${summaryLine(result.passed, result.failed, style)}${result.failed > 0 ? ' (the call stopped at the failed step)' : ''}`);
  if (result.failed > 0) throw new CheckFailed('');
}

const FORGERY_FLAGS: readonly [Forgery, keyof SendOptions][] = [
  ['bad-signature', 'badSignature'],
  ['wrong-secret', 'wrongSecret'],
  ['unsigned', 'unsigned'],
  ['tamper', 'tamper'],
];

function chooseForgery(options: SendOptions): Forgery | undefined {
  const chosen = FORGERY_FLAGS.filter(([, key]) => options[key] === true).map(([flag]) => flag);
  if (chosen.length > 1) throw new UsageError(`--${chosen[0]} and --${chosen[1]} cannot be combined: choose one forgery per send`);
  return chosen[0];
}

/** Changes the body after it was signed, the way a proxy or an attacker would. */
function tamperWith(body: Buffer): Buffer {
  const text = body.toString('utf8');
  const marker = '{"message":{';
  return Buffer.from(text.startsWith(marker) ? `${marker}"tampered":true,${text.slice(marker.length)}` : `${text} `);
}

async function buildBody(name: string | undefined, options: SendOptions): Promise<{ body: Buffer; document: unknown; dialect: Dialect }> {
  if (options.data !== undefined) {
    const bytes = await readInput(options.data);
    let document: unknown;
    try {
      document = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      throw new UsageError(`--data ${options.data} is not JSON: ${(error as Error).message}`);
    }
    const detected = detectDialect(document);
    const stated = eventOf(document);
    if (name !== undefined && name.split('/')[0] !== stated) {
      throw new UsageError(`--data holds a ${stated ?? 'payload without message.type'}, not ${name}: drop the event or fix the file`);
    }
    const dialect = options.dialect ?? detected;
    if (dialect === detected && options.set.length === 0 && options.unset.length === 0) return { body: bytes, document, dialect };
    const converted = convertDialect(document, detected, dialect);
    edit(converted, options);
    return { body: Buffer.from(JSON.stringify(converted)), document: converted, dialect };
  }
  if (name === undefined)
    throw new UsageError('send needs an event (e.g. send status-update/ended) or --data FILE; `hms-webhook fixtures` lists them');
  const dialect = options.dialect ?? 'hms';
  const { document } = payloadToSend(name, dialect);
  edit(document, options);
  return { body: Buffer.from(JSON.stringify(document)), document, dialect };
}

function edit(document: unknown, options: SendOptions): void {
  for (const assignment of options.set) applySet(document, assignment);
  for (const path of options.unset) applyUnset(document, path);
}

async function startSpinner(text: string): Promise<{ stop(): void } | undefined> {
  if (!process.stderr.isTTY || process.env.CI) return undefined;
  const { default: ora } = await import('ora');
  return ora({ text, stream: process.stderr }).start();
}

async function sendLoad(
  options: SendOptions,
  url: URL,
  makeRequest: () => OutgoingRequest,
  expect: string,
  out: (line: string) => void,
): Promise<void> {
  const count = options.count!;
  let done = 0;
  const progress = process.stderr.isTTY ? setInterval(() => process.stderr.write(`\r${done}/${count} sent`), 200) : undefined;
  let stats;
  try {
    stats = await runLoad({
      url,
      count,
      concurrency: options.concurrency,
      timeoutMs: options.timeout * 1000,
      next: () => {
        const { headers, body } = makeRequest();
        return { headers, body };
      },
      onProgress: (n) => (done = n),
    });
  } catch (error) {
    if (error instanceof NetworkFailure) throw new UsageError(error.message);
    throw error;
  } finally {
    if (progress) {
      clearInterval(progress);
      process.stderr.write('\r\x1b[K');
    }
  }
  const style = createStyle(colorEnabled(process.stdout, process.env, options.color));
  const report = { url: url.href, expect, concurrency: options.concurrency, stats };
  if (options.json) out(JSON.stringify(loadJson(report)));
  else for (const line of loadLines(report, style)) out(line);
  const unexpected = [...stats.statuses].filter(([status]) => !statusMatches(status, expect)).reduce((n, [, c]) => n + c, 0);
  const errors = [...stats.errors.values()].reduce((a, b) => a + b, 0);
  if (unexpected + errors > 0) throw new CheckFailed(`${unexpected + errors} of ${stats.sent} requests did not get ${expect}`);
}
