import type { CallEvent, PlayedCall } from '../../engine/play-calls.js';
import type { OutputRecord } from '../../output/records.js';
import type { Style } from '../../output/style.js';
import type { Fault } from '../../platform/delivery-faults.js';
import type { ListenEvent } from '../../receiving/listener.js';
import { listenJson, listenLines } from '../listen/render.js';
import { reproduceArgs } from '../send/chaos-options.js';
import { callStepJson, callStepLines, planJson, planLines } from '../send/call-render.js';

type StartEvent = Extract<CallEvent, { type: 'start' }>;
type StepEvent = Extract<CallEvent, { type: 'step' }>;

/** The chaos plan, before the call: what `send call --chaos` prints. */
export function planView(event: StartEvent, chaos: { faults: readonly Fault[]; seed: number } | undefined, style: Style) {
  const { plan } = event;
  if (plan === undefined || chaos === undefined) return undefined;
  return {
    json: () => planJson(plan, chaos.seed),
    text: () => planLines(plan, chaos.seed, reproduceArgs(chaos.faults, chaos.seed), style),
  };
}

/** A step as sent, then what the listener saw of it. */
export function demoStepRecords(event: StepEvent, heard: readonly ListenEvent[]): object[] {
  return [callStepJson(event.report, event.callId), ...heard.map((one) => listenJson(one, false))];
}

export function demoStepLines(event: StepEvent, heard: readonly ListenEvent[], style: Style): string[] {
  return [
    '',
    ...callStepLines(event.report, style).map((line) => `${style.cyan('sent    ')} ${line}`),
    ...heard.flatMap((one) => listenLines(one, style, 'normal').map((line) => `${style.magenta('listener')} ${line}`)),
  ];
}

/** demo's last line with --json: the call's steps and the verify of its captures. */
export function demoSummaryJson(
  played: PlayedCall,
  seed: number | undefined,
  verified: { passed: number; failed: number },
  captures: string | null,
): OutputRecord<'summary'> {
  return {
    type: 'summary',
    call_id: played.callId,
    call: { passed: played.result.passed, failed: played.result.failed },
    ...(seed !== undefined ? { seed } : {}),
    verify: { passed: verified.passed, failed: verified.failed },
    captures,
  };
}
