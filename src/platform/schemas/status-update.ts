import * as z from 'zod/mini';
import type { Dialect } from '../dialect.js';
import {
  nullsTheSdkDoesNotAllow,
  described,
  messageEnvelope,
  optionalNullableString,
  type Finding,
  type Lint,
  oncePerDialect,
} from './common.js';

export const event = 'status-update';
// `dialing` is in the SDK's status type: no warning for it.
export const statuses = ['dialing', 'in-progress', 'ended', 'ended-with-error'] as const;
export const deadlineMs = undefined;

export function payload(d: Dialect) {
  return messageEnvelope(d, event, {
    error: optionalNullableString(),
    end_reason: optionalNullableString(),
  });
}

/** The platform ignores the body of this reply: any 2xx will do. */
export const reply = oncePerDialect((d: Dialect) => {
  return described(z.unknown(), { title: `status-update reply (${d})`, description: 'Ignored by the platform: any 2xx acknowledges.' });
});

export function lintPayload(message: Record<string, unknown>): Lint {
  const warnings: Finding[] = nullsTheSdkDoesNotAllow(message, ['error', 'end_reason', 'endReason'], ['message']);
  const status = (message.call as { status?: unknown } | undefined)?.status;
  if (status === 'ended-with-error' && typeof message.error !== 'string') {
    warnings.push({ path: ['message', 'error'], message: 'ended-with-error usually carries an error string saying what failed' });
  }
  return { errors: [], warnings };
}

export function checkReply(): Lint {
  return { errors: [], warnings: [] };
}
