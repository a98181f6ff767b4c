import { randomBytes } from 'node:crypto';
import { NetworkFailure, postOnce, type OutgoingRequest } from './http.js';
import { type Clock, systemClock, unixSecondsOf } from '../clock.js';
import { sign, TIMESTAMP_HEADER, unsignedHeaders } from '../signing/signature.js';

export type ProbeExpectation = 'accept' | 'refuse';
export type ProbeVerdict = 'pass' | 'fail' | 'warn';

/** One request of the probe: what it is, what a safe receiver does with it, and why that matters. */
export interface ProbeCase {
  name: string;
  expect: ProbeExpectation;
  /** Accepting this one is a warning, not a failure. */
  acceptIsWarning?: boolean;
  why: string;
  /** Built when sent, so its timestamp is taken at that moment. */
  request(now: number): OutgoingRequest;
}

export interface ProbeResult {
  probe: ProbeCase;
  status?: number;
  failure?: string;
  verdict: ProbeVerdict;
  note?: string;
}

const TOLERANCE_EDGE = 301;

/** The valid request and the forgeries a receiver must refuse, all built from one signed payload. */
export function probeCases(url: URL, body: Buffer, event: string, secret: string): ProbeCase[] {
  const signed = (timestamp: number, bytes: Buffer = body, key = secret): Record<string, string> => ({
    ...sign({ body: bytes, secret: key, timestamp, event }),
  });
  const notJson = Buffer.from('this is not JSON');
  const tampered = Buffer.from(body.toString('utf8').replace(/^\{/, '{"tampered":true,'));
  let valid: OutgoingRequest | undefined;
  return [
    {
      name: 'valid request',
      expect: 'accept',
      why: 'a receiver that refuses a correctly signed delivery loses every event (check the secret)',
      request: (now) => (valid = { url, headers: signed(now), body }),
    },
    {
      name: 'tampered body',
      expect: 'refuse',
      why: 'whoever sits on the path could change a payload: a tool’s arguments, a caller’s number',
      request: (now) => ({ url, headers: signed(now), body: tampered }),
    },
    {
      name: 'wrong secret',
      expect: 'refuse',
      why: 'anyone could send you events that look like the platform’s',
      request: (now) => ({ url, headers: signed(now, body, randomBytes(24).toString('hex')), body }),
    },
    {
      name: 'missing signature',
      expect: 'refuse',
      why: 'a forger simply leaves the header out; only an assistant without webhook_secret sends unsigned',
      request: (now) => ({ url, headers: { ...unsignedHeaders({ body, timestamp: now, event }) }, body }),
    },
    {
      name: `timestamp ${TOLERANCE_EDGE} s old`,
      expect: 'refuse',
      why: 'a recorded request could be replayed later: check the age (300 s)',
      request: (now) => ({ url, headers: signed(now - TOLERANCE_EDGE), body }),
    },
    {
      name: `timestamp ${TOLERANCE_EDGE} s in the future`,
      expect: 'refuse',
      why: 'a request signed ahead of time could be replayed for minutes: check both directions',
      request: (now) => ({ url, headers: signed(now + TOLERANCE_EDGE), body }),
    },
    {
      name: 'timestamp in milliseconds',
      expect: 'refuse',
      why: 'the platform sends unix seconds; accepting milliseconds means the age check is not working',
      request: (now) => ({ url, headers: signed(now * 1000), body }),
    },
    {
      name: 'signature without its timestamp',
      expect: 'refuse',
      why: 'the signature covers "<timestamp>.<body>": without the timestamp it cannot be checked',
      request: (now) => ({
        url,
        headers: Object.fromEntries(Object.entries(signed(now)).filter(([name]) => name.toLowerCase() !== TIMESTAMP_HEADER)),
        body,
      }),
    },
    {
      name: 'non-JSON body (signed)',
      expect: 'refuse',
      why: 'a receiver should answer 400 to a body it cannot read, not accept it or crash',
      request: (now) => ({ url, headers: signed(now, notJson), body: notJson }),
    },
    // The identical bytes and headers of the valid request, as a duplicate delivery would bring them.
    {
      name: 'replay of the valid request',
      expect: 'refuse',
      acceptIsWarning: true,
      why: 'the platform documents no delivery id: de-duplicate (call id + event + timestamp) where a second delivery would do harm',
      request: (now) => valid ?? { url, headers: signed(now), body },
    },
  ];
}

/** Sends each case in order; a receiver that cannot be reached throws NetworkFailure. */
export async function runProbe(cases: readonly ProbeCase[], timeoutMs: number, clock: Clock = systemClock): Promise<ProbeResult[]> {
  const results: ProbeResult[] = [];
  for (const probe of cases) {
    try {
      const reply = await postOnce(probe.request(unixSecondsOf(clock)), timeoutMs, clock);
      results.push(judge(probe, reply.status));
    } catch (error) {
      if (!(error instanceof NetworkFailure) || error.kind !== 'timeout') throw error;
      results.push({
        probe,
        failure: error.message,
        verdict: probe.expect === 'accept' ? 'fail' : 'warn',
        note: 'no reply in time: the platform would count this as a failed delivery',
      });
    }
  }
  return results;
}

function judge(probe: ProbeCase, status: number): ProbeResult {
  const accepted = status >= 200 && status < 300;
  if (probe.expect === 'accept') return { probe, status, verdict: accepted ? 'pass' : 'fail' };
  if (accepted) return { probe, status, verdict: probe.acceptIsWarning ? 'warn' : 'fail' };
  const note = status >= 500 ? 'refused, but with a server error: answer 401 (signature) or 400 (body) instead' : undefined;
  return { probe, status, verdict: 'pass', ...(note ? { note } : {}) };
}
