import { Command, InvalidArgumentError, Option, type OptionValues } from '@commander-js/extra-typings';
import type { CommandContext } from '../../cli/command-context.js';
import {
  assistantOption,
  chaosOption,
  dialectOption,
  fuzzOption,
  ignoreOption,
  jsonOption,
  junitOption,
  number,
  paceOption,
  renamedOption,
  routeOption,
  allowRemoteToolsOption,
  secretFileOption,
  secretOption,
  seedOption,
  setOption,
  targetOption,
  timeoutOption,
  unsetOption,
} from '../../cli/options.js';
import { DEFAULT_PORT } from '../../defaults.js';

const TARGET = `URL, host, host:port, :port or port (default http://localhost:${DEFAULT_PORT}/)`;
const SECRET = 'the webhook_secret to sign with';

/** What a single send and a load run share: the target, the payload and how it is signed or forged. */
function withRequest<Args extends unknown[], Opts extends OptionValues>(command: Command<Args, Opts>) {
  return command
    .addOption(targetOption(TARGET))
    .addOption(secretOption(SECRET))
    .addOption(secretFileOption())
    .option('--data <file|json>', 'send this JSON payload instead of a fixture: a file, - for stdin, or the JSON itself ({…})')
    .addOption(setOption())
    .addOption(unsetOption())
    .addOption(dialectOption())
    .addOption(timeoutOption(30))
    .addOption(new Option('--timestamp <unix>', 'sign with this X-Webhook-Timestamp').argParser(number('whole')))
    .addOption(new Option('--skew <seconds>', 'shift the timestamp: -400 is 400 s in the past').argParser(number('any')))
    .option('--bad-signature', 'a well-formed signature with the wrong value')
    .option('--wrong-secret', 'sign with a random secret')
    .option('--unsigned', 'send no signature header')
    .option('--tamper', 'change the body after signing')
    .option('--expect-status <code>', 'the status that counts as a pass: 401, 4xx … (default 2xx)');
}

const deadlineOption = () =>
  new Option(
    '--deadline <seconds>',
    'your own reply budget: judge the reply against it instead of the platform deadline (5 s / 10 s)',
  ).argParser(number('positive'));

/** `--ramp 10..500`: the first and last concurrency of a ramp. */
function concurrencyRange(text: string): { from: number; to: number } {
  const match = /^\s*(\d+)\s*\.\.\s*(\d+)\s*$/.exec(text);
  const from = Number(match?.[1]);
  const to = Number(match?.[2]);
  if (match === null || from < 1 || to < from) throw new InvalidArgumentError('give the first and last concurrency, e.g. 10..500.');
  return { from, to };
}

const sendDeclaration = () =>
  withRequest(
    new Command('send')
      .description('sign a fixture (or --data) exactly as the platform does, POST it, and check the reply')
      .argument('[event]', 'event or event/variant, e.g. status-update/ended (see `hms-webhook fixtures`)'),
  )
    .addOption(deadlineOption())
    .addOption(assistantOption())
    .addOption(routeOption())
    .addOption(allowRemoteToolsOption())
    .addOption(fuzzOption())
    .addOption(
      new Option('--seed <n>', 'the seed of --fuzz (printed when not given): the same seed, the same cases').argParser(number('any')),
    )
    .addOption(jsonOption('one JSON object per request'))
    .option('-v, --verbose', 'show the full request and every check')
    .addOption(
      new Option('--repeat <n>', 'send the identical signed request n times (duplicate delivery)').argParser(number('whole')).default(1),
    )
    // Load mode had this flag before it became `send load`; kept hidden so the old form gets a hint.
    .addOption(new Option('--count <n>').hideHelp());

const loadDeclaration = () =>
  withRequest(
    new Command('load')
      .description('send many requests, each re-signed, over parallel connections, and report throughput and latency')
      .argument('[event]', 'event or event/variant (see `hms-webhook fixtures`)'),
  )
    .addOption(new Option('--count <n>', 'how many requests').argParser(number('whole')).default(1000))
    .addOption(
      new Option('--concurrency <c>', 'connections in parallel, each with one request in flight').argParser(number('whole')).default(10),
    )
    .addOption(deadlineOption())
    .addOption(
      new Option(
        '--ramp <from..to>',
        'raise the concurrent calls step by step and find how many your receiver holds within the deadline',
      ).argParser(concurrencyRange),
    )
    .addOption(new Option('--ramp-step <n>', 'with --ramp: calls added at each step (default: from)').argParser(number('whole')))
    .addOption(new Option('--step-seconds <s>', 'with --ramp: how long each step lasts').argParser(number('positive')).default(10))
    .addOption(
      new Option('--every <ms>', 'with --ramp: each call sends one request every this many ms; latency counts from when it was due')
        .argParser(number('positive'))
        .default(1000),
    )
    .addOption(renamedOption('--pace <ms>'))
    .option('--plot <file.svg>', 'with --ramp: also draw the curve as an SVG chart')
    .addOption(
      new Option('--emit <engine>', 'write a ready load-test project for this engine instead of sending').choices(['artillery'] as const),
    )
    .option('--out <dir>', 'with --emit: the folder to write (default hms-webhook-artillery)')
    .option('--scenario <name|file>', 'with --emit: each virtual user plays this whole call (book-appointment, opening-hours or a file)')
    .addOption(
      new Option('--users <n>', 'with --emit: virtual users, each sending the event or playing the whole call')
        .argParser(number('whole'))
        .default(1000),
    )
    .addOption(
      new Option('--duration <seconds>', 'with --emit: the phase spreads --users virtual users over this long')
        .argParser(number('whole'))
        .default(60),
    )
    .option('--force', 'with --emit: overwrite the files of an earlier --emit in --out')
    .addOption(jsonOption('one JSON object with the totals (with --ramp: the curve and the knee)'));

const callDeclaration = () =>
  new Command('call')
    .description("play a whole call, one event after another, each built from your receiver's replies")
    .argument('[scenario]', 'a built-in scenario: book-appointment (default) or opening-hours')
    .addOption(targetOption(TARGET))
    .addOption(secretOption(SECRET))
    .addOption(secretFileOption())
    .option('--scenario <file>', 'play your own scenario file (see `hms-webhook schema scenario`)')
    .addOption(assistantOption())
    .addOption(routeOption())
    .addOption(allowRemoteToolsOption())
    .addOption(dialectOption())
    .addOption(setOption())
    .addOption(timeoutOption(30))
    .addOption(paceOption())
    .option('--web', 'a web call (no phone numbers)')
    .option('--fail', 'the call ends with an error (status-update ended-with-error)')
    .addOption(chaosOption())
    .addOption(seedOption())
    .option('--save-plan <file>', 'write the scenario with the planned faults, to play again as a regression test (--scenario FILE)')
    .addOption(ignoreOption('a reply value a second delivery may change, e.g. results[*].result.at; repeatable'))
    .addOption(fuzzOption())
    .option(
      '--check <command>',
      'run this shell command after each step and at the end (HMS_CALL_ID, HMS_STEP, HMS_EVENT, HMS_FAULT, HMS_PHASE); non-zero fails',
    )
    .option('--check-url <url>', 'GET this URL after each step and at the end (the same facts in its query); a 2xx passes')
    .addOption(
      new Option('--calls <n>', 'play this many whole calls, each with its own call id, number and plan')
        .argParser(number('whole'))
        .default(1),
    )
    .addOption(new Option('--concurrency <c>', 'with --calls: calls at a time (default: 10, at most --calls)').argParser(number('whole')))
    .addOption(jsonOption('one JSON object per step (per call with --calls), then a summary object'))
    .addOption(junitOption());

export type SendOptions = ReturnType<ReturnType<typeof sendDeclaration>['opts']>;
export type LoadOptions = ReturnType<ReturnType<typeof loadDeclaration>['opts']>;
export type CallOptions = ReturnType<ReturnType<typeof callDeclaration>['opts']>;

export function sendCommand(context: CommandContext) {
  const send = sendDeclaration()
    // The options of `send` are read only before `call` or `load`, so each subcommand reads its own.
    .enablePositionalOptions()
    .addHelpText(
      'after',
      `
Examples:
  $ hms-webhook send status-update --to localhost
  $ hms-webhook send tool-calls/several-tools --to http://localhost:3000/webhooks --secret-file .webhook-secret
  $ hms-webhook send assistant-request --dialect flireo --set message.customer.number=+31687654321
  $ hms-webhook send status-update --tamper --expect-status 401
  $ hms-webhook fixtures show assistant-request/with-tools --reply > assistant.json
  $ hms-webhook send tool-calls --assistant assistant.json --to :3000/webhooks --route book_appointment=localhost:8484 --fuzz 200 --seed 7
  $ hms-webhook send call --to localhost:3000/webhooks          a whole call (see send call --help)
  $ hms-webhook send load end-of-call-report --count 10000 --concurrency 50
Exit: 0 reply ok, 1 reply failed a check (status, schema, late), 2 could not send.`,
    )
    .action(async (event, options) => {
      const { runSend } = await import('./run.js');
      await runSend(event, options, context);
    });
  send.addCommand(
    callDeclaration()
      .addHelpText(
        'after',
        `
Plays assistant-request → status-update in-progress → tool-calls … → status-update ended →
end-of-call-report with one call id, using your receiver's replies as the platform does (the assistant
it returns is echoed in every later event; {"error"} ends the call).

Examples:
  $ hms-webhook send call --to localhost:3000/webhooks
  $ hms-webhook send call opening-hours --dialect flireo --web --pace 500
  $ hms-webhook send call --scenario my-call.json --set message.assistant.metadata.env=test
  $ hms-webhook send call --to :3000/webhooks --chaos all --seed 7 --save-plan found.json
  $ hms-webhook send call --to :3000/webhooks --chaos dup,redeliver --check 'node count-rows.js'
  $ hms-webhook send call --to :3000/webhooks --calls 200 --concurrency 50 --chaos all
  $ hms-webhook send call confirm-by-sms --to :3000/webhooks --route book_appointment=localhost:8484 --fuzz
Exit: 0 every step passed, 1 a step failed (the call stops there), 2 could not send.`,
      )
      .action(async (scenario, options) => {
        const { runSendCall } = await import('./run-call.js');
        await runSendCall(scenario, options, context);
      }),
  );
  send.addCommand(
    loadDeclaration()
      .addHelpText(
        'after',
        `
Examples:
  $ hms-webhook send load end-of-call-report --count 10000 --concurrency 50
  $ hms-webhook send load status-update --count 500 --unsigned --expect-status 401
  $ hms-webhook send load tool-calls --to :3000/webhooks --ramp 10..50 --ramp-step 20 --step-seconds 2 --every 500 --plot knee.svg
  $ hms-webhook send load tool-calls --to https://staging.example.com/webhooks --emit artillery --out load-test
  $ hms-webhook send load --scenario book-appointment --to :3000/webhooks --emit artillery --users 5000 --duration 300
One meaning per flag: --count and --concurrency are requests and connections (plain load); --ramp's
calls each send one request every --every ms; --emit's --users virtual users arrive over --duration.
With --ramp, each step runs that many concurrent calls, each sending one request every --every ms, for
--step-seconds; the knee is the highest step whose p99 (from when each request was due) stays under
80 % of the deadline with no failed reply; the ramp stops at the first step past it.
With --emit artillery, nothing is sent: the folder holds artillery.yml, a processor that signs each
request at send time with HMS_WEBHOOK_SECRET (never written into the files), the payloads and a README.
Exit: 0 every request got the expected status (with --ramp: a knee was found), 1 any did not, 2 could not send.`,
      )
      .action(async (event, options, command) => {
        const { loadModeOf } = await import('./load-modes.js');
        // --count, --concurrency, --users and --every have defaults: only their source says whether they were given.
        const mode = loadModeOf(options, (option) => command.getOptionValueSource(option) === 'cli');
        if (mode === 'emit') {
          const { runEmit } = await import('./run-emit.js');
          await runEmit(event, options, context);
        } else if (mode === 'ramp') {
          const { runRamp } = await import('./run-ramp.js');
          await runRamp(event, options, context);
        } else {
          const { runSendLoad } = await import('./run-load.js');
          await runSendLoad(event, options, context);
        }
      }),
  );
  return send;
}
