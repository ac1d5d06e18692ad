import { availableParallelism } from 'node:os';
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
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

  /** Start every thread now; resolves once each has loaded and answered (so none loads while checks wait). */
  async start(): Promise<void> {
    if (this.closed) throw new Error('the verify pool is closed');
    await Promise.all(
      Array.from(
        { length: this.threads },
        (_, at) =>
          new Promise<void>((resolve, reject) => this.workerAt(at).send([], () => resolve(), reject)),
      ),
    );
  }

  private flush(): void {
    this.flushScheduled = false;
    while (this.queued.length > 0) {
      const batch = this.queued.splice(0, MAX_BATCH);
      this.worker().send(
        batch.map((b) => b.check),
        (verdicts) => {
          batch.forEach((waiting, i) => {
            waiting.resolve(verdicts[i] === 1);
          });
        },
        (error) => {
          for (const waiting of batch) waiting.reject(error);
        },
      );
    }
  }

  /** Round robin over the threads. */
  private worker(): PoolWorker {
    return this.workerAt(this.nextWorker++ % this.threads);
  }

  /** Thread `at`, started when first needed (or again, if it died). */
  private workerAt(at: number): PoolWorker {
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

/** A thread's answer to a batch: one byte per check, 1 if valid. */
export interface VerifyAnswer {
  id: number;
  verdicts: Uint8Array;
}

/** What waits for a batch: its verdicts, one byte per check, or the error that lost them. */
interface Job {
  done: (verdicts: Uint8Array) => void;
  fail: (error: Error) => void;
}

/** One worker thread and the batches it has not answered yet. */
class PoolWorker {
  private readonly worker: Worker;
  private readonly jobs = new Map<number, Job>();
  private nextId = 0;
  dead = false;

  /** Where the thread answers. */
  private readonly answers: MessagePort;

  constructor() {
    this.worker = startWorker(import.meta.url, './verify-worker');
    const { port1, port2 } = new MessageChannel();
    this.answers = port1;
    this.worker.postMessage({ answers: port2 }, [port2]);
    this.answers.on('message', (answer: VerifyAnswer) => this.answered(answer));
    // Referenced only while a batch is out (send).
    this.worker.unref();
    this.answers.unref();
    const fail = (error: Error) => {
      this.dead = true;
      const jobs = [...this.jobs.values()];
      this.jobs.clear();
      for (const job of jobs) job.fail(error);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`a signature worker exited (code ${code})`)));
  }

  send(checks: readonly SignatureCheck[], done: Job['done'], fail: Job['fail']): void {
    const id = this.nextId++;
    const packed = packSignatureChecks(checks);
    this.jobs.set(id, { done, fail });
    this.worker.ref();
    this.answers.ref();
    this.worker.postMessage({ id, batch: packed }, [packed]);
  }

  private answered({ id, verdicts }: VerifyAnswer): void {
    const job = this.jobs.get(id);
    if (!job) return;
    this.jobs.delete(id);
    if (this.jobs.size === 0) {
      this.worker.unref();
      this.answers.unref();
    }
    job.done(verdicts);
  }

  async close(): Promise<void> {
    this.answers.close();
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
