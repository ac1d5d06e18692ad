import { MessageChannel, type MessagePort, receiveMessageOnPort, type Worker } from 'node:worker_threads';
import { encodeEntryBundle, HASH_SIZE, verifyEd25519 } from '@cinnabar/core';
import { startWorker } from '@cinnabar/node';
import { type CheckedEntries, checkEntries, type EntryOutcome } from './check-entries.js';

/** Entries in one chunk: about 2 ms of work for a thread. */
const CHUNK = 32;
/**
 * Chunks a thread holds at once (the caller polls while it applies, so a few are enough): what a
 * thread holds, the caller cannot check itself when it is ahead.
 */
const IN_FLIGHT = 4;

/** Checks a bundle's entries (check-entries.ts) somewhere: on this thread, or on worker threads. */
export interface EntryChecker {
  /** Start the checks of these entries. */
  check(entries: readonly Uint8Array[]): PendingCheck;
  /** Check one waiting chunk here, now (for a caller that would otherwise wait); false if none waits. */
  helpOnce?(): boolean;
  /** Take the threads' answers and keep them fed: for a caller busy without turning its event loop. */
  poll?(): void;
}

export interface PendingCheck {
  /** As a promise, already handled: it may fail while its bundle waits to be applied. */
  result: CheckedEntries | Promise<CheckedEntries>;
  /** Check here, now, what no other thread has started: called when the replay needs the result. */
  finishHere?(): void;
}

/** Every check on the calling thread, as each bundle is started. */
export const checkOnThisThread: EntryChecker = {
  check: (entries) => ({ result: checkEntries(entries, verifyEd25519) }),
};

export interface EntryCheckRequest {
  id: number;
  /** The entries, entry-bundle encoded (c2sp.org/tlog-tiles): one transferable buffer. */
  bundle: ArrayBuffer;
  count: number;
}

export type EntryCheckAnswer = { id: number } & (CheckedEntries | { error: string });

interface Job {
  readonly leafHashes: Uint8Array;
  readonly outcomes: EntryOutcome[];
  /** Chunks without a result yet. */
  chunks: number;
  settle: () => void;
  fail: (error: Error) => void;
}

interface Chunk {
  job: Job;
  /** Where its first entry is in the job's. */
  at: number;
  entries: readonly Uint8Array[];
}

/**
 * Checks log entries on worker threads, a chunk at a time, oldest bundle first; the calling thread
 * checks what no worker has taken whenever it would otherwise wait (finishHere, helpOnce). The
 * workers hash, decode, verify and prepare; the caller only applies: on two cores the rules, which
 * must run in order on one thread, are then that thread's only fixed share of the work.
 */
export class EntryCheckPool implements EntryChecker {
  private readonly workers: EntryWorker[] = [];
  private pending: Chunk[] = [];
  private closed = false;
  /** Entries checked on the calling thread rather than a worker. */
  checkedHere = 0;

  constructor(readonly threads: number) {
    if (!Number.isInteger(threads) || threads < 1)
      throw new RangeError('an entry pool needs at least one thread');
  }

  /** Start every thread now; resolves once each has loaded and answered. */
  async ready(): Promise<void> {
    if (this.closed) throw new Error('the entry pool is closed');
    await Promise.all(
      Array.from(
        { length: this.threads },
        (_, at) =>
          new Promise<void>((resolve, reject) => this.workerAt(at).send([], () => resolve(), reject)),
      ),
    );
  }

  check(entries: readonly Uint8Array[]): PendingCheck {
    const job: Job = {
      leafHashes: new Uint8Array(entries.length * HASH_SIZE),
      outcomes: new Array<EntryOutcome>(entries.length),
      chunks: 0,
      settle: () => {},
      fail: () => {},
    };
    const result = new Promise<CheckedEntries>((resolve, reject) => {
      job.settle = () => {
        if (job.chunks === 0) resolve({ leafHashes: job.leafHashes, outcomes: job.outcomes });
      };
      job.fail = reject;
    });
    result.catch(() => {}); // awaited when the bundle is applied, maybe after a failure
    if (this.closed) job.fail(new Error('the entry pool is closed'));
    else {
      for (let at = 0; at < entries.length; at += CHUNK) {
        this.pending.push({ job, at, entries: entries.slice(at, at + CHUNK) });
        job.chunks++;
      }
      job.settle();
      this.pump();
    }
    return {
      result,
      finishHere: () => {
        // Check here, a chunk at a time, until this job has no chunk left that no thread has taken:
        // its own first, then (while threads finish its last ones) the oldest of later jobs.
        while (job.chunks > 0) {
          const own = this.pending.findIndex((c) => c.job === job);
          if (!this.checkHere(own < 0 ? 0 : own)) return;
        }
      },
    };
  }

  helpOnce(): boolean {
    return this.checkHere(0);
  }

  poll(): void {
    for (const worker of this.workers) if (!worker.dead) worker.poll();
  }

  private checkHere(at: number): boolean {
    const chunk = this.pending[at];
    if (!chunk) return false;
    this.pending.splice(at, 1);
    fill(chunk, checkEntries(chunk.entries, verifyEd25519));
    this.checkedHere += chunk.entries.length;
    // The event loop is not running meanwhile: take the threads' answers and keep them fed.
    this.poll();
    return true;
  }

  /** Send waiting chunks to every thread that holds fewer than IN_FLIGHT. */
  private pump(): void {
    for (let t = 0; t < this.threads && this.pending.length > 0; t++) {
      const worker = this.workerAt(t);
      while (worker.inFlight < IN_FLIGHT && this.pending.length > 0) {
        const chunk = this.pending.shift()!;
        worker.send(
          chunk.entries,
          (checked) => {
            fill(chunk, checked);
            this.pump();
          },
          (error) => chunk.job.fail(error),
        );
      }
    }
  }

  /** Thread `at`, started when first needed (or again, if it died). */
  private workerAt(at: number): EntryWorker {
    let worker = this.workers[at];
    if (!worker || worker.dead) {
      worker = new EntryWorker();
      this.workers[at] = worker;
    }
    return worker;
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = this.pending;
    this.pending = [];
    for (const chunk of pending) chunk.job.fail(new Error('the entry pool is closed'));
    await Promise.all(this.workers.map((w) => w.close()));
  }
}

/** A chunk's results into its job's. */
function fill(chunk: Chunk, checked: CheckedEntries): void {
  const { job, at } = chunk;
  job.leafHashes.set(checked.leafHashes, at * HASH_SIZE);
  checked.outcomes.forEach((outcome, i) => {
    job.outcomes[at + i] = outcome;
  });
  job.chunks--;
  job.settle();
}

interface Waiting {
  done: (checked: CheckedEntries) => void;
  fail: (error: Error) => void;
}

/** One worker thread (entry-worker.ts) and the chunks it has not answered yet. */
class EntryWorker {
  private readonly worker: Worker;
  /** Where the thread answers: a port of our own, so that poll() can take answers synchronously. */
  private readonly answers: MessagePort;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;
  dead = false;

  constructor() {
    this.worker = startWorker(import.meta.url, './entry-worker');
    const { port1, port2 } = new MessageChannel();
    this.answers = port1;
    this.worker.postMessage({ answers: port2 }, [port2]);
    this.answers.on('message', (answer: EntryCheckAnswer) => this.answered(answer));
    // Referenced only while a chunk is out.
    this.worker.unref();
    this.answers.unref();
    const fail = (error: Error) => {
      this.dead = true;
      const waiting = [...this.waiting.values()];
      this.waiting.clear();
      for (const w of waiting) w.fail(error);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`an entry-check worker exited (code ${code})`)));
  }

  get inFlight(): number {
    return this.waiting.size;
  }

  send(entries: readonly Uint8Array[], done: Waiting['done'], fail: Waiting['fail']): void {
    if (this.dead) {
      fail(new Error('the entry-check worker has exited'));
      return;
    }
    const id = this.nextId++;
    if (this.waiting.size === 0) {
      this.worker.ref();
      this.answers.ref();
    }
    this.waiting.set(id, { done, fail });
    const bundle = encodeEntryBundle(entries);
    const buffer =
      bundle.byteOffset === 0 && bundle.byteLength === bundle.buffer.byteLength
        ? (bundle.buffer as ArrayBuffer)
        : (bundle.slice().buffer as ArrayBuffer);
    const request: EntryCheckRequest = { id, bundle: buffer, count: entries.length };
    this.worker.postMessage(request, [buffer]);
  }

  /** Take the answers that have arrived, now (the event loop may not turn for a while). */
  poll(): void {
    for (let m = receiveMessageOnPort(this.answers); m; m = receiveMessageOnPort(this.answers))
      this.answered(m.message as EntryCheckAnswer);
  }

  private answered(answer: EntryCheckAnswer): void {
    const waiting = this.waiting.get(answer.id);
    if (!waiting) return;
    this.waiting.delete(answer.id);
    if (this.waiting.size === 0) {
      this.worker.unref();
      this.answers.unref();
    }
    if ('error' in answer) waiting.fail(new Error(`an entry-check worker failed: ${answer.error}`));
    else waiting.done(answer);
  }

  async close(): Promise<void> {
    this.answers.close();
    if (!this.dead) await this.worker.terminate();
  }
}
