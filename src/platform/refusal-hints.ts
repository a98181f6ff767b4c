import { INIT_WEBHOOK_PATH } from '../defaults.js';

/** What a receiver answered to a correct delivery: enough to name what its framework did. */
export interface Refusal {
  status: number;
  body: Buffer;
  /** The Location header of a redirect. */
  location?: string;
}

/**
 * Why a receiver did not accept a correct delivery, in the words of what its framework does (without
 * the status, which the caller shows): the one rule behind probe's verdict on the valid request and
 * send's status check. Undefined for a 2xx, and for a status nothing is known of.
 */
export function refusalHint(reply: Refusal): string | undefined {
  const { status } = reply;
  if (status >= 200 && status < 300) return undefined;
  const text = reply.body.toString('utf8', 0, 4096);
  if (status === 403 && /csrf/i.test(text))
    return 'a CSRF check refused it: the framework (Django?) guards POSTs with a token the platform never sends — exempt the webhook view (@csrf_exempt)';
  if (status >= 300 && status < 400) {
    const to = reply.location ?? 'another URL';
    const slash = reply.location?.endsWith('/') === true ? " (a trailing slash added: Django's APPEND_SLASH)" : '';
    return `a redirect to ${to}${slash}: the platform does not follow redirects — give it that URL`;
  }
  if (status === 404) return `nothing answers at this path — is --to the webhook path? (an init receiver's is ${INIT_WEBHOOK_PATH})`;
  if (status === 405) return 'this path does not take POST — is --to the webhook path?';
  if (status === 401 || status === 403)
    return `it refused a correct signature — is its secret the same, used as is (not base64-decoded, no whsec_ prefix dropped), and does it sign "<timestamp>.<raw body>" with the dot?`;
  if (status === 413)
    return 'the body is over its size limit — raise it (the platform sends payloads of a few KB, end-of-call reports more)';
  if (status >= 500) return 'it failed on a correct request — see its logs';
  return undefined;
}
