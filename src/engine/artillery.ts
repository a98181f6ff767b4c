import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Clock, systemClock } from '../clock.js';
import { InputError } from '../errors.js';
import { whyUnreadable } from '../input.js';
import { PACKAGE_ROOT, packageVersion } from '../package-root.js';
import type { Dialect } from '../platform/dialect.js';
import { isEvent } from '../platform/events.js';
import { listScenarios } from '../platform/fixtures.js';
import { loadScenario } from '../platform/scenario.js';
import { eventOf } from '../platform/schemas/index.js';
import { ARTILLERY_SCRIPT, type ArtilleryStep, artilleryProject, callSteps, eventStep } from '../sending/artillery-project.js';
import { buildBody, type RequestOptions } from './request.js';

export interface ArtilleryProjectOptions extends Pick<RequestOptions, 'data' | 'set' | 'unset'> {
  /** The receiver the project targets. */
  target: URL;
  /** One event per virtual user: a fixture `event[/variant]` (or `data`)… */
  fixture?: string;
  /** …or a whole call per virtual user: a scenario's name or file. */
  scenario?: string;
  dialect?: Dialect;
  /** false: the processor sends unsigned requests. */
  signed: boolean;
  /** Virtual users, arriving over `durationSeconds`. */
  arrivals: number;
  durationSeconds: number;
  timeoutSeconds: number;
  /** The folder; its files are never overwritten unless `force`. */
  dir: string;
  force?: boolean;
  clock?: Clock;
  stdin?: NodeJS.ReadableStream;
}

export interface ArtilleryProjectWritten {
  dir: string;
  files: string[];
  /** What each virtual user sends: an event, or a scenario (a whole call). */
  label: string;
  requestsPerUser: number;
  /** The command that runs it, in its folder. */
  run: string;
}

/**
 * Writes a ready Artillery project that sends what the platform sends: its processor signs each
 * request at send time with HMS_WEBHOOK_SECRET (never written into the files) and judges each reply.
 */
export async function writeArtilleryProject(options: ArtilleryProjectOptions): Promise<ArtilleryProjectWritten> {
  const dialect = options.dialect ?? 'hms';
  const { steps, label } = await stepsOf(options, dialect);
  const dir = resolve(options.dir);
  const files = artilleryProject({
    target: options.target,
    steps,
    label,
    dialect,
    signed: options.signed,
    arrivals: options.arrivals,
    durationSeconds: options.durationSeconds,
    timeoutSeconds: options.timeoutSeconds,
    processorSource: readFileSync(new URL('dist/bundle/artillery-processor.cjs', PACKAGE_ROOT), 'utf8'),
    generator: `hms-webhook ${packageVersion()}`,
  });
  const taken = files.map((file) => join(dir, file.path)).filter((path) => existsSync(path));
  if (taken.length > 0 && options.force !== true) {
    throw new InputError(
      `${taken[0]} is already there${taken.length > 1 ? ` (and ${taken.length - 1} more)` : ''}: choose another --out, or --force to overwrite`,
    );
  }
  try {
    mkdirSync(dir, { recursive: true });
    for (const file of files) writeFileSync(join(dir, file.path), file.content);
  } catch (error) {
    throw new InputError(`cannot write into ${dir}: ${whyUnreadable(error) ?? (error as Error).message}`);
  }
  return { dir, files: files.map((file) => file.path), label, requestsPerUser: steps.length, run: `npx artillery run ${ARTILLERY_SCRIPT}` };
}

async function stepsOf(options: ArtilleryProjectOptions, dialect: Dialect): Promise<{ steps: ArtilleryStep[]; label: string }> {
  if (options.scenario !== undefined) {
    const builtIn = listScenarios().some((scenario) => scenario.name === options.scenario);
    const loaded = await loadScenario(builtIn ? { name: options.scenario } : { file: options.scenario });
    return { steps: callSteps(loaded.scenario, { dialect, set: options.set }), label: `${loaded.label} (a whole call)` };
  }
  const { document } = await buildBody(
    options.fixture,
    {
      set: options.set,
      unset: options.unset,
      ...(options.dialect !== undefined ? { dialect: options.dialect } : {}),
      ...(options.data !== undefined ? { data: options.data } : {}),
    },
    options.stdin ?? process.stdin,
    (options.clock ?? systemClock).now(),
  );
  const event = eventOf(document);
  if (!isEvent(event)) throw new InputError(`the payload is a ${String(event)}: --emit sends the platform's four events`);
  return { steps: [eventStep(event, document)], label: event };
}
