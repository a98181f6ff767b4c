import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { CheckFailed, Interrupted, UsageError } from '../errors.js';
import { EVENTS } from '../platform/events.js';
import { PACKAGE_ROOT } from '../package-root.js';

// Command modules are imported inside each action so that `--help` loads neither zod, undici nor ora.

const EXIT_OK = 0;
const EXIT_CHECK_FAILED = 1;
const EXIT_CANNOT_RUN = 2;
const EXIT_INTERRUPTED = 130;

const eventOption = () => new Option('--event <event>', 'treat documents as this event instead of reading message.type').choices(EVENTS);
const dialectOption = () =>
  new Option('--dialect <dialect>', 'hms (HMS Sovereign, VoiceDock: snake_case) or flireo (camelCase)').choices(['hms', 'flireo']);

const collect = (value: string, previous: string[] = []) => [...previous, value];
const secretOption = (description: string) => new Option('--secret <secret>', description).argParser(collect);
const secretFileOption = () => new Option('--secret-file <file>', 'read secrets from a file, one per line');
const toleranceOption = () =>
  new Option('--tolerance <seconds>', 'accepted timestamp age, both directions').argParser(number('any')).default(300);

function number(kind: 'whole' | 'positive' | 'any') {
  return (value: string): number => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed)) throw new InvalidArgumentError('not a number.');
    if (kind !== 'any' && parsed <= 0) throw new InvalidArgumentError('must be more than 0.');
    if (kind === 'whole' && !Number.isInteger(parsed)) throw new InvalidArgumentError('must be a whole number.');
    return parsed;
  };
}

export function buildProgram(version: string): Command {
  const program = new Command('hms-webhook')
    .description('Develop, debug and test receivers of HMS Sovereign, VoiceDock and Flireo webhooks.')
    .version(version, '-V, --version')
    .option('--no-color', 'no colour (NO_COLOR is honoured too)')
    .showSuggestionAfterError(true)
    .configureOutput({ outputError: (text, write) => write(`hms-webhook: ${text.replace(/^error: /, '')}`) })
    .exitOverride()
    .addHelpText(
      'after',
      `
Examples:
  $ hms-webhook demo                           a whole call against the built-in listener, then verify
  $ hms-webhook send call --to localhost:3000  play a whole call against your receiver
  $ hms-webhook probe --to localhost:3000 --secret "$SECRET"   check that it refuses forgeries
  $ hms-webhook send status-update --to localhost   sign and POST an event to your receiver
  $ hms-webhook validate payload.json          check a payload against the platform's schemas
  $ hms-webhook verify captures.jsonl --secret "$SECRET"   check saved requests, and say why a signature fails
  $ hms-webhook fixtures                       list the built-in payloads and replies
  $ hms-webhook schema tool-calls --reply      JSON Schema of a tool-calls reply

Exit codes: 0 all good, 1 a check failed, 2 could not run, 130 interrupted.`,
    );

  program
    .command('demo')
    .description('see it all work with no server of yours: a whole call against the built-in listener, then verify')
    .option('--scenario <file>', 'play your own scenario file instead of the built-in one')
    .addOption(dialectOption())
    .option('--web', 'a web call (no phone numbers)')
    .option('--fail', 'the call ends with an error')
    .option('--pace <ms>', 'wait between steps', number('any'), 0)
    .option('--json', 'JSONL: the steps, what the listener saw, the verify results, a summary')
    .addHelpText(
      'after',
      `
Runs offline: the listener runs in this process on a free port with a random secret and saves to a
temporary capture file, which is then verified.
Exit: 0 the call and the verify passed, 1 something failed.`,
    )
    .action(async (options, command: Command) => {
      const { runDemo } = await import('../commands/demo/run.js');
      await runDemo({ ...command.optsWithGlobals(), ...options });
    });

  program
    .command('send')
    .description('sign a fixture (or --data) exactly as the platform does, POST it, and check the reply')
    .argument('[event]', 'event or event/variant, e.g. status-update/ended (see `hms-webhook fixtures`); call for a whole call')
    .option('--to <target>', 'URL, host, host:port, :port or port (default http://localhost:8484/)')
    .addOption(secretOption('the webhook_secret to sign with (or HMS_WEBHOOK_SECRET)'))
    .addOption(secretFileOption())
    .option('--data <file>', 'send this JSON payload (- for stdin) instead of a fixture')
    .option('--set <path=value>', 'change a field: message.call.status=ended (value parsed as JSON if it is)', collect, [])
    .option('--unset <path>', 'remove a field: message.assistant', collect, [])
    .addOption(dialectOption())
    .option('--timeout <seconds>', 'how long to wait for a reply', number('positive'), 30)
    .option('--deadline <seconds>', "judge the reply against this deadline instead of the platform's (5 s / 10 s)", number('positive'))
    .option('--json', 'one JSON object per request')
    .option('-v, --verbose', 'show the full request and every check')
    .option('--timestamp <unix>', 'sign with this X-Webhook-Timestamp', number('whole'))
    .option('--skew <seconds>', 'shift the timestamp: -400 is 400 s in the past', number('any'))
    .option('--bad-signature', 'a well-formed signature with the wrong value')
    .option('--wrong-secret', 'sign with a random secret')
    .option('--unsigned', 'send no signature header')
    .option('--tamper', 'change the body after signing')
    .option('--repeat <n>', 'send the identical signed request n times (duplicate delivery)', number('whole'), 1)
    .option('--expect-status <code>', 'the status that counts as a pass: 401, 4xx … (default 2xx)')
    .option('--count <n>', 'load mode: send n requests, each re-signed, and report throughput', number('whole'))
    .option('--concurrency <c>', 'load mode: connections in parallel', number('whole'), 10)
    .option('--scenario <file>', 'send call: play your own scenario file (see `hms-webhook schema scenario`)')
    .option('--pace <ms>', 'send call: wait between steps', number('any'), 0)
    .option('--web', 'send call: a web call (no phone numbers)')
    .option('--fail', 'send call: the call ends with an error (status-update ended-with-error)')
    .addHelpText(
      'after',
      `
Whole calls: \`send call\` plays assistant-request → status-update in-progress → tool-calls … →
status-update ended → end-of-call-report with one call id, using your receiver's replies as the platform
does (the assistant it returns is echoed in every later event; {"error"} ends the call).
Built-in scenarios: call/book-appointment (default), call/opening-hours.

Examples:
  $ hms-webhook send call --to localhost:3000 --secret "$SECRET"
  $ hms-webhook send call/opening-hours --dialect flireo --web --pace 500
  $ hms-webhook send call --scenario my-call.json --set message.assistant.metadata.env=test
  $ hms-webhook send status-update --to localhost
  $ hms-webhook send tool-calls/several-tools --to http://localhost:3000/webhooks --secret "$SECRET"
  $ hms-webhook send assistant-request --dialect flireo --set message.customer.number=+31687654321
  $ hms-webhook send status-update --tamper --expect-status 401 --secret "$SECRET"
  $ hms-webhook send end-of-call-report --count 10000 --concurrency 50 --secret "$SECRET"
Exit: 0 reply ok, 1 reply failed a check (status, schema, late), 2 could not send.`,
    )
    .action(async (event: string | undefined, options, command: Command) => {
      const { runSend } = await import('../commands/send/run.js');
      await runSend(event, { ...command.optsWithGlobals(), ...options });
    });

  program
    .command('listen')
    .description('run a local receiver that verifies, prints, answers, forwards and records every event')
    .option('--port <port>', 'port to listen on (0 picks a free one)', number('any'), 8484)
    .option('--host <host>', 'address to bind (another than loopback only when you mean it)', '127.0.0.1')
    .option('--path <path>', 'the path that receives webhooks', '/')
    .addOption(secretOption('verify with this secret; repeat for rotation (or HMS_WEBHOOK_SECRET)'))
    .addOption(secretFileOption())
    .addOption(toleranceOption())
    .option('--no-enforce', 'answer failed signatures as if valid, but still report them')
    .option('--max-body <bytes>', 'larger bodies get 413', number('whole'), 10 * 1024 * 1024)
    .option('--reply <file>', 'replies per event: {"assistant-request": {...}, "tool-calls": {"<tool name>": result, "*": result}}')
    .option('--delay <ms>', 'wait this long before answering (test the 5 s / 10 s deadlines)', number('any'), 0)
    .option('--forward-to <url>', 'relay each request, bytes and headers, to your server and answer with its reply')
    .option('--save <file>', 'append each request to a capture file (JSONL), before answering')
    .option('--count <n>', 'exit after n events', number('whole'))
    .option('--timeout <seconds>', 'exit when no event came for this long', number('positive'))
    .option('--json', 'JSONL on stdout (the default when stdout is not a terminal)')
    .option('-v, --verbose', 'headers and full bodies too')
    .option('-q, --quiet', 'one line per event')
    .addHelpText(
      'after',
      `
Examples:
  $ hms-webhook listen --secret "$SECRET"
  $ hms-webhook listen --port 0 --save captures.jsonl --count 4 --timeout 60 > events.jsonl
  $ hms-webhook listen --forward-to http://localhost:3000/webhooks --secret "$SECRET"
  $ hms-webhook listen --reply replies.json --delay 4500
Exit: 0 every event passed, 1 any failed (signature, schema, event header), 2 could not listen, 130 Ctrl-C.
SIGTERM stops it with the same verdict, for CI scripts.`,
    )
    .action(async (options, command: Command) => {
      const { runListen } = await import('../commands/listen/run.js');
      await runListen({ ...command.optsWithGlobals(), ...options });
    });

  program
    .command('probe')
    .description('check that your receiver is safe: one valid request, then forgeries it must refuse')
    .option('--to <target>', 'your receiver: URL, host, host:port, :port or port (default http://localhost:8484/)')
    .addOption(secretOption('the webhook_secret your receiver verifies with (or HMS_WEBHOOK_SECRET)'))
    .addOption(secretFileOption())
    .option('--event <event>', 'the payload to probe with: event or event/variant', 'status-update/in-progress')
    .option('--timeout <seconds>', 'how long to wait for each reply', number('positive'), 10)
    .option('--json', 'one JSON object per case, then a summary object')
    .addHelpText(
      'after',
      `
Cases: the valid request (must get 2xx); tampered body, wrong secret, missing signature, timestamp 301 s
old and 301 s in the future, timestamp in milliseconds, signature without its timestamp, non-JSON body
(each must be refused: non-2xx); a replay of the valid request (a warning when accepted).

Examples:
  $ hms-webhook probe --to localhost:3000/webhooks --secret "$SECRET"
  $ hms-webhook probe --to https://staging.example.com/hooks --json
Exit: 0 every forgery refused, 1 a forgery accepted or the valid request refused, 2 could not connect.`,
    )
    .action(async (options, command: Command) => {
      const { runProbeCommand } = await import('../commands/probe/run.js');
      await runProbeCommand({ ...command.optsWithGlobals(), ...options });
    });

  program
    .command('verify')
    .description(
      'check captured requests (listen --save, HAR, or one given by hand): signature, timestamp, schema, reply; says why a signature fails',
    )
    .argument('[files...]', 'capture files (JSONL) or HAR files; - reads stdin')
    .addOption(secretOption('a webhook_secret to verify with; repeat for rotation (or HMS_WEBHOOK_SECRET)'))
    .addOption(secretFileOption())
    .option('--unsigned', 'the requests are unsigned: check schemas, event header and replies only')
    .addOption(toleranceOption())
    .option('--now <time>', "judge timestamps against this time (unix seconds or ISO 8601) instead of each capture's received_at")
    .option('--ignore-time', 'do not check timestamp age')
    .option('--body <file>', 'one request given by hand: its raw body (- for stdin)')
    .option('--headers <file>', 'the hand-given request\'s headers, "Name: value" lines as copied from a log')
    .option('--signature <value>', "the hand-given request's X-Webhook-Signature")
    .option('--timestamp <unix>', "the hand-given request's X-Webhook-Timestamp")
    .option('--event <event>', "the hand-given request's X-Webhook-Event (default: the body's message.type)")
    .option('--json', 'one JSON object per request, then a summary object')
    .option('-q, --quiet', 'print only failed requests and the summary')
    .option('--allow-empty', 'no requests found is a pass, not an error')
    .addHelpText(
      'after',
      `
Examples:
  $ hms-webhook verify captures.jsonl --secret "$HMS_WEBHOOK_SECRET"
  $ hms-webhook verify session.har --secret "$SECRET" --json
  $ hms-webhook verify --body body.json --headers headers.txt --secret "$SECRET" --now 2026-11-23T10:00:00Z
Time: each capture is judged at its received_at, so old captures still verify; a hand-given request at the current time.
With GITHUB_ACTIONS=true, failures are also written to stderr as ::error annotations.
Exit: 0 all passed, 1 any failed, 2 input unreadable or malformed, or no requests found (unless --allow-empty).`,
    )
    .action(async (files: string[], options, command: Command) => {
      const { runVerify } = await import('../commands/verify/run.js');
      await runVerify(files, { ...command.optsWithGlobals(), ...options });
    });

  program
    .command('validate')
    .description('check JSON payloads or replies (files, JSONL, or - for stdin) against the schemas')
    .argument('[files...]', 'JSON or JSONL files; - reads stdin')
    .addOption(new Option('--reply <event>', 'the documents are replies to this event').choices(EVENTS))
    .addOption(eventOption())
    .addOption(dialectOption())
    .option('--json', 'one JSON object per document, then a summary object')
    .addHelpText(
      'after',
      `
Examples:
  $ hms-webhook validate fixtures/status-update/ended.json
  $ hms-webhook validate captures.jsonl --json
  $ echo '{"results":[]}' | hms-webhook validate --reply tool-calls -
Exit: 0 all valid, 1 any invalid, 2 a file unreadable or not JSON.`,
    )
    .action(async (files: string[], options, command: Command) => {
      const { runValidate } = await import('../commands/validate/run.js');
      await runValidate(files, { ...command.optsWithGlobals(), ...options });
    });

  program
    .command('schema')
    .description('print the JSON Schema of an event payload, its reply, or a call scenario file')
    .addArgument(new Argument('<event>', 'the event, or scenario').choices([...EVENTS, 'scenario']))
    .option('--reply', 'the schema of the reply instead of the payload')
    .addOption(dialectOption().default('hms'))
    .addHelpText(
      'after',
      `
Examples:
  $ hms-webhook schema end-of-call-report
  $ hms-webhook schema assistant-request --reply --dialect flireo > reply.schema.json
  $ hms-webhook schema scenario > scenario.schema.json`,
    )
    .action(async (event: string, options) => {
      const { runSchema } = await import('../commands/schema/run.js');
      runSchema(event, options);
    });

  const fixtures = program.command('fixtures').description('list the built-in payloads and replies, or print one');
  fixtures
    .command('list', { isDefault: true })
    .description('list fixtures: event/variant and what each is')
    .option('--json', 'as JSON')
    .action(async (options) => {
      const { runFixturesList } = await import('../commands/fixtures/run.js');
      runFixturesList(options);
    });
  fixtures
    .command('show')
    .description('print one fixture')
    .argument('<name>', 'event or event/variant, e.g. status-update/ended')
    .option('--reply', 'a reply fixture, e.g. assistant-request/transient')
    .addOption(dialectOption().default('hms'))
    .addHelpText(
      'after',
      `
Examples:
  $ hms-webhook fixtures show status-update/ended --dialect flireo
  $ hms-webhook fixtures show tool-calls/results --reply`,
    )
    .action(async (name: string, options) => {
      const { runFixturesShow } = await import('../commands/fixtures/run.js');
      runFixturesShow(name, options);
    });

  return program;
}

/** The one place that turns outcomes into exit codes. */
export async function main(argv: string[]): Promise<void> {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    // A closed pipe (`| head`) is the reader's choice, not our failure.
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT_OK);
    throw error;
  });
  const program = buildProgram(await packageVersion());
  try {
    await program.parseAsync(argv);
    process.exitCode ??= EXIT_OK;
  } catch (error) {
    process.exitCode = exitCodeOf(error);
  }
}

function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has printed its message already; help and --version exit 0.
    return error.exitCode === 0 ? EXIT_OK : EXIT_CANNOT_RUN;
  }
  if (error instanceof CheckFailed) {
    if (error.message) process.stderr.write(`hms-webhook: ${error.message}\n`);
    return EXIT_CHECK_FAILED;
  }
  if (error instanceof Interrupted) return EXIT_INTERRUPTED;
  if (error instanceof UsageError) {
    process.stderr.write(`hms-webhook: ${error.message}\n`);
    return EXIT_CANNOT_RUN;
  }
  process.stderr.write(`hms-webhook: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
  return EXIT_CANNOT_RUN;
}

async function packageVersion(): Promise<string> {
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('package.json', PACKAGE_ROOT), 'utf8')) as { version: string };
  return pkg.version;
}
