import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FAULTS, type Fault, type PlannedFault, planFaults } from '../../src/platform/delivery-faults.js';
import { jsonLines, runCli, temporaryFolder } from '../helpers.js';
import { type Answer, type Received, startReceiver } from '../receiver.js';

const SECRET = 'chaos-secret-51c2';
const dir = temporaryFolder('hms-chaos-');
/** book-appointment, the default scenario, has two tool turns. */
const TOOL_TURNS = 2;

type Message = {
  type: string;
  call: { id: string; status: string };
  tool_call_list?: { id: string }[];
};
const messageOf = (request: Received): Message => (JSON.parse(request.body.toString('utf8')) as { message: Message }).message;

/** The bugs real receivers have, each one a flag of the test receiver. */
type Bug =
  /** A second delivery of an event hits a unique constraint: 500. */
  | 'refuses-redelivery'
  /** A second delivery of an event is answered 409 Conflict, as some guides advise. */
  | 'conflict-on-duplicate'
  /** Every request is refused, as with the wrong secret: 401. */
  | 'refuses-everything'
  /** Each delivery of a tool call is answered anew, with a counter in the result. */
  | 'answers-anew'
  /** A state machine: ended only after in-progress, the report only after ended; else 409. */
  | 'assumes-order'
  /** tool-calls reads what in-progress stored, and crashes when it never came. */
  | 'needs-in-progress'
  /** One "current session" for the whole process: the tool ids answered are the last call's. */
  | 'global-session'
  /** A second request of a call while one is pending is refused (a per-call lock): 409. */
  | 'one-request-at-a-time'
  /** Every end-of-call-report delivery writes a CRM row, though the reply is the same. */
  | 'row-per-delivery';

interface CallState {
  status: string;
  startedAt?: Date;
  pending: number;
}

/**
 * A stateful receiver of the kind users write: per-call state, tool results, a CRM row per call in a
 * JSON file. Without bugs it does what the README asks of a receiver: one answer per event however
 * often it comes, in any order, with events missing; with a bug, it fails as such receivers do.
 */
class CallReceiver {
  readonly calls = new Map<string, CallState>();
  readonly answered = new Map<string, Answer>();
  /** The most requests of one call pending at once. */
  mostPending = 0;
  private counter = 0;
  private session: { ids: string[] } = { ids: [] };
  private readonly waitingForToolCall = new Set<() => void>();
  private readonly waitingForCall = new Map<string, () => void>();

  constructor(private readonly options: { bugs?: Bug[]; rowsFile?: string; toolsWaitForNext?: 'tool-call' | 'request-of-the-call' } = {}) {
    if (options.rowsFile !== undefined) writeFileSync(options.rowsFile, '[]');
  }

  has(bug: Bug): boolean {
    return this.options.bugs?.includes(bug) ?? false;
  }

  respond = async (request: Received): Promise<Answer> => {
    if (request.method === 'GET') return this.rowsCheck(request);
    if (request.signatureValid !== true || this.has('refuses-everything')) return { status: 401, body: '{"error":"invalid signature"}' };
    let message: Message;
    try {
      message = messageOf(request);
    } catch {
      return { status: 400, body: '{"error":"not JSON"}' };
    }
    const state = this.stateOf(message.call.id);
    for (const resolve of message.type === 'tool-calls' ? this.waitingForToolCall : []) resolve();
    this.waitingForCall.get(message.call.id)?.();
    if (state.pending > 0 && this.has('one-request-at-a-time')) return { status: 409, body: '{"error":"call busy"}' };
    state.pending++;
    this.mostPending = Math.max(this.mostPending, state.pending);
    try {
      return await this.answerOnce(message, state);
    } catch (error) {
      return { status: 500, body: JSON.stringify({ error: String(error) }) };
    } finally {
      state.pending--;
    }
  };

  private stateOf(callId: string): CallState {
    let state = this.calls.get(callId);
    if (state === undefined) {
      state = { status: 'new', pending: 0 };
      this.calls.set(callId, state);
    }
    return state;
  }

  private async answerOnce(message: Message, state: CallState): Promise<Answer> {
    const key = [message.call.id, message.type, message.call.status, (message.tool_call_list ?? []).map((call) => call.id)].join('|');
    const earlier = this.answered.get(key);
    if (earlier !== undefined && !this.has('answers-anew')) {
      if (this.has('refuses-redelivery')) return { status: 500, body: '{"error":"duplicate key value violates unique constraint"}' };
      if (this.has('conflict-on-duplicate')) return { status: 409, body: '{"error":"already received"}' };
      if (message.type === 'end-of-call-report' && this.has('row-per-delivery')) this.writeRow(message.call.id);
      return earlier;
    }
    const answer = await this.handle(message, state);
    if (answer.status === undefined || answer.status < 300) this.answered.set(key, answer);
    return answer;
  }

  private async handle(message: Message, state: CallState): Promise<Answer> {
    switch (message.type) {
      case 'assistant-request':
        state.status = 'ringing';
        return { body: JSON.stringify({ assistant: { name: 'Chaos' } }) };
      case 'status-update':
        if (this.has('assumes-order') && message.call.status === 'ended' && state.status !== 'in-progress')
          return { status: 409, body: `{"error":"cannot end a call that is ${state.status}"}` };
        if (message.call.status === 'in-progress') {
          state.startedAt = new Date();
          // A late or reordered in-progress does not bring an ended call back.
          if (state.status !== 'ended') state.status = 'in-progress';
        } else state.status = 'ended';
        return { body: '{}' };
      case 'tool-calls':
        return { body: JSON.stringify({ results: await this.toolResults(message, state) }) };
      case 'end-of-call-report':
        if (this.has('assumes-order') && state.status !== 'ended')
          return { status: 409, body: `{"error":"report before the call ended (it is ${state.status})"}` };
        this.writeRow(message.call.id);
        return { body: '{}' };
      default:
        return { status: 400, body: '{}' };
    }
  }

  private async toolResults(message: Message, state: CallState) {
    const started = this.has('needs-in-progress') ? state.startedAt!.getTime() : (state.startedAt ?? new Date()).getTime();
    this.session = { ids: (message.tool_call_list ?? []).map((call) => call.id) };
    const mine = this.session.ids;
    if (this.options.toolsWaitForNext === 'tool-call') await this.nextToolCall();
    if (this.options.toolsWaitForNext === 'request-of-the-call') await this.nextRequestOf(message.call.id);
    const ids = this.has('global-session') ? this.session.ids : mine;
    const n = ++this.counter;
    return ids.map((id) => ({ tool_call_id: id, result: this.has('answers-anew') ? { n } : { ok: true, since: started > 0 } }));
  }

  /** Until another tool call comes in (from any call), or a while when none does: a slow database. */
  private nextToolCall(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.waitingForToolCall.delete(done);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, 1000);
      this.waitingForToolCall.add(done);
    });
  }

  /** Until this call's next request arrives: the tool is pending when it does. */
  private nextRequestOf(callId: string): Promise<void> {
    return new Promise((resolve) => this.waitingForCall.set(callId, resolve));
  }

  rows(): { call_id: string }[] {
    return JSON.parse(readFileSync(this.options.rowsFile!, 'utf8')) as { call_id: string }[];
  }

  private writeRow(callId: string): void {
    if (this.options.rowsFile === undefined) return;
    writeFileSync(this.options.rowsFile, JSON.stringify([...this.rows(), { call_id: callId }]));
  }

  /** GET /rows?call_id=…&phase=…: 200 when the call has the rows it should, 409 with why. */
  private rowsCheck(request: Received): Answer {
    const query = new URL(request.url, 'http://receiver').searchParams;
    const count = this.rows().filter((row) => row.call_id === query.get('call_id')).length;
    const expected = query.get('phase') === 'end' ? count === 1 : count <= 1;
    return expected ? { body: '{"ok":true}' } : { status: 409, body: `${count} CRM rows for call ${query.get('call_id')}` };
  }
}

async function chaosRun(receiver: CallReceiver, args: string[]) {
  const server = await startReceiver(SECRET, receiver.respond);
  try {
    const result = await runCli(['send', 'call', '--to', server.url, '--json', ...args], { env: { HMS_WEBHOOK_SECRET: SECRET } });
    return { result, received: server.received.filter((request) => request.method === 'POST'), lines: jsonLines(result.stdout), server };
  } finally {
    await server.close();
  }
}

/** A seed whose plan puts `fault` where `wanted` says: the plan is pure, so a test can choose its case. */
function seedWhere(faults: Fault[], wanted: (planned: PlannedFault[]) => boolean): number {
  for (let seed = 0; seed < 10_000; seed++) if (wanted(planFaults(faults, TOOL_TURNS, seed).faults)) return seed;
  throw new Error(`no seed gives that plan of ${faults.join(',')}`);
}
const at = (fault: Fault, variantOrStep: string) => (planned: PlannedFault[]) =>
  planned.some((one) => one.fault === fault && (one.variant === variantOrStep || one.step === variantOrStep));

const order = (received: Received[]) =>
  received.map(messageOf).map((message) => (message.type === 'status-update' ? message.call.status : message.type));
const failures = (lines: Record<string, unknown>[]) =>
  lines
    .filter((line) => line.type === 'step' && line.ok === false)
    .flatMap((line) => (line.checks as { name: string; severity: string; message: string }[] | undefined) ?? [])
    .filter((check) => check.severity === 'failure');

describe('send call --chaos: delivery as the platform really does it', () => {
  it('the plan comes first, names each fault, and the same seed plays the same deliveries', async () => {
    const first = await chaosRun(new CallReceiver(), ['--chaos', 'all', '--seed', '42']);
    const again = await chaosRun(new CallReceiver(), ['--chaos', 'all', '--seed', '42']);
    assert.equal(first.result.code, 0, first.result.stdout + first.result.stderr);
    const plan = first.lines[0]!;
    assert.equal(plan.type, 'plan');
    assert.equal(plan.seed, 42);
    assert.deepEqual(plan, again.lines[0]);
    assert.deepEqual(order(first.received), order(again.received));
    const faulted = first.lines.filter((line) => line.type === 'step' && line.fault !== undefined).map((line) => line.fault);
    assert.ok(faulted.length >= 4, `several faults are played: ${faulted.join(',')}`);
    assert.deepEqual(first.lines.at(-1), {
      type: 'summary',
      call_id: messageOf(first.received[0]!).call.id,
      seed: 42,
      passed: first.lines.length - 2,
      failed: 0,
    });
  });

  it('without --seed a seed is chosen, printed, and plays the same plan again', async () => {
    const chosen = await chaosRun(new CallReceiver(), ['--chaos', 'dup,late,reorder']);
    const seed = chosen.lines[0]!.seed as number;
    assert.equal(typeof seed, 'number');
    const replayed = await chaosRun(new CallReceiver(), ['--chaos', 'dup,late,reorder', '--seed', String(seed)]);
    assert.deepEqual(replayed.lines[0], chosen.lines[0]);
    const server = await startReceiver(SECRET, new CallReceiver().respond);
    try {
      const text = await runCli(['send', 'call', '--to', server.url, '--chaos', 'dup', '--seed', '9'], {
        env: { HMS_WEBHOOK_SECRET: SECRET },
      });
      assert.equal(text.code, 0, text.stdout);
      assert.match(text.stdout, /^plan · seed 9 \(--chaos dup --seed 9 to play it again\)\n/, 'the plan comes first');
      assert.match(text.stdout, /\[dup: delivered (twice|again)/);
      assert.match(text.stdout, /7 passed, 0 failed · reproduce: send call --chaos dup --seed 9\n$/);
    } finally {
      await server.close();
    }
  });

  for (const fault of FAULTS) {
    it(`${fault}: a correct receiver passes, and the fault really happened on the wire`, async () => {
      for (const seed of [1, 2, 3]) {
        const receiver = new CallReceiver();
        const { result, received, lines } = await chaosRun(receiver, ['--chaos', fault, '--seed', String(seed)]);
        assert.equal(result.code, 0, `seed ${seed}: ${result.stdout}${result.stderr}`);
        const planned = (lines[0]!.faults as PlannedFault[])[0]!;
        assert.equal(planned.fault, fault);
        const bodies = received.map((request) => request.body.toString('utf8'));
        const events = order(received);
        switch (fault) {
          case 'dup':
          case 'redeliver': {
            assert.equal(received.length, 7, 'one event went out twice');
            assert.equal(new Set(bodies).size, 6, 'with the same body');
            const twice = received.filter((request) => bodies.filter((body) => body === request.body.toString('utf8')).length === 2);
            const signatures = new Set(twice.map((request) => request.headers['x-webhook-signature']));
            const identical = planned.variant === 'identical';
            assert.equal(signatures.size, identical ? 1 : 2, `${planned.variant}: the signature is ${identical ? 'the same' : 'new'}`);
            break;
          }
          case 'drop':
            assert.equal(received.length, 5);
            assert.ok(!events.includes(planned.step === 'end-of-call-report' ? 'end-of-call-report' : planned.step));
            break;
          case 'reorder':
            if (planned.variant === 'ended-before-in-progress')
              assert.ok(events.indexOf('ended') < events.indexOf('in-progress'), events.join());
            else assert.ok(events.indexOf('end-of-call-report') < events.indexOf('ended'), events.join());
            break;
          case 'late':
            assert.notDeepEqual(events, ['assistant-request', 'in-progress', 'tool-calls', 'tool-calls', 'ended', 'end-of-call-report']);
            assert.equal(received.length, 6);
            break;
          case 'overlap':
            assert.ok(lines.some((line) => line.fault === 'overlap'));
            break;
        }
      }
    });
  }

  it('overlap: the next event really is sent while the tool reply is pending; a per-call lock fails it', async () => {
    // Both tool turns overlap, and the tool waits for the call's next request: it is pending when that comes.
    const scenario = join(dir, 'overlap.json');
    const builtIn = JSON.parse(readFileSync(new URL('../../../fixtures/scenarios/book-appointment.json', import.meta.url), 'utf8'));
    writeFileSync(
      scenario,
      JSON.stringify({
        ...builtIn,
        faults: [
          { step: 'tool-calls 1', fault: 'overlap', variant: 'next-while-pending' },
          { step: 'tool-calls 2', fault: 'overlap', variant: 'next-while-pending' },
        ],
      }),
    );
    const correct = new CallReceiver({ toolsWaitForNext: 'request-of-the-call' });
    const passed = await chaosRun(correct, ['--scenario', scenario]);
    assert.equal(passed.result.code, 0, passed.result.stdout + passed.result.stderr);
    assert.equal(correct.mostPending, 2, 'two requests of the call were pending at once');
    const locked = await chaosRun(new CallReceiver({ toolsWaitForNext: 'request-of-the-call', bugs: ['one-request-at-a-time'] }), [
      '--scenario',
      scenario,
    ]);
    assert.equal(locked.result.code, 1);
    assert.match(JSON.stringify(failures(locked.lines)), /409/);
  });

  for (const fault of ['dup', 'redeliver'] as const) {
    it(`${fault}: a receiver that refuses a second delivery fails: not idempotent`, async () => {
      const { result, lines } = await chaosRun(new CallReceiver({ bugs: ['refuses-redelivery'] }), ['--chaos', fault, '--seed', '5']);
      assert.equal(result.code, 1);
      const failure = failures(lines).find((check) => check.name === 'idempotent');
      assert.ok(failure, JSON.stringify(failures(lines)));
      assert.match(failure.message, /^500 to the same event delivered again: answer a duplicate as the first one/);
      assert.equal(lines.at(-1)!.failed, 1);
    });
  }

  it('a receiver that answers a duplicate 409 gets one verdict from probe and from chaos: it fails both', async () => {
    for (const [bugs, verdict] of [
      [['conflict-on-duplicate'], 'fail'],
      [[], 'pass'],
    ] as const) {
      const receiver = new CallReceiver({ bugs: [...bugs] });
      const server = await startReceiver(SECRET, receiver.respond);
      try {
        const probe = await runCli(['probe', '--to', server.url, '--json'], { env: { HMS_WEBHOOK_SECRET: SECRET } });
        const row = jsonLines(probe.stdout).find((line) => line.case === 'the valid request delivered again');
        assert.equal(row?.verdict, verdict, probe.stdout);
      } finally {
        await server.close();
      }
      for (const fault of ['dup', 'redeliver']) {
        const chaos = await chaosRun(new CallReceiver({ bugs: [...bugs] }), ['--chaos', fault, '--seed', '1']);
        const idempotent = failures(chaos.lines).find((check) => check.name === 'idempotent');
        assert.equal(chaos.result.code, verdict === 'pass' ? 0 : 1, chaos.result.stdout);
        if (verdict === 'fail') assert.match(idempotent?.message ?? '', /^409 to the same event delivered again: .*409 included/);
        else assert.equal(idempotent, undefined);
      }
    }
  });

  it('a receiver that refuses everything is not called "not idempotent": a redelivery is held against a passed first only', async () => {
    const seed = seedWhere(['redeliver'], at('redeliver', 'assistant-request'));
    const { result, lines } = await chaosRun(new CallReceiver({ bugs: ['refuses-everything'] }), [
      '--chaos',
      'redeliver',
      '--seed',
      String(seed),
    ]);
    assert.equal(result.code, 1);
    const steps = lines.filter((line) => line.type === 'step');
    assert.deepEqual(
      steps.map((step) => [step.event, step.delivery, step.ok]),
      [
        ['assistant-request', 'first', true],
        ['assistant-request', 'redelivery', false],
      ],
    );
    assert.deepEqual(
      failures(lines).map((check) => check.name),
      ['status'],
    );
  });

  it('dup of a tool call answered anew is another reply; --ignore accepts a value that may change', async () => {
    const seed = seedWhere(['dup'], at('dup', 'tool-calls 1'));
    const anew = await chaosRun(new CallReceiver({ bugs: ['answers-anew'] }), ['--chaos', 'dup', '--seed', String(seed)]);
    assert.equal(anew.result.code, 1);
    const [failure] = failures(anew.lines);
    assert.equal(failure?.name, 'idempotent');
    assert.match(failure!.message, /the same event delivered again got another reply: .*results\[0\]\.result\.n/);
    const ignored = await chaosRun(new CallReceiver({ bugs: ['answers-anew'] }), [
      '--chaos',
      'dup',
      '--seed',
      String(seed),
      '--ignore',
      'results[*].result.n',
    ]);
    assert.equal(ignored.result.code, 0, ignored.result.stdout);
  });

  for (const variant of ['ended-before-in-progress', 'report-before-ended'] as const) {
    it(`reorder (${variant}): a state machine that assumes order fails with its refusal`, async () => {
      const seed = seedWhere(['reorder'], at('reorder', variant));
      const { result, lines } = await chaosRun(new CallReceiver({ bugs: ['assumes-order'] }), [
        '--chaos',
        'reorder',
        '--seed',
        String(seed),
      ]);
      assert.equal(result.code, 1);
      const failed = lines.find((line) => line.type === 'step' && line.ok === false)!;
      assert.equal(failed.status, 409);
      assert.match(JSON.stringify(failures(lines)), /409/);
      const correct = await chaosRun(new CallReceiver(), ['--chaos', 'reorder', '--seed', String(seed)]);
      assert.equal(correct.result.code, 0);
    });
  }

  it('late (ended after the report): the order-assuming receiver fails too', async () => {
    const seed = seedWhere(['late'], at('late', 'ended'));
    const { result, received } = await chaosRun(new CallReceiver({ bugs: ['assumes-order'] }), ['--chaos', 'late', '--seed', String(seed)]);
    assert.equal(result.code, 1);
    assert.deepEqual(order(received).slice(-1), ['end-of-call-report'], 'the report came before ended, and was refused');
  });

  it('drop of in-progress: a handler that needs it crashes (500), a correct one goes on', async () => {
    const seed = seedWhere(['drop'], at('drop', 'in-progress'));
    const crashing = await chaosRun(new CallReceiver({ bugs: ['needs-in-progress'] }), ['--chaos', 'drop', '--seed', String(seed)]);
    assert.equal(crashing.result.code, 1);
    assert.ok(!order(crashing.received).includes('in-progress'));
    const failed = crashing.lines.find((line) => line.type === 'step' && line.ok === false)!;
    assert.equal(failed.event, 'tool-calls');
    assert.equal(failed.status, 500);
    const correct = await chaosRun(new CallReceiver(), ['--chaos', 'drop', '--seed', String(seed)]);
    assert.equal(correct.result.code, 0);
  });
});

describe('send call --check and --check-url: what the receiver did', () => {
  const countRows = join(dir, 'count-rows.mjs');
  const checkLog = join(dir, 'checks.log');
  writeFileSync(
    countRows,
    `import { appendFileSync, readFileSync } from 'node:fs';
const { HMS_CALL_ID, HMS_PHASE, HMS_STEP, HMS_EVENT, HMS_FAULT, ROWS, LOG } = process.env;
appendFileSync(LOG, [HMS_PHASE, HMS_STEP, HMS_EVENT, HMS_FAULT].join(' ') + '\\n');
const count = JSON.parse(readFileSync(ROWS, 'utf8')).filter((row) => row.call_id === HMS_CALL_ID).length;
if (HMS_PHASE === 'end' ? count !== 1 : count > 1) {
  console.error(\`expected \${HMS_PHASE === 'end' ? 'exactly' : 'at most'} one CRM row for call \${HMS_CALL_ID}, found \${count}\`);
  process.exit(1);
}
`,
  );
  const seed = seedWhere(['dup'], at('dup', 'end-of-call-report'));

  async function checked(bugs: Bug[], args: string[]) {
    const rowsFile = join(dir, `rows-${bugs.join('-') || 'correct'}.json`);
    writeFileSync(checkLog, '');
    const receiver = new CallReceiver({ bugs, rowsFile });
    const server = await startReceiver(SECRET, receiver.respond);
    try {
      const result = await runCli(
        ['send', 'call', '--to', server.url, '--json', ...args.map((arg) => arg.replace('{receiver}', server.url))],
        {
          env: { HMS_WEBHOOK_SECRET: SECRET, ROWS: rowsFile, LOG: checkLog, PATH: process.env.PATH },
        },
      );
      return {
        result,
        lines: jsonLines(result.stdout),
        rows: receiver.rows(),
        log: readFileSync(checkLog, 'utf8')
          .split('\n')
          .filter((line) => line !== ''),
      };
    } finally {
      await server.close();
    }
  }

  it('a correct receiver writes one row per call even after a duplicated report: every check passes', async () => {
    const { result, rows, log } = await checked([], ['--chaos', 'dup', '--seed', String(seed), '--check', `node ${countRows}`]);
    assert.equal(result.code, 0, result.stdout);
    assert.equal(rows.length, 1);
    assert.equal(log.length, 8, 'after each of the 7 deliveries, and at the end');
    assert.equal(log.at(-1), 'end   ');
    assert.match(log[0]!, /^step 1 assistant-request $/);
    assert.equal(log.filter((line) => line.endsWith(' end-of-call-report dup')).length, 1, 'the duplicate is named in HMS_FAULT');
  });

  it('a receiver that writes a row per delivery fails the step, with the command’s stderr as the reason', async () => {
    const { result, lines, rows } = await checked(
      ['row-per-delivery'],
      ['--chaos', 'dup', '--seed', String(seed), '--check', `node ${countRows}`],
    );
    assert.equal(result.code, 1);
    assert.equal(rows.length, 2);
    const [failure] = failures(lines);
    assert.equal(failure?.name, 'check');
    assert.match(failure!.message, /^--check exited 1: expected at most one CRM row for call [\w-]+, found 2$/);
  });

  it('--check works without --chaos, and fails at the end when the row never came', async () => {
    const passes = await checked([], ['--check', `node ${countRows}`]);
    assert.equal(passes.result.code, 0);
    const dropped = await checked(
      [],
      [
        '--chaos',
        'drop',
        '--seed',
        String(seedWhere(['drop'], at('drop', 'end-of-call-report'))),
        '--check',
        `node ${countRows}`,
        '--junit',
        join(dir, 'end-check.xml'),
      ],
    );
    assert.equal(dropped.result.code, 1);
    const end = dropped.lines.find((line) => line.type === 'check')!;
    assert.equal(end.phase, 'end');
    assert.match(end.message as string, /expected exactly one CRM row .* found 0/);
    assert.match(
      readFileSync(join(dir, 'end-check.xml'), 'utf8'),
      /<testcase name="end check call [\w-]+"[^>]*>\s*<failure message="--check exited 1: expected exactly one CRM row/,
    );
  });

  it('--check-url: a 2xx passes, another status fails with the body', async () => {
    const passes = await checked([], ['--chaos', 'dup', '--seed', String(seed), '--check-url', '{receiver}/rows']);
    assert.equal(passes.result.code, 0, passes.result.stdout);
    const fails = await checked(['row-per-delivery'], ['--chaos', 'dup', '--seed', String(seed), '--check-url', '{receiver}/rows']);
    assert.equal(fails.result.code, 1);
    assert.match(failures(fails.lines)[0]!.message, /^--check-url answered 409: 2 CRM rows for call /);
  });
});

describe('send call --calls N --concurrency C: many calls at once', () => {
  it('200 calls, 50 at a time, with chaos: a correct receiver passes them all, each call its own', async () => {
    const receiver = new CallReceiver({ toolsWaitForNext: 'tool-call' });
    const { result, lines, received } = await chaosRun(receiver, [
      '--calls',
      '200',
      '--concurrency',
      '50',
      '--chaos',
      'all',
      '--seed',
      '3',
    ]);
    assert.equal(result.code, 0, result.stdout.slice(-3000));
    const calls = lines.filter((line) => line.type === 'call');
    assert.equal(calls.length, 200);
    assert.equal(new Set(calls.map((call) => call.call_id)).size, 200, 'distinct call ids');
    assert.equal(new Set(calls.map((call) => call.seed)).size, 200, 'each call has its own plan');
    assert.equal(receiver.calls.size, 200);
    const numbers = new Set(received.map((request) => JSON.parse(request.body.toString('utf8')).message.customer?.number));
    assert.equal(numbers.size, 200, 'distinct caller numbers');
    const summary = lines.at(-1)!;
    assert.equal(summary.type, 'summary');
    assert.equal(summary.calls, 200);
    assert.equal(summary.passed, 200);
    assert.equal(summary.failed, 0);
    const latency = summary.latency_ms as Record<string, { count: number; p50: number; p99: number; deadline: number | null }>;
    assert.equal(latency['tool-calls']!.deadline, 10_000);
    assert.equal(latency['assistant-request']!.deadline, 5000);
    assert.ok(latency['tool-calls']!.p50 <= latency['tool-calls']!.p99);
    assert.ok((summary.slowest as { call_id: string }).call_id);
  });

  it('a receiver with one global session fails under concurrency, with the reason counted', async () => {
    const { result, lines } = await chaosRun(new CallReceiver({ bugs: ['global-session'], toolsWaitForNext: 'tool-call' }), [
      '--calls',
      '200',
      '--concurrency',
      '50',
    ]);
    assert.equal(result.code, 1);
    const summary = lines.at(-1)!;
    assert.ok((summary.failed as number) > 0);
    assert.equal((summary.passed as number) + (summary.failed as number), 200);
    const reasons = Object.keys(summary.failures as object);
    assert.ok(
      reasons.some((reason) => /tool_call_id|tool call/.test(reason)),
      reasons.join('\n'),
    );
    assert.ok(lines.some((line) => line.type === 'call' && typeof line.failure === 'string'));
  });

  it('the reproduce line after a failed --calls run plays the failing call again, and it fails again', async () => {
    const server = await startReceiver(SECRET, new CallReceiver({ bugs: ['assumes-order'] }).respond);
    try {
      const env = { HMS_WEBHOOK_SECRET: SECRET };
      const many = await runCli(['send', 'call', '--to', server.url, '--calls', '10', '--chaos', 'all', '--seed', '2'], { env });
      assert.equal(many.code, 1, many.stdout);
      const reproduce = /reproduce call (\d+): send call (--chaos \S+ --seed \d+)\n$/.exec(many.stdout);
      assert.ok(reproduce, many.stdout);
      const failedLine = many.stdout.split('\n').find((line) => line.startsWith(`✗ call ${reproduce[1]} `));
      assert.ok(failedLine?.includes(`(seed ${/--seed (\d+)/.exec(reproduce[2]!)![1]})`), failedLine);
      const again = await runCli(['send', 'call', '--to', server.url, ...reproduce[2]!.split(' ')], { env });
      assert.equal(again.code, 1, again.stdout);
      assert.match(again.stdout, /409/);
    } finally {
      await server.close();
    }
  });

  it('text output: failed calls named, latency per event, the reproduce line', async () => {
    const server = await startReceiver(SECRET, new CallReceiver({ bugs: ['refuses-redelivery'] }).respond);
    try {
      const result = await runCli(
        ['send', 'call', '--to', server.url, '--calls', '6', '--concurrency', '3', '--chaos', 'dup', '--seed', '8'],
        {
          env: { HMS_WEBHOOK_SECRET: SECRET },
        },
      );
      assert.equal(result.code, 1);
      assert.match(result.stdout, /^6 calls · 3 at a time · book-appointment · hms · seed 8 → /);
      assert.match(result.stdout, /✗ call \d [\w-]+ \(seed \d+\): .*idempotent: 500 to the same event delivered again/);
      assert.match(result.stdout, /tool-calls +\d+ +p50 .* deadline 10 s/);
      assert.match(result.stdout, /calls: 0 passed, 6 failed · reproduce call 1: send call --chaos dup --seed 8\n/);
    } finally {
      await server.close();
    }
  });
});

describe('send call --save-plan: a chaos run kept as a regression test', () => {
  it('writes the scenario with its faults (0600); --scenario plays the same deliveries', async () => {
    const file = join(dir, 'found.json');
    const found = await chaosRun(new CallReceiver(), ['--chaos', 'all', '--seed', '77', '--save-plan', file]);
    assert.equal(found.result.code, 0);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    assert.deepEqual(
      saved.faults,
      (found.lines[0]!.faults as PlannedFault[]).map(({ step, fault, variant }) => ({ step, fault, variant })),
    );
    const replayed = await chaosRun(new CallReceiver(), ['--scenario', file]);
    assert.equal(replayed.result.code, 0);
    assert.deepEqual(order(replayed.received), order(found.received));
    assert.deepEqual((replayed.lines[0]!.deliveries as unknown[]).length, (found.lines[0]!.deliveries as unknown[]).length);
  });

  it('with --calls, the first failed call’s plan is saved', async () => {
    const file = join(dir, 'failed.json');
    const { result, lines } = await chaosRun(new CallReceiver({ bugs: ['assumes-order'] }), [
      '--calls',
      '20',
      '--chaos',
      'reorder,late',
      '--seed',
      '4',
      '--save-plan',
      file,
    ]);
    assert.equal(result.code, 1);
    const replayed = await chaosRun(new CallReceiver({ bugs: ['assumes-order'] }), ['--scenario', file]);
    assert.equal(replayed.result.code, 1, 'the saved plan fails the buggy receiver again');
    assert.ok(lines.some((line) => line.type === 'call' && line.failure !== undefined));
  });

  it('a scenario naming a fault that does not fit is exit 2, naming where', async () => {
    const file = join(dir, 'bad-faults.json');
    const builtIn = JSON.parse(readFileSync(new URL('../../../fixtures/scenarios/book-appointment.json', import.meta.url), 'utf8'));
    for (const [faults, message] of [
      [[{ step: 'tool-calls 9', fault: 'dup', variant: 'identical' }], /faults\[0\]\.step "tool-calls 9" is not a step of this call/],
      [
        [{ step: 'ended', fault: 'dup', variant: 'after-next' }],
        /faults\[0\]\.variant "after-next" is not one of dup: identical, resigned/,
      ],
      [[{ step: 'ended', fault: 'nope', variant: 'x' }], /faults/],
    ] as const) {
      writeFileSync(file, JSON.stringify({ ...builtIn, faults }));
      const result = await runCli(['send', 'call', '--to', 'localhost:1', '--scenario', file]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    }
  });
});

describe('send call chaos: bad input', () => {
  for (const [args, message] of [
    [['--chaos', 'dup,bogus'], /^hms-webhook: --chaos "bogus": not a fault; use dup, reorder, drop, late, redeliver, overlap or all$/],
    [['--chaos', ','], /^hms-webhook: --chaos needs at least one fault/],
    [['--chaos', 'dup', '--seed', '-1'], /^hms-webhook: --seed must be a whole number from 0 to 4294967295$/],
    [['--chaos', 'dup', '--seed', '1.5'], /^hms-webhook: --seed must be a whole number/],
    [['--seed', '4'], /^hms-webhook: --seed is the seed of a chaos plan or of --fuzz: add --chaos or --fuzz$/],
    [['--concurrency', '5'], /^hms-webhook: --concurrency applies to --calls: add --calls N$/],
    [['--save-plan', 'x.json'], /^hms-webhook: --save-plan needs faults to save: add --chaos/],
    [['--check-url', 'ftp://x/'], /^hms-webhook: --check-url "ftp:\/\/x\/": give an http:\/\/ or https:\/\/ URL$/],
    [['--calls', '0'], /^hms-webhook: option '--calls <n>' argument '0' is invalid/],
  ] as const) {
    it(`${args.join(' ')}: one line, exit 2, nothing sent`, async () => {
      const server = await startReceiver(SECRET);
      try {
        const result = await runCli(['send', 'call', '--to', server.url, ...args]);
        assert.equal(result.code, 2, result.stderr);
        assert.match(result.stderr.trimEnd(), message);
        assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
        assert.equal(server.received.length, 0);
      } finally {
        await server.close();
      }
    });
  }
});

describe('send call chaos in reports and the demo', () => {
  it('JUnit: one case per delivery and call, the fault in the case name', async () => {
    const file = join(dir, 'chaos.xml');
    const { result } = await chaosRun(new CallReceiver({ bugs: ['refuses-redelivery'] }), [
      '--calls',
      '3',
      '--chaos',
      'dup',
      '--seed',
      '2',
      '--junit',
      file,
    ]);
    assert.equal(result.code, 1);
    const xml = readFileSync(file, 'utf8');
    assert.equal((xml.match(/<testsuite /g) ?? []).length, 3, 'a suite per call');
    assert.match(xml, /<testcase name="\d\d [\w-]+ [\w-]+ \[dup: delivered (twice|again)[^"]*\] call [\w-]+"[^>]*>\s*<failure/);
    assert.doesNotMatch(xml, /end check/, 'no case for a check that was not asked for');
  });

  it('demo --chaos all passes against the built-in listener, plan first', async () => {
    const result = await runCli(['demo', '--chaos', 'all', '--seed', '5', '--json']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const lines = jsonLines(result.stdout);
    assert.equal(lines[0]!.type, 'plan');
    const summary = lines.at(-1)!;
    assert.equal(summary.seed, 5);
    assert.deepEqual(summary.call, { passed: lines.filter((line) => line.type === 'step').length, failed: 0 });
    assert.ok(lines.some((line) => line.type === 'step' && line.delivery === 'duplicate'));
  });
});
