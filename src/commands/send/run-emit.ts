import type { CommandContext } from '../../cli/command-context.js';
import { writeArtilleryProject } from '../../engine/artillery.js';
import { UsageError } from '../../errors.js';
import { Reporter } from '../../output/reporter.js';
import { receiverTarget } from '../../sending/target.js';
import type { LoadOptions } from './command.js';
import { emitJson } from './load-render.js';

const DEFAULT_OUT = 'hms-webhook-artillery';

/** `send load … --emit artillery`: the engine writes the project; this says what is in it and how to run it. */
export async function runEmit(name: string | undefined, options: LoadOptions, context: CommandContext): Promise<void> {
  const { io } = context;
  if (name !== undefined && options.scenario !== undefined) {
    throw new UsageError(`give one of an event (${name}) or --scenario: each virtual user sends one event, or plays a whole call`);
  }
  const reporter = new Reporter(io, { json: options.json === true, color: context.color() });
  const target = receiverTarget(options.to, io.env);
  const written = await writeArtilleryProject({
    target,
    ...(name !== undefined ? { fixture: name } : {}),
    ...(options.scenario !== undefined ? { scenario: options.scenario } : {}),
    ...(options.data !== undefined ? { data: options.data } : {}),
    ...(options.dialect !== undefined ? { dialect: options.dialect } : {}),
    set: options.set,
    unset: options.unset,
    signed: options.unsigned !== true,
    arrivals: options.users,
    durationSeconds: options.duration,
    timeoutSeconds: options.timeout,
    dir: options.out ?? DEFAULT_OUT,
    force: options.force === true,
    clock: io.clock,
    stdin: io.stdin,
  });
  if (options.secret !== undefined || options.secretFile !== undefined) {
    reporter.note('the secret is not written into the project: export HMS_WEBHOOK_SECRET where Artillery runs');
  }
  const { dir, files, label, requestsPerUser, run } = written;
  reporter.result(
    () => emitJson(written),
    () => [
      `${reporter.style.bold('artillery project')} in ${dir}: ${label}, ${requestsPerUser === 1 ? 'one request' : `${requestsPerUser} requests`} per virtual user, ${options.users} virtual users over ${options.duration} s`,
      ...files.map((file) => `  ${file}`),
      '',
      'Next:',
      `  cd ${dir}`,
      '  npm install artillery@2',
      ...(options.unsigned === true ? [] : ['  export HMS_WEBHOOK_SECRET=…']),
      `  ${run}`,
      '  (README.md there: running it from many machines with run-fargate / run-lambda)',
    ],
  );
}
