import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { DIALECTS } from '../../src/platform/dialect.js';
import { EVENTS, type EventType } from '../../src/platform/events.js';
import { listFixtures, loadFixture } from '../../src/platform/fixtures.js';
import { jsonSchema, validatePayload, validateReply } from '../../src/platform/schemas/index.js';

// The JSON Schema that `schema` exports is exactly as strict as `validate`: every fixture and every
// invalid case gets the same verdict from both.

const ajv = new Ajv2020({ strict: false, allErrors: true });
const schemaAccepts = (event: EventType, dialect: 'hms' | 'flireo', kind: 'payload' | 'reply', value: unknown) =>
  ajv.validate(jsonSchema(event, dialect, kind), value);

const INVALID_REPLIES: Record<EventType, unknown[]> = {
  'assistant-request': [{ assistant: 'x' }, { assistant_id: 5 }, { error: 7 }, []],
  'tool-calls': [
    { results: 'x' },
    { results: [] },
    { results: [{ tool_call_id: 'tool_1' }] },
    { results: [{ result: 1 }] },
    { results: [{ tool_call_id: '', result: 1 }] },
  ],
  'status-update': [],
  'end-of-call-report': [],
};
const VALID_REPLIES: Record<EventType, unknown[]> = {
  'assistant-request': [{}],
  'tool-calls': [
    { results: [{ tool_call_id: 'tool_1', result: { ok: true } }] },
    { result: 'x' },
    { error: 'down' },
    { anything: 1 },
    'plain text result',
  ],
  'status-update': [{}, 'ok', null],
  'end-of-call-report': [{}, 'ok'],
};

describe('JSON Schema export: as strict as validate', () => {
  for (const dialect of DIALECTS) {
    it(`payload fixtures and broken payloads (${dialect})`, () => {
      for (const entry of listFixtures('payload')) {
        const document = loadFixture(`${entry.event}/${entry.variant}`, { dialect }).document as { message: Record<string, unknown> };
        const cases: unknown[] = [
          document,
          { message: { ...document.message, call: 'x' } },
          { message: { ...document.message, timestamp: 5 } },
          { message: { ...document.message, customer: undefined } },
        ];
        for (const value of cases) {
          const validated = validatePayload(value, { event: entry.event, dialect }).errors.length === 0;
          assert.equal(
            schemaAccepts(entry.event, dialect, 'payload', value),
            validated,
            `${entry.event}/${entry.variant}: ${JSON.stringify(value).slice(0, 120)}`,
          );
        }
      }
    });

    it(`reply fixtures, valid and invalid replies (${dialect})`, () => {
      for (const event of EVENTS) {
        const fixtures = listFixtures('reply')
          .filter((entry) => entry.event === event)
          .map((entry) => loadFixture(`${entry.event}/${entry.variant}`, { kind: 'reply', dialect }).document);
        for (const value of [...fixtures, ...VALID_REPLIES[event], ...INVALID_REPLIES[event]]) {
          const validated = validateReply(event, value, { dialect }).errors.length === 0;
          assert.equal(schemaAccepts(event, dialect, 'reply', value), validated, `${event} reply: ${JSON.stringify(value)}`);
        }
      }
    });
  }
});
