import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { jsonSchema, validateReply } from '../../src/platform/schemas/index.js';

// The replies of the verdicts round, each with the verdict the platform's SDK types give it
// (hmsovereign-node v1.0.1; docs/sdk-checks.md): an error where the types reject it, a warning where
// they allow what the platform would not use, a pass otherwise. Both dialects where keys differ.

type Verdict = 'error' | 'warning' | 'pass';

const llm = { provider: 'openai', model: 'gpt-4o' };
const withTool = (tool: unknown) => ({ assistant: { llm_config: { ...llm, tools: [tool] } } });

const CASES: [string, unknown, Verdict][] = [
  ['an LLM provider the SDK does not list (anthropic)', { assistant: { llm_config: { provider: 'anthropic', model: 'claude' } } }, 'error'],
  [
    'a realtime voice the SDK does not list (bob)',
    { assistant: { llm_config: { provider: 'xai_realtime', model: 'grok', voice: 'bob' } } },
    'error',
  ],
  ['llm_config without model', { assistant: { llm_config: { provider: 'openai' } } }, 'error'],
  ['stt_config without language', { assistant: { stt_config: { provider: 'deepgram', model: 'nova-3' } } }, 'error'],
  ['stt_config with an unknown provider', { assistant: { stt_config: { provider: 'whisper', model: 'x', language: 'nl' } } }, 'error'],
  ['tts_config without voice_id', { assistant: { tts_config: { provider: 'elevenlabs' } } }, 'error'],
  ['tts_config with an unknown provider', { assistant: { tts_config: { provider: 'openai', voice_id: 'alloy' } } }, 'error'],
  ['temperature as a string', { assistant: { llm_config: { ...llm, temperature: '0.7' } } }, 'error'],
  ['speed as a string', { assistant: { tts_config: { voice_id: 'v', speed: 'fast' } } }, 'error'],
  ['voicemail_detection as a string', { assistant: { voicemail_detection: 'yes' } }, 'error'],
  ['a tool with server.url 42', withTool({ type: 'function', function: { name: 'x' }, server: { url: 42 } }), 'error'],
  ['a tool with server but no url', withTool({ type: 'function', function: { name: 'x' }, server: { secret: 's' } }), 'error'],
  ['a tool with async "yes"', withTool({ type: 'function', function: { name: 'x' }, async: 'yes' }), 'error'],
  ['a tool of type function without function', withTool({ type: 'function', server: { url: 'http://localhost:3000/tools' } }), 'error'],
  ['an MCP tool without its server', withTool({ type: 'mcp', allowed_tools: ['find_slot'] }), 'error'],
  ['webhook_events as a string', { assistant: { webhook_events: 'all' } }, 'error'],
  ['webhook_url as a number', { assistant: { webhook_url: 42 } }, 'error'],
  ['max_duration_seconds 90.5 (the SDK number)', { max_duration_seconds: 90.5 }, 'warning'],
  ['max_duration_seconds 0', { max_duration_seconds: 0 }, 'warning'],
  ['max_duration_seconds -1', { max_duration_seconds: -1 }, 'warning'],
  ['an assistant max_duration_seconds of 90.5', { assistant: { max_duration_seconds: 90.5 } }, 'warning'],
  ['an empty assistant_id', { assistant_id: '' }, 'warning'],
  ['an empty error', { error: '' }, 'warning'],
  [
    'the docs example: first_message, tts_config with voice_id alone, metadata',
    { assistant: { first_message: 'Hello John!', tts_config: { voice_id: 'v' }, metadata: { crm_id: '1' } } },
    'pass',
  ],
  [
    'a realtime assistant with tts_config null',
    { assistant: { llm_config: { provider: 'xai_realtime', model: 'grok', voice: 'ara' }, tts_config: null } },
    'pass',
  ],
  [
    'every tool form: nested, flat, built-in, mcp',
    withTool({ type: 'function', function: { name: 'a', description: 'A' }, server: { url: 'http://localhost:3001/tools' }, async: true }),
    'pass',
  ],
  [
    'a flat tool',
    withTool({ name: 'b', description: 'B', url: 'http://localhost:3001/tools', async: false, message: 'Een moment.' }),
    'pass',
  ],
  ['a built-in transfer', withTool({ type: 'transfer_call', destinations: [{ type: 'number', number: '+31850000000' }] }), 'pass'],
  ['an MCP server', withTool({ type: 'mcp', mcp_server_id: 'mcp_1', allowed_tools: ['find_slot'] }), 'pass'],
];

const verdictOf = (reply: unknown): Verdict => {
  const validation = validateReply('assistant-request', reply, { dialect: 'hms' });
  return validation.errors.length > 0 ? 'error' : validation.warnings.length > 0 ? 'warning' : 'pass';
};

describe("assistant-request replies judged as the SDK's types judge them", () => {
  for (const [what, reply, expected] of CASES) {
    it(`${what}: ${expected}`, () => {
      const validation = validateReply('assistant-request', reply, { dialect: 'hms' });
      assert.equal(verdictOf(reply), expected, JSON.stringify(validation));
    });
  }

  it('the exported JSON Schema gives the same verdict, but for the tool forms it cannot express', () => {
    const schema = new Ajv2020({ strict: false }).compile(jsonSchema('assistant-request', 'hms', 'reply'));
    const lintOnly = new Set(['a tool of type function without function', 'an MCP tool without its server']);
    for (const [what, reply, expected] of CASES) {
      if (lintOnly.has(what)) continue;
      assert.equal(schema(reply), expected !== 'error', what);
    }
  });

  it('the Flireo dialect reads the same assistant in its own keys (voiceId, maxDurationSeconds)', () => {
    assert.equal(verdictOf({ assistant: { tts_config: { voice_id: 'v' } } }), 'pass');
    const flireo = validateReply('assistant-request', { assistant: { tts_config: { provider: 'elevenlabs' } } }, { dialect: 'flireo' });
    assert.match(flireo.errors[0]!.message, /required string is missing/);
    assert.deepEqual(flireo.errors[0]!.path, ['assistant', 'tts_config', 'voiceId']);
  });
});
