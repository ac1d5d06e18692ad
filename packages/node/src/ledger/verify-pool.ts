import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES } from '@cinnabar/core';
import { startWorker } from '../worker-thread.js';
import type { SignatureCheck } from './accept.js';

/**
 * Most checks sent to a worker in one message. Small enough that the first verdicts come back while
 * the worker checks the rest, so the event loop goes on with them (measured: 512 at once gave about
 * 20% fewer registrations/s than 16 to 32, with 64 in flight).
 */
const MAX_BATCH = 32;

/**
 * Checks Ed25519 signatures on worker threads, in batches: the checks asked for in one turn of
 * the event loop go to a worker in one message, as one transferred buffer. The main thread's cost
 * per check is then a few microseconds of copying, against about 70 µs to queue each check as its
 * own job on libuv's thread pool, and 150 µs to run it. The verdict is core's strict one
 * (verifyEd25519Node; ed25519-consensus.test.ts).
 */
export class VerifyPool {
  private readonly workers: PoolWorker[] = [];
  private queued: { check: SignatureCheck; resolve: (valid: boolean) => void; reject: (e: Error) => void }[] =
    [];
  private flushScheduled = false;
  private nextWorker = 0;
  private closed = false;

  constructor(readonly threads: number = defaultThreads()) {
    if (!Number.isInteger(threads) || threads < 1)
      throw new RangeError('a verify pool needs at least one thread');
  }

  verify(check: SignatureCheck): Promise<boolean> {
    if (this.closed) return Promise.reject(new Error('the verify pool is closed'));
    // Sizes are checked here: the packed format relies on them.
    if (
      check.signature.length !== ED25519_SIGNATURE_BYTES ||
      check.publicKey.length !== ED25519_PUBLIC_KEY_BYTES
    )
      return Promise.resolve(false);
    return new Promise((resolve, reject) => {
      this.queued.push({ check, resolve, reject });
      if (this.queued.length >= MAX_BATCH) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    while (this.queued.length > 0) {
      const batch = this.queued.splice(0, MAX_BATCH);
      this.worker().send(batch);
    }
  }

  /** Round robin over the threads, each started when first needed. */
  private worker(): PoolWorker {
    const at = this.nextWorker++ % this.threads;
    let worker = this.workers[at];
    if (!worker || worker.dead) {
      worker = new PoolWorker();
      this.workers[at] = worker;
    }
    return worker;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.flush();
    await Promise.all(this.workers.map((w) => w.close()));
  }
}

type Job = { resolve: (valid: boolean) => void; reject: (e: Error) => void }[];

/** One worker thread and the batches it has not answered yet. */
class PoolWorker {
  private readonly worker: Worker;
  private readonly jobs = new Map<number, Job>();
  private nextId = 0;
  dead = false;

  constructor() {
    this.worker = startWorker(import.meta.url, './verify-worker');
    this.worker.unref(); // referenced only while a batch is out (send)
    this.worker.on('message', ({ id, verdicts }: { id: number; verdicts: Uint8Array }) => {
      const job = this.jobs.get(id);
      if (!job) return;
      this.jobs.delete(id);
      job.forEach((waiting, i) => {
        waiting.resolve(verdicts[i] === 1);
      });
      if (this.jobs.size === 0) this.worker.unref();
    });
    const fail = (error: Error) => {
      this.dead = true;
      for (const job of this.jobs.values()) for (const waiting of job) waiting.reject(error);
      this.jobs.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`a signature worker exited (code ${code})`)));
  }

  send(
    batch: { check: SignatureCheck; resolve: (valid: boolean) => void; reject: (e: Error) => void }[],
  ): void {
    const id = this.nextId++;
    const packed = packSignatureChecks(batch.map((b) => b.check));
    this.jobs.set(id, batch);
    this.worker.ref();
    this.worker.postMessage({ id, batch: packed }, [packed]);
  }

  async close(): Promise<void> {
    if (!this.dead) await this.worker.terminate();
  }
}

/** Pack checks into one buffer: per check, the message length (u32 LE), signature, key, message. */
export function packSignatureChecks(checks: readonly SignatureCheck[]): ArrayBuffer {
  let size = 4;
  for (const c of checks) size += 4 + ED25519_SIGNATURE_BYTES + ED25519_PUBLIC_KEY_BYTES + c.message.length;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, checks.length, true);
  let at = 4;
  for (const c of checks) {
    view.setUint32(at, c.message.length, true);
    bytes.set(c.signature, at + 4);
    bytes.set(c.publicKey, at + 4 + ED25519_SIGNATURE_BYTES);
    at += 4 + ED25519_SIGNATURE_BYTES + ED25519_PUBLIC_KEY_BYTES;
    bytes.set(c.message, at);
    at += c.message.length;
  }
  return bytes.buffer;
}

export function unpackSignatureChecks(buffer: ArrayBuffer): SignatureCheck[] {
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  const count = view.getUint32(0, true);
  const checks: SignatureCheck[] = [];
  let at = 4;
  for (let i = 0; i < count; i++) {
    const length = view.getUint32(at, true);
    const signature = bytes.subarray(at + 4, at + 4 + ED25519_SIGNATURE_BYTES);
    at += 4 + ED25519_SIGNATURE_BYTES;
    const publicKey = bytes.subarray(at, at + ED25519_PUBLIC_KEY_BYTES);
    at += ED25519_PUBLIC_KEY_BYTES;
    checks.push({ signature, publicKey, message: bytes.subarray(at, at + length) });
    at += length;
  }
  return checks;
}

/** One thread for each core but the event loop's, at least one. */
function defaultThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

let shared: VerifyPool | undefined;

/**
 * An Ed25519 check on the node's shared pool of worker threads, so that on a machine with more
 * than one core signature checks (the costliest step of accepting a transaction) overlap with
 * HTTP, the rules and storage.
 */
export function verifySignatureOffThread(check: SignatureCheck): Promise<boolean> {
  shared ??= new VerifyPool();
  return shared.verify(check);
}
