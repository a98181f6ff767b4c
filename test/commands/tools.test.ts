import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jsonLines, runCli, temporaryFolder } from '../helpers.js';
import { type Answer, type Received, startReceiver } from '../receiver.js';

const SECRET = 'assistant-secret';
const TOOL_SECRET = 'stock-secret';
const dir = temporaryFolder('hms-webhook-tools-');
const env = { HMS_WEBHOOK_SECRET: SECRET };

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

const STOCK_PARAMETERS = {
  type: 'object',
  properties: { sku: { type: 'string', minLength: 1 }, quantity: { type: 'integer', minimum: 1, maximum: 10 } },
  required: ['sku'],
};

function toolCall(request: Received) {
  const message = (JSON.parse(request.body.toString('utf8')) as { message: Record<string, unknown> }).message;
  const [call] = message.tool_call_list as { id: string; function: { name: string; arguments: unknown } }[];
  return call!;
}

/** A stock service as people write them: it trusts the model's arguments. */
const trustingStock = (request: Received): Answer => {
  if (request.signatureValid !== true) return { status: 401, body: '{"error":"invalid signature"}' };
  const call = toolCall(request);
  try {
    const args = call.function.arguments as { sku: string };
    return { body: JSON.stringify({ results: [{ tool_call_id: call.id, result: { sku: args.sku.toUpperCase(), in_stock: true } }] }) };
  } catch {
    return { status: 500, body: 'Internal Server Error' };
  }
};

/** The same service written carefully: odd arguments get an error the assistant can say, never a 5xx. */
const carefulStock = (request: Received): Answer => {
  if (request.signatureValid !== true) return { status: 401, body: '{"error":"invalid signature"}' };
  const call = toolCall(request);
  const args = typeof call.function.arguments === 'string' ? safeParse(call.function.arguments) : call.function.arguments;
  const sku = (args as { sku?: unknown } | null)?.sku;
  if (typeof sku !== 'string' || sku === '')
    return { body: JSON.stringify({ results: [{ tool_call_id: call.id, error: 'which product?' }] }) };
  return { body: JSON.stringify({ results: [{ tool_call_id: call.id, result: { sku: sku.slice(0, 40), in_stock: true } }] }) };
};

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function assistantFile(name: string, tools: unknown[]): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ assistant: { llm_config: { provider: 'openai', model: 'gpt-4.1', tools } } }));
  return file;
}

const stockTool = (url: string) => ({
  type: 'function',
  function: { name: 'check_stock', description: 'Whether a product is in stock', parameters: STOCK_PARAMETERS },
  server: { url, secret: TOOL_SECRET },
});

describe('send tool-calls --fuzz', () => {
  let trusting: Receiver;
  let careful: Receiver;
  before(async () => {
    trusting = await startReceiver(TOOL_SECRET, trustingStock);
    careful = await startReceiver(TOOL_SECRET, carefulStock);
  });
  after(async () => {
    await Promise.all([trusting.close(), careful.close()]);
  });

  it('every required key gets its "missing" case, whatever the seed: a crash on a missing time is found with few runs', async () => {
    // A booking service that reads date and name with care, and trusts time to be there.
    const booking = await startReceiver(TOOL_SECRET, (request) => {
      const call = toolCall(request);
      const args = (typeof call.function.arguments === 'string' ? JSON.parse(call.function.arguments) : call.function.arguments) as Record<
        string,
        unknown
      >;
      if (typeof args.time !== 'string') return { status: 500, body: '{"error":"time.split is not a function"}' };
      return { body: JSON.stringify({ results: [{ tool_call_id: call.id, result: 'booked' }] }) };
    });
    const tool = {
      type: 'function',
      function: {
        name: 'book',
        description: 'Book a slot',
        parameters: {
          type: 'object',
          properties: { date: { type: 'string' }, time: { type: 'string' }, name: { type: 'string' } },
          required: ['date', 'time', 'name'],
        },
      },
      server: { url: booking.url, secret: TOOL_SECRET },
    };
    try {
      for (const seed of [1, 2, 3, 4]) {
        const result = await runCli(
          [
            'send',
            'tool-calls',
            '--assistant',
            assistantFile(`book-${seed}.json`, [tool]),
            '--fuzz',
            '8',
            '--seed',
            String(seed),
            '--json',
          ],
          { env },
        );
        const fuzz = jsonLines(result.stdout).find((line) => line.type === 'fuzz') as { failure?: { kind: string } } | undefined;
        assert.equal(fuzz?.failure?.kind, 'a required key missing (time)', `seed ${seed}: ${result.stdout}`);
      }
    } finally {
      await booking.close();
    }
  });

  it('finds the crash on a missing argument, shrinks it to {}, and prints the command that reproduces it', async () => {
    const result = await runCli(
      [
        'send',
        'tool-calls',
        '--assistant',
        assistantFile('trusting.json', [stockTool(trusting.url)]),
        '--fuzz',
        '40',
        '--seed',
        '3',
        '--to',
        trusting.url,
        '--json',
      ],
      { env },
    );
    assert.equal(result.code, 1, result.stdout + result.stderr);
    const fuzz = jsonLines(result.stdout).find((line) => line.type === 'fuzz')!;
    const failure = fuzz.failure as { kind: string; arguments: unknown; reason: string; reproduce: string; shrinks: number };
    assert.equal(fuzz.tool, 'check_stock');
    assert.equal(failure.kind, 'a required key missing (sku)');
    assert.deepEqual(failure.arguments, {}, 'shrunk to the smallest arguments');
    assert.match(failure.reason, /^status: 500, expected 2xx/);
    assert.equal(jsonLines(result.stdout).at(-1)!.seed, 3);
    // The printed command, run as printed (with the tool's own secret), fails the same way.
    const [, data] = /--data '(.*)'$/.exec(failure.reproduce)!;
    assert.ok(failure.reproduce.startsWith(`hms-webhook send tool-calls --to ${trusting.url} --data '`));
    const again = await runCli(['send', 'tool-calls', '--to', trusting.url, '--data', data!.replaceAll("'\\''", "'")], {
      env: { HMS_WEBHOOK_SECRET: TOOL_SECRET },
    });
    assert.equal(again.code, 1, again.stdout);
    assert.match(again.stdout, /status: 500, expected 2xx/);
  });

  it('the same seed sends the same cases', async () => {
    const args = (file: string) => [
      'send',
      'tool-calls',
      '--assistant',
      assistantFile(file, [stockTool(careful.url)]),
      '--fuzz',
      '30',
      '--seed',
      '11',
      '--to',
      careful.url,
    ];
    careful.received.length = 0;
    await runCli(args('careful-a.json'), { env });
    const first = careful.received.map((request) => JSON.stringify(toolCall(request).function.arguments));
    careful.received.length = 0;
    await runCli(args('careful-b.json'), { env });
    const second = careful.received.map((request) => JSON.stringify(toolCall(request).function.arguments));
    assert.equal(first.length, 30);
    assert.deepEqual(second, first);
  });

  it('a careful receiver passes every kind: valid, missing, wrong types, null, extra keys, odd strings, a JSON string, {}', async () => {
    careful.received.length = 0;
    const result = await runCli(
      [
        'send',
        'tool-calls',
        '--assistant',
        assistantFile('careful.json', [stockTool(careful.url)]),
        '--fuzz',
        '--to',
        careful.url,
        '--json',
      ],
      { env },
    );
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const fuzz = jsonLines(result.stdout).find((line) => line.type === 'fuzz')!;
    assert.equal(fuzz.cases, 100);
    assert.deepEqual(
      (fuzz.kinds as { name: string }[]).map((kind) => kind.name),
      [
        'valid',
        'a required key missing (sku)',
        'a value of the wrong type',
        'null for a value',
        'a key the schema does not have',
        'an empty string',
        'a huge string',
        'unicode and odd text',
        'the arguments as a JSON string (OpenAI style)',
        'no arguments ({})',
      ],
    );
    const sent = careful.received.map((request) => toolCall(request).function.arguments);
    assert.ok(
      sent.some((args) => typeof args === 'string'),
      'arguments as a JSON string',
    );
    assert.ok(sent.some((args) => typeof (args as { sku?: unknown }).sku === 'string' && (args as { sku: string }).sku.length === 20_000));
    assert.ok(sent.some((args) => (args as { sku?: unknown }).sku === null));
    assert.ok(
      sent.some((args) => typeof (args as { quantity?: unknown }).quantity === 'string'),
      '"42" for 42',
    );
  });

  it('send call --fuzz: after the call, the tools of the assistant the receiver returned are fuzzed at their routes', async () => {
    const receiver = await startReceiver(SECRET, (request) => {
      const message = (JSON.parse(request.body.toString('utf8')) as { message: Record<string, unknown> }).message;
      if (message.type === 'assistant-request')
        return {
          body: JSON.stringify({ assistant: { llm_config: { provider: 'openai', model: 'gpt-4.1', tools: [stockTool(trusting.url)] } } }),
        };
      if (message.type !== 'tool-calls') return { body: '{}' };
      const call = toolCall(request);
      return { body: JSON.stringify({ results: [{ tool_call_id: call.id, result: 'ok' }] }) };
    });
    try {
      const result = await runCli(['send', 'call', 'opening-hours', '--fuzz', '20', '--seed', '5', '--to', receiver.url, '--json'], {
        env,
      });
      assert.equal(result.code, 1, result.stdout + result.stderr);
      const lines = jsonLines(result.stdout);
      assert.ok(
        lines.filter((line) => line.type === 'step').every((step) => step.ok === true),
        'the call itself passed',
      );
      const fuzz = lines.find((line) => line.type === 'fuzz')!;
      assert.equal(fuzz.tool, 'check_stock');
      assert.equal((fuzz.failure as { kind: string }).kind, 'a required key missing (sku)');
      assert.equal(lines.at(-1)!.seed, 5);
    } finally {
      await receiver.close();
    }
  });

  it('send call --fuzz with an assistant without webhook tools says that nothing was fuzzed', async () => {
    const receiver = await startReceiver(SECRET, (request) =>
      request.headers['x-webhook-event'] === 'assistant-request' ? { body: '{"assistant":{"name":"Lisa"}}' } : { body: '{}' },
    );
    try {
      const result = await runCli(['send', 'call', 'opening-hours', '--fuzz', '--to', receiver.url], { env });
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(
        result.stderr,
        /hms-webhook: --fuzz: the assistant the call ended with has no webhook tools in llm_config.tools, so nothing was fuzzed\n/,
      );
    } finally {
      await receiver.close();
    }
  });

  it('--fuzz on another event, or --seed alone, is a usage error', async () => {
    const other = await runCli(['send', 'status-update', '--fuzz', '--to', careful.url]);
    assert.equal(other.code, 2);
    assert.match(other.stderr, /--fuzz sends tool calls: send tool-calls --fuzz, not status-update/);
    const seed = await runCli(['send', 'tool-calls', '--seed', '4', '--to', careful.url]);
    assert.equal(seed.code, 2);
    assert.match(seed.stderr, /--seed is the seed of --fuzz: add --fuzz/);
  });
});

describe('tools check', () => {
  let stock: Receiver;
  let main: Receiver;
  before(async () => {
    stock = await startReceiver(TOOL_SECRET, carefulStock);
    main = await startReceiver(SECRET, (request) => {
      const message = (JSON.parse(request.body.toString('utf8')) as { message: Record<string, unknown> }).message;
      if (message.type === 'assistant-request')
        return { body: JSON.stringify({ assistant: { llm_config: { tools: [stockTool(stock.url)] } } }) };
      const call = toolCall(request);
      return { body: JSON.stringify({ results: [{ tool_call_id: call.id, result: 'ok' }] }) };
    });
  });
  after(async () => {
    await Promise.all([stock.close(), main.close()]);
  });

  it('lints each definition and calls each tool at its route: a table, JSON and JUnit; exit 1 on a failure', async () => {
    const file = assistantFile('lint.json', [
      stockTool(stock.url),
      { name: '1 bad name', description: 'x' },
      { name: 'no_description', parameters: { type: 'string' } },
      { name: 'send_sms', description: 'text the caller', async: true },
      { type: 'end_call' },
    ]);
    const junit = join(dir, 'tools.xml');
    const json = await runCli(['tools', 'check', '--assistant', file, '--to', main.url, '--json', '--junit', junit], { env });
    assert.equal(json.code, 1, json.stdout + json.stderr);
    const rows = jsonLines(json.stdout).filter((line) => line.type === 'tool');
    assert.deepEqual(
      rows.map((row) => [
        row.tool,
        row.ok,
        (row.route as { source: string; secret: string }).source,
        (row.route as { secret: string }).secret,
      ]),
      [
        ['check_stock', true, 'tool', 'tool'],
        ['1 bad name', false, 'receiver', 'assistant'],
        ['no_description', false, 'receiver', 'assistant'],
        ['send_sms', false, 'receiver', 'assistant'],
      ],
    );
    assert.deepEqual(rows[0]!.arguments, { sku: 'example', quantity: 1 }, 'valid arguments from the schema');
    assert.equal(stock.received.at(-1)!.signatureValid, true);
    assert.match((rows[1]!.problems as string[])[0]!, /^name "1 bad name": use letters, digits, _ and -, at most 64/);
    assert.deepEqual(rows[2]!.problems, [
      'no description: the model reads it to choose the tool',
      'parameters must be a JSON Schema of type "object" (the arguments are an object)',
    ]);
    assert.deepEqual(rows[3]!.problems, ['async without a message: the caller hears nothing while it runs (give message)']);
    assert.deepEqual(jsonLines(json.stdout).at(-1), { type: 'summary', passed: 1, failed: 3 });
    const xml = readFileSync(junit, 'utf8');
    assert.match(xml, /<testcase name="definition 1 bad name"[^>]*>\s*<failure/);
    assert.match(xml, /<testcase name="call check_stock at http:\/\/127\.0\.0\.1:\d+\/hooks"/);
    const text = await runCli(['tools', 'check', '--assistant', file, '--to', main.url], { env });
    assert.match(text.stdout, /✓ check_stock {2}→ http:\/\/127\.0\.0\.1:\d+\/hooks \(its own url\) {2}200/);
    assert.match(text.stdout, /✗ send_sms \(async\) {2}→ .*\n {6}✗ definition: async without a message/);
  });

  it('--from-reply: the assistant the receiver returns', async () => {
    const result = await runCli(['tools', 'check', '--from-reply', main.url, '--json'], { env });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.deepEqual(
      jsonLines(result.stdout)
        .filter((line) => line.type === 'tool')
        .map((line) => line.tool),
      ['check_stock'],
    );
  });

  it('a reply without its own assistant, both sources or neither: one line, exit 2', async () => {
    const plain = await startReceiver(SECRET, () => ({ body: '{}' }));
    try {
      for (const [args, message] of [
        [['--from-reply', plain.url], /the reply configures no assistant of its own .*give it with --assistant FILE$/],
        [[], /give the assistant once: --assistant FILE or --from-reply URL$/],
        [['--assistant', 'a.json', '--from-reply', plain.url], /give the assistant once/],
        [['--assistant', assistantFile('empty.json', [{ type: 'transfer_call' }])], /the assistant has no webhook tools/],
      ] as const) {
        const result = await runCli(['tools', 'check', ...args], { env });
        assert.equal(result.code, 2, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
        assert.match(result.stderr.trim(), message);
        assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      }
    } finally {
      await plain.close();
    }
  });
});
