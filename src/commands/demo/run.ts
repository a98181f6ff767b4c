import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandContext } from '../../cli/command-context.js';
import { unixSecondsOf } from '../../clock.js';
import { DEFAULT_MAX_BODY_BYTES } from '../../defaults.js';
import { type CallsOutcome, playCalls } from '../../engine/play-calls.js';
import { verifyCaptureFile } from '../../engine/verify-captures.js';
import { CheckFailed } from '../../errors.js';
import { Reporter } from '../../output/reporter.js';
import { summaryLine } from '../../output/style.js';
import { loadScenario } from '../../platform/scenario.js';
import { type ListenEvent, startListener } from '../../receiving/listener.js';
import { fingerprint } from '../../signing/secrets.js';
import { DEFAULT_TOLERANCE_SECONDS } from '../../signing/signature.js';
import { readChaos } from '../send/chaos-options.js';
import { verifyJson, verifyLine } from '../verify/render.js';
import type { DemoOptions } from './command.js';
import { demoStepLines, demoStepRecords, demoSummaryJson, planView } from './render.js';

/**
 * The main job with no server of the user's: the built-in listener in this process, a whole call
 * played against it, both sides shown, then the saved captures verified.
 */
export async function runDemo(options: DemoOptions, context: CommandContext): Promise<void> {
  const reporter = new Reporter(context.io, { json: options.json === true, color: context.color() });
  const folder = mkdtempSync(join(tmpdir(), 'hms-webhook-demo-'));
  const file = join(folder, 'captures.jsonl');
  try {
    const call = await playAgainstListener(options, context, reporter, file);
    await verifyAndSum(call, options, context, reporter, file);
  } finally {
    if (!options.keep) rmSync(folder, { recursive: true, force: true });
  }
}

const section = (reporter: Reporter, title: string) => reporter.json || reporter.line(`\n${reporter.style.bold.underline(title)}`);

/** Part 1: the listener on a free port with a random secret, the call played against it, each step shown beside what the listener saw. */
async function playAgainstListener(options: DemoOptions, context: CommandContext, reporter: Reporter, file: string) {
  const { style } = reporter;
  const chaos = readChaos(options);
  const { label, scenario } = await loadScenario({ file: options.scenario });
  const dialect = options.dialect ?? 'hms';
  const secret = randomBytes(24).toString('hex');
  const heard: ListenEvent[] = [];
  const listener = await startDemoListener(secret, scenario.tool_results ?? {}, file, heard);
  try {
    section(reporter, '1. A whole call, played against the built-in listener');
    if (!reporter.json) {
      const kept = options.keep ? '' : ' (removed at the end; --keep keeps it)';
      reporter.line(style.dim(`listener ${listener.url} · random secret ${fingerprint(secret)}… · saving to ${file}${kept}`));
    }
    const outcome = await playCalls(
      {
        url: new URL(listener.url),
        scenario,
        label,
        dialect,
        web: options.web,
        fail: options.fail,
        secret,
        timeoutMs: 10_000,
        paceMs: options.pace,
        clock: context.io.clock,
        ...(chaos !== undefined ? { chaos } : {}),
      },
      (event) => {
        if (event.type === 'start') {
          const plan = planView(event, chaos, reporter.style);
          if (!reporter.json)
            reporter.line(
              style.dim(
                `call ${event.callId} · scenario ${label} · ${dialect}${options.web ? ' · web call' : ''}${options.fail ? ' · ends with an error' : ''}`,
              ),
            );
          if (plan !== undefined) reporter.result(plan.json, plan.text);
        }
        if (event.type !== 'step') return;
        const events = heard.splice(0);
        if (reporter.json) for (const record of demoStepRecords(event, events)) reporter.record(record);
        else reporter.lines(demoStepLines(event, events, style));
      },
    );
    return { outcome, secret, chaos };
  } finally {
    await listener.close();
  }
}

/** The built-in listener on a free port of 127.0.0.1, saving every request and keeping what it saw for the steps. */
function startDemoListener(secret: string, toolResults: Record<string, unknown>, file: string, heard: ListenEvent[]) {
  return startListener({
    host: '127.0.0.1',
    port: 0,
    path: '/',
    secrets: [secret],
    toleranceSeconds: DEFAULT_TOLERANCE_SECONDS,
    enforce: true,
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    replies: { 'tool-calls': toolResults },
    delayMs: 0,
    save: file,
    onEvent: (event) => heard.push(event),
  });
}

/** Part 2: verify of the saved captures, then the summary of both. */
async function verifyAndSum(
  call: { outcome: CallsOutcome; secret: string; chaos: ReturnType<typeof readChaos> },
  options: DemoOptions,
  context: CommandContext,
  reporter: Reporter,
  file: string,
): Promise<void> {
  const { style } = reporter;
  section(reporter, '2. hms-webhook verify of the saved captures');
  const secrets = [{ secret: call.secret, label: 'the demo secret', accepted: true }];
  const clock = () => unixSecondsOf(context.io.clock);
  const verified = await verifyCaptureFile(file, { secrets, toleranceSeconds: DEFAULT_TOLERANCE_SECONDS, clock }, (report) => {
    const shown = { ...report, location: `captures.jsonl:${report.line}` };
    reporter.result(
      () => verifyJson(shown),
      () => [verifyLine(shown, style, true)],
    );
  });
  const played = call.outcome.first!;
  const { chaos } = call;
  if (reporter.json) {
    reporter.record(demoSummaryJson(played, chaos?.seed, verified, options.keep ? file : null));
  } else {
    reporter.summary(verified.passed, verified.failed);
    section(reporter, 'Summary');
    const again = chaos !== undefined ? ` (--chaos ${chaos.faults.join(',')} --seed ${chaos.seed})` : '';
    reporter.line(
      `call: ${summaryLine(played.result.passed, played.result.failed, style)}${again} · verify: ${summaryLine(verified.passed, verified.failed, style)}`,
    );
    reporter.line(
      style.dim('Next: point it at your own receiver — hms-webhook send call --to localhost:3000/webhooks (with HMS_WEBHOOK_SECRET set)'),
    );
  }
  if (played.result.failed > 0 || verified.failed > 0) throw new CheckFailed();
}
