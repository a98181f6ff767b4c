import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CommandContext } from '../../cli/command-context.js';
import { InputError, UsageError } from '../../errors.js';
import { whyUnreadable } from '../../input.js';
import { Reporter } from '../../output/reporter.js';
import { PACKAGE_ROOT, packageVersion } from '../../package-root.js';
import { isEvent } from '../../platform/events.js';
import { listScenarios } from '../../platform/fixtures.js';
import { loadScenario } from '../../platform/scenario.js';
import { eventOf } from '../../platform/schemas/index.js';
import { ARTILLERY_SCRIPT, type ArtilleryStep, artilleryProject, callSteps, eventStep } from '../../sending/artillery-project.js';
import { parseTarget } from '../../sending/target.js';
import type { LoadOptions } from './command.js';
import { buildBody } from '../../engine/request.js';

const DEFAULT_OUT = 'hms-webhook-artillery';

/** `send load … --emit artillery`: writes an Artillery project that sends what the platform sends, signed at send time. */
export async function runEmit(name: string | undefined, options: LoadOptions, context: CommandContext): Promise<void> {
  const { io } = context;
  if (name !== undefined && options.scenario !== undefined) {
    throw new UsageError(`give one of an event (${name}) or --scenario: each virtual user sends one event, or plays a whole call`);
  }
  const reporter = new Reporter(io, { json: options.json === true, color: context.color() });
  const target = parseTarget(options.to);
  const dialect = options.dialect ?? 'hms';
  let steps: ArtilleryStep[];
  let label: string;
  if (options.scenario !== undefined) {
    const builtIn = listScenarios().some((scenario) => scenario.name === options.scenario);
    const loaded = await loadScenario(builtIn ? { name: options.scenario } : { file: options.scenario });
    steps = callSteps(loaded.scenario, { dialect, set: options.set });
    label = `${loaded.label} (a whole call)`;
  } else {
    const { document } = await buildBody(name, options, io.stdin, io.clock.now());
    const event = eventOf(document);
    if (!isEvent(event)) throw new InputError(`the payload is a ${String(event)}: --emit sends the platform's four events`);
    steps = [eventStep(event, document)];
    label = event;
  }
  if (options.secret !== undefined || options.secretFile !== undefined) {
    reporter.note('the secret is not written into the project: export HMS_WEBHOOK_SECRET where Artillery runs');
  }
  const out = resolve(options.out ?? DEFAULT_OUT);
  const files = artilleryProject({
    target,
    steps,
    label,
    dialect,
    signed: options.unsigned !== true,
    arrivals: options.count,
    durationSeconds: options.duration,
    timeoutSeconds: options.timeout,
    processorSource: readFileSync(new URL('fixtures/artillery/hms-webhook.js', PACKAGE_ROOT), 'utf8'),
    generator: `hms-webhook ${packageVersion()}`,
  });
  const taken = files.map((file) => join(out, file.path)).filter((path) => existsSync(path));
  if (taken.length > 0 && options.force !== true) {
    throw new InputError(
      `${taken[0]} is already there${taken.length > 1 ? ` (and ${taken.length - 1} more)` : ''}: choose another --out, or --force to overwrite`,
    );
  }
  try {
    mkdirSync(out, { recursive: true });
    for (const file of files) writeFileSync(join(out, file.path), file.content);
  } catch (error) {
    throw new InputError(`cannot write into ${out}: ${whyUnreadable(error) ?? (error as Error).message}`);
  }
  const run = `npx artillery run ${ARTILLERY_SCRIPT}`;
  reporter.result(
    () => ({ type: 'emit', engine: 'artillery', dir: out, files: files.map((file) => file.path), requests_per_user: steps.length, run }),
    () => [
      `${reporter.style.bold('artillery project')} in ${out}: ${label}, ${steps.length === 1 ? 'one request' : `${steps.length} requests`} per virtual user, ${options.count} virtual users over ${options.duration} s`,
      ...files.map((file) => `  ${file.path}`),
      '',
      'Next:',
      `  cd ${out}`,
      '  npm install artillery@2',
      ...(options.unsigned === true ? [] : ['  export HMS_WEBHOOK_SECRET=…']),
      `  ${run}`,
      '  (README.md there: running it from many machines with run-fargate / run-lambda)',
    ],
  );
}
