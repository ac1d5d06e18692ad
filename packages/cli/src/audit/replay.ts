/**
 * The auditor's replay: log entries taken in order, each hashed into the tree's right edge (to
 * recompute the checkpoint's root), its signature checked (on worker threads, where given a pool:
 * stateless, so in any order), then run through core's rules (in log order, on this thread) into a
 * MemoryLedger. What the node says its state is can then be compared with what the log says it is.
 */
import {
  applyTransaction,
  type DecodedTransaction,
  decodeTransactionEntry,
  entryBundleWidth,
  leafHash,
  MemoryLedger,
  MerkleFrontier,
  prepareTransaction,
  type StateRecord,
  TILE_WIDTH,
  transactionId,
} from '@cinnabar/core';
import type { SignatureCheck } from '@cinnabar/node';

/**
 * Checks batches of Ed25519 signatures: core's verifyEd25519 on this thread, or a VerifyPool
 * (worker threads, and this one whenever the replay would otherwise wait).
 */
export interface SignatureVerifier {
  /** Start the checks of a batch. */
  start(checks: readonly SignatureCheck[]): SignatureVerdicts;
  /** Make one waiting check (or a few) here, now; false if nothing waits. */
  helpOnce?(): boolean;
}

/** A verdict for each check of a batch, in order (1: valid, 0: not). */
export interface SignatureVerdicts {
  /** As a promise, already handled: it may fail while its batch waits to be applied (queueAll's is). */
  verdicts: Uint8Array | Promise<Uint8Array>;
  /** Check here, now, what no other thread has started: called when the replay needs the verdicts. */
  finishHere?(): void;
}

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
/** Entry bundles fetched ahead of the one being hashed. */
const FETCH_AHEAD = 4;
/** Bundles whose signatures are being checked ahead of the one being applied (keeps the pool busy). */
const VERIFY_AHEAD = 3;

/** One entry between hashing and applying: decoded, with its place among the batch's checks, or why not. */
interface Staged {
  index: number;
  entry: Uint8Array;
  decoded?: DecodedTransaction;
  rejection?: { code: string; message: string };
  /** Where its verdict is in the batch's (undefined: not decoded, so not checked). */
  check?: number;
}

/** A bundle's entries, staged, and the checks of their signatures (under way). */
interface StagedBatch {
  entries: Staged[];
  checks: SignatureVerdicts;
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
   * Fetch, hash, check and apply entries from the current size up to `size`, in order. The caller
   * compares root() with the checkpoint's afterwards: until then nothing here is trusted. A fetch
   * or pool failure throws and leaves this replay unusable (start again from the saved state).
   */
  async extend(
    fetchBundle: FetchBundle,
    size: number,
    verifier: SignatureVerifier,
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
      const entries = await whileHelping(fetches.shift()!, verifier);
      if (entries instanceof Error) throw entries;
      const start = bundle * TILE_WIDTH;
      const batch: Staged[] = [];
      const checks: SignatureCheck[] = [];
      for (let i = Math.max(0, from - start); i < entries.length; i++) {
        const entry = entries[i]!;
        this.frontier.append(leafHash(entry));
        batch.push(stage(entry, start + i, checks));
      }
      staged.push({ entries: batch, checks: verifier.start(checks) });
      while (staged.length > VERIFY_AHEAD) {
        await this.applyBatch(staged.shift()!);
        onProgress?.(this.applied - from);
      }
    }
    while (staged.length > 0) {
      await this.applyBatch(staged.shift()!);
      onProgress?.(this.applied - from);
    }
    return this.applied - from;
  }

  private async applyBatch(batch: StagedBatch): Promise<void> {
    batch.checks.finishHere?.();
    const verdicts = await batch.checks.verdicts;
    for (const s of batch.entries) {
      const rejection = this.applyOne(s, s.check !== undefined && verdicts[s.check] === 1);
      if (rejection) this.reject(s.index, rejection);
      this.applied++;
    }
  }

  /** Apply one entry; a reason if it is not a valid transaction here (then it changes nothing). */
  private applyOne(s: Staged, validSignature: boolean): { code: string; message: string } | undefined {
    if (!s.decoded || s.rejection) return s.rejection;
    if (!validSignature)
      return {
        code: 'invalid_signature',
        message: `the signature is not ${s.decoded.tx.actor}'s over this transaction`,
      };
    const prepared = prepareTransaction(s.decoded.tx);
    if (!prepared.ok) return prepared;
    const result = applyTransaction(this.ledger, prepared, { index: s.index, txId: transactionId(s.entry) });
    if (!result.ok) return result;
    this.ledger.write(result.writes);
    for (const { key } of result.writes) this.lastWrite.set(key, s.index);
    return undefined;
  }

  private reject(index: number, why: { code: string; message: string }): void {
    this.rejectedCount++;
    if (this.rejected.length < MAX_REJECTED_KEPT)
      this.rejected.push({ index, code: why.code, message: why.message });
  }
}

/** Decode an entry and add its signature check to `checks`. */
function stage(entry: Uint8Array, index: number, checks: SignatureCheck[]): Staged {
  let decoded: DecodedTransaction;
  try {
    decoded = decodeTransactionEntry(entry);
  } catch (error) {
    return { index, entry, rejection: { code: 'malformed_transaction', message: (error as Error).message } };
  }
  checks.push({ publicKey: decoded.publicKey, signature: decoded.signature, message: decoded.signingInput });
  return { index, entry, decoded, check: checks.length - 1 };
}

/** `promise`, awaited; meanwhile, while it is not settled, this thread checks signatures that wait. */
async function whileHelping<T>(promise: Promise<T>, verifier: SignatureVerifier): Promise<T> {
  if (!verifier.helpOnce) return promise;
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
  while (!settled && verifier.helpOnce()) await new Promise((resolve) => setImmediate(resolve));
  return promise;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
