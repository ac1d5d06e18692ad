import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { FenceError, type LedgerBatch, type LogBatch } from './log-storage.js';

/**
 * The SQLite writer, on its own thread: it takes batches in order, one transaction each, and
 * answers once the transaction is on disk (synchronous=FULL: the WAL is fsynced at commit, and
 * only then do other connections see it). The event loop meanwhile prepares the next batch.
 */

/** What the writer answers for a batch: nothing, or why it failed. */
export type WriterReply =
  | { id: number; ok: true }
  | { id: number; ok: false; name: string; message: string; fence?: { expected: number; actual: number } };

/** Row counts of the prepared multi-row entry inserts, largest first (SQLite allows 32,766 parameters). */
const INSERT_CHUNKS = [256, 32, 4, 1];

const { path } = workerData as { path: string };
const db = new Database(path, { timeout: 5000 });
db.pragma('synchronous = FULL');
db.pragma('wal_autocheckpoint = 1024');
const s = {
  size: db.prepare('SELECT coalesce(max(size), 0) FROM checkpoints').pluck(),
  insertEntries: new Map(
    INSERT_CHUNKS.map((n) => [
      n,
      db.prepare(`INSERT INTO entries (idx, data) VALUES ${Array(n).fill('(?, ?)').join(', ')}`),
    ]),
  ),
  putTile: db.prepare(
    'INSERT INTO tiles (level, idx, width, data) VALUES (?, ?, ?, ?) ' +
      'ON CONFLICT (level, idx) DO UPDATE SET width = excluded.width, data = excluded.data',
  ),
  insertCheckpoint: db.prepare('INSERT INTO checkpoints (size, root, note) VALUES (?, ?, ?)'),
  putState: db.prepare(
    'INSERT INTO ledger_state (key, kind, value, owner, media, search, idx) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
      'ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, value = excluded.value, owner = excluded.owner, ' +
      'media = excluded.media, search = excluded.search, idx = excluded.idx',
  ),
  putMedia: db.prepare(
    'INSERT OR REPLACE INTO asset_media (asset, cid, phash, geometry, idx) VALUES (?, ?, ?, ?, ?)',
  ),
  putMark: db.prepare(
    'INSERT OR REPLACE INTO asset_marks (asset, other, reason, distance) VALUES (?, ?, ?, ?)',
  ),
};

const write = db.transaction((batch: LogBatch) => {
  const size = s.size.get() as number;
  if (size !== batch.firstIndex) throw new FenceError(batch.firstIndex, size);
  let done = 0;
  for (const chunk of INSERT_CHUNKS) {
    const statement = s.insertEntries.get(chunk)!;
    for (; batch.entries.length - done >= chunk; done += chunk) {
      const params: unknown[] = [];
      for (let i = done; i < done + chunk; i++) params.push(batch.firstIndex + i, batch.entries[i]);
      statement.run(params);
    }
  }
  for (const t of batch.tiles) s.putTile.run(t.level, t.index, t.width, t.data);
  const c = batch.checkpoint;
  s.insertCheckpoint.run(c.size, c.rootHash, c.note);
  if (batch.ledger) writeLedger(batch.ledger);
});

function writeLedger(ledger: LedgerBatch): void {
  for (const r of ledger.rows) s.putState.run(r.key, r.kind, r.value, r.owner, r.media, r.search, r.idx);
  for (const m of ledger.media) s.putMedia.run(m.asset, m.cid, m.phash, m.geometry, m.idx);
  for (const m of ledger.marks) s.putMark.run(m.asset, m.other, m.reason, m.distance);
}

parentPort?.on('message', (message: { id: number; batch: LogBatch } | 'close') => {
  if (message === 'close') {
    db.close();
    parentPort?.close();
    return;
  }
  let reply: WriterReply;
  try {
    write(message.batch);
    reply = { id: message.id, ok: true };
  } catch (error) {
    const e = error as Error;
    reply = { id: message.id, ok: false, name: e.name, message: e.message };
    if (error instanceof FenceError) reply.fence = { expected: error.expected, actual: error.actual };
  }
  parentPort?.postMessage(reply);
});
parentPort?.postMessage('ready');
