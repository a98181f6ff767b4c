import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCapture } from '../../captures/capture-check.js';
import { readCaptures } from '../../captures/capture-file.js';
import type { CommandContext } from '../../cli/command-context.js';
import { unixSecondsOf } from '../../clock.js';
import { CheckFailed } from '../../errors.js';
import { Reporter } from '../../output/reporter.js';
import { summaryLine } from '../../output/style.js';
import { CallScript, loadScenario } from '../../platform/scenario.js';
import { DEFAULT_MAX_BODY_BYTES } from '../../defaults.js';
import { type ListenEvent, startListener } from '../../receiving/listener.js';
import { type CallResult, playCall } from '../../sending/call.js';
import { planCall } from '../../platform/delivery-faults.js';
import { fingerprint } from '../../signing/secrets.js';
import { DEFAULT_TOLERANCE_SECONDS } from '../../signing/signature.js';
import { listenJson, listenLines } from '../listen/render.js';
import { callStepJson, callStepLines, planJson, planLines } from '../send/render.js';
import { readChaos } from '../send/chaos-options.js';
import type { VerifyReport } from '../../engine/verify-captures.js';
import { verifyJson, verifyLine } from '../verify/render.js';
import type { DemoOptions } from './command.js';

/**
 * The main job with no server of the user's: the built-in listener in this process, a whole call
 * played against it, both sides shown, then the saved captures verified.
 */
export async function runDemo(options: DemoOptions, context: CommandContext): Promise<void> {
  const reporter = new Reporter(context.io, { json: options.json === true, color: context.color() });
  const folder = mkdtempSync(join(tmpdir(), 'hms-webhook-demo-'));
  const file = join(folder, 'captures.jsonl');
  try {
    await playAndVerify(options, context, reporter, file);
  } finally {
    if (!options.keep) rmSync(folder, { recursive: true, force: true });
  }
}

async function playAndVerify(options: DemoOptions, context: CommandContext, reporter: Reporter, file: string): Promise<void> {
  const { io } = context;
  const { style } = reporter;
  const section = (title: string) => reporter.json || reporter.line(`\n${style.bold.underline(title)}`);
  const chaos = readChaos(options);
  const { label, scenario } = await loadScenario({ file: options.scenario });
  const toolTurns = scenario.turns.filter((turn) => 'tools' in turn).length;
  const plan = chaos === undefined ? undefined : planCall({ faults: chaos.faults, seed: chaos.seed }, toolTurns);
  const dialect = options.dialect ?? 'hms';
  const secret = randomBytes(24).toString('hex');
  const heard: ListenEvent[] = [];
  const listener = await startListener({
    host: '127.0.0.1',
    port: 0,
    path: '/',
    secrets: [secret],
    toleranceSeconds: DEFAULT_TOLERANCE_SECONDS,
    enforce: true,
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    replies: { 'tool-calls': scenario.tool_results ?? {} },
    delayMs: 0,
    save: file,
    onEvent: (event) => heard.push(event),
  });

  const script = new CallScript(scenario, { dialect, web: options.web, fail: options.fail, now: unixSecondsOf(io.clock) });
  let call: CallResult;
  try {
    section('1. A whole call, played against the built-in listener');
    if (!reporter.json) {
      reporter.line(
        style.dim(
          `listener ${listener.url} · random secret ${fingerprint(secret)}… · saving to ${file}${options.keep ? '' : ' (removed at the end; --keep keeps it)'}`,
        ),
      );
      reporter.line(
        style.dim(
          `call ${script.callId} · scenario ${label} · ${dialect}${options.web ? ' · web call' : ''}${options.fail ? ' · ends with an error' : ''}`,
        ),
      );
    }
    if (plan !== undefined) {
      reporter.result(
        () => planJson(plan, chaos?.seed),
        () => planLines(plan, chaos?.seed, `--chaos ${chaos?.faults.join(',')} --seed ${chaos?.seed}`, style),
      );
    }
    call = await playCall(script, {
      ...(plan !== undefined ? { plan } : {}),
      url: new URL(listener.url),
      secret,
      timeoutMs: 10_000,
      paceMs: options.pace,
      clock: io.clock,
      onStep: (report) => {
        const events = heard.splice(0);
        if (reporter.json) {
          reporter.record(callStepJson(report, script.callId));
          for (const event of events) reporter.record(listenJson(event, false));
          return;
        }
        reporter.line('');
        reporter.lines(callStepLines(report, style).map((line) => `${style.cyan('sent    ')} ${line}`));
        for (const event of events)
          reporter.lines(listenLines(event, style, 'normal').map((line) => `${style.magenta('listener')} ${line}`));
      },
    });
  } finally {
    await listener.close();
  }

  section('2. hms-webhook verify of the saved captures');
  let passed = 0;
  let failed = 0;
  const secrets = [{ secret, label: 'the demo secret', accepted: true }];
  const clock = () => unixSecondsOf(io.clock);
  for await (const { line, capture } of readCaptures(file)) {
    const report: VerifyReport = {
      location: `captures.jsonl:${line}`,
      file,
      line,
      check: checkCapture(capture, { secrets, toleranceSeconds: DEFAULT_TOLERANCE_SECONDS, clock }),
    };
    if (report.check.passed) passed++;
    else failed++;
    reporter.result(
      () => verifyJson(report),
      () => [verifyLine(report, style, true)],
    );
  }
  if (reporter.json) {
    reporter.record({
      type: 'summary',
      call_id: script.callId,
      call: { passed: call.passed, failed: call.failed },
      ...(chaos !== undefined ? { seed: chaos.seed } : {}),
      verify: { passed, failed },
      captures: options.keep ? file : null,
    });
  } else {
    reporter.summary(passed, failed);
    section('Summary');
    reporter.line(
      `call: ${summaryLine(call.passed, call.failed, style)}${chaos !== undefined ? ` (--chaos ${chaos.faults.join(',')} --seed ${chaos.seed})` : ''} · verify: ${summaryLine(passed, failed, style)}`,
    );
    reporter.line(
      style.dim('Next: point it at your own receiver — hms-webhook send call --to localhost:3000 (with HMS_WEBHOOK_SECRET set)'),
    );
  }
  if (call.failed > 0 || failed > 0) throw new CheckFailed();
}
