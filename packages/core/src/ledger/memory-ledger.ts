/**
 * The ledger's state in memory, built by replaying log entries through the same rules the node
 * applies. An auditor rebuilds the whole state from the log with it; tests compare it with the
 * node's database.
 */

import { concatBytes, hexEncode, utf8Encode } from '../bytes.js';
import { sha256 } from '../hash.js';
import { canonicalBytes } from '../jcs.js';
import type { LedgerView, StateRecord, StateWrite } from './records.js';
import {
  type Acceptance,
  applyTransaction,
  checkEntry,
  prepareTransaction,
  type Rejection,
} from './rules.js';

export type ReplayOutcome = (Acceptance & { txId: string }) | Rejection;

export class MemoryLedger implements LedgerView {
  private readonly records = new Map<string, StateRecord>();
  /** Entries replayed, and how many of them had no effect (not a valid transaction at that point). */
  readonly counts = { entries: 0, rejected: 0 };

  get(key: string): StateRecord | undefined {
    return this.records.get(key);
  }

  get size(): number {
    return this.records.size;
  }

  /**
   * Apply the entry at `index`: decoded, its signature checked, then the rules. An entry that is
   * not a valid transaction changes nothing (that is what it means to the ledger), and the reason
   * is returned.
   */
  apply(entry: Uint8Array, index: number): ReplayOutcome {
    this.counts.entries++;
    const checked = checkEntry(entry);
    const outcome = checked.ok ? this.applyChecked(checked.tx, checked.txId, index) : checked;
    if (!outcome.ok) this.counts.rejected++;
    return outcome;
  }

  private applyChecked(
    tx: Parameters<typeof prepareTransaction>[0],
    txId: string,
    index: number,
  ): ReplayOutcome {
    const prepared = prepareTransaction(tx);
    if (!prepared.ok) return prepared;
    const result = applyTransaction(this, prepared, { index, txId });
    if (result.ok) this.write(result.writes);
    return result.ok ? { ...result, txId } : result;
  }

  write(writes: readonly StateWrite[]): void {
    for (const { key, record } of writes) this.records.set(key, record);
  }

  /** Every record, in key order. */
  *entries(): IterableIterator<[string, StateRecord]> {
    for (const key of [...this.records.keys()].sort()) yield [key, this.records.get(key)!];
  }

  /** A digest of the whole state, equal wherever the same records are held. */
  digest(): string {
    return stateDigest(this.entries());
  }
}

/** SHA-256 over each key and the RFC 8785 form of its record, in key order (the caller sorts). */
export function stateDigest(records: Iterable<[string, StateRecord]>): string {
  const parts: Uint8Array[] = [];
  for (const [key, record] of records)
    parts.push(utf8Encode(`${key}\n`), canonicalBytes(record), utf8Encode('\n'));
  return hexEncode(sha256(concatBytes(...parts)));
}
