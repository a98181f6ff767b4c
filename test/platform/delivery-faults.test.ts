import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAULT_NAMES } from '../../src/cli/options.js';
import {
  callSeed,
  FAULT_VARIANTS,
  FAULTS,
  faultsProblem,
  parseFaults,
  type PlannedFault,
  planCall,
  planDeliveries,
  planFaults,
  stepNames,
} from '../../src/platform/delivery-faults.js';

const TOOL_TURNS = 2;
/** The deliveries of a plan as `step` or `step (kind)`, groups joined with `+`. */
const deliveries = (faults: PlannedFault[]) =>
  planDeliveries(faults, TOOL_TURNS).map((group) =>
    group.map((delivery) => (delivery.kind === 'first' ? delivery.step : `${delivery.step} (${delivery.kind})`)).join(' + '),
  );
const fault = (step: string, name: PlannedFault['fault'], variant: PlannedFault['variant']): PlannedFault => ({
  step,
  fault: name,
  variant,
});

describe('delivery faults: the plan', () => {
  it('the same seed gives the same plan; seeds differ in what they plan', () => {
    const plans = new Set<string>();
    for (let seed = 0; seed < 200; seed++) {
      const plan = planCall({ faults: [...FAULTS], seed }, TOOL_TURNS);
      assert.deepEqual(planCall({ faults: [...FAULTS], seed }, TOOL_TURNS), plan);
      plans.add(JSON.stringify(plan));
    }
    assert.ok(plans.size >= 10, `${plans.size} distinct plans of 200 seeds`);
  });

  it('each fault is placed on a step it fits, with a variant of its own, one fault a step', () => {
    for (let seed = 0; seed < 500; seed++) {
      const { faults, skipped } = planFaults([...FAULTS], TOOL_TURNS, seed);
      assert.equal(faults.length + skipped.length, FAULTS.length);
      assert.equal(new Set(faults.map((planned) => planned.step)).size, faults.length);
      assert.equal(faultsProblem(faults, TOOL_TURNS), undefined);
      for (const planned of faults) {
        assert.ok((FAULT_VARIANTS[planned.fault] as readonly string[]).includes(planned.variant));
        if (planned.fault === 'drop') assert.ok(['in-progress', 'ended', 'end-of-call-report'].includes(planned.step));
        if (planned.fault === 'overlap') assert.match(planned.step, /^tool-calls \d$/);
      }
    }
  });

  it('a fault alone is always placed; overlap on a call without tool calls is skipped with why', () => {
    for (const name of FAULTS) for (let seed = 0; seed < 50; seed++) assert.equal(planFaults([name], TOOL_TURNS, seed).faults.length, 1);
    assert.deepEqual(planFaults(['overlap'], 0, 1), { faults: [], skipped: [{ fault: 'overlap', why: 'the call has no tool calls' }] });
  });

  it('each call of a run gets its own seed, and the first call the run’s', () => {
    assert.equal(callSeed(1234, 0), 1234);
    const seeds = new Set(Array.from({ length: 10_000 }, (_, index) => callSeed(1234, index)));
    assert.equal(seeds.size, 10_000);
  });

  it('parses --chaos: names, all, repeats, and names the first unknown one', () => {
    assert.deepEqual(parseFaults('dup, late,dup'), { faults: ['dup', 'late'] });
    assert.deepEqual(parseFaults('all'), { faults: [...FAULTS] });
    assert.deepEqual(parseFaults('dup,nope,worse'), { unknown: 'nope' });
    assert.equal(FAULT_NAMES, FAULTS.join(', '), 'the help names every fault');
  });
});

describe('delivery faults: the order of deliveries', () => {
  const plain = ['assistant-request', 'in-progress', 'tool-calls 1', 'tool-calls 2', 'ended', 'end-of-call-report'];

  it('without faults, every step once in order', () => {
    assert.deepEqual(deliveries([]), plain);
    assert.deepEqual(stepNames(TOOL_TURNS), plain);
  });

  it('dup and redeliver send the step again right after it', () => {
    assert.deepEqual(deliveries([fault('tool-calls 1', 'dup', 'identical')]), [
      'assistant-request',
      'in-progress',
      'tool-calls 1',
      'tool-calls 1 (duplicate)',
      'tool-calls 2',
      'ended',
      'end-of-call-report',
    ]);
    const [, , first, again] = planDeliveries([fault('tool-calls 1', 'redeliver', 'after-timeout')], TOOL_TURNS);
    assert.equal(first![0]!.replyLost, true);
    assert.equal(again![0]!.kind, 'redelivery');
    assert.equal(planDeliveries([fault('ended', 'dup', 'resigned')], TOOL_TURNS)[5]![0]!.identical, undefined);
  });

  it('reorder, late and drop move or remove steps', () => {
    assert.deepEqual(deliveries([fault('in-progress', 'reorder', 'ended-before-in-progress')]), [
      'assistant-request',
      'tool-calls 1',
      'tool-calls 2',
      'ended',
      'in-progress',
      'end-of-call-report',
    ]);
    assert.deepEqual(deliveries([fault('end-of-call-report', 'reorder', 'report-before-ended')]), [
      'assistant-request',
      'in-progress',
      'tool-calls 1',
      'tool-calls 2',
      'end-of-call-report',
      'ended',
    ]);
    assert.deepEqual(deliveries([fault('in-progress', 'late', 'after-next')]), [
      'assistant-request',
      'tool-calls 1',
      'in-progress',
      'tool-calls 2',
      'ended',
      'end-of-call-report',
    ]);
    assert.deepEqual(
      deliveries([fault('ended', 'drop', 'never-sent')]),
      plain.filter((step) => step !== 'ended'),
    );
  });

  it('overlap sends the next step in the same group, while the tool reply is pending', () => {
    assert.deepEqual(deliveries([fault('tool-calls 2', 'overlap', 'next-while-pending')]), [
      'assistant-request',
      'in-progress',
      'tool-calls 1',
      'tool-calls 2 + ended',
      'end-of-call-report',
    ]);
  });

  it('names what a scenario file gets wrong', () => {
    assert.match(
      faultsProblem([fault('tool-calls 3', 'dup', 'identical')], TOOL_TURNS)!,
      /^faults\[0\]\.step "tool-calls 3" is not a step/,
    );
    assert.match(faultsProblem([fault('ended', 'drop', 'identical')], TOOL_TURNS)!, /^faults\[0\]\.variant "identical" is not one of drop/);
    assert.match(
      faultsProblem([fault('ended', 'drop', 'never-sent'), fault('ended', 'dup', 'identical')], TOOL_TURNS)!,
      /^faults\[1\]: ended has a fault already/,
    );
  });
});
