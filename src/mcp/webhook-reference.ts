import { EVENTS, type EventType } from '../platform/events.js';
import { listFixtures } from '../platform/fixtures.js';
import { replyDeadlineMs } from '../platform/schemas/index.js';

/** What each event is for, in a line: the rest of the reference comes from the schemas and fixtures. */
const PURPOSE: Record<EventType, string> = {
  'assistant-request': 'a call is coming in: the reply configures it (a transient assistant, a saved one, or a refusal)',
  'status-update': 'the call changed state (in-progress, ended, ended with an error): the reply is ignored, any 2xx acknowledges',
  'tool-calls': "the assistant calls the receiver's tools: the reply holds a result or an error per tool call id",
  'end-of-call-report': 'the call is over: transcript, summary, analysis and recording; the reply is ignored',
};

/**
 * The platform's webhooks for an agent: each event, what it is for, how long the platform waits for
 * the reply, and the reply forms (the built-in reply fixtures), with the signature scheme.
 */
export function webhookReference(): string {
  const replies = listFixtures().filter((fixture) => fixture.kind === 'reply');
  const lines = [
    '# The webhooks of HMS Sovereign (VoiceDock, Flireo)',
    '',
    'Each request is a POST with `X-Webhook-Event`, `X-Webhook-Timestamp` (unix seconds) and, when the assistant has a',
    '`webhook_secret`, `X-Webhook-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`. Verify the raw',
    'bytes, before any parsing; refuse a timestamp more than 300 s old or ahead. Flireo sends camelCase keys.',
  ];
  for (const event of EVENTS) {
    const deadline = replyDeadlineMs(event);
    lines.push(
      '',
      `## ${event}`,
      '',
      PURPOSE[event],
      '',
      deadline === undefined ? 'The reply is not waited for.' : `The reply must come within ${deadline / 1000} s.`,
    );
    const forms = replies.filter((fixture) => fixture.event === event);
    if (forms.length > 0) {
      lines.push('', 'Reply forms (fixtures, `hms-webhook://fixtures/reply/…`):');
      for (const form of forms) lines.push(`- \`${form.event}/${form.variant}\`: ${form.description}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
