import * as z from 'zod/mini';
import { keyIn, type Dialect } from '../dialect.js';
import {
  asObject,
  described,
  findingsOf,
  foreignKeys,
  messageEnvelope,
  type Finding,
  type Lint,
  oncePerDialect,
  looseObjectIn,
} from './common.js';
import { safeParseQuickly } from './quick-check.js';
import { durationWarnings, replyAssistant, replyAssistantLint } from './reply-assistant.js';

export const event = 'assistant-request';
export const statuses = ['ringing'] as const;
/** The platform waits 5 s, then proceeds with the default assistant. */
export const deadlineMs = 5000;

export function payload(d: Dialect) {
  return messageEnvelope(d, event, {});
}

export const reply = oncePerDialect((d: Dialect) => {
  return described(
    looseObjectIn(d, {
      assistant: z.optional(replyAssistant(d)),
      // The SDK's string and number: an empty id or error, and a duration the platform would refuse, are warnings (checkReply).
      assistant_id: z.optional(z.string()),
      assistant_override: z.optional(replyAssistant(d)),
      max_duration_seconds: z.optional(z.number()),
      error: z.optional(z.string()),
    }),
    {
      title: `assistant-request reply (${d})`,
      description:
        '{} uses the saved assistant; {assistant} a transient one; {assistant_id, assistant_override} a saved one with blocks replaced; {error} rejects the call.',
    },
  );
});

export function lintPayload(): Lint {
  return { errors: [], warnings: [] };
}

/** Keys of an assistant that a reply may put at its top level by mistake, in both dialects. */
const ASSISTANT_FIELDS = new Set([
  'name',
  'first_message',
  'firstMessage',
  'llm_config',
  'llmConfig',
  'tts_config',
  'ttsConfig',
  'stt_config',
  'sttConfig',
  'webhook_events',
  'webhookEvents',
  'voicemail_message',
  'voicemailMessage',
]);

export function checkReply(value: unknown, d: Dialect): Lint {
  const parsed = safeParseQuickly(reply(d), value);
  if (!parsed.success) return { errors: findingsOf(parsed.error), warnings: [] };
  const body = asObject(value) ?? {};
  const warnings: Finding[] = foreignKeys(body, d, []);
  const errors: Finding[] = [];
  const assistant = asObject(body.assistant);
  if (assistant) warnings.push(...foreignKeys(assistant, d, ['assistant']));
  for (const key of ['assistant', keyIn(d, 'assistant_override')]) {
    const block = asObject(body[key]);
    if (block === undefined) continue;
    const lint = replyAssistantLint(block, d, [key]);
    errors.push(...lint.errors);
    warnings.push(...lint.warnings);
  }
  const idKey = keyIn(d, 'assistant_id');
  const overrideKey = keyIn(d, 'assistant_override');
  const loose = Object.keys(body).filter((key) => ASSISTANT_FIELDS.has(key));
  if (body.assistant === undefined && body[idKey] === undefined && body[overrideKey] === undefined && loose.length > 0) {
    warnings.push({
      path: [loose[0]!],
      message: `${loose.join(', ')} at the top level: the platform reads an assistant only inside "assistant", so it ignores them and uses the saved assistant — wrap them: {"assistant": {…}}`,
    });
  }
  if (body[idKey] === '')
    warnings.push({ path: [idKey], message: 'an empty assistant id: the SDK allows it, but no saved assistant has it' });
  if (body.error === '') warnings.push({ path: ['error'], message: 'an empty error: the call is rejected with no reason to log or say' });
  warnings.push(...durationWarnings(body, keyIn(d, 'max_duration_seconds'), []));
  if (typeof body.error === 'string' && Object.keys(body).length > 1) {
    warnings.push({ path: ['error'], message: 'error rejects the call; the other keys of this reply are ignored' });
  }
  if (body.assistant !== undefined && body[idKey] !== undefined) {
    warnings.push({ path: [idKey], message: `assistant and ${idKey} together: choose a transient assistant or a saved one` });
  }
  if (body[overrideKey] !== undefined && body[idKey] === undefined) {
    warnings.push({
      path: [overrideKey],
      message: `${overrideKey} is applied only on top of ${idKey}; without it the override is ignored`,
    });
  }
  return { errors, warnings };
}
