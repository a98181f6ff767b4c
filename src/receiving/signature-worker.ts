import { parentPort, workerData } from 'node:worker_threads';
import { diagnoseFailure, type KnownSecret } from '../signing/diagnosis.js';
import { verify } from '../signing/signature.js';
import type { SignatureJob, SignatureJobResult } from './signature-thread.js';

// The listener's costly signature work, on a thread of its own: the diagnosis of a failed signature,
// and the verification itself when many secrets meet a large body. An unauthenticated request
// costs the event loop, and so every other request, nothing of the hashing it takes.
const secrets = workerData as KnownSecret[];
const accepted = secrets.map((known) => known.secret);

parentPort!.on('message', (job: SignatureJob) => {
  const body = Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength);
  const verdict =
    job.verdict ?? verify({ body, headers: job.headers, secrets: accepted, now: job.now, toleranceSeconds: job.toleranceSeconds });
  const diagnosis =
    verdict.ok || job.verifyOnly === true ? undefined : diagnoseFailure(verdict.reason, body, job.headers, secrets, 'received');
  parentPort!.postMessage({ id: job.id, verdict, diagnosis } satisfies SignatureJobResult);
});
