import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { jsonLines, runCli, temporaryFolder } from '../helpers.js';
import { type Received, startReceiver } from '../receiver.js';

// One rule per reply: validate (given the request or the dialect), the exported JSON Schema, send and
// the processor of an emitted Artillery project judge every reply case alike.

const SECRET = 'agreement-secret-3b7e';
const dir = temporaryFolder('hms-agreement-');
type Dialect = 'hms' | 'flireo';
type Event = 'tool-calls' | 'assistant-request';

interface ReplyCase {
  name: string;
  event: Event;
  /** The reply to a request with these tool call ids, in the request's dialect. */
  reply(ids: string[], dialect: Dialect): unknown;
  /** Whether the case turns on which ids the request had: a JSON Schema cannot know them. */
  idsMatter?: true;
  /** The verdict where it is known in advance (the rest must merely agree). */
  expected?: 'pass' | 'fail';
}

const idKey = (dialect: Dialect) => (dialect === 'hms' ? 'tool_call_id' : 'toolCallId');
const otherIdKey = (dialect: Dialect) => (dialect === 'hms' ? 'toolCallId' : 'tool_call_id');

const CASES: ReplyCase[] = [
  {
    name: 'a result per id',
    event: 'tool-calls',
    reply: (ids, d) => ({ results: ids.map((id) => ({ [idKey(d)]: id, result: 'ok' })) }),
    expected: 'pass',
  },
  {
    name: 'an error per id',
    event: 'tool-calls',
    reply: (ids, d) => ({ results: ids.map((id) => ({ [idKey(d)]: id, error: 'down' })) }),
    expected: 'pass',
  },
  {
    name: "the other dialect's id key",
    event: 'tool-calls',
    reply: (ids, d) => ({ results: ids.map((id) => ({ [otherIdKey(d)]: id, result: 'ok' })) }),
    expected: 'fail',
  },
  { name: 'an empty results list', event: 'tool-calls', reply: () => ({ results: [] }), expected: 'fail' },
  {
    name: 'an id the request never had',
    event: 'tool-calls',
    reply: (_ids, d) => ({ results: [{ [idKey(d)]: 'tool_never', result: 'ok' }] }),
    idsMatter: true,
    expected: 'fail',
  },
  { name: 'results not a list', event: 'tool-calls', reply: () => ({ results: 'ok' }), expected: 'fail' },
  { name: 'a result without an id', event: 'tool-calls', reply: () => ({ results: [{ result: 'ok' }] }) },
  { name: 'a direct result', event: 'tool-calls', reply: () => ({ result: 'ok' }) },
  {
    name: 'a transient assistant',
    event: 'assistant-request',
    reply: () => ({ assistant: { name: 'Receptie', first_message: 'Hallo' } }),
    expected: 'pass',
  },
  {
    name: 'a saved assistant by id',
    event: 'assistant-request',
    reply: (_ids, d) => ({ [d === 'hms' ? 'assistant_id' : 'assistantId']: 'asst_1' }),
    expected: 'pass',
  },
  { name: 'the call rejected', event: 'assistant-request', reply: () => ({ error: 'closed' }), expected: 'pass' },
  { name: 'an assistant that is a string', event: 'assistant-request', reply: () => ({ assistant: 'Receptie' }), expected: 'fail' },
  { name: 'a reply that is a list', event: 'assistant-request', reply: () => [], expected: 'fail' },
];

const ajv = new Ajv2020({ strict: false, allErrors: true });

async function cli(args: string[]) {
  return runCli(args, { env: { HMS_WEBHOOK_SECRET: SECRET } });
}

/** The fixture the platform sends, as validate's --request, and its tool call ids. */
async function requestOf(event: Event, dialect: Dialect): Promise<{ file: string; ids: string[] }> {
  const shown = await cli(['fixtures', 'show', event, '--dialect', dialect]);
  assert.equal(shown.code, 0, shown.stderr);
  const file = join(dir, `${event}-${dialect}-request.json`);
  writeFileSync(file, shown.stdout);
  const message = (JSON.parse(shown.stdout) as { message: Record<string, unknown> }).message;
  const list = (message.tool_call_list ?? message.toolCallList ?? []) as { id: string }[];
  return { file, ids: list.map((call) => call.id) };
}

interface Processor {
  hmsStartCall(context: { vars: Record<string, unknown> }, events: unknown, done: (error?: Error) => void): void;
  hmsSign(
    request: Record<string, unknown>,
    context: { vars: Record<string, unknown> },
    events: unknown,
    done: (error?: Error) => void,
  ): void;
  hmsCheck(
    request: unknown,
    response: unknown,
    context: { vars: Record<string, unknown> },
    events: unknown,
    done: (error?: Error) => void,
  ): void;
}

const events = { emit: () => {} };

/** The emitted processor's verdict: sign a request as Artillery would, then hand it the reply as Artillery's response. */
function processorVerdict(processor: Processor, replyCase: ReplyCase, dialect: Dialect): 'pass' | 'fail' {
  const context = { vars: {} };
  const request: Record<string, unknown> = { headers: {} };
  processor.hmsStartCall(context, events, () => {});
  const saved = process.env.HMS_WEBHOOK_SECRET;
  process.env.HMS_WEBHOOK_SECRET = SECRET;
  try {
    processor.hmsSign(request, context, events, (error) => assert.ifError(error));
  } finally {
    process.env.HMS_WEBHOOK_SECRET = saved;
  }
  const message = (JSON.parse(String(request.body)) as { message: Record<string, unknown> }).message;
  const ids = ((message.tool_call_list ?? message.toolCallList ?? []) as { id: string }[]).map((call) => call.id);
  const response = {
    statusCode: 200,
    body: JSON.stringify(replyCase.reply(ids, dialect)),
    headers: { 'content-type': 'application/json' },
    timings: { phases: { total: 3 } },
  };
  let verdict: 'pass' | 'fail' | undefined;
  processor.hmsCheck(request, response, context, events, (error) => {
    verdict = error === undefined ? 'pass' : 'fail';
  });
  assert.ok(verdict, 'hmsCheck called done');
  return verdict;
}

describe('every reply case gets one verdict: validate, the exported schema, send and the Artillery processor', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  /** The case the receiver answers with next, built from the request it gets. */
  let answering: { replyCase: ReplyCase; dialect: Dialect } | undefined;
  before(async () => {
    receiver = await startReceiver(SECRET, (request: Received) => {
      const message = (JSON.parse(request.body.toString('utf8')) as { message: Record<string, unknown> }).message;
      const ids = ((message.tool_call_list ?? message.toolCallList ?? []) as { id: string }[]).map((call) => call.id);
      return { body: JSON.stringify(answering!.replyCase.reply(ids, answering!.dialect)) };
    });
  });
  after(async () => receiver.close());

  for (const dialect of ['hms', 'flireo'] as const) {
    for (const event of ['tool-calls', 'assistant-request'] as const) {
      it(`${event} replies, ${dialect}`, async () => {
        const { file: requestFile, ids } = await requestOf(event, dialect);
        const schema = JSON.parse((await cli(['schema', event, '--reply', '--dialect', dialect])).stdout) as object;
        const project = join(dir, `${event}-${dialect}-artillery`);
        const emitted = await cli(['send', 'load', event, '--dialect', dialect, '--emit', 'artillery', '--out', project]);
        assert.equal(emitted.code, 0, emitted.stderr);
        const processor = createRequire(join(project, 'package.json'))(join(project, 'hms-webhook.js')) as Processor;
        for (const replyCase of CASES.filter((one) => one.event === event)) {
          const replyFile = join(dir, 'reply.json');
          writeFileSync(replyFile, JSON.stringify(replyCase.reply(ids, dialect)));
          const validated = await cli(['validate', '--reply', event, '--request', requestFile, replyFile, '--json']);
          const verdicts: Record<string, 'pass' | 'fail'> = { validate: validated.code === 0 ? 'pass' : 'fail' };
          if (replyCase.idsMatter !== true)
            verdicts.schema = ajv.validate(schema, JSON.parse(readFileSync(replyFile, 'utf8'))) ? 'pass' : 'fail';
          answering = { replyCase, dialect };
          const sent = await cli(['send', event, '--dialect', dialect, '--to', receiver.url, '--json']);
          verdicts.send = jsonLines(sent.stdout)[0]?.ok === true ? 'pass' : 'fail';
          verdicts.processor = processorVerdict(processor, replyCase, dialect);
          const expected = replyCase.expected ?? verdicts.validate;
          for (const [face, verdict] of Object.entries(verdicts)) {
            assert.equal(
              verdict,
              expected,
              `${replyCase.name} (${dialect}): ${face} says ${verdict}, expected ${expected}\n${validated.stdout}${sent.stdout}`,
            );
          }
        }
      });
    }
  }

  it('validate without the request or --dialect reads a reply as hms, as send does, and names the dialect its keys are', async () => {
    const replyFile = join(dir, 'camel-reply.json');
    writeFileSync(replyFile, JSON.stringify({ results: [{ toolCallId: 'tool_1', result: 'ok' }] }));
    const result = await cli(['validate', '--reply', 'tool-calls', replyFile, '--json']);
    assert.equal(result.code, 1, result.stdout);
    const [document] = jsonLines(result.stdout);
    assert.equal(document!.dialect, 'hms');
    assert.match(JSON.stringify(document!.warnings), /judged as hms, the default: its keys are flireo's/);
    assert.equal((await cli(['validate', '--reply', 'tool-calls', '--dialect', 'flireo', replyFile])).code, 0);
  });
});
