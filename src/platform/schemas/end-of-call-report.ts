import * as z from 'zod/mini';
import { keyIn, type Dialect } from '../dialect.js';
import {
  described,
  nullsTheSdkDoesNotAllow,
  messageEnvelope,
  optionalNullableString,
  userData,
  type Finding,
  type Lint,
  oncePerDialect,
} from './common.js';

export const event = 'end-of-call-report';
export const statuses = ['ended', 'ended-with-error'] as const;
export const deadlineMs = undefined;

const ROLES = ['system', 'user', 'assistant'];

export function payload(d: Dialect) {
  return messageEnvelope(d, event, {
    // A number, as the SDK types it; a negative one is a warning (lintPayload).
    duration_seconds: z.number(),
    summary: z.string(),
    analysis: z.optional(userData),
    messages: z.optional(z.array(z.looseObject({ role: z.string(), content: z.string() }))),
    end_reason: optionalNullableString(),
    started_at: optionalNullableString(),
    ended_at: optionalNullableString(),
    recording_url: optionalNullableString(),
  });
}

export const reply = oncePerDialect((d: Dialect) => {
  return described(z.unknown(), {
    title: `end-of-call-report reply (${d})`,
    description: 'Ignored by the platform: any 2xx acknowledges.',
  });
});

export function lintPayload(message: Record<string, unknown>, d: Dialect): Lint {
  const warnings: Finding[] = nullsTheSdkDoesNotAllow(
    message,
    ['end_reason', 'started_at', 'ended_at', 'recording_url'].map((key) => keyIn(d, key)),
    ['message'],
  );
  if (message.messages === undefined) {
    warnings.push({ path: ['message', 'messages'], message: 'no messages: the SDK types the transcript as always present' });
  } else if (Array.isArray(message.messages)) {
    message.messages.forEach((entry, index) => {
      const role = (entry as { role?: unknown } | null)?.role;
      if (typeof role === 'string' && !ROLES.includes(role)) {
        warnings.push({
          path: ['message', 'messages', index, 'role'],
          message: `unknown role ${JSON.stringify(role)}; the platform uses ${ROLES.join(', ')}`,
        });
      }
    });
  }
  const duration = message[keyIn(d, 'duration_seconds')];
  if (typeof duration === 'number' && duration < 0) {
    warnings.push({ path: ['message', keyIn(d, 'duration_seconds')], message: 'a negative duration: the platform never sends one' });
  } else if (typeof duration === 'number' && Number.isFinite(duration) && !Number.isInteger(duration)) {
    warnings.push({ path: ['message', keyIn(d, 'duration_seconds')], message: 'the platform sends whole seconds' });
  }
  const started = message[keyIn(d, 'started_at')];
  const ended = message[keyIn(d, 'ended_at')];
  if (typeof started === 'string' && typeof ended === 'string' && Date.parse(started) > Date.parse(ended)) {
    warnings.push({ path: ['message', keyIn(d, 'ended_at')], message: `${keyIn(d, 'ended_at')} is before ${keyIn(d, 'started_at')}` });
  }
  return { errors: [], warnings };
}

export function checkReply(): Lint {
  return { errors: [], warnings: [] };
}
