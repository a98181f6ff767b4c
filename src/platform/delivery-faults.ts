// The faults of real delivery, planned from a seed: which step of a call gets which fault, and the
// order in which the call's deliveries then go out. Pure: the player (call.ts) sends what this plans.

export const FAULTS = ['dup', 'reorder', 'drop', 'late', 'redeliver', 'overlap'] as const;
export type Fault = (typeof FAULTS)[number];

/** What each fault does, as the plan and README say it. */
export const FAULT_VARIANTS = {
  dup: ['identical', 'resigned'],
  reorder: ['ended-before-in-progress', 'report-before-ended'],
  drop: ['never-sent'],
  late: ['after-next'],
  redeliver: ['after-timeout'],
  overlap: ['next-while-pending'],
} as const satisfies Record<Fault, readonly string[]>;
export type FaultVariant = (typeof FAULT_VARIANTS)[Fault][number];

/** The steps of a call by name: `tool-calls 2` is the call's second tool turn. */
export type StepName = string;
export const IN_PROGRESS = 'in-progress';
export const ENDED = 'ended';
export const REPORT = 'end-of-call-report';
export const ASSISTANT_REQUEST = 'assistant-request';

/** A fault placed on one step of the call. */
export interface PlannedFault {
  step: StepName;
  fault: Fault;
  variant: FaultVariant;
}

/** One request of the call as it goes out. */
export interface Delivery {
  step: StepName;
  /** `first` the step's own delivery; a `duplicate` or `redelivery` comes after it. */
  kind: 'first' | 'duplicate' | 'redelivery';
  fault?: PlannedFault;
  /** The reply is not read: the platform timed out (what a `redeliver` fault starts with). */
  replyLost?: boolean;
  /** The same bytes and signature as the first delivery (a `dup` of the `identical` variant). */
  identical?: boolean;
}

export interface CallPlan {
  faults: PlannedFault[];
  /** Faults asked for that no step of this call can carry, with why. */
  skipped: { fault: Fault; why: string }[];
  /** Groups of deliveries in order; the deliveries of one group go out at once (an `overlap`). */
  groups: Delivery[][];
}

/** The names of a call's steps in the order the platform sends them, for a scenario with `toolTurns` tool turns. */
export function stepNames(toolTurns: number): StepName[] {
  return [ASSISTANT_REQUEST, IN_PROGRESS, ...Array.from({ length: toolTurns }, (_, index) => toolStepName(index + 1)), ENDED, REPORT];
}

export function toolStepName(turn: number): StepName {
  return `tool-calls ${turn}`;
}

/** `--chaos dup,late` or `--chaos all` → the faults; undefined names the first unknown one. */
export function parseFaults(text: string): { faults: Fault[] } | { unknown: string } {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const faults: Fault[] = [];
  for (const name of names) {
    if (name === 'all') faults.push(...FAULTS);
    else if ((FAULTS as readonly string[]).includes(name)) faults.push(name as Fault);
    else return { unknown: name };
  }
  return { faults: [...new Set(faults)] };
}

/** A small seeded generator (mulberry32): the same seed gives the same plan on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of call `index` (0-based) of a run: derived from the run's seed, different for each call. */
export function callSeed(seed: number, index: number): number {
  if (index === 0) return seed >>> 0;
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index, 0xc2b2ae35)) >>> 0;
}

/** Where a fault can go: the step that carries it, and every step whose order it depends on. */
interface Placement {
  step: StepName;
  variant: FaultVariant;
  occupies: StepName[];
}

/** The platform's fire-and-forget events can be lost, late or out of order; any request can be duplicated or redelivered. */
function placements(fault: Fault, steps: readonly StepName[]): Placement[] {
  const one = (step: StepName, variant: FaultVariant): Placement => ({ step, variant, occupies: [step] });
  switch (fault) {
    case 'drop':
      return [IN_PROGRESS, ENDED, REPORT].map((step) => one(step, 'never-sent'));
    case 'late':
      // ended late is ended after the report: a report that is itself dropped would leave nothing to be late for.
      return [one(IN_PROGRESS, 'after-next'), { step: ENDED, variant: 'after-next', occupies: [ENDED, REPORT] }];
    case 'reorder':
      return [
        { step: IN_PROGRESS, variant: 'ended-before-in-progress', occupies: [IN_PROGRESS, ENDED] },
        { step: REPORT, variant: 'report-before-ended', occupies: [REPORT, ENDED] },
      ];
    case 'overlap':
      return steps.filter((step) => step.startsWith('tool-calls ')).map((step) => one(step, 'next-while-pending'));
    case 'dup':
      return steps.flatMap((step) => [one(step, 'identical'), one(step, 'resigned')]);
    case 'redeliver':
      return steps.map((step) => one(step, 'after-timeout'));
  }
}

/** The most constrained faults are placed first, so that each finds steps of its own where the call has them. */
const PLACING_ORDER: readonly Fault[] = ['reorder', 'late', 'drop', 'overlap', 'dup', 'redeliver'];

/** Places each fault on steps of its own, chosen by the seed. */
export function planFaults(
  faults: readonly Fault[],
  toolTurns: number,
  seed: number,
): { faults: PlannedFault[]; skipped: CallPlan['skipped'] } {
  const random = seededRandom(seed);
  const steps = stepNames(toolTurns);
  const taken = new Set<StepName>();
  const placed: PlannedFault[] = [];
  const skipped: CallPlan['skipped'] = [];
  for (const fault of PLACING_ORDER.filter((name) => faults.includes(name))) {
    const free = placements(fault, steps).filter((placement) => placement.occupies.every((step) => !taken.has(step)));
    if (free.length === 0) {
      skipped.push({
        fault,
        why:
          fault === 'overlap' && toolTurns === 0
            ? 'the call has no tool calls'
            : 'the steps it fits have other faults (each call of --calls gets its own plan; or ask for it alone)',
      });
      continue;
    }
    const chosen = free[Math.floor(random() * free.length)]!;
    for (const step of chosen.occupies) taken.add(step);
    placed.push({ step: chosen.step, fault, variant: chosen.variant });
  }
  // In the call's order, so that a plan reads from top to bottom.
  placed.sort((a, b) => steps.indexOf(a.step) - steps.indexOf(b.step));
  return { faults: placed, skipped };
}

/** The deliveries of a call with these faults, in the order they go out. */
export function planDeliveries(faults: readonly PlannedFault[], toolTurns: number): Delivery[][] {
  const faultOf = new Map(faults.map((planned) => [planned.step, planned]));
  let order: StepName[] = stepNames(toolTurns);
  /** Moves a step just after (or before) another; nothing moves when either is not sent. */
  const move = (step: StepName, anchor: StepName, where: 'after' | 'before') => {
    if (!order.includes(step) || !order.includes(anchor)) return;
    order = order.filter((name) => name !== step);
    order.splice(order.indexOf(anchor) + (where === 'after' ? 1 : 0), 0, step);
  };
  for (const planned of faults) {
    if (planned.fault === 'drop') order = order.filter((name) => name !== planned.step);
  }
  for (const planned of faults) {
    if (planned.fault === 'reorder' && planned.variant === 'ended-before-in-progress') move(IN_PROGRESS, ENDED, 'after');
    if (planned.fault === 'reorder' && planned.variant === 'report-before-ended') move(REPORT, ENDED, 'before');
    if (planned.fault === 'late') {
      const next = order[order.indexOf(planned.step) + 1];
      if (next !== undefined) move(planned.step, next, 'after');
    }
  }
  const groups: Delivery[][] = [];
  let joinNext = false;
  for (const step of order) {
    const fault = faultOf.get(step);
    const deliveries: Delivery[] =
      fault?.fault === 'redeliver'
        ? [
            { step, kind: 'first', fault, replyLost: true },
            { step, kind: 'redelivery', fault },
          ]
        : fault?.fault === 'dup'
          ? [
              { step, kind: 'first' },
              { step, kind: 'duplicate', fault, ...(fault.variant === 'identical' ? { identical: true } : {}) },
            ]
          : [{ step, kind: 'first', ...(fault !== undefined ? { fault } : {}) }];
    const [head, ...rest] = deliveries;
    // After an overlapping step, the next step's first delivery goes out in the same group, at once.
    if (joinNext) groups.at(-1)!.push(head!);
    else groups.push([head!]);
    for (const delivery of rest) groups.push([delivery]);
    joinNext = fault?.fault === 'overlap';
  }
  return groups;
}

/** A whole plan: faults placed by the seed (or given, from a scenario file), then the deliveries. */
export function planCall(
  source: { faults: readonly Fault[]; seed: number } | { planned: readonly PlannedFault[] },
  toolTurns: number,
): CallPlan {
  const { faults, skipped } =
    'planned' in source ? { faults: [...source.planned], skipped: [] } : planFaults(source.faults, toolTurns, source.seed);
  return { faults, skipped, groups: planDeliveries(faults, toolTurns) };
}

/** What a fault does, in a few words, for the plan's lines and the JUnit case names. */
export function describeFault(planned: PlannedFault): string {
  switch (planned.variant) {
    case 'identical':
      return 'dup: delivered twice, identical bytes and signature';
    case 'resigned':
      return 'dup: delivered again a second later, re-signed';
    case 'ended-before-in-progress':
      return 'reorder: in-progress arrives after ended';
    case 'report-before-ended':
      return 'reorder: end-of-call-report arrives before ended';
    case 'never-sent':
      return 'drop: never sent';
    case 'after-next':
      return 'late: delivered after the next event';
    case 'after-timeout':
      return 'redeliver: the reply is lost (a timeout), then sent again re-signed';
    case 'next-while-pending':
      return 'overlap: the next event goes out while this reply is pending';
  }
}

/** Why faults named in a scenario file cannot be played on its call (an unknown step, a variant of another fault), or undefined. */
export function faultsProblem(faults: readonly { step: string; fault: Fault; variant: string }[], toolTurns: number): string | undefined {
  const steps = stepNames(toolTurns);
  const seen = new Set<string>();
  for (const [index, planned] of faults.entries()) {
    const at = `faults[${index}]`;
    if (!steps.includes(planned.step)) return `${at}.step ${JSON.stringify(planned.step)} is not a step of this call: ${steps.join(', ')}`;
    const variants: readonly string[] = FAULT_VARIANTS[planned.fault];
    if (!variants.includes(planned.variant))
      return `${at}.variant ${JSON.stringify(planned.variant)} is not one of ${planned.fault}: ${variants.join(', ')}`;
    if (seen.has(planned.step)) return `${at}: ${planned.step} has a fault already (one a step)`;
    seen.add(planned.step);
  }
  return undefined;
}
