import { Worker } from 'node:worker_threads';
import type { Diagnosis, KnownSecret } from '../signing/diagnosis.js';
import { type HeaderBag, unixSeconds, type VerifyResult, verify } from '../signing/signature.js';

/** Work for a thread: verify (unless `verdict` is given), then diagnose a failure (unless `verifyOnly`). */
export interface SignatureJob {
  id: number;
  body: Uint8Array;
  headers: HeaderBag;
  now: number;
  toleranceSeconds: number;
  verdict?: VerifyResult;
  verifyOnly?: boolean;
}

export interface SignatureJobResult {
  id: number;
  verdict: VerifyResult;
  diagnosis: Diagnosis | undefined;
}

/** More failed signatures than this waiting for their diagnosis: the next ones go undiagnosed. */
export const MAX_WAITING_DIAGNOSES = 8;

/** Secrets × body bytes past which verifying would hold the event loop: verified on the thread. */
export const OFF_LOOP_HASH_BYTES = 1024 * 1024;

const WORKER = new URL('./signature-worker.js', import.meta.url);

/**
 * A listener's signature checks, with the costly part on worker threads started when first needed:
 * the verification itself when many secrets meet a large body (one thread), and every diagnosis of
 * a failed signature (another, so that a valid request never waits behind a forgery's diagnosis).
 * Verifying is never skipped; at most MAX_WAITING_DIAGNOSES diagnoses wait at once, so a flood of
 * forgeries queues no unbounded work. A thread that cannot start leaves a request undiagnosed, never
 * unanswered: it is verified here instead.
 */
export class SignatureThread {
  private readonly verifying: WorkerLane;
  private readonly diagnosing: WorkerLane;
  private readonly accepted: string[];

  constructor(
    secrets: readonly KnownSecret[],
    private readonly toleranceSeconds: number,
  ) {
    this.accepted = secrets.map((known) => known.secret);
    this.verifying = new WorkerLane(secrets);
    this.diagnosing = new WorkerLane(secrets);
  }

  /** The verdict, at once when it is cheap; the diagnosis of a failure, from its thread, when it comes. */
  async judge(body: Buffer, headers: HeaderBag): Promise<{ verdict: VerifyResult; diagnosis: Promise<Diagnosis | undefined> }> {
    const now = unixSeconds();
    const job = { body, headers, now, toleranceSeconds: this.toleranceSeconds };
    let verdict: VerifyResult | undefined;
    if (this.accepted.length * body.length > OFF_LOOP_HASH_BYTES)
      verdict = (await this.verifying.run({ ...job, verifyOnly: true }))?.verdict;
    verdict ??= verify({ body, headers, secrets: this.accepted, now, toleranceSeconds: this.toleranceSeconds });
    if (verdict.ok) return { verdict, diagnosis: Promise.resolve(undefined) };
    if (this.diagnosing.waiting >= MAX_WAITING_DIAGNOSES)
      return { verdict, diagnosis: Promise.resolve(undiagnosed(`${MAX_WAITING_DIAGNOSES} other failed signatures were being diagnosed`)) };
    const diagnosis = this.diagnosing
      .run({ ...job, verdict })
      .then((result) => result?.diagnosis ?? undiagnosed('the diagnosis thread could not run'));
    return { verdict, diagnosis };
  }

  /** Lets the threads go; what still waits on them is resolved undiagnosed (through 'exit'). */
  async close(): Promise<void> {
    await Promise.all([this.verifying.close(), this.diagnosing.close()]);
  }
}

/** One worker thread and the jobs waiting on it, in order. */
class WorkerLane {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, (result: SignatureJobResult | undefined) => void>();
  private next = 0;

  constructor(private readonly secrets: readonly KnownSecret[]) {}

  get waiting(): number {
    return this.pending.size;
  }

  /** The job's result from the thread; undefined when the thread could not start or was lost. */
  run(job: Omit<SignatureJob, 'id'>): Promise<SignatureJobResult | undefined> {
    const worker = this.started();
    if (worker === undefined) return Promise.resolve(undefined);
    const id = this.next++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      // Held while work waits on it, so that nothing awaited is dropped by an event loop that empties.
      worker.ref();
      worker.postMessage({ id, ...job } satisfies SignatureJob);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private started(): Worker | undefined {
    if (this.worker !== undefined) return this.worker;
    try {
      const worker = new Worker(WORKER, { workerData: this.secrets });
      worker.on('message', (result: SignatureJobResult) => {
        this.pending.get(result.id)?.(result);
        this.pending.delete(result.id);
        if (this.pending.size === 0) worker.unref();
      });
      worker.on('error', () => this.lost(worker));
      worker.on('exit', () => this.lost(worker));
      // Idle, it must not keep a stopped listener alive.
      worker.unref();
      this.worker = worker;
      return worker;
    } catch {
      return undefined;
    }
  }

  /** The thread is gone: what waited on it is done elsewhere (a verification) or left undiagnosed. */
  private lost(worker: Worker): void {
    if (this.worker === worker) this.worker = undefined;
    for (const resolve of this.pending.values()) resolve(undefined);
    this.pending.clear();
  }
}

function undiagnosed(why: string): Diagnosis {
  return { causes: ['unknown'], message: `not diagnosed: ${why}` };
}
