// The suspicious-pattern rules on a real node, on SQLite and PostgreSQL, each on a pattern built
// through signed transactions and on one just below its threshold: a work cycled A→B→A→B within
// the window (and one that changed hands once less); a quick resale (and one after the holding
// days); four identities behind one real-name commitment (and three behind another); five near-
// duplicate images registered within the hour (and four of another picture). Each alert names its
// evidence entries, with their transaction ids; the same log gives the same alerts after a restart.
// The node keeps the alerts up to date as the log grows: after every step of another story (a
// threshold crossed, thresholds changed, a credential revoked, a burst completed), they are exactly
// those of one reading of the whole history.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { issueRealNameCredential, sha256, transactionId, utf8Encode } from '@cinnabar/core';
import { Value } from '@sinclair/typebox/value';
import { API_SCHEMAS } from '../src/http/api-schemas.js';
import { startNode } from '../src/index.js';
import { AlertIndex, listAlerts } from '../src/supervision/alerts.js';
import type { Alert } from '../src/supervision/detection.js';
import { BACKENDS, createBackend } from './support/backends.js';
import { type Accepted, LedgerClient, picturePng, TestActor } from './support/ledger-fixture.js';

const YEAR_MS = 366 * 86_400_000;
const DETECTION = {
  washTrading: { windowDays: 30, maxIdentities: 3, minMoves: 3 },
  rapidFlip: { holdingDays: 7 },
  sharedRealName: { maxIdentities: 3 },
  duplicateBurst: { windowMinutes: 60, minRegistrations: 5, maxDistance: 10 },
};

interface AlertsReport {
  thresholds: typeof DETECTION;
  alerts: Alert[];
  truncated: boolean;
}

/** Registrations and transfers at a given time (the rules read the transactions' own times). */
function market(client: LedgerClient) {
  const at = (time: string) => ({ time });
  return {
    at,
    async register(actor: TestActor, bytes: Uint8Array, time: string): Promise<string> {
      const { cid, size, mediaType } = await client.put(actor, bytes);
      const body = {
        cid,
        size,
        mediaType,
        title: 'A work',
        creators: [{ name: 'Workshop' }],
        licence: 'CC-BY-4.0',
        grade: 'general',
      };
      return (await client.accept(actor, 'asset.register', body, at(time))).subject.asset!;
    },
    give: (from: TestActor, asset: string, to: TestActor, time: string) =>
      client.accept(from, 'asset.transfer', { asset, to: to.did }, at(time)),
  };
}

for (const backend of BACKENDS) {
  describe(`suspicious patterns on ${backend}`, () => {
    test('each rule fires on its pattern, not below its threshold, naming its evidence', async () => {
      const fixture = await createBackend(backend);
      const start = () =>
        startNode({
          dataDir: fixture.dataDir,
          databaseUrl: fixture.databaseUrl,
          port: 0,
          origin: `detection.test/${backend}`,
          maxClockSkewMs: 2 * YEAR_MS,
        });
      let node = await start();
      const [ann, bob, cat, dan, eve, fay, gus, hal, ivy] = [
        'ann',
        'bob',
        'cat',
        'dan',
        'eve',
        'fay',
        'gus',
        'hal',
        'ivy',
      ].map((n) => new TestActor(n)) as [
        TestActor,
        TestActor,
        TestActor,
        TestActor,
        TestActor,
        TestActor,
        TestActor,
        TestActor,
        TestActor,
      ];
      const actors = { ann, bob, cat, dan, eve, fay, gus, hal, ivy };
      const evidence: Record<string, number[]> = {};
      let before: string;
      try {
        const client = new LedgerClient(node);
        const operator = new TestActor('operator', node.operatorKey.seed);
        operator.seq = 1;
        await client.accept(operator, 'policy.set', {
          policy: { realNameToRegister: false, detection: DETECTION },
        });
        for (const actor of Object.values(actors))
          await client.accept(actor, 'identity.register', { kind: 'person', name: actor.label });
        const { at, register, give } = market(client);
        const sell = async (seller: TestActor, asset: string, buyer: TestActor, time: string) => {
          const listing = await client.accept(seller, 'listing.create', { asset, price: '10.00' }, at(time));
          const sale = await client.accept(
            seller,
            'sale.settle',
            { asset, listing: listing.txId, buyer: buyer.did, price: '10.00', paymentHash: 'ab'.repeat(32) },
            at(time),
          );
          return { listing, sale };
        };
        const indexes = (accepted: Accepted[]) => accepted.map((a) => a.index);

        // Wash trading: A→B→A→B within a day (3 moves, 2 identities) fires; a work moved
        // A→B→A (2 moves) does not; nor does one moved 3 times among 4 identities (A→B→C→D).
        const cycled = await register(ann, utf8Encode('cycled work'), '2026-04-01T08:00:00Z');
        evidence.wash = indexes([
          await give(ann, cycled, bob, '2026-04-01T09:00:00Z'),
          await give(bob, cycled, ann, '2026-04-01T10:00:00Z'),
          await give(ann, cycled, bob, '2026-04-01T11:00:00Z'),
        ]);
        const twice = await register(ann, utf8Encode('moved twice'), '2026-04-01T08:00:00Z');
        await give(ann, twice, bob, '2026-04-01T09:00:00Z');
        await give(bob, twice, ann, '2026-04-01T10:00:00Z');
        const chain = await register(cat, utf8Encode('passed along'), '2026-04-20T08:00:00Z');
        await give(cat, chain, dan, '2026-04-20T09:00:00Z');
        await give(dan, chain, eve, '2026-05-20T09:00:00Z');
        await give(eve, chain, fay, '2026-06-20T09:00:00Z');

        // Rapid flips: Cat buys a work and lists it an hour later; Dan buys one and sells it 8 days later.
        const flipped = await register(ann, utf8Encode('flipped'), '2026-07-01T08:00:00Z');
        const bought = await sell(ann, flipped, cat, '2026-07-01T09:00:00Z');
        const relisted = await client.accept(
          cat,
          'listing.create',
          { asset: flipped, price: '20.00' },
          at('2026-07-01T10:00:00Z'),
        );
        evidence.flip = [bought.sale.index, relisted.index];
        const kept = await register(ann, utf8Encode('kept a while'), '2026-07-01T08:00:00Z');
        await sell(ann, kept, dan, '2026-07-01T09:00:00Z');
        await sell(dan, kept, eve, '2026-07-09T09:00:00Z');

        // Shared real names: four identities certified with one person's data and salt; three with another's.
        const certify = async (subjects: TestActor[], person: string) => {
          const issued: Accepted[] = [];
          for (const subject of subjects) {
            const { credential } = issueRealNameCredential({
              issuerSeed: operator.seed,
              subject: subject.did,
              idRandom: sha256(utf8Encode(`credential:${person}:${subject.label}`)).slice(0, 16),
              validFrom: '2026-01-01T00:00:00Z',
              data: { name: person, id: `${person}-id` },
              method: 'resident-id-card',
              salt: sha256(utf8Encode(`salt:${person}`)).slice(0, 16),
            });
            issued.push(await client.accept(operator, 'credential.issue', { credential }));
          }
          return issued;
        };
        evidence.realName = indexes(await certify([ann, bob, cat, dan], 'Zhang San'));
        await certify([eve, fay, gus], 'Li Si');

        // Duplicate bursts: five near copies of one picture within the hour; four of another.
        const burst: number[] = [];
        for (let i = 0; i < 5; i++) {
          const asset = await register(
            [gus, hal, ivy][i % 3]!,
            picturePng(64, 48, 42, 10 * (i + 1)),
            `2026-08-01T09:${String(10 * i).padStart(2, '0')}:00Z`,
          );
          burst.push(
            (await client.getJson<{ registered: { index: number } }>(`/v1/assets/${asset}`)).registered.index,
          );
        }
        evidence.burst = burst;
        for (let i = 0; i < 4; i++)
          await register(
            hal,
            picturePng(64, 48, 77, 10 * (i + 1)),
            `2026-08-02T09:${String(10 * i).padStart(2, '0')}:00Z`,
          );

        const report = await client.getJson<AlertsReport>('/v1/supervision/alerts');
        assert.deepEqual(
          [...Value.Errors(API_SCHEMAS.AlertsReport, report)].map((e) => `${e.path}: ${e.message}`),
          [],
        );
        assert.deepEqual(report.thresholds, DETECTION);
        assert.equal(report.truncated, false);
        const byRule = (rule: string) => report.alerts.filter((a) => a.rule === rule);

        const wash = byRule('washTrading');
        assert.deepEqual(
          wash.map((a) => [a.subject, a.evidence.map((e) => e.index)]),
          [[{ asset: cycled }, evidence.wash]],
        );
        // Every alert's evidence carries the transaction id of its entry.
        const entries = await node.storage.readEntries(0, await node.storage.countEntries());
        for (const alert of report.alerts)
          for (const e of alert.evidence) assert.equal(e.txId, transactionId(entries[e.index]!));

        const flips = byRule('rapidFlip');
        // The flipped work, and each move on of the cycled and twice-moved works (all within the hour).
        const flipped1 = flips.find((a) => 'asset' in a.subject && a.subject.asset === flipped);
        assert.deepEqual(
          flipped1?.evidence.map((e) => e.index),
          evidence.flip,
        );
        assert.equal(
          flips.some((a) => 'asset' in a.subject && a.subject.asset === kept),
          false,
        );
        assert.equal(
          flips.some((a) => 'asset' in a.subject && a.subject.asset === chain),
          false,
        );
        assert.equal(flips.filter((a) => 'asset' in a.subject && a.subject.asset === cycled).length, 2);

        const shared = byRule('sharedRealName');
        assert.equal(shared.length, 1);
        assert.deepEqual(
          [...(shared[0]!.subject as { identities: string[] }).identities].sort(),
          [ann.did, bob.did, cat.did, dan.did].sort(),
        );
        assert.deepEqual(
          shared[0]!.evidence.map((e) => e.index),
          evidence.realName,
        );

        const bursts = byRule('duplicateBurst');
        assert.equal(bursts.length, 1);
        assert.deepEqual(
          bursts[0]!.evidence.map((e) => e.index),
          evidence.burst,
        );

        // One rule at a time, and as CSV.
        const only = await client.getJson<AlertsReport>('/v1/supervision/alerts?rule=sharedRealName');
        assert.deepEqual(only.alerts, shared);
        const csv = await client.get('/v1/supervision/alerts?rule=washTrading&format=csv');
        const lines = csv.body.split('\r\n');
        assert.equal(lines[0], 'rule,subject,evidenceIndexes,evidenceTxIds,summary');
        assert.match(
          lines[1]!,
          new RegExp(`^washTrading,${cycled},${evidence.wash.join(' ')},[0-9a-f ]+,"?asset `),
        );
        assert.equal(lines.length, 3);
        const limited = await client.getJson<AlertsReport>('/v1/supervision/alerts?limit=1');
        assert.deepEqual([limited.alerts.length, limited.truncated], [1, true]);
        before = JSON.stringify(report);
      } finally {
        await node.close();
      }
      // Deterministic: the same log, the same alerts.
      node = await start();
      try {
        const again = await new LedgerClient(node).getJson<AlertsReport>('/v1/supervision/alerts');
        assert.equal(JSON.stringify(again), before);
      } finally {
        await node.close();
        await fixture.cleanup();
      }
    });

    test('kept up to date as the log grows: after every step, the alerts of one reading of the whole history', async () => {
      const fixture = await createBackend(backend);
      const node = await startNode({
        dataDir: fixture.dataDir,
        databaseUrl: fixture.databaseUrl,
        port: 0,
        origin: `detection.test/incremental/${backend}`,
        maxClockSkewMs: 2 * YEAR_MS,
      });
      try {
        const client = new LedgerClient(node);
        const operator = new TestActor('operator', node.operatorKey.seed);
        operator.seq = 1;
        const setThresholds = (detection: typeof DETECTION) =>
          client.accept(operator, 'policy.set', { policy: { realNameToRegister: false, detection } });
        await setThresholds(DETECTION);
        const people = ['ann', 'bob', 'cat', 'dan', 'eve'].map((n) => new TestActor(n));
        const [ann, bob, cat, dan, eve] = people as [TestActor, TestActor, TestActor, TestActor, TestActor];
        for (const actor of people)
          await client.accept(actor, 'identity.register', { kind: 'person', name: actor.label });
        const entries = (start: number, count: number) => node.storage.readEntries(start, count);
        /** The node's alerts (its index, brought up to date) against a fresh reading of everything up to the same checkpoint. */
        const agree = async (step: string, rule: string, expected: number) => {
          const size = (await node.storage.latestCheckpoint())!.size;
          const served = await client.getJson<AlertsReport>('/v1/supervision/alerts?limit=1000');
          assert.equal((await node.storage.latestCheckpoint())!.size, size);
          const whole = await listAlerts(node.storage, entries, { limit: 1000 }, { size });
          assert.deepEqual(served, JSON.parse(JSON.stringify(whole)), step);
          assert.equal(served.alerts.filter((a) => a.rule === rule).length, expected, step);
        };
        const { at, register, give } = market(client);

        await agree('nothing yet', 'washTrading', 0);
        const cycled = await register(ann, utf8Encode('cycled'), '2026-04-01T08:00:00Z');
        await give(ann, cycled, bob, '2026-04-01T09:00:00Z');
        await give(bob, cycled, ann, '2026-04-01T10:00:00Z');
        await agree('two moves: below the threshold', 'washTrading', 0);
        await give(ann, cycled, bob, '2026-04-01T11:00:00Z');
        await agree('the third move crosses it', 'washTrading', 1);
        await setThresholds({ ...DETECTION, washTrading: { ...DETECTION.washTrading, minMoves: 4 } });
        await agree('a higher threshold: read again from the start', 'washTrading', 0);
        await give(bob, cycled, ann, '2026-04-01T12:00:00Z');
        await agree('the fourth move crosses the new one', 'washTrading', 1);

        const certified: Accepted[] = [];
        const certify = async (subject: TestActor) => {
          const { credential } = issueRealNameCredential({
            issuerSeed: operator.seed,
            subject: subject.did,
            idRandom: sha256(utf8Encode(`incremental:${subject.label}`)).slice(0, 16),
            validFrom: '2026-01-01T00:00:00Z',
            data: { name: 'Zhang San', id: 'zhang-san-id' },
            method: 'resident-id-card',
            salt: sha256(utf8Encode('salt:zhang')).slice(0, 16),
          });
          certified.push(await client.accept(operator, 'credential.issue', { credential }));
          return credential.id;
        };
        await certify(ann);
        const bobs = await certify(bob);
        await certify(cat);
        await agree('three identities, one real name: not more than three', 'sharedRealName', 0);
        await certify(dan);
        await agree('a fourth', 'sharedRealName', 1);
        await client.accept(operator, 'credential.revoke', {
          id: bobs,
          subject: bob.did,
          reason: 'superseded',
        });
        await agree("bob's revoked: he held it, still counted", 'sharedRealName', 1);
        const shared = (await client.getJson<AlertsReport>('/v1/supervision/alerts?rule=sharedRealName'))
          .alerts;
        // The evidence is each credential's issue, the revoked one's too, not the revocation.
        assert.deepEqual(
          shared[0]!.evidence.map((e) => e.index),
          certified.map((c) => c.index),
        );

        for (let i = 0; i < 4; i++)
          await register(
            eve,
            picturePng(64, 48, 42, 10 * (i + 1)),
            `2026-08-01T09:${String(10 * i).padStart(2, '0')}:00Z`,
          );
        await agree('four near duplicates', 'duplicateBurst', 0);
        await register(cat, picturePng(64, 48, 42, 50), '2026-08-01T09:45:00Z');
        await agree('the fifth, within the hour', 'duplicateBurst', 1);

        const flipped = await register(ann, utf8Encode('flipped'), '2026-07-01T08:00:00Z');
        const listing = await client.accept(
          ann,
          'listing.create',
          { asset: flipped, price: '10.00' },
          at('2026-07-01T09:00:00Z'),
        );
        const sale = {
          asset: flipped,
          listing: listing.txId,
          buyer: eve.did,
          price: '10.00',
          paymentHash: 'ab'.repeat(32),
        };
        await client.accept(ann, 'sale.settle', sale, at('2026-07-01T09:00:00Z'));
        const flips = (await client.getJson<AlertsReport>('/v1/supervision/alerts?rule=rapidFlip')).alerts
          .length;
        await client.accept(
          eve,
          'listing.create',
          { asset: flipped, price: '20.00' },
          at('2026-07-01T10:00:00Z'),
        );
        await agree('bought and listed again within the hour', 'rapidFlip', flips + 1);

        // Two requests that read the log's size in one order and reach the index in the other: the
        // later one is given the alerts already read further, with no read of anything again.
        const index = new AlertIndex();
        const size = (await node.storage.latestCheckpoint())!.size;
        const latest = await index.alerts(node.storage, DETECTION, size);
        const reads: string[] = [];
        const watched = new Proxy(node.storage, {
          get(target, name) {
            const value = Reflect.get(target, name);
            if (typeof value !== 'function') return value;
            return (...args: unknown[]) => {
              reads.push(String(name));
              return value.apply(target, args);
            };
          },
        });
        assert.equal(await index.alerts(watched, DETECTION, size - 5), latest);
        assert.deepEqual(reads, []);
      } finally {
        await node.close();
        await fixture.cleanup();
      }
    });
  });
}
