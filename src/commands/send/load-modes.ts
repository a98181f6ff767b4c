import { refuseRenamed } from '../../cli/options.js';
import { UsageError } from '../../errors.js';
import type { LoadOptions } from './command.js';

/** What `send load` does: send here, ramp the concurrency, or write a project for another engine. */
export type LoadMode = 'load' | 'ramp' | 'emit';

/** Options with a default: only their source tells whether they were given. */
export type DefaultedOption = 'count' | 'concurrency' | 'users' | 'every';

type Refusal = { flag: string; given: (options: LoadOptions, given: (option: DefaultedOption) => boolean) => boolean; why: string };

const set = (key: keyof LoadOptions) => (options: LoadOptions) => options[key] !== undefined;
const onCommandLine = (option: DefaultedOption) => (_options: LoadOptions, given: (option: DefaultedOption) => boolean) => given(option);

const NOT_EMITTED = 'does not apply to --emit: the emitted project signs every request at send time and checks each reply';
const NOT_RAMPED = 'does not apply to --ramp: each step runs its number of calls for --step-seconds';

/** Per mode, the flags it cannot honour, each with its one-line reason, in the order they are checked. */
const REFUSED: Record<LoadMode, readonly Refusal[]> = {
  load: [
    { flag: '--users', given: onCommandLine('users'), why: 'goes with --emit artillery (virtual users); here --count is requests' },
    { flag: '--every', given: onCommandLine('every'), why: "goes with --ramp FROM..TO (each call's request interval)" },
    { flag: '--scenario', given: set('scenario'), why: 'goes with --emit artillery (here: send call --calls N --concurrency C)' },
    { flag: '--out', given: set('out'), why: 'goes with --emit artillery' },
    { flag: '--force', given: set('force'), why: 'goes with --emit artillery' },
    { flag: '--plot', given: set('plot'), why: 'goes with --ramp FROM..TO' },
    { flag: '--ramp-step', given: set('rampStep'), why: 'goes with --ramp FROM..TO' },
  ],
  ramp: [
    { flag: '--users', given: onCommandLine('users'), why: 'goes with --emit artillery, not --ramp' },
    { flag: '--count', given: onCommandLine('count'), why: NOT_RAMPED },
    { flag: '--concurrency', given: onCommandLine('concurrency'), why: NOT_RAMPED },
    { flag: '--scenario', given: set('scenario'), why: 'goes with --emit artillery, not --ramp' },
    { flag: '--out', given: set('out'), why: 'goes with --emit artillery, not --ramp' },
    { flag: '--force', given: set('force'), why: 'goes with --emit artillery, not --ramp' },
  ],
  emit: [
    {
      flag: '--count',
      given: onCommandLine('count'),
      why: 'is --users N with --emit: virtual users, each sending the event or playing the whole call',
    },
    { flag: '--every', given: onCommandLine('every'), why: NOT_EMITTED },
    {
      flag: '--concurrency',
      given: onCommandLine('concurrency'),
      why: "does not apply to --emit: Artillery's load is --count virtual users over --duration; cap them with maxVusers in artillery.yml",
    },
    { flag: '--bad-signature', given: set('badSignature'), why: NOT_EMITTED },
    { flag: '--wrong-secret', given: set('wrongSecret'), why: NOT_EMITTED },
    { flag: '--tamper', given: set('tamper'), why: NOT_EMITTED },
    { flag: '--timestamp', given: set('timestamp'), why: NOT_EMITTED },
    { flag: '--skew', given: set('skew'), why: NOT_EMITTED },
    { flag: '--expect-status', given: set('expectStatus'), why: NOT_EMITTED },
    { flag: '--ramp', given: set('ramp'), why: NOT_EMITTED },
    { flag: '--plot', given: set('plot'), why: NOT_EMITTED },
  ],
};

/** The mode the options ask for; a flag the mode cannot honour is a UsageError, never silently ignored. */
export function loadModeOf(options: LoadOptions, given: (option: DefaultedOption) => boolean): LoadMode {
  // --pace is a wait between steps (send call, replay); a ramp's calls send one request --every MS.
  refuseRenamed(options, { pace: (value) => `--every ${value}` });
  const mode: LoadMode = options.emit !== undefined ? 'emit' : options.ramp !== undefined ? 'ramp' : 'load';
  const refused = REFUSED[mode].find((refusal) => refusal.given(options, given));
  if (refused !== undefined) throw new UsageError(`${refused.flag} ${refused.why}`);
  return mode;
}
