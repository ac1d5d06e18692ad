// A data directory or database written by schema version 2 (no party column, licences without
// their owner and party columns filled) upgrades in place to version 3 when a node starts on it:
// the column is added, the licences before it are indexed by licensee and grantor, and the state
// is unchanged; the activity table of version 5 is filled in too. On SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryLedger, utf8Encode } from '@cinnabar/core';
import { loadDataDir, type RunningNode, startNode } from '../src/index.js';
import { BACKENDS, type BackendFixture, createBackend } from './support/backends.js';
import { LedgerClient, storedStateDigest, TestActor } from './support/ledger-fixture.js';
import { tamper } from './support/tamper.js';

/** Turn a version 3 store back into what version 2 wrote. */
function downgradeToVersion2(fixture: BackendFixture): Promise<void> {
  return tamper(fixture, (db) =>
    db.exec(`
      DROP INDEX {state_party};
      ALTER TABLE {state} DROP COLUMN party;
      UPDATE {state} SET owner = NULL WHERE kind = 'licence';
      UPDATE {meta} SET value = '2' WHERE key = 'schema_version';
      DROP TABLE {activity};
      DROP TABLE {policy_changes};
      DELETE FROM {meta} WHERE key = 'activity_indexed';
    `),
  );
}

async function replayDigest(node: RunningNode): Promise<string> {
  const size = await node.storage.countEntries();
  const replay = new MemoryLedger();
  (await node.storage.readEntries(0, size)).forEach((entry, index) => {
    replay.apply(entry, index);
  });
  return replay.digest();
}

for (const backend of BACKENDS) {
  describe(`schema upgrade on ${backend}`, () => {
    test('version 2 upgrades to 3: licences found by licensee and grantor, the state unchanged', async () => {
      const fixture = await createBackend(backend);
      const start = () =>
        startNode({
          dataDir: fixture.dataDir,
          databaseUrl: fixture.databaseUrl,
          port: 0,
          origin: `upgrade.test/${backend}`,
        });
      const ann = new TestActor('ann');
      const bob = new TestActor('bob');
      let node = await start();
      let licence: string;
      let freeze: string;
      let asset: string;
      let offered: string;
      try {
        const client = new LedgerClient(node);
        await client.accept(ann, 'identity.register', { kind: 'person', name: 'Ann' });
        await client.accept(bob, 'identity.register', { kind: 'person', name: 'Bob' });
        asset = (await client.register(ann, utf8Encode('a work from before the upgrade'))).subject.asset!;
        licence = (
          await client.accept(ann, 'licence.grant', {
            asset,
            licensee: bob.did,
            terms: {
              uses: ['display'],
              territory: 'worldwide',
              start: '2026-01-01',
              exclusive: false,
              sublicensable: false,
              royaltyBasisPoints: 0,
              legalTextHash: 'ab'.repeat(32),
            },
          })
        ).txId;
        const operator = new TestActor('operator', (await loadDataDir(fixture.dataDir)).operator.seed);
        operator.seq = 1;
        // A transfer offered and waiting for acceptance, on a second work.
        await client.accept(operator, 'policy.set', {
          policy: {
            realNameToRegister: false,
            market: {
              regime: 'open-market',
              transferNeedsAcceptance: true,
              holdingPeriodDays: 0,
              dailyGiftCap: 10,
            },
          },
        });
        offered = (await client.register(ann, utf8Encode('a work offered before the upgrade'))).subject
          .asset!;
        await client.accept(ann, 'asset.transfer', { asset: offered, to: bob.did });
        freeze = (
          await client.accept(operator, 'supervision.freeze', {
            target: { asset },
            grounds: { category: 'investigation', text: 'Frozen before the upgrade.' },
          })
        ).txId;
      } finally {
        await node.close();
      }
      await downgradeToVersion2(fixture);

      node = await start();
      try {
        const client = new LedgerClient(node);
        const held = await client.getJson<{ items: { id: string }[] }>(`/v1/identities/${bob.did}/licences`);
        const granted = await client.getJson<{ items: { id: string }[] }>(
          `/v1/identities/${ann.did}/licences?as=grantor`,
        );
        assert.deepEqual(
          [held.items.map((l) => l.id), granted.items.map((l) => l.id)],
          [[licence], [licence]],
        );
        assert.equal(await storedStateDigest(node.storage), await replayDigest(node));
        // Version 5 indexes supervision by the work it is about: the freeze from before is found.
        const supervision = await client.getJson<{ freezes: { id: string }[] }>(
          `/v1/assets/${asset}/supervision`,
        );
        assert.deepEqual(
          supervision.freezes.map((f) => f.id),
          [freeze],
        );
        // ...and works by the recipient of a pending transfer.
        const offers = await client.getJson<{ items: { id: string }[] }>(`/v1/identities/${bob.did}/offers`);
        assert.deepEqual(
          offers.items.map((o) => o.id),
          [offered],
        );
        // Version 5's activity (supervision reports), filled in from the state before it.
        const activity = await client.getJson<{ rows: { registrations: number; licences: number }[] }>(
          '/v1/supervision/reports/activity?by=regime',
        );
        assert.deepEqual(
          activity.rows.map((r) => [r.registrations, r.licences]),
          [[2, 1]],
        );
        assert.deepEqual(
          (await node.storage.readPolicyChanges()).map((c) => [c.idx, c.regime]),
          [
            [0, 'open-market'],
            [5, 'open-market'],
          ],
        );
      } finally {
        await node.close();
        await fixture.cleanup();
      }
    });
  });
}
