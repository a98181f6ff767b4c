/**
 * What a receiver must do with the same event delivered twice — the one rule that `probe`'s replay
 * row and `send call --chaos dup|redeliver` both apply.
 *
 * The platform documents no delivery id and no retry schedule, so a second delivery cannot be told
 * from a first one by anything the receiver is sent: if it comes, it is because the platform did not
 * get (or did not accept) the first reply, and the second reply is the one it acts on. A receiver
 * must therefore answer a duplicate as it answered the first — a 2xx and, where the platform reads
 * the reply, the same reply — and do the work only once (de-duplicate on call id + event +
 * timestamp). A refusal, 409 included, reads to the platform as a failed delivery: for
 * assistant-request the call falls back to the saved assistant, for tool-calls the model gets no result.
 */
export type DuplicateVerdict =
  /** The first delivery failed: its own failure is the finding, the duplicate says nothing more. */
  { judged: false; reason: string } | { judged: true; ok: true } | { judged: true; ok: false; problem: string };

export const NOT_JUDGED = 'not judged: the first delivery of this event failed, and that is the failure to fix first';

/** Judges a second delivery's status against the first delivery's (undefined: no reply came). */
export function judgeDuplicate(first: { ok: boolean }, status: number): DuplicateVerdict {
  if (!first.ok) return { judged: false, reason: NOT_JUDGED };
  if (status >= 200 && status < 300) return { judged: true, ok: true };
  return {
    judged: true,
    ok: false,
    problem: `${status} to the same event delivered again: answer a duplicate as the first one (a 2xx, the same reply) and skip the work — a refusal${status === 409 ? ', 409 included,' : ''} reads to the platform as a failed delivery`,
  };
}

/** What probe and chaos say a receiver should do, in one line. */
export const DUPLICATE_RULE =
  'the platform documents no delivery id: answer a duplicate as the first (a 2xx, the same reply) and do the work once (de-duplicate on call id + event + timestamp)';
