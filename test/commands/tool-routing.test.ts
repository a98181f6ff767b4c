import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jsonLines, runCli, startCli, steppingClock, temporaryFolder } from '../helpers.js';
import { type Answer, correctReplies, type Received, startReceiver } from '../receiver.js';

const SECRET = 'assistant-secret';
const TOOL_SECRET = 'stock-service-secret';
const dir = temporaryFolder('hms-webhook-routing-');

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

const messageOf = (request: Received) => (JSON.parse(request.body.toString('utf8')) as { message: Record<string, unknown> }).message;
const toolNames = (request: Received) =>
  (messageOf(request).tool_call_list as { function: { name: string } }[]).map((call) => call.function.name);
const eventsOf = (receiver: Receiver) => receiver.received.map((request) => request.headers['x-webhook-event']);

/** The assistant of these tests: a tool on its own service with its own secret (nested form), one by url (flat), an async one, one without a route. */
function assistant(stock: string, booking: string, extra: Record<string, unknown> = {}) {
  return {
    name: 'Winkel',
    llm_config: {
      provider: 'openai',
      model: 'gpt-4.1',
      tools: [
        {
          type: 'function',
          function: {
            name: 'check_stock',
            description: 'Whether a product is in stock',
            parameters: { type: 'object', properties: { sku: { type: 'string' } }, required: ['sku'] },
          },
          server: { url: stock, secret: TOOL_SECRET },
        },
        { name: 'book_appointment', description: 'Book a fitting', url: booking },
        { name: 'send_sms', description: 'Text the caller a confirmation', async: true, message: 'Ik stuur u zo een sms.' },
        { name: 'lookup_contact', description: 'Find the caller' },
        { type: 'transfer_call', destinations: [{ type: 'number', number: '+31850000000' }] },
      ],
    },
    ...extra,
  };
}

function scenario(turns: unknown[]): string {
  const file = join(dir, `scenario-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      description: 'a shop call with routed and async tools',
      phone_number: { number: '+31850835037' },
      customer: { number: '+31612345678' },
      turns: [{ role: 'user', content: 'Hebben jullie maat 42?' }, ...turns],
      summary: 'stock checked',
    }),
  );
  return file;
}

/** A correct receiver that answers assistant-request with {}: the call keeps the saved assistant (--assistant). */
const keepsSavedAssistant = (request: Received): Answer =>
  messageOf(request).type === 'assistant-request' ? { body: '{}' } : correctReplies(request);

const file = (name: string, value: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
};

describe('tool calls routed as the platform routes them', () => {
  let main: Receiver;
  let stock: Receiver;
  let booking: Receiver;

  before(async () => {
    main = await startReceiver(SECRET, keepsSavedAssistant);
    stock = await startReceiver(TOOL_SECRET, correctReplies);
    booking = await startReceiver(SECRET, correctReplies);
  });
  after(async () => {
    await Promise.all([main.close(), stock.close(), booking.close()]);
  });
  const reset = () => {
    for (const receiver of [main, stock, booking]) receiver.received.length = 0;
  };

  it('each tool to its own URL, signed with its own secret; parallel calls in one turn split by route', async () => {
    reset();
    const calls = scenario([
      {
        tools: [
          { name: 'check_stock', arguments: { sku: 'SHOE-42' } },
          { name: 'book_appointment', arguments: { day: 'thu' } },
        ],
      },
      { tools: [{ name: 'lookup_contact', arguments: { query: 'Jan' } }] },
    ]);
    const played = await runCli(
      [
        'send',
        'call',
        '--scenario',
        calls,
        '--assistant',
        file('routed.json', { assistant: assistant(stock.url, booking.url) }),
        '--to',
        main.url,
        '--json',
      ],
      { env: { HMS_WEBHOOK_SECRET: SECRET } },
    );
    assert.equal(played.code, 0, played.stdout + played.stderr);
    assert.deepEqual(stock.received.map(toolNames), [['check_stock']]);
    assert.equal(stock.received[0]!.signatureValid, true, "signed with the tool's own secret");
    assert.deepEqual(booking.received.map(toolNames), [['book_appointment']]);
    assert.equal(booking.received[0]!.signatureValid, true, "signed with the assistant's secret");
    assert.deepEqual(main.received.filter((request) => request.headers['x-webhook-event'] === 'tool-calls').map(toolNames), [
      ['lookup_contact'],
    ]);
    // Each routed request carries only its own tool call, and the same call id as the rest of the call.
    const callIds = new Set(
      [...main.received, ...stock.received, ...booking.received].map((request) => (messageOf(request).call as { id: string }).id),
    );
    assert.equal(callIds.size, 1);
    const steps = jsonLines(played.stdout).filter((line) => line.type === 'step' && line.event === 'tool-calls');
    assert.deepEqual(
      steps.map((step) => [step.label, (step.route as { source?: string } | undefined)?.source ?? 'receiver']),
      [
        ['check_stock', 'tool'],
        ['book_appointment', 'tool'],
        ['lookup_contact', 'receiver'],
      ],
    );
    // The tool's secret is used, never shown.
    assert.ok(!played.stdout.includes(TOOL_SECRET) && !played.stderr.includes(TOOL_SECRET));
  });

  it('the tool of a wrong secret is refused by its service: the step fails with the 401', async () => {
    reset();
    const wrong = assistant(stock.url, booking.url);
    (wrong.llm_config.tools[0] as { server: { secret: string } }).server.secret = 'not-the-stock-secret';
    const played = await runCli(
      [
        'send',
        'call',
        '--scenario',
        scenario([{ tools: [{ name: 'check_stock', arguments: { sku: 'A' } }] }]),
        '--assistant',
        file('wrong.json', wrong),
        '--to',
        main.url,
      ],
      { env: { HMS_WEBHOOK_SECRET: SECRET } },
    );
    assert.equal(played.code, 1, played.stdout);
    assert.match(played.stdout, /tool-calls {2}check_stock {2}→ http:\/\/127\.0\.0\.1:\d+\/hooks {2}401/);
  });

  it('a tool with both url and server.url goes to url, as the SDK says; an MCP tool gets no webhook, and the output says why', async () => {
    reset();
    const both = {
      llm_config: {
        tools: [
          { type: 'function', function: { name: 'check_stock', description: 'Stock' }, url: booking.url, server: { url: stock.url } },
          { type: 'mcp', mcp_server_id: 'mcp_calendar', allowed_tools: ['find_slot'] },
        ],
      },
    };
    const played = await runCli(
      [
        'send',
        'call',
        '--scenario',
        scenario([{ tools: [{ name: 'check_stock', arguments: {} }] }, { tools: [{ name: 'find_slot', arguments: {} }] }]),
        '--assistant',
        file('both.json', both),
        '--to',
        main.url,
        '--json',
      ],
      { env: { HMS_WEBHOOK_SECRET: SECRET } },
    );
    assert.equal(played.code, 0, played.stdout + played.stderr);
    assert.deepEqual(booking.received.map(toolNames), [['check_stock']]);
    assert.equal(stock.received.length, 0);
    assert.ok(!eventsOf(main).includes('tool-calls'), 'no webhook for the MCP tool');
    const notSent = jsonLines(played.stdout).filter((line) => line.type === 'not-sent');
    assert.deepEqual(
      notSent.map((line) => [line.label, line.reason]),
      [['find_slot', 'not sent: find_slot is a tool of MCP server mcp_calendar, which the platform calls itself: no webhook']],
    );
  });

  it('--route sends a tool named with a production URL to a local one', async () => {
    reset();
    const production = assistant('https://stock.example.invalid/hooks', 'https://booking.example.invalid/hooks');
    const played = await runCli(
      [
        'send',
        'call',
        '--scenario',
        scenario([
          {
            tools: [
              { name: 'check_stock', arguments: { sku: 'A' } },
              { name: 'book_appointment', arguments: {} },
            ],
          },
        ]),
        '--assistant',
        file('production.json', production),
        '--route',
        `check_stock=${stock.url}`,
        '--route',
        `book_appointment=:${booking.port}/hooks`,
        '--to',
        main.url,
        '--json',
      ],
      { env: { HMS_WEBHOOK_SECRET: SECRET } },
    );
    assert.equal(played.code, 0, played.stdout + played.stderr);
    assert.equal(stock.received.length, 1);
    assert.equal(booking.received.length, 1);
    const routes = jsonLines(played.stdout)
      .filter((line) => line.type === 'step' && line.event === 'tool-calls')
      .map((step) => step.route);
    assert.deepEqual(
      routes.map((route) => (route as { source: string }).source),
      ['route', 'route'],
    );
  });

  it("the tools of the receiver's own assistant-request reply are routed too", async () => {
    reset();
    const own = await startReceiver(SECRET, (request): Answer => {
      if (messageOf(request).type === 'assistant-request')
        return { body: JSON.stringify({ assistant: assistant(stock.url, booking.url) }) };
      return correctReplies(request);
    });
    try {
      const played = await runCli(
        ['send', 'call', '--scenario', scenario([{ tools: [{ name: 'check_stock', arguments: { sku: 'B' } }] }]), '--to', own.url],
        { env: { HMS_WEBHOOK_SECRET: SECRET } },
      );
      assert.equal(played.code, 0, played.stdout);
      assert.deepEqual(stock.received.map(toolNames), [['check_stock']]);
      assert.ok(!own.received.some((request) => request.headers['x-webhook-event'] === 'tool-calls'));
    } finally {
      await own.close();
    }
  });

  it('webhook_events: the events the assistant does not list are not sent, and the output says so', async () => {
    reset();
    const listed = assistant(stock.url, booking.url, { webhook_events: ['assistant-request', 'tool-calls'] });
    const played = await runCli(
      [
        'send',
        'call',
        '--scenario',
        scenario([{ tools: [{ name: 'lookup_contact', arguments: {} }] }]),
        '--assistant',
        file('events.json', listed),
        '--to',
        main.url,
        '--json',
      ],
      { env: { HMS_WEBHOOK_SECRET: SECRET } },
    );
    assert.equal(played.code, 0, played.stdout);
    assert.deepEqual(eventsOf(main), ['assistant-request', 'tool-calls']);
    const notSent = jsonLines(played.stdout).filter((line) => line.type === 'not-sent');
    assert.deepEqual(
      notSent.map((line) => line.event),
      ['status-update', 'status-update', 'end-of-call-report'],
    );
    assert.match(notSent[0]!.reason as string, /^not sent: the assistant's webhook_events does not list status-update$/);
    const text = await runCli(['send', 'call', '--scenario', scenario([]), '--assistant', file('events.json', listed), '--to', main.url], {
      env: { HMS_WEBHOOK_SECRET: SECRET },
    });
    assert.match(
      text.stdout,
      /– +end-of-call-report {2}ended {2}not sent: the assistant's webhook_events does not list end-of-call-report/,
    );
  });

  it('an async tool: a prompt 2xx passes, its reply is not read, and the call hears its message, not a result', async () => {
    reset();
    const played = await runCli(
      [
        'send',
        'call',
        '--scenario',
        scenario([{ tools: [{ name: 'send_sms', arguments: { to: '+31612345678' } }] }]),
        '--assistant',
        file('async.json', assistant(stock.url, booking.url)),
        '--to',
        main.url,
        '--json',
      ],
      { env: { HMS_WEBHOOK_SECRET: SECRET } },
    );
    assert.equal(played.code, 0, played.stdout);
    const step = jsonLines(played.stdout).find((line) => line.type === 'step' && line.event === 'tool-calls')!;
    assert.equal(step.async, true);
    const report = main.received.find((request) => request.headers['x-webhook-event'] === 'end-of-call-report')!;
    const spoken = (messageOf(report).messages as { content: string }[]).map((line) => line.content);
    assert.ok(spoken.includes('Ik stuur u zo een sms.'), JSON.stringify(spoken));
    assert.ok(!spoken.some((line) => line.startsWith('send_sms returned')));
  });

  it('an async tool answered slowly is a warning; a sync tool answered after 10 s fails with what the platform does', async () => {
    const clock = steppingClock(Date.now());
    const slow = await startReceiver(SECRET, (request): Answer => {
      const names = messageOf(request).type === 'tool-calls' ? toolNames(request) : [];
      if (names.includes('send_sms')) clock.advance(2_500);
      if (names.includes('lookup_contact')) clock.advance(10_500);
      return keepsSavedAssistant(request);
    });
    try {
      const args = (tool: string) => [
        'send',
        'call',
        '--scenario',
        scenario([{ tools: [{ name: tool, arguments: {} }] }]),
        '--assistant',
        file('slow.json', assistant(stock.url, booking.url)),
        '--to',
        slow.url,
      ];
      const asyncSlow = await runCli(args('send_sms'), { env: { HMS_WEBHOOK_SECRET: SECRET }, clock });
      assert.equal(asyncSlow.code, 0, asyncSlow.stdout);
      assert.match(asyncSlow.stdout, /⚠ deadline: async: 2\.50 s; the platform does not wait: answer 200 first, then do the work/);
      const syncLate = await runCli(args('lookup_contact'), { env: { HMS_WEBHOOK_SECRET: SECRET }, clock });
      assert.equal(syncLate.code, 1, syncLate.stdout);
      assert.match(syncLate.stdout, /✗ deadline: late: 10\.50 s, the platform waits 10\.00 s and then goes on without the result/);
      assert.match(syncLate.stdout, /the reply came after the 10 s deadline: the assistant got no result for these tool calls/);
    } finally {
      await slow.close();
    }
  });
});

describe('send tool-calls routes the calls of its payload', () => {
  it('--assistant: each tool call to its route, a summary over both', async () => {
    const stock = await startReceiver(TOOL_SECRET, correctReplies);
    const main = await startReceiver(SECRET, correctReplies);
    try {
      const sent = await runCli(
        ['send', 'tool-calls/several-tools', '--assistant', file('several.json', routedSeveral(stock.url)), '--to', main.url, '--json'],
        { env: { HMS_WEBHOOK_SECRET: SECRET } },
      );
      assert.equal(sent.code, 0, sent.stdout + sent.stderr);
      const lines = jsonLines(sent.stdout);
      const sends = lines.filter((line) => line.type === 'send');
      assert.equal(sends.length, 2);
      assert.deepEqual(sends.map((line) => (line.route as { source: string }).source).sort(), ['receiver', 'tool']);
      assert.equal(stock.received.length, 1);
      assert.equal(stock.received[0]!.signatureValid, true);
      assert.deepEqual(lines.at(-1), { type: 'summary', passed: 2, failed: 0 });
    } finally {
      await stock.close();
      await main.close();
    }
  });

  it('--data takes the JSON itself', async () => {
    const main = await startReceiver(SECRET, correctReplies);
    try {
      const payload = {
        message: {
          type: 'tool-calls',
          call: { id: 'c1', type: 'web_call', status: 'in-progress' },
          tool_call_list: [{ id: 'tool_1', type: 'function', function: { name: 'lookup_contact', arguments: {} } }],
        },
      };
      const sent = await runCli(['send', 'tool-calls', '--data', JSON.stringify(payload), '--to', main.url, '--json'], {
        env: { HMS_WEBHOOK_SECRET: SECRET },
      });
      assert.equal(sent.code, 0, sent.stdout + sent.stderr);
      assert.deepEqual(JSON.parse(main.received[0]!.body.toString('utf8')), payload);
      const broken = await runCli(['send', 'tool-calls', '--data', '{"message":', '--to', main.url]);
      assert.equal(broken.code, 2);
      assert.match(broken.stderr, /^hms-webhook: --data value is not JSON: /);
    } finally {
      await main.close();
    }
  });

  it('bad --route and --assistant input: one line, exit 2, nothing sent', async () => {
    const main = await startReceiver(SECRET, correctReplies);
    try {
      for (const [args, message] of [
        [['--route', 'check_stock'], /^hms-webhook: --route "check_stock": write TOOL=URL/],
        [['--route', 'check_stock=ftp://x'], /^hms-webhook: --route "ftp:\/\/x": only http:\/\/ and https:\/\/ targets/],
        [
          ['--assistant', file('not-assistant.json', { hello: 1 })],
          /^hms-webhook: --assistant .*not-assistant\.json: neither an assistant-request reply/,
        ],
        [['--assistant', join(dir, 'missing.json')], /^hms-webhook: cannot read .*missing\.json: no such file/],
      ] as const) {
        const result = await runCli(['send', 'call', '--to', main.url, ...args]);
        assert.equal(result.code, 2, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
        assert.match(result.stderr, message);
        assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      }
      assert.equal(main.received.length, 0);
    } finally {
      await main.close();
    }
  });
});

/** The several-tools fixture's tools, one of them on its own service. */
function routedSeveral(stockUrl: string) {
  return {
    llm_config: {
      tools: [
        {
          type: 'function',
          function: { name: 'book_appointment', description: 'Book a visit' },
          server: { url: stockUrl, secret: TOOL_SECRET },
        },
      ],
    },
  };
}

describe('listen says which tool and route a tool-calls request was for', () => {
  it('text and --json: the tools, the path it came to, and whose route brought it', async () => {
    for (const json of [false, true]) {
      const cli = startCli(
        ['listen', '--port', '0', '--path', '/tools/stock', '--secret', SECRET, '--count', '2', ...(json ? ['--json'] : [])],
        { tty: !json },
      );
      const [, target] = (await cli.stderr.until(/Listening on (\S+)/)) as RegExpExecArray;
      const tools = [
        { name: 'check_stock', description: 'stock', url: target },
        { name: 'send_sms', description: 'sms', async: true, message: 'Ik stuur een sms.' },
      ];
      const payload = {
        message: {
          type: 'tool-calls',
          call: { id: 'c1', type: 'web_call', status: 'in-progress' },
          assistant: { llm_config: { tools } },
          tool_call_list: [
            { id: 'tool_1', type: 'function', function: { name: 'check_stock', arguments: { sku: 'A' } } },
            { id: 'tool_2', type: 'function', function: { name: 'send_sms', arguments: {} } },
          ],
        },
      };
      const sent = await runCli(
        [
          'send',
          'tool-calls',
          '--data',
          JSON.stringify(payload),
          '--assistant',
          file('listen-tools.json', { llm_config: { tools } }),
          '--to',
          target!,
        ],
        {
          env: { HMS_WEBHOOK_SECRET: SECRET },
        },
      );
      assert.equal(sent.code, 0, sent.stdout + sent.stderr);
      const result = await cli.done;
      // Split as the platform sends them: the sync call by its tool's url, the async one by the assistant webhook.
      if (json) {
        const events = jsonLines(result.stdout).filter((line) => line.type === 'event');
        assert.deepEqual(
          events.map((event) => [event.path, event.tools]),
          [
            ['/tools/stock', [{ name: 'check_stock', async: false, route: 'tool' }]],
            ['/tools/stock', [{ name: 'send_sms', async: true, route: 'assistant' }]],
          ],
        );
      } else {
        assert.match(result.stdout, /route \/tools\/stock: check_stock by its own url\n/);
        assert.match(result.stdout, /route \/tools\/stock: send_sms \(async\) by the assistant webhook\n/);
      }
    }
  });
});
