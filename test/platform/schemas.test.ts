import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { convertDialect, detectDialect, DIALECTS, type Dialect } from '../../src/platform/dialect.js';
import { EVENTS } from '../../src/platform/events.js';
import { listFixtures, loadFixture } from '../../src/platform/fixtures.js';
import { assistantConfig } from '../../src/platform/schemas/common.js';
import { formatPath, jsonSchema, replySchema, validatePayload, validateReply, type Validation } from '../../src/platform/schemas/index.js';
import { ROOT } from '../helpers.js';

const paths = (findings: Validation['errors']) => findings.map((f) => formatPath(f.path));
const fixture = (name: string, dialect: Dialect = 'hms') => loadFixture(name, { dialect }).document as { message: Record<string, any> };

describe("the platform docs' own examples validate", () => {
  const dir = join(ROOT, 'test', 'seed-examples');
  for (const file of readdirSync(dir)) {
    it(file, () => {
      const document = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      const result = validatePayload(document);
      assert.deepEqual(result.errors, [], `errors: ${JSON.stringify(result.errors)}`);
      const camel = JSON.stringify(document).includes('"inboundPhoneCall"');
      assert.equal(result.dialect, camel ? 'flireo' : 'hms');
    });
  }
});

describe('every fixture validates in both dialects', () => {
  for (const entry of listFixtures()) {
    for (const dialect of DIALECTS) {
      it(`${entry.kind} ${entry.event}/${entry.variant} (${dialect})`, () => {
        const { document } = loadFixture(`${entry.event}/${entry.variant}`, { kind: entry.kind, dialect });
        const result =
          entry.kind === 'payload'
            ? validatePayload(document)
            : validateReply(entry.event, document, {
                dialect,
                request: entry.event === 'tool-calls' ? fixture('tool-calls/one-tool', dialect) : undefined,
              });
        assert.deepEqual(result.errors, []);
        if (entry.kind === 'payload') {
          assert.equal(result.dialect, dialect, 'the dialect is detected from the keys');
          assert.equal(result.event, entry.event);
        }
      });
    }
  }
});

describe('payload errors, per event and dialect', () => {
  for (const dialect of DIALECTS) {
    const k = (hms: string, flireo: string) => (dialect === 'hms' ? hms : flireo);
    it(`assistant-request (${dialect}): a call without an id, customer not an object`, () => {
      const doc = fixture('assistant-request', dialect);
      delete doc.message.call.id;
      doc.message.customer = '+31612345678';
      assert.deepEqual(paths(validatePayload(doc).errors), ['message.call.id', 'message.customer']);
    });
    it(`tool-calls (${dialect}): arguments as a JSON string (Vapi style) is an error; an empty name is the SDK's string, a warning`, () => {
      const doc = fixture('tool-calls', dialect);
      const list = doc.message[k('tool_call_list', 'toolCallList')];
      list[0].function.arguments = '{"query":"Jan"}';
      list[0].function.name = '';
      const validation = validatePayload(doc);
      assert.deepEqual(paths(validation.errors), [`message.${k('tool_call_list', 'toolCallList')}[0].function.arguments`]);
      assert.ok(paths(validation.warnings).includes(`message.${k('tool_call_list', 'toolCallList')}[0].function.name`));
    });
    it(`tool-calls (${dialect}): an empty tool call list is a warning (the SDK types accept it)`, () => {
      const doc = fixture('tool-calls', dialect);
      doc.message[k('tool_call_list', 'toolCallList')] = [];
      const validation = validatePayload(doc);
      assert.deepEqual(validation.errors, []);
      assert.deepEqual(paths(validation.warnings), [`message.${k('tool_call_list', 'toolCallList')}`]);
    });
    it(`status-update (${dialect}): status not a string, timestamp missing`, () => {
      const doc = fixture('status-update/ended', dialect);
      doc.message.call.status = 3;
      delete doc.message.timestamp;
      assert.deepEqual(paths(validatePayload(doc).errors).sort(), ['message.call.status', 'message.timestamp']);
    });
    it(`end-of-call-report (${dialect}): no summary, duration as a string`, () => {
      const doc = fixture('end-of-call-report', dialect);
      delete doc.message.summary;
      doc.message[k('duration_seconds', 'durationSeconds')] = '84';
      assert.deepEqual(paths(validatePayload(doc).errors).sort(), [
        `message.${k('duration_seconds', 'durationSeconds')}`,
        'message.summary',
      ]);
    });
    it(`end-of-call-report (${dialect}): the other dialect's key for a required field`, () => {
      const doc = fixture('end-of-call-report', dialect);
      const right = k('duration_seconds', 'durationSeconds');
      const wrong = k('durationSeconds', 'duration_seconds');
      doc.message[wrong] = doc.message[right];
      delete doc.message[right];
      const result = validatePayload(doc, { dialect });
      assert.deepEqual(paths(result.errors), [`message.${right}`]);
      assert.ok(result.warnings.some((w) => formatPath(w.path) === `message.${wrong}` && w.message.includes(right)));
    });
  }

  it('names the problem when the event cannot be told', () => {
    assert.match(validatePayload({ message: {} }).errors[0]!.message, /message\.type is missing/);
    assert.match(validatePayload({ message: { type: 'call-started' } }).errors[0]!.message, /unknown event "call-started"/);
    assert.match(validatePayload([1]).errors[0]!.message, /got an array/);
    assert.equal(validatePayload({ message: {} }, { event: 'status-update' }).event, 'status-update');
  });
});

describe('what the platform may still send is a warning, not an error', () => {
  it("the SDK's verdicts: dialing is a status it has, pipeline is a key none has, null where it types ?: string", () => {
    const status = fixture('status-update');
    status.message.call.status = 'dialing';
    status.message.call.pipeline = { kind: 'realtime' };
    const quiet = validatePayload(status);
    assert.deepEqual([quiet.errors, quiet.warnings], [[], []]);
    status.message.end_reason = null;
    status.message.error = null;
    const nulls = validatePayload(status);
    assert.deepEqual(nulls.errors, []);
    assert.deepEqual(paths(nulls.warnings).sort(), ['message.end_reason', 'message.error']);
    assert.match(nulls.warnings[0]!.message, /^null: the platform's SDK types .* as a string or absent \(\?: string\)/);
    const report = fixture('end-of-call-report');
    for (const key of ['recording_url', 'started_at', 'ended_at']) report.message[key] = null;
    assert.deepEqual(paths(validatePayload(report).warnings).sort(), ['message.ended_at', 'message.recording_url', 'message.started_at']);
    report.message.duration_seconds = Number.POSITIVE_INFINITY;
    const huge = validatePayload(report);
    assert.deepEqual(huge.errors, [], 'a raw 1e400 is still a number');
    assert.ok(huge.warnings.some((w) => /^a number beyond what a double holds/.test(w.message)));
    const realtime = fixture('status-update');
    realtime.message.assistant = { llm_config: { provider: 'xai_realtime', model: 'grok' }, tts_config: null };
    assert.deepEqual(validatePayload(realtime).warnings, [], 'a realtime assistant has no tts_config');
    const tools = fixture('tool-calls');
    tools.message.tool_call_list[0].id = '';
    const empty = validatePayload(tools);
    assert.deepEqual([empty.errors, paths(empty.warnings)], [[], ['message.tool_call_list[0].id']]);
  });

  it('an unknown call status, and a known one the event is not sent with', () => {
    const doc = fixture('status-update');
    doc.message.call.status = 'on-hold';
    const result = validatePayload(doc);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(paths(result.warnings), ['message.call.status']);
    doc.message.call.status = 'ringing';
    assert.match(validatePayload(doc).warnings[0]!.message, /sent with status dialing or in-progress or ended or ended-with-error/);
  });
  it('unknown keys anywhere, optional SDK fields missing, pipeline absent', () => {
    const doc = fixture('tool-calls');
    doc.message.brand_new_field = { anything: true };
    doc.message.call.pipeline = undefined;
    delete doc.message.phone_number.id;
    delete doc.message.assistant;
    const result = validatePayload(JSON.parse(JSON.stringify(doc)));
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.warnings, []);
  });
  it('null numbers: fine on a web call, a warning on a phone call', () => {
    assert.deepEqual(validatePayload(fixture('assistant-request/web-call')).warnings, []);
    const doc = fixture('assistant-request/inbound-phone-call');
    doc.message.customer.number = null;
    const result = validatePayload(doc);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(paths(result.warnings), ['message.customer.number']);
  });
  it('a camelCase call type in the hms dialect', () => {
    const doc = fixture('status-update');
    doc.message.call.type = 'inboundPhoneCall';
    const result = validatePayload(doc, { dialect: 'hms' });
    assert.match(result.warnings[0]!.message, /flireo spelling/);
  });
  it('end-of-call-report without messages, ended-with-error without error', () => {
    assert.deepEqual(paths(validatePayload(fixture('end-of-call-report/minimal')).warnings), ['message.messages']);
    const doc = fixture('status-update/ended-with-error');
    delete doc.message.error;
    assert.deepEqual(paths(validatePayload(doc).warnings), ['message.error']);
  });
});

describe('assistant-request replies', () => {
  for (const dialect of DIALECTS) {
    it(`(${dialect}) errors where the SDK's types forbid: assistant as a string, error as a number; a duration the platform would refuse is a warning`, () => {
      const maxKey = dialect === 'hms' ? 'max_duration_seconds' : 'maxDurationSeconds';
      assert.deepEqual(paths(validateReply('assistant-request', { assistant: 'Receptie' }, { dialect }).errors), ['assistant']);
      assert.deepEqual(paths(validateReply('assistant-request', { error: 42 }, { dialect }).errors), ['error']);
      assert.deepEqual(paths(validateReply('assistant-request', { [maxKey]: '90' }, { dialect }).errors), [maxKey]);
      for (const seconds of [-5, 0, 2.5]) {
        const validation = validateReply('assistant-request', { [maxKey]: seconds }, { dialect });
        assert.deepEqual([paths(validation.errors), paths(validation.warnings)], [[], [maxKey]], String(seconds));
      }
    });
  }
  it("warnings: override without id, error with other keys, both modes at once, the other dialect's key", () => {
    const warn = (value: unknown, dialect: Dialect = 'hms') => validateReply('assistant-request', value, { dialect });
    assert.deepEqual(paths(warn({ assistant_override: { first_message: 'Hoi' } }).warnings), ['assistant_override']);
    assert.deepEqual(paths(warn({ error: 'closed', assistant: {} }).warnings), ['error']);
    assert.deepEqual(paths(warn({ assistant: {}, assistant_id: 'a1' }).warnings), ['assistant_id']);
    const foreign = warn({ assistant_id: 'a1' }, 'flireo');
    assert.deepEqual(foreign.errors, []);
    assert.match(foreign.warnings[0]!.message, /in flireo it is assistantId, so this key would be ignored/);
  });
});

describe('tool-calls replies', () => {
  const request = fixture('tool-calls/several-tools');
  it("results must answer the request's ids", () => {
    const ok = {
      results: [
        { tool_call_id: 'tool_abc123def456', result: { name: 'Jan' } },
        { tool_call_id: 'tool_9f8e7d6c5b4a', result: 'booked' },
      ],
    };
    assert.deepEqual(validateReply('tool-calls', ok, { request }), { event: 'tool-calls', dialect: 'hms', errors: [], warnings: [] });
    const unknown = {
      results: [
        { tool_call_id: 'tool_nope', result: 1 },
        { tool_call_id: 'tool_abc123def456', result: 2 },
      ],
    };
    const result = validateReply('tool-calls', unknown, { request });
    assert.deepEqual(paths(result.errors), ['results[0].tool_call_id']);
    assert.match(result.errors[0]!.message, /not a tool call id of the request/);
    assert.match(result.warnings.map((w) => w.message).join(' '), /no result for tool call tool_9f8e7d6c5b4a/);
  });
  it('without the request, any id is accepted', () => {
    assert.deepEqual(validateReply('tool-calls', { results: [{ tool_call_id: 'x', result: 1 }] }).errors, []);
  });
  it('a result entry without id, results not an array, an entry with neither result nor error', () => {
    assert.deepEqual(paths(validateReply('tool-calls', { results: [{ result: 1 }] }).errors), ['results[0].tool_call_id']);
    assert.deepEqual(paths(validateReply('tool-calls', { results: { tool_call_id: 'x' } }).errors), ['results']);
    assert.deepEqual(paths(validateReply('tool-calls', { results: [{ tool_call_id: 'x' }] }).errors), ['results[0]']);
  });
  it('flireo reads toolCallId: a snake_case id there is an error', () => {
    const flireoRequest = fixture('tool-calls', 'flireo');
    const result = validateReply('tool-calls', { results: [{ tool_call_id: 'tool_abc123def456', result: 1 }] }, { request: flireoRequest });
    assert.equal(result.dialect, 'flireo');
    assert.deepEqual(paths(result.errors), ['results[0].toolCallId']);
  });
  it('the simple, direct and error forms are valid; one answer for several calls is a warning', () => {
    for (const value of [{ result: 'ok' }, { name: 'Jan' }, { error: 'Contact not found' }]) {
      const result = validateReply('tool-calls', value, { request });
      assert.deepEqual(result.errors, []);
      assert.equal(result.warnings.length, 1);
    }
    assert.deepEqual(validateReply('tool-calls', { result: 'ok' }, { request: fixture('tool-calls/one-tool') }).warnings, []);
  });
  it('a body that is not an object is a warning', () => {
    assert.match(validateReply('tool-calls', 'done').warnings[0]!.message, /not a JSON object/);
  });
});

describe('dialects', () => {
  it("converts only the platform's keys, never user data, and round-trips", () => {
    const hms = fixture('end-of-call-report/full');
    hms.message.analysis.first_message = 'user data';
    hms.message.assistant.metadata.phone_number = 'user data';
    const flireo = convertDialect(hms, 'hms', 'flireo') as { message: Record<string, any> };
    assert.equal(flireo.message.durationSeconds, 84);
    assert.equal(flireo.message.phoneNumber.number, '+31850835037');
    assert.equal(flireo.message.call.type, 'inboundPhoneCall');
    assert.equal(flireo.message.assistant.firstMessage, hms.message.assistant.first_message);
    assert.equal(
      flireo.message.assistant.tts_config.voiceId,
      'ukiwGs47sHyibruHJ1vg',
      'config blocks keep their names; voice_id inside is renamed',
    );
    assert.equal(flireo.message.analysis.first_message, 'user data');
    assert.equal(flireo.message.assistant.metadata.phone_number, 'user data');
    assert.deepEqual(convertDialect(flireo, 'flireo', 'hms'), hms);
    assert.equal(detectDialect(flireo), 'flireo');
    assert.equal(detectDialect(hms), 'hms');
  });
  it('tool arguments and results keep their keys', () => {
    const doc = fixture('tool-calls/one-tool');
    doc.message.tool_call_list[0].function.arguments = { tool_call_id: 'x', started_at: 'y' };
    const flireo = convertDialect(doc, 'hms', 'flireo') as { message: Record<string, any> };
    assert.deepEqual(flireo.message.toolCallList[0].function.arguments, { tool_call_id: 'x', started_at: 'y' });
  });
});

describe('JSON Schema export', () => {
  for (const event of EVENTS) {
    for (const dialect of DIALECTS) {
      it(`${event} (${dialect}) payload and reply`, () => {
        const payload = jsonSchema(event, dialect, 'payload') as any;
        assert.equal(payload.$schema, 'https://json-schema.org/draft/2020-12/schema');
        const message = payload.properties.message;
        assert.ok(message.required.includes(dialect === 'hms' ? 'phone_number' : 'phoneNumber'));
        assert.deepEqual(message.properties.type, { type: 'string', const: event });
        assert.ok(jsonSchema(event, dialect, 'reply').$schema);
      });
    }
  }
});

describe('payloads the SDK types accept are at most warnings', () => {
  const base = () => JSON.parse(JSON.stringify(loadFixture('end-of-call-report/full').document)) as { message: Record<string, any> };
  const cases: [string, (message: Record<string, any>) => void, string | undefined][] = [
    [
      'end_reason: null',
      (m) => {
        m.end_reason = null;
      },
      undefined,
    ],
    [
      'recording_url: null',
      (m) => {
        m.recording_url = null;
      },
      undefined,
    ],
    [
      'assistant.first_message: null',
      (m) => {
        m.assistant = { ...m.assistant, first_message: null };
      },
      undefined,
    ],
    [
      'assistant.max_duration_seconds: null',
      (m) => {
        m.assistant = { ...m.assistant, max_duration_seconds: null };
      },
      undefined,
    ],
    [
      'assistant.analysis_plan: null',
      (m) => {
        m.assistant = { ...m.assistant, analysis_plan: null };
      },
      undefined,
    ],
    [
      'a fractional max_duration_seconds',
      (m) => {
        m.assistant = { ...m.assistant, max_duration_seconds: 90.5 };
      },
      'message.assistant.max_duration_seconds',
    ],
    [
      'an assistant value of another type than the docs give',
      (m) => {
        m.assistant = { ...m.assistant, llm_config: 'gpt' };
      },
      'message.assistant.llm_config',
    ],
    [
      'a negative duration',
      (m) => {
        m.duration_seconds = -3;
      },
      'message.duration_seconds',
    ],
    [
      'an empty call id',
      (m) => {
        m.call.id = '';
      },
      'message.call.id',
    ],
    [
      'assistant: null',
      (m) => {
        m.assistant = null;
      },
      'message.assistant',
    ],
  ];
  for (const [name, change, warned] of cases) {
    it(name, () => {
      const doc = base();
      change(doc.message);
      const validation = validatePayload(doc);
      assert.deepEqual(validation.errors, [], JSON.stringify(validation.errors));
      if (warned !== undefined) assert.ok(paths(validation.warnings).includes(warned), JSON.stringify(validation.warnings));
    });
  }
});

describe('schemas are built once', () => {
  it('per dialect: the same schema object each time, since building one costs about a hundred parses', () => {
    for (const dialect of DIALECTS) {
      assert.equal(assistantConfig(dialect), assistantConfig(dialect));
      for (const event of EVENTS) assert.equal(replySchema(event, dialect), replySchema(event, dialect));
    }
    assert.notEqual(assistantConfig('hms'), assistantConfig('flireo'));
  });
});
