import { randomInt } from 'node:crypto';
import { UsageError } from '../../errors.js';
import { FAULTS, type Fault, parseFaults } from '../../platform/delivery-faults.js';

/** `--chaos LIST [--seed N]`: the faults asked for and the seed of their plan (a random one when not given). */
export function readChaos(options: { chaos?: string; seed?: number; fuzz?: number | true }): { faults: Fault[]; seed: number } | undefined {
  if (options.chaos === undefined) {
    if (options.seed !== undefined && options.fuzz === undefined)
      throw new UsageError('--seed is the seed of a chaos plan or of --fuzz: add --chaos or --fuzz');
    return undefined;
  }
  const parsed = parseFaults(options.chaos);
  if ('unknown' in parsed) throw new UsageError(`--chaos ${JSON.stringify(parsed.unknown)}: not a fault; use ${FAULTS.join(', ')} or all`);
  if (parsed.faults.length === 0) throw new UsageError(`--chaos needs at least one fault: ${FAULTS.join(', ')} or all`);
  return { faults: parsed.faults, seed: seedOf(options.seed) };
}

/** `--seed N` checked, or a random seed when none is given (printed, so that the run can be played again). */
export function seedOf(seed: number | undefined): number {
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff))
    throw new UsageError('--seed must be a whole number from 0 to 4294967295');
  return seed ?? randomInt(0, 0x100000000);
}

/** What plays one call's plan again: `--chaos LIST --seed S`, with the seed of that call. */
export function reproduceArgs(faults: readonly Fault[], seed: number): string {
  return `--chaos ${faults.join(',')} --seed ${seed}`;
}
