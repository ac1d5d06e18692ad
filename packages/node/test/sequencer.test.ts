import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  type CinnabarError,
  generateSignerKey,
  LogVerifier,
  signerFromKey,
  verifierFromKey,
} from '@cinnabar/core';
import {
  FenceError,
  type LedgerHook,
  type LogBatch,
  LogIntegrityError,
  type LogStorage,
  openStorage,
  PostgresStorage,
  Sequencer,
  type SqliteStorage,
  StorageInUseError,
} from '../src/index.js';
import { BACKENDS, type BackendFixture, createBackend } from './support/backends.js';
import { storageFetch } from './support/storage-fetch.js';
import { flipTileByte, type Tamper, tamper } from './support/tamper.js';

const ORIGIN = 'test.example/log';
const keys = generateSignerKey(ORIGIN);
const signer = signerFromKey(keys.skey);
const verifier = verifierFromKey(keys.vkey);

function entry(i: number, size = 64): Uint8Array {
  const bytes = new Uint8Array(size);
  new DataView(bytes.buffer).setUint32(0, i);
  return bytes;
}

async function open(fixture: BackendFixture): Promise<LogStorage> {
  const storage = openStorage({ dataDir: fixture.dataDir, databaseUrl: fixture.databaseUrl });
  await storage.init();
  assert.equal(await storage.tryAcquireWriterLock(), true);
  return storage;
}

async function audit(storage: LogStorage): Promise<{ size: number }> {
  const log = new LogVerifier({
    baseUrl: 'http://log.test/log/',
    vkey: keys.vkey,
    fetch: storageFetch(storage, keys.vkey),
  });
  const current = await log.fetchCheckpoint();
  await log.audit(current);
  return { size: current.checkpoint.size };
}

for (const backend of BACKENDS) {
  describe(`sequencer on ${backend}`, () => {
    test('concurrent appends get distinct consecutive indexes, durable and verifiable', async () => {
      const fixture = await createBackend(backend);
      const storage = await open(fixture);
      const sequencer = await Sequencer.start(storage, signer, verifier, ORIGIN, { maxBatchSize: 128 });
      const appenders = 64;
      const perAppender = 40;
      const indexes = new Map<number, number>();
      await Promise.all(
        Array.from({ length: appenders }, async (_, a) => {
          for (let k = 0; k < perAppender; k++) {
            const id = a * perAppender + k;
            indexes.set(id, await sequencer.append(entry(id)));
          }
        }),
      );
      const total = appenders * perAppender;
      assert.deepEqual(
        [...indexes.values()].sort((x, y) => x - y),
        Array.from({ length: total }, (_, i) => i),
      );
      assert.equal(sequencer.checkpoint.size, total);
      // Every acknowledged entry is stored at the index it was given.
      const stored = await storage.readEntries(0, total);
      for (const [id, index] of indexes) assert.deepEqual(stored[index], entry(id));
      assert.equal((await audit(storage)).size, total);
      await sequencer.close();
      await storage.close();
      await fixture.cleanup();
    });

    test('restart recovers the last durable state and goes on appending', async () => {
      const fixture = await createBackend(backend);
      let storage = await open(fixture);
      let sequencer = await Sequencer.start(storage, signer, verifier, ORIGIN);
      for (let i = 0; i < 700; i += 100)
        await Promise.all(Array.from({ length: 100 }, (_, k) => sequencer.append(entry(i + k))));
      const before = sequencer.checkpoint;
      await sequencer.close();
      await storage.close();

      storage = await open(fixture);
      sequencer = await Sequencer.start(storage, signer, verifier, ORIGIN);
      assert.equal(sequencer.checkpoint.note, before.note);
      assert.equal(await sequencer.append(entry(700)), 700);
      assert.equal((await audit(storage)).size, 701);
      await sequencer.close();
      await storage.close();
      await fixture.cleanup();
    });

    test('an entry over 65,535 bytes is refused, one of 65,535 is taken whole', async () => {
      const fixture = await createBackend(backend);
      const storage = await open(fixture);
      const sequencer = await Sequencer.start(storage, signer, verifier, ORIGIN);
      await assert.rejects(sequencer.append(new Uint8Array(65536)), (error: CinnabarError) => {
        assert.equal(error.code, 'entry_too_large');
        return true;
      });
      const big = randomBytes(65535);
      const index = await sequencer.append(big);
      assert.deepEqual((await storage.readEntries(index, 1))[0], new Uint8Array(big));
      assert.equal(sequencer.checkpoint.size, 1);
      await sequencer.close();
      await storage.close();
      await fixture.cleanup();
    });

    for (const reached of [false, true]) {
      test(`a commit that fails ${reached ? 'after reaching' : 'before reaching'} storage refuses its batch; the sequencer reloads and goes on`, async () => {
        const fixture = await createBackend(backend);
        const storage = await open(fixture);
        // The third commit fails, a little late, while appends keep coming.
        let commits = 0;
        let failedBatch = 0;
        const faulty = new Proxy(storage, {
          get(target, property, receiver) {
            if (property !== 'commit') return Reflect.get(target, property, receiver);
            return async (batch: LogBatch) => {
              if (++commits !== 3) return target.commit(batch);
              failedBatch = batch.entries.length;
              if (reached) await target.commit(batch);
              await new Promise((resolve) => setTimeout(resolve, 10));
              throw new Error('the disk went away');
            };
          },
        });
        const resets: number[] = [];
        const hook: LedgerHook = {
          async plan(items) {
            const decisions = items.map(() => ({ ok: true as const, result: undefined }));
            return { decisions, ledger: { rows: [], media: [], marks: [] }, committed() {} };
          },
          reset() {
            resets.push(commits);
          },
        };
        const sequencer = await Sequencer.start(faulty, signer, verifier, ORIGIN, { maxBatchSize: 16 }, hook);
        const outcomes = await Promise.allSettled(
          Array.from({ length: 200 }, (_, i) =>
            new Promise((resolve) => setTimeout(resolve, i % 40)).then(() => sequencer.append(entry(i))),
          ),
        );
        const refused = outcomes.filter((o) => o.status === 'rejected');
        assert.equal(refused.length, failedBatch);
        for (const o of refused) assert.equal((o.reason as Error).name, 'SequencerUnavailableError');
        assert.deepEqual(resets, [3]);
        // Acknowledged entries are stored at their indexes; the refused ones are stored only where
        // the failed commit reached storage (the sequencer then goes on after them).
        const acknowledged = new Map<number, number>();
        outcomes.forEach((o, i) => {
          if (o.status === 'fulfilled') acknowledged.set(o.value, i);
        });
        const size = sequencer.checkpoint.size;
        assert.equal(size, acknowledged.size + (reached ? failedBatch : 0));
        const stored = await storage.readEntries(0, size);
        for (const [index, id] of acknowledged) assert.deepEqual(stored[index], entry(id));
        assert.equal(await sequencer.append(entry(999)), size);
        assert.equal((await audit(storage)).size, size + 1);
        await sequencer.close();
        await storage.close();
        await fixture.cleanup();
      });
    }

    const damages: { name: string; size: number; damage: (db: Tamper) => Promise<void>; message: RegExp }[] =
      [
        {
          name: 'a flipped bit in the right-edge tile',
          size: 300,
          damage: (db) => flipTileByte(db, 0, 1, 32 * 44 + 5), // row 1 of a 44-wide tile
          message: /tile 0\/1 is damaged/,
        },
        {
          name: 'a flipped bit in the newest full tile',
          size: 600,
          damage: (db) => flipTileByte(db, 0, 1, 5),
          message: /full tile 0\/1 is missing or damaged/,
        },
        {
          name: 'an entry that no longer matches its leaf hash',
          size: 300,
          damage: (db) => db.run('UPDATE {entries} SET data = ? WHERE idx = 290', Buffer.alloc(64)),
          message: /entry 290 does not match/,
        },
        {
          name: 'a missing last entry',
          size: 300,
          damage: (db) => db.run('DELETE FROM {entries} WHERE idx = 299'),
          message: /checkpoint has size 300 but storage holds 299 entries/,
        },
        {
          name: 'a checkpoint whose signature does not verify',
          size: 300,
          damage: (db) =>
            db.run("UPDATE {checkpoints} SET note = replace(note, '300', '301') WHERE size = 300"),
          message: /does not verify/,
        },
        {
          name: 'a root column that does not match the signed checkpoint',
          size: 300,
          damage: (db) => db.run('UPDATE {checkpoints} SET root = ? WHERE size = 300', Buffer.alloc(32)),
          message: /does not match its size\/root columns/,
        },
      ];
    for (const damage of damages) {
      test(`start-up refuses a log with ${damage.name}`, async () => {
        const fixture = await createBackend(backend);
        let storage = await open(fixture);
        const sequencer = await Sequencer.start(storage, signer, verifier, ORIGIN);
        await Promise.all(Array.from({ length: damage.size }, (_, i) => sequencer.append(entry(i))));
        await sequencer.close();
        await storage.close();
        await tamper(fixture, damage.damage);
        storage = await open(fixture);
        await assert.rejects(Sequencer.start(storage, signer, verifier, ORIGIN), (error: Error) => {
          assert.ok(error instanceof LogIntegrityError, `${error.name}: ${error.message}`);
          assert.match(error.message, damage.message);
          return true;
        });
        await storage.close();
        await fixture.cleanup();
      });
    }

    test('a checkpoint signed by another key stops the start-up', async () => {
      const fixture = await createBackend(backend);
      let storage = await open(fixture);
      await (await Sequencer.start(storage, signer, verifier, ORIGIN)).close();
      await storage.close();
      storage = await open(fixture);
      const other = generateSignerKey(ORIGIN);
      await assert.rejects(
        Sequencer.start(storage, signerFromKey(other.skey), verifierFromKey(other.vkey), ORIGIN),
        LogIntegrityError,
      );
      await storage.close();
      await fixture.cleanup();
    });
  });
}

describe('one writer', () => {
  test('a second SQLite node on the same data directory is refused', async () => {
    const fixture = await createBackend('sqlite');
    const first = await open(fixture);
    const second = openStorage({ dataDir: fixture.dataDir, databaseUrl: undefined }) as SqliteStorage;
    await assert.rejects(second.init(), StorageInUseError);
    await second.close();
    await first.close();
    await fixture.cleanup();
  });

  test('exactly one PostgreSQL process holds the writer lock; it passes on when released', async () => {
    const fixture = await createBackend('postgres');
    const first = (await open(fixture)) as PostgresStorage;
    const second = new PostgresStorage(fixture.databaseUrl!);
    await second.init();
    assert.equal(await second.tryAcquireWriterLock(), false);
    await first.close();
    assert.equal(await second.tryAcquireWriterLock(), true);
    await second.close();
  });

  test('a commit that does not start at the stored size is fenced off', async () => {
    for (const backend of BACKENDS) {
      const fixture = await createBackend(backend);
      const storage = await open(fixture);
      const sequencer = await Sequencer.start(storage, signer, verifier, ORIGIN);
      await sequencer.append(entry(0));
      await assert.rejects(
        storage.commit({ firstIndex: 0, entries: [entry(9)], tiles: [], checkpoint: sequencer.checkpoint }),
        FenceError,
      );
      await sequencer.close();
      await storage.close();
      await fixture.cleanup();
    }
  });
});
