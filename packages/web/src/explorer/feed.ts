/**
 * The live feed's reading of log entries: each entry's transaction type, actor and subject (the
 * work, identity or space it is about), decoded in the browser from the log's own tiles.
 */
import { decodeTransaction, parseCheckpoint, transactionId } from '@cinnabar/core';

export interface FeedEntry {
  index: number;
  txId: string;
  type: string;
  actor: string;
  time: string;
  subject?: { kind: 'asset' | 'identity' | 'space'; id: string };
  /** Where the entry did not decode as a transaction. */
  problem?: string;
}

export const FEED_DEFAULTS = Object.freeze({
  /** Entries shown. */
  length: 12,
  /** How often the checkpoint is polled, in milliseconds. */
  pollMs: 3000,
});

function subjectOf(
  type: string,
  body: Record<string, unknown>,
  txId: string,
  actor: string,
): FeedEntry['subject'] {
  if (type === 'asset.register') return { kind: 'asset', id: txId };
  if (type === 'identity.register' || type === 'ledger.genesis') return { kind: 'identity', id: actor };
  if (type === 'space.create') return { kind: 'space', id: txId };
  if (typeof body.space === 'string') return { kind: 'space', id: body.space };
  if (typeof body.asset === 'string') return { kind: 'asset', id: body.asset };
  const target = body.target as { asset?: unknown; did?: unknown } | undefined;
  if (target && typeof target.asset === 'string') return { kind: 'asset', id: target.asset };
  if (target && typeof target.did === 'string') return { kind: 'identity', id: target.did };
  const credential = body.credential as { credentialSubject?: { id?: unknown } } | undefined;
  if (typeof credential?.credentialSubject?.id === 'string')
    return { kind: 'identity', id: credential.credentialSubject.id };
  return undefined;
}

/** What the feed shows of entry `index`. */
export function readFeedEntry(index: number, entry: Uint8Array): FeedEntry {
  const txId = transactionId(entry);
  try {
    const tx = decodeTransaction(entry);
    const subject = subjectOf(tx.type, tx.body as Record<string, unknown>, txId, tx.actor);
    return { index, txId, type: tx.type, actor: tx.actor, time: tx.time, ...(subject ? { subject } : {}) };
  } catch (error) {
    return { index, txId, type: '?', actor: '', time: '', problem: (error as Error).message };
  }
}

/** The tree size of a checkpoint note (its signature is checked elsewhere: provenance.ts). */
export function checkpointSize(note: string): number {
  return parseCheckpoint(note.slice(0, note.indexOf('\n\n') + 1)).size;
}

/** The signature lines of a signed note: who signed it (key name and key id). */
export function noteSigners(note: string): { name: string; keyId: string }[] {
  const at = note.indexOf('\n\n');
  if (at < 0) return [];
  return note
    .slice(at + 2)
    .split('\n')
    .filter((line) => line.startsWith('\u2014 '))
    .map((line) => {
      const [name = '', signature = ''] = line.slice(2).split(' ');
      let keyId = '';
      try {
        const raw = atob(signature).slice(0, 4);
        keyId = [...raw].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
      } catch {
        // not base64: shown without a key id
      }
      return { name, keyId };
    });
}
