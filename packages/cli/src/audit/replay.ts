/**
 * The auditor's replay: log entries taken in order, each hashed, decoded, its signature checked and
 * its body prepared (check-entries.ts: stateless, so on worker threads and in any order, where given
 * an EntryCheckPool), then, in log order on this thread, hashed into the tree's right edge (to
 * recompute the checkpoint's root) and run through core's rules into a MemoryLedger. What the node
 * says its state is can then be compared with what the log says it is.
 */
import {
  applyTransaction,
  entryBundleWidth,
  HASH_SIZE,
  MemoryLedger,
  MerkleFrontier,
  type PreparedTransaction,
  type StateRecord,
  TILE_WIDTH,
} from '@cinnabar/core';
import type { CheckedEntries } from './check-entries.js';
import type { EntryChecker, PendingCheck } from './entry-pool.js';

/** Entry bundle `index` of `width` entries (c2sp.org/tlog-tiles), decoded; not yet checked. */
export type FetchBundle = (index: number, width: number) => Promise<Uint8Array[]>;

/** A logged entry that is not a valid transaction at its place in the log (a node never logs one). */
export interface RejectedEntry {
  index: number;
  code: string;
  message: string;
}

/** Rejected entries remembered with their reasons; beyond this only counted. */
export const MAX_REJECTED_KEPT = 100;
/** Entry bundles fetched ahead of the one being checked. */
const FETCH_AHEAD = 4;
/** Bundles being checked ahead of the one being applied (keeps the pool busy). */
const CHECK_AHEAD = 3;
/** Entries applied between two polls of the checker's threads (so that they do not run dry meanwhile). */
const POLL_EVERY = 32;

/** A bundle's entries from `first` on, being checked. */
interface StagedBatch {
  first: number;
  check: PendingCheck;
}

export interface ReplaySnapshot {
  /** Tree size: entries hashed and applied. */
  size: number;
  /** The hashes of the tree's right edge at `size` (MerkleFrontier.nodes()). */
  frontier: Uint8Array[];
  /** Each record with the index of the entry that last wrote it. */
  records: Iterable<{ key: string; index: number; record: StateRecord }>;
  rejected: RejectedEntry[];
  rejectedCount: number;
}

export class LogReplay {
  readonly ledger = new MemoryLedger();
  /** For each key, the index of the entry that last wrote its record: where a divergence starts. */
  readonly lastWrite = new Map<string, number>();
  readonly rejected: RejectedEntry[] = [];
  rejectedCount = 0;
  private frontier: MerkleFrontier;
  private applied: number;

  constructor(snapshot?: ReplaySnapshot) {
    this.frontier = new MerkleFrontier(snapshot?.size ?? 0, snapshot?.frontier ?? []);
    this.applied = this.frontier.size;
    if (!snapshot) return;
    for (const { key, index, record } of snapshot.records) {
      this.ledger.write([{ key, record }]);
      this.lastWrite.set(key, index);
    }
    this.rejected.push(...snapshot.rejected.slice(0, MAX_REJECTED_KEPT));
    this.rejectedCount = snapshot.rejectedCount;
  }

  /** Entries replayed so far (the tree size the state is of). */
  get size(): number {
    return this.applied;
  }

  /** The root of the tree of the entries replayed (RFC 9162 §2.1.1). */
  root(): Uint8Array {
    return this.frontier.root();
  }

  frontierNodes(): Uint8Array[] {
    return this.frontier.nodes();
  }

  /** Every record, in key order, with the entry that last wrote it. */
  *records(): Generator<{ key: string; index: number; record: StateRecord }> {
    for (const [key, record] of this.ledger.entries()) yield { key, index: this.lastWrite.get(key)!, record };
  }

  /**
   * Fetch, check and apply entries from the current size up to `size`, in order. The caller
   * compares root() with the checkpoint's afterwards: until then nothing here is trusted. A fetch
   * or pool failure throws and leaves this replay unusable (start again from the saved state).
   */
  async extend(
    fetchBundle: FetchBundle,
    size: number,
    checker: EntryChecker,
    onProgress?: (replayed: number) => void,
  ): Promise<number> {
    const from = this.applied;
    if (size < from) throw new RangeError(`cannot replay back from ${from} to ${size}`);
    const first = Math.floor(from / TILE_WIDTH);
    const end = Math.ceil(size / TILE_WIDTH);
    const fetches: Promise<Uint8Array[] | Error>[] = [];
    const staged: StagedBatch[] = [];
    let next = first;
    for (let bundle = first; bundle < end; bundle++) {
      while (next < end && fetches.length < FETCH_AHEAD) {
        fetches.push(fetchBundle(next, entryBundleWidth(next, size)).catch(asError));
        next++;
      }
      const entries = await whileHelping(fetches.shift()!, checker);
      if (entries instanceof Error) throw entries;
      const start = bundle * TILE_WIDTH;
      const skip = Math.max(0, from - start);
      staged.push({ first: start + skip, check: checker.check(entries.slice(skip)) });
      while (staged.length > CHECK_AHEAD) {
        await this.applyBatch(staged.shift()!, checker);
        onProgress?.(this.applied - from);
      }
    }
    while (staged.length > 0) {
      await this.applyBatch(staged.shift()!, checker);
      onProgress?.(this.applied - from);
    }
    return this.applied - from;
  }

  private async applyBatch(batch: StagedBatch, checker: EntryChecker): Promise<void> {
    batch.check.finishHere?.();
    const { leafHashes, outcomes }: CheckedEntries = await batch.check.result;
    outcomes.forEach((outcome, i) => {
      if (i % POLL_EVERY === POLL_EVERY - 1) checker.poll?.();
      const index = batch.first + i;
      this.frontier.append(leafHashes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
      const rejection = 'rejection' in outcome ? outcome.rejection : this.apply(outcome, index);
      if (rejection) this.reject(index, rejection);
      this.applied++;
    });
  }

  /** Apply a prepared transaction; a reason if the state refuses it (then it changes nothing). */
  private apply(
    { prepared, txId }: { prepared: PreparedTransaction; txId: string },
    index: number,
  ): { code: string; message: string } | undefined {
    const result = applyTransaction(this.ledger, prepared, { index, txId });
    if (!result.ok) return result;
    this.ledger.write(result.writes);
    for (const { key } of result.writes) this.lastWrite.set(key, index);
    return undefined;
  }

  private reject(index: number, why: { code: string; message: string }): void {
    this.rejectedCount++;
    if (this.rejected.length < MAX_REJECTED_KEPT)
      this.rejected.push({ index, code: why.code, message: why.message });
  }
}

/** `promise`, awaited; meanwhile, while it is not settled, this thread checks entries that wait. */
async function whileHelping<T>(promise: Promise<T>, checker: EntryChecker): Promise<T> {
  if (!checker.helpOnce) return promise;
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await Promise.resolve(); // a promise settled already says so by now
  // A turn of the event loop after each: what the network has brought is taken in between.
  while (!settled && checker.helpOnce()) await new Promise((resolve) => setImmediate(resolve));
  return promise;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
