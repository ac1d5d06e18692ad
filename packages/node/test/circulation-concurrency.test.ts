// Conflicting transactions are decided by the sequencer's order: exactly one of each conflicting
// pair takes effect, the other is refused with the rule that now stands in its way, and the stored
// state is the replay of the log. 1,000 requests at once over real HTTP, on SQLite and PostgreSQL.
//
// Each pair: a work offered to its recipient, who accepts (asset.accept), while its owner offers it
// to someone else instead (a new asset.transfer replaces the pending offer). If the acceptance comes
// first the work has changed hands and the owner's new offer is refused (not_owner); if the new offer
// comes first, the acceptance names an offer that is no longer pending (no_pending_transfer).
//
// And the last edition sold twice: each seller settles its one listed edition for two buyers at
// once (two transactions with consecutive sequence numbers). Whichever comes first decides: if the
// first-numbered one does, the other finds the listing closed (listing_closed); if the other does,
// it skipped a sequence number (bad_sequence), and the first then sells. Never two sales.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type EditionRecord, MemoryLedger, type SaleRecord, transactionId, utf8Encode } from '@cinnabar/core';
import { loadDataDir, type RunningNode, startNode } from '../src/index.js';
import { BACKENDS, createBackend } from './support/backends.js';
import { LedgerClient, storedStateDigest, TestActor } from './support/ledger-fixture.js';

const PAIRS = 500;

/** The stored state is what a replay of the log gives. */
async function assertStateIsReplay(node: RunningNode): Promise<void> {
  const size = await node.storage.countEntries();
  const replay = new MemoryLedger();
  (await node.storage.readEntries(0, size)).forEach((entry, index) => {
    replay.apply(entry, index);
  });
  assert.equal(await storedStateDigest(node.storage), replay.digest());
}

/** POST every entry at once; the answers in the same order. */
async function sendAll<T extends { entry: Uint8Array }>(node: RunningNode, requests: T[]) {
  return Promise.all(
    requests.map(async (r) => {
      const res = await fetch(`${node.url}v1/tx`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(r.entry),
      });
      return { ...r, status: res.status, body: (await res.json()) as { code?: string } };
    }),
  );
}

for (const backend of BACKENDS) {
  describe(`conflicting transfers and sales on ${backend}`, () => {
    test(`${PAIRS * 2} concurrent requests in ${PAIRS} conflicting pairs: exactly one of each takes effect`, async (t) => {
      const fixture = await createBackend(backend);
      const node = await startNode({
        dataDir: fixture.dataDir,
        databaseUrl: fixture.databaseUrl,
        port: 0,
        origin: `concurrency.test/${backend}`,
      });
      try {
        const client = new LedgerClient(node);
        const operator = new TestActor('operator', (await loadDataDir(fixture.dataDir)).operator.seed);
        operator.seq = 1;
        await client.accept(operator, 'policy.set', {
          policy: {
            realNameToRegister: false,
            market: {
              regime: 'open-market',
              transferNeedsAcceptance: true,
              holdingPeriodDays: 180,
              dailyGiftCap: 10,
            },
          },
        });
        const carol = new TestActor('carol');
        await client.accept(carol, 'identity.register', { kind: 'person', name: 'Carol' });
        // Set up in parallel: distinct actors, so no sequence numbers collide.
        const pairs = await Promise.all(
          Array.from({ length: PAIRS }, async (_, i) => {
            const owner = new TestActor(`owner-${i}`);
            const recipient = new TestActor(`recipient-${i}`);
            await client.accept(owner, 'identity.register', { kind: 'person', name: `Owner ${i}` });
            await client.accept(recipient, 'identity.register', { kind: 'person', name: `Recipient ${i}` });
            const asset = (await client.register(owner, utf8Encode(`work ${i} of the concurrency test`)))
              .subject.asset!;
            const offer = await client.accept(owner, 'asset.transfer', { asset, to: recipient.did });
            return { owner, recipient, asset, offer: offer.txId };
          }),
        );

        // Both transactions of every pair signed first, then all sent at once over HTTP.
        const requests = pairs.flatMap((p) => [
          {
            pair: p,
            kind: 'accept' as const,
            entry: p.recipient.sign('asset.accept', { asset: p.asset, transfer: p.offer }),
          },
          {
            pair: p,
            kind: 're-offer' as const,
            entry: p.owner.sign('asset.transfer', { asset: p.asset, to: carol.did }),
          },
        ]);
        const answers = await sendAll(node, requests);

        const outcomes = { accepted: 0, reOffered: 0 };
        for (const p of pairs) {
          const [accept, reOffer] = answers.filter((a) => a.pair === p);
          assert.ok(accept && reOffer);
          const statuses = [accept.status, reOffer.status].sort();
          assert.ok(
            statuses[0] === 201 && statuses[1] !== 201,
            `pair ${p.asset}: ${accept.status} ${JSON.stringify(accept.body)} / ${reOffer.status} ${JSON.stringify(reOffer.body)}`,
          );
          const record = await client.getJson<{ owner: string; pendingTransfer?: { to: string } }>(
            `/v1/assets/${p.asset}`,
          );
          if (accept.status === 201) {
            outcomes.accepted++;
            assert.equal(reOffer.body.code, 'not_owner');
            assert.equal(record.owner, p.recipient.did);
            assert.equal(record.pendingTransfer, undefined);
          } else {
            outcomes.reOffered++;
            assert.equal(accept.body.code, 'no_pending_transfer');
            assert.equal(record.owner, p.owner.did);
            assert.equal(record.pendingTransfer?.to, carol.did);
          }
        }
        assert.equal(outcomes.accepted + outcomes.reOffered, PAIRS);
        t.diagnostic(`acceptance first: ${outcomes.accepted}, new offer first: ${outcomes.reOffered}`);

        await assertStateIsReplay(node);
      } finally {
        await node.close();
        await fixture.cleanup();
      }
    });

    test(`the last edition sold twice, ${PAIRS} times at once: exactly one sale of each`, async (t) => {
      const fixture = await createBackend(backend);
      const node = await startNode({
        dataDir: fixture.dataDir,
        databaseUrl: fixture.databaseUrl,
        port: 0,
        origin: `concurrency.test/${backend}/sales`,
      });
      try {
        const client = new LedgerClient(node);
        const buyers = [new TestActor('buyer-a'), new TestActor('buyer-b')];
        for (const buyer of buyers)
          await client.accept(buyer, 'identity.register', { kind: 'person', name: buyer.label });
        const sellers = await Promise.all(
          Array.from({ length: PAIRS }, async (_, i) => {
            const seller = new TestActor(`seller-${i}`);
            await client.accept(seller, 'identity.register', { kind: 'person', name: `Seller ${i}` });
            const asset = (await client.register(seller, utf8Encode(`edition work ${i}`))).subject.asset!;
            await client.accept(seller, 'edition.issue', { asset, supply: 1 });
            const listing = (
              await client.accept(seller, 'listing.create', { asset, edition: 1, price: '66.60' })
            ).txId;
            return { seller, asset, listing };
          }),
        );

        // Two settlements per listing, with the seller's next two sequence numbers.
        const requests = sellers.flatMap((p) =>
          buyers.map((buyer, n) => ({
            pair: p,
            buyer,
            entry: p.seller.sign(
              'sale.settle',
              {
                asset: p.asset,
                edition: 1,
                listing: p.listing,
                buyer: buyer.did,
                price: '66.6',
                paymentHash: transactionId(utf8Encode(`payment ${p.asset} ${n}`)),
              },
              { seq: p.seller.seq + 1 + n },
            ),
          })),
        );
        const answers = await sendAll(node, requests);

        const refusals = new Map<string, number>();
        for (const p of sellers) {
          const [first, second] = answers.filter((a) => a.pair === p);
          assert.ok(first && second);
          const sold = [first, second].filter((a) => a.status === 201);
          assert.equal(
            sold.length,
            1,
            `listing ${p.listing}: ${first.status} ${first.body.code} / ${second.status} ${second.body.code}`,
          );
          const refused = first.status === 201 ? second : first;
          assert.ok(
            refused.body.code === 'listing_closed' || refused.body.code === 'bad_sequence',
            refused.body.code,
          );
          // listing_closed only for the second-numbered one, after the first sold.
          if (refused.body.code === 'listing_closed') assert.equal(refused, second);
          refusals.set(refused.body.code!, (refusals.get(refused.body.code!) ?? 0) + 1);
          const edition = await client.getJson<EditionRecord>(`/v1/assets/${p.asset}/editions/1`);
          assert.equal(edition.owner, sold[0]!.buyer.did);
          const { sales } = await client.getJson<{ sales: SaleRecord[] }>(`/v1/assets/${p.asset}/sales`);
          assert.deepEqual(
            sales.map((sale) => sale.buyer),
            [sold[0]!.buyer.did],
          );
        }
        t.diagnostic(`refused as: ${[...refusals].map(([code, n]) => `${code} ${n}`).join(', ')}`);
        await assertStateIsReplay(node);
      } finally {
        await node.close();
        await fixture.cleanup();
      }
    });
  });
}
