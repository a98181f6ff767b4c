import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { playCall } from '../../sending/call.js';
import { checkCapture } from '../../captures/capture-check.js';
import { readCaptures } from '../../captures/capture-file.js';
import type { Dialect } from '../../platform/dialect.js';
import { CheckFailed } from '../../errors.js';
import {
  callStepJson,
  callStepLines,
  colorEnabled,
  createStyle,
  listenJson,
  listenLines,
  summaryLine,
  verifyJson,
  verifyLine,
  type VerifyReport,
} from '../../output/format.js';
import { startListener, type ListenEvent } from '../../receiving/listener.js';
import { CallScript, loadScenario } from '../../platform/scenario.js';
import { fingerprint } from '../../signing/secrets.js';
import { DEFAULT_TOLERANCE_SECONDS, unixSeconds } from '../../signing/signature.js';

export interface DemoOptions {
  scenario?: string;
  dialect?: Dialect;
  web?: boolean;
  fail?: boolean;
  pace: number;
  json?: boolean;
  color?: boolean;
}

/**
 * The main job with no server of the user's: the built-in listener in this process, a whole call
 * played against it, both sides shown, then the saved captures verified.
 */
export async function runDemo(options: DemoOptions): Promise<void> {
  const style = createStyle(!options.json && colorEnabled(process.stdout, process.env, options.color));
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const section = (title: string) => options.json || out(`\n${style.bold.underline(title)}`);
  const { label, scenario } = await loadScenario({ file: options.scenario });
  const dialect = options.dialect ?? 'hms';
  const secret = randomBytes(24).toString('hex');
  const file = join(mkdtempSync(join(tmpdir(), 'hms-webhook-demo-')), 'captures.jsonl');
  const heard: ListenEvent[] = [];
  const listener = await startListener({
    host: '127.0.0.1',
    port: 0,
    path: '/',
    secrets: [secret],
    toleranceSeconds: DEFAULT_TOLERANCE_SECONDS,
    enforce: true,
    maxBodyBytes: 10 * 1024 * 1024,
    replies: { 'tool-calls': scenario.tool_results ?? {} },
    delayMs: 0,
    save: file,
    onEvent: (event) => heard.push(event),
  });

  const script = new CallScript(scenario, { dialect, web: options.web, fail: options.fail });
  let call: { passed: number; failed: number };
  try {
    section(`1. A whole call, played against the built-in listener`);
    if (!options.json) {
      out(style.dim(`listener ${listener.url} · random secret ${fingerprint(secret)}… · saving to ${file}`));
      out(
        style.dim(
          `call ${script.callId} · scenario ${label} · ${dialect}${options.web ? ' · web call' : ''}${options.fail ? ' · ends with an error' : ''}`,
        ),
      );
    }
    call = await playCall(script, {
      url: new URL(listener.url),
      secret,
      timeoutMs: 10_000,
      paceMs: options.pace,
      onStep: (report) => {
        const events = heard.splice(0);
        if (options.json) {
          out(JSON.stringify(callStepJson(report, script.callId)));
          for (const event of events) out(JSON.stringify(listenJson(event, false)));
          return;
        }
        out('');
        for (const line of callStepLines(report, style)) out(`${style.cyan('sent    ')} ${line}`);
        for (const event of events) for (const line of listenLines(event, style, 'normal')) out(`${style.magenta('listener')} ${line}`);
      },
    });
  } finally {
    await listener.close();
  }

  section('2. hms-webhook verify of the saved captures');
  let passed = 0;
  let failed = 0;
  const secrets = [{ secret, label: 'the demo secret', accepted: true }];
  for await (const { line, capture } of readCaptures(file)) {
    const report: VerifyReport = {
      location: `captures.jsonl:${line}`,
      file,
      line,
      check: checkCapture(capture, { secrets, toleranceSeconds: DEFAULT_TOLERANCE_SECONDS, clock: unixSeconds }),
    };
    if (report.check.passed) passed++;
    else failed++;
    out(options.json ? JSON.stringify(verifyJson(report)) : verifyLine(report, style));
  }
  if (options.json) {
    out(JSON.stringify({ type: 'summary', call_id: script.callId, call: call, verify: { passed, failed }, captures: file }));
  } else {
    out(summaryLine(passed, failed, style));
    section('Summary');
    out(`call: ${summaryLine(call.passed, call.failed, style)} · verify: ${summaryLine(passed, failed, style)}`);
    out(style.dim(`Next: point it at your own receiver — hms-webhook send call --to localhost:3000 --secret "$SECRET"`));
  }
  if (call.failed > 0 || failed > 0) throw new CheckFailed('');
}
