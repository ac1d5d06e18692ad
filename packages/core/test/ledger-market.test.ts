// Editions, listings and sales: edition.issue, listing.create, listing.cancel and sale.settle under
// both market regimes, with the price split; and a table of every circulation transaction type
// against every role. For each refusal the exact code and rule and an unchanged state.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fromFen, shareOf, toFen } from '../src/ledger/money.js';
import {
  type AssetEventRecord,
  type AssetRecord,
  assetEventKey,
  assetKey,
  type EditionRecord,
  editionKey,
  type ListingRecord,
  listingKey,
  recordKey,
  type SaleRecord,
  saleKey,
} from '../src/ledger/records.js';
import { saleSplit } from '../src/ledger/rules.js';
import {
  CN_COLLECTIBLES_POLICY,
  DEFAULT_MARKET_POLICY,
  type LicenceTerms,
  MAX_EDITIONS,
  type MarketPolicy,
} from '../src/ledger/schemas.js';
import { transactionId } from '../src/tx/transaction.js';
import { type Actor, assetBody, refusedUnchanged, T0, TestLedger } from './support/ledger-actors.js';

const DAY = 86_400_000;
const after = (days: number, from = T0) => new Date(Date.parse(from) + days * DAY).toISOString();
const PAYMENT = 'ab'.repeat(32);

/**
 * A ledger under `policy` where ann registered a work at T0; bob, cat and dan are registered;
 * keeper holds the custodian role, val the appraiser role; every person holds a real-name credential.
 */
function world(policy: MarketPolicy = DEFAULT_MARKET_POLICY) {
  const { ledger, operator, people } = TestLedger.started({
    people: ['ann', 'bob', 'cat', 'dan', 'keeper', 'val', 'reg'],
  });
  const [ann, bob, cat, dan, keeper, val, reg] = people as [Actor, Actor, Actor, Actor, Actor, Actor, Actor];
  ledger.accept(operator, 'policy.set', { policy: { realNameToRegister: false, market: policy } });
  ledger.accept(operator, 'credential.issue', {
    credential: operator.roleCredential(keeper, 'custodian', 'keeper'),
  });
  ledger.accept(operator, 'credential.issue', {
    credential: operator.roleCredential(val, 'appraiser', 'val'),
  });
  ledger.accept(operator, 'credential.issue', {
    credential: operator.roleCredential(reg, 'regulator', 'reg'),
  });
  for (const a of people)
    ledger.accept(operator, 'credential.issue', {
      credential: operator.realNameCredential(a, `rn-${a.label}`),
    });
  const id = ledger.accept(ann, 'asset.register', assetBody('work'), { time: T0 }).txId;
  return { ledger, operator, ann, bob, cat, dan, keeper, val, reg, id };
}

function record<K extends string>(ledger: TestLedger, key: string, kind: K) {
  const found = ledger.get(key);
  assert.equal(found?.kind, kind, `${key} holds ${found?.kind}`);
  return found;
}

const work = (ledger: TestLedger, id: string) => record(ledger, assetKey(id), 'asset') as AssetRecord;
const edition = (ledger: TestLedger, id: string, n: number) =>
  record(ledger, editionKey(id, n), 'edition') as EditionRecord;
const lastTxId = (ledger: TestLedger) => transactionId(ledger.entries.at(-1)!);

describe('editions: edition.issue', () => {
  test('the owner issues N numbered editions once, each held by the issuer; the supply never grows', () => {
    const { ledger, ann, bob, id } = world();
    refusedUnchanged(
      ledger,
      () => ledger.submit(bob, 'edition.issue', { asset: id, supply: 3 }),
      'not_owner',
      'edition.issue.owner',
    );
    for (const supply of [0, MAX_EDITIONS + 1, 1.5])
      refusedUnchanged(
        ledger,
        () => ledger.submit(ann, 'edition.issue', { asset: id, supply }),
        'invalid_body',
        'edition.issue.schema',
      );
    const done = ledger.accept(ann, 'edition.issue', { asset: id, supply: 3 });
    const index = ledger.entries.length - 1;
    const issued = { index, txId: done.txId, time: T0 };
    assert.deepEqual(work(ledger, id).editions, { supply: 3, issuer: ann.did, issued });
    for (const n of [1, 2, 3])
      assert.deepEqual(edition(ledger, id, n), {
        kind: 'edition',
        asset: id,
        number: n,
        supply: 3,
        issuer: ann.did,
        owner: ann.did,
        issued,
      });
    for (const w of done.writes) assert.equal(recordKey(w.record), w.key);
    assert.equal(ledger.get(editionKey(id, 4)), undefined);
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'edition.issue', { asset: id, supply: 10 }),
      'editions_exist',
      'edition.issue.once',
    );
    // Editions move on their own; the work stays where it is.
    ledger.accept(ann, 'asset.transfer', { asset: id, edition: 2, to: bob.did });
    assert.equal(edition(ledger, id, 2).owner, bob.did);
    assert.equal(edition(ledger, id, 1).owner, ann.did);
    assert.equal(work(ledger, id).owner, ann.did);
    const event = ledger.get(assetEventKey(id, ledger.entries.length - 1)) as AssetEventRecord;
    assert.deepEqual([event.edition, event.event, event.to], [2, 'transferred', bob.did]);
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'asset.transfer', { asset: id, edition: 4, to: bob.did }),
      'edition_not_found',
      'edition.exists',
    );
    // The work changes hands; the editions stay with whoever holds them.
    ledger.accept(ann, 'asset.transfer', { asset: id, to: bob.did });
    assert.deepEqual([work(ledger, id).owner, edition(ledger, id, 1).owner], [bob.did, ann.did]);
  });

  test('a work without editions has none to name; a work in custody issues none', () => {
    const { ledger, ann, bob, keeper, id } = world();
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'asset.transfer', { asset: id, edition: 1, to: bob.did }),
      'edition_not_found',
      'edition.exists',
    );
    ledger.accept(ann, 'custody.deposit', { asset: id, custodian: keeper.did });
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'edition.issue', { asset: id, supply: 2 }),
      'in_custody',
      'custody.locked',
    );
  });

  test('10,000 editions in one transaction', () => {
    const { ledger, ann, id } = world();
    const done = ledger.accept(ann, 'edition.issue', { asset: id, supply: MAX_EDITIONS });
    assert.equal(done.writes.filter((w) => w.record.kind === 'edition').length, MAX_EDITIONS);
    assert.equal(edition(ledger, id, MAX_EDITIONS).number, MAX_EDITIONS);
  });
});

describe('sales: listing.create, listing.cancel, sale.settle (open-market)', () => {
  test('a first sale, then a resale with the creator royalty; the split adds up to the price', () => {
    const { ledger, operator, ann, bob, cat, dan, id } = world();
    ledger.accept(ann, 'edition.issue', { asset: id, supply: 2 });
    const listed = ledger.accept(ann, 'listing.create', { asset: id, edition: 1, price: '100.00' });
    assert.deepEqual(listed.subject, { asset: id, edition: 1, listing: listed.txId });
    const listing = listed.txId;
    const listedAt = { index: ledger.entries.length - 1, txId: listing, time: T0 };
    assert.deepEqual(edition(ledger, id, 1).listing, { id: listing, price: '100.00' });
    // While listed it does not move but through a sale.
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'asset.transfer', { asset: id, edition: 1, to: bob.did }),
      'listed',
      'listing.locked',
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'listing.create', { asset: id, edition: 1, price: '90' }),
      'already_listed',
      'listing.once',
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'listing.create', { asset: id, edition: 2, price: '0.00' }),
      'invalid_body',
      'listing.create.body',
    );
    const sale = { asset: id, edition: 1, listing, buyer: bob.did, price: '100', paymentHash: PAYMENT };
    refusedUnchanged(
      ledger,
      () => ledger.submit(cat, 'sale.settle', sale),
      'not_authorized',
      'sale.settle.settler',
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'sale.settle', { ...sale, price: '99.99' }),
      'price_mismatch',
      'sale.settle.price',
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'sale.settle', { ...sale, buyer: ann.did }),
      'not_authorized',
      'sale.settle.buyer',
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'sale.settle', { ...sale, edition: 2 }),
      'listing_not_found',
      'listing.exists',
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'sale.settle', { ...sale, buyer: new TestLedger().actor('nobody').did }),
      'unknown_identity',
      'sale.settle.buyer',
    );
    const settled = ledger.accept(ann, 'sale.settle', sale);
    const soldAt = { index: ledger.entries.length - 1, txId: settled.txId, time: T0 };
    assert.deepEqual(settled.subject, {
      asset: id,
      edition: 1,
      did: bob.did,
      listing,
      sale: settled.txId,
    });
    const bought = edition(ledger, id, 1);
    assert.deepEqual([bought.owner, bought.acquired, bought.listing], [bob.did, soldAt, undefined]);
    assert.deepEqual(ledger.get(listingKey(id, listing)), {
      kind: 'listing',
      id: listing,
      asset: id,
      edition: 1,
      seller: ann.did,
      price: '100.00',
      status: 'sold',
      listed: listedAt,
      closed: soldAt,
    } satisfies ListingRecord);
    // The first sale: the creator sells, so no royalty; the platform takes its 2.5%.
    assert.deepEqual(ledger.get(saleKey(id, settled.txId)), {
      kind: 'sale',
      id: settled.txId,
      asset: id,
      edition: 1,
      listing,
      seller: ann.did,
      buyer: bob.did,
      settledBy: ann.did,
      price: '100.00',
      paymentHash: PAYMENT,
      split: {
        seller: '97.50',
        creator: { did: ann.did, amount: '0.00', basisPoints: 0 },
        platform: { did: operator.did, amount: '2.50', basisPoints: 250 },
      },
      at: soldAt,
    } satisfies SaleRecord);
    assert.equal((ledger.get(assetEventKey(id, soldAt.index)) as AssetEventRecord).event, 'sold');
    // The same listing sold twice: the second is refused, whoever settles it.
    refusedUnchanged(ledger, () => ledger.submit(ann, 'sale.settle', sale), 'listing_closed', 'listing.open');

    // Bob resells: the creator's 5% royalty, the platform's 2.5%, the rest to bob.
    const relisted = ledger.accept(bob, 'listing.create', { asset: id, edition: 1, price: '1234.56' });
    const resale = ledger.accept(bob, 'sale.settle', {
      asset: id,
      edition: 1,
      listing: relisted.txId,
      buyer: cat.did,
      price: '1234.56',
      paymentHash: PAYMENT,
    });
    const split = (ledger.get(saleKey(id, resale.txId)) as SaleRecord).split;
    assert.deepEqual(split, {
      seller: '1141.98',
      creator: { did: ann.did, amount: '61.72', basisPoints: 500 },
      platform: { did: operator.did, amount: '30.86', basisPoints: 250 },
    });
    // Cancelling: only the seller; a cancelled listing is not sold.
    const third = ledger.accept(cat, 'listing.create', { asset: id, edition: 1, price: '5' });
    const cancel = { asset: id, edition: 1, listing: third.txId };
    refusedUnchanged(
      ledger,
      () => ledger.submit(dan, 'listing.cancel', cancel),
      'not_owner',
      'listing.cancel.seller',
    );
    ledger.accept(cat, 'listing.cancel', cancel);
    assert.equal((ledger.get(listingKey(id, third.txId)) as ListingRecord).status, 'cancelled');
    assert.equal(edition(ledger, id, 1).listing, undefined);
    refusedUnchanged(
      ledger,
      () =>
        ledger.submit(cat, 'sale.settle', { ...cancel, buyer: dan.did, price: '5', paymentHash: PAYMENT }),
      'listing_closed',
      'listing.open',
    );
    ledger.accept(cat, 'asset.transfer', { asset: id, edition: 1, to: dan.did });
  });

  test('listed in custody: the custodian settles, the seller cannot; the custody ends with the sale', () => {
    const { ledger, ann, bob, keeper, id } = world();
    ledger.accept(ann, 'custody.deposit', { asset: id, custodian: keeper.did });
    const listing = ledger.accept(ann, 'listing.create', { asset: id, price: '50' }).txId;
    const sale = { asset: id, listing, buyer: bob.did, price: '50.00', paymentHash: PAYMENT };
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'sale.settle', sale),
      'not_authorized',
      'sale.settle.settler',
    );
    // Nor does the custodian hand a listed work to someone else outside the sale.
    refusedUnchanged(
      ledger,
      () => ledger.submit(keeper, 'custody.release', { asset: id, to: bob.did }),
      'listed',
      'listing.locked',
    );
    ledger.accept(keeper, 'sale.settle', sale);
    const sold = work(ledger, id);
    assert.deepEqual([sold.owner, sold.custody, sold.listing], [bob.did, undefined, undefined]);
    assert.equal((ledger.get(saleKey(id, lastTxId(ledger))) as SaleRecord).settledBy, keeper.did);
  });

  test('a pending offer lapses when the owner lists', () => {
    const { ledger, ann, bob, id } = world({ ...DEFAULT_MARKET_POLICY, transferNeedsAcceptance: true });
    const offer = ledger.accept(ann, 'asset.transfer', { asset: id, to: bob.did }).txId;
    ledger.accept(ann, 'listing.create', { asset: id, price: '1' });
    refusedUnchanged(
      ledger,
      () => ledger.submit(bob, 'asset.accept', { asset: id, transfer: offer }),
      'no_pending_transfer',
      'asset.accept.pending',
    );
  });
});

describe('sales under cn-collectibles', () => {
  test('only the issuer sells, to real-named buyers; a holder gives an edition away after the holding period', () => {
    const { ledger, ann, bob, cat, id } = world(CN_COLLECTIBLES_POLICY);
    ledger.accept(ann, 'edition.issue', { asset: id, supply: 2 }, { time: after(1) });
    const listing = ledger.accept(
      ann,
      'listing.create',
      { asset: id, edition: 1, price: '9.90' },
      { time: after(1) },
    );
    const unnamed = ledger.actor('unnamed');
    ledger.accept(unnamed, 'identity.register', { kind: 'person', name: 'Unnamed' });
    const sale = { asset: id, edition: 1, listing: listing.txId, price: '9.9', paymentHash: PAYMENT };
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'sale.settle', { ...sale, buyer: unnamed.did }, { time: after(2) }),
      'real_name_required',
      'policy.cn-collectibles.real-name',
    );
    ledger.accept(ann, 'sale.settle', { ...sale, buyer: bob.did }, { time: after(2) });
    // Bob may not sell it on, by listing or through a custodian.
    refusedUnchanged(
      ledger,
      () =>
        ledger.submit(bob, 'listing.create', { asset: id, edition: 1, price: '20' }, { time: after(300) }),
      'resale_forbidden',
      'policy.cn-collectibles.no-resale',
    );
    // A gift: only 180 days after he bought it (not after it was issued).
    refusedUnchanged(
      ledger,
      () =>
        ledger.submit(bob, 'asset.transfer', { asset: id, edition: 1, to: cat.did }, { time: after(181) }),
      'holding_period',
      'policy.cn-collectibles.holding-period',
    );
    ledger.accept(bob, 'asset.transfer', { asset: id, edition: 1, to: cat.did }, { time: after(183) });
    ledger.accept(
      cat,
      'asset.accept',
      { asset: id, edition: 1, transfer: lastTxId(ledger) },
      { time: after(183) },
    );
    assert.equal(edition(ledger, id, 1).owner, cat.did);
    // An issuer without a real-name credential issues nothing: the operator revokes ann's.
    const {
      ledger: other,
      operator: operatorOfOther,
      ann: issuer,
      id: otherWork,
    } = world(CN_COLLECTIBLES_POLICY);
    other.accept(operatorOfOther, 'credential.revoke', {
      id: operatorOfOther.realNameCredential(issuer, 'rn-ann').id,
      subject: issuer.did,
    });
    refusedUnchanged(
      other,
      () => other.submit(issuer, 'edition.issue', { asset: otherWork, supply: 2 }),
      'real_name_required',
      'policy.cn-collectibles.real-name',
    );
    refusedUnchanged(
      other,
      () => other.submit(issuer, 'listing.create', { asset: otherWork, price: '2' }),
      'real_name_required',
      'policy.cn-collectibles.real-name',
    );
  });
});

describe('sales: conflicting transactions in any order', () => {
  test('property: a sale, its cancellation and a second sale of one listing, interleaved: one takes effect, the first logged', () => {
    // Each pair's edition is listed while in its own custodian's hands. The custodian settles it for
    // buyer A, the seller cancels the listing, and the custodian settles it again for buyer B (the
    // custodian's next sequence number): whichever of the first two is logged first wins; the
    // second sale never does (the listing is closed, or it skipped a sequence number).
    const PAIRS = 3;
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: PAIRS * 3, maxLength: PAIRS * 3 }), (keys) => {
        const { ledger, operator, bob, cat } = world();
        const entries = Array.from({ length: PAIRS }, (_, i) => {
          const keeper = ledger.actor(`keeper-${i}`);
          ledger.accept(keeper, 'identity.register', { kind: 'organization', name: keeper.label });
          ledger.accept(operator, 'credential.issue', {
            credential: operator.roleCredential(keeper, 'custodian', `keeper-${i}`),
          });
          const seller = ledger.actor(`seller-${i}`);
          ledger.accept(seller, 'identity.register', { kind: 'person', name: seller.label });
          const asset = ledger.accept(seller, 'asset.register', assetBody(`sold ${i}`)).txId;
          ledger.accept(seller, 'edition.issue', { asset, supply: 1 });
          ledger.accept(seller, 'custody.deposit', { asset, edition: 1, custodian: keeper.did });
          const listing = ledger.accept(seller, 'listing.create', { asset, edition: 1, price: '5' }).txId;
          const sale = (buyer: Actor, n: number) =>
            keeper.sign(
              'sale.settle',
              { asset, edition: 1, listing, buyer: buyer.did, price: '5', paymentHash: PAYMENT },
              { seq: keeper.seq + n },
            );
          return [
            { pair: i, asset, kind: 'sale-a', entry: sale(bob, 1) },
            {
              pair: i,
              asset,
              kind: 'cancel',
              entry: seller.sign('listing.cancel', { asset, edition: 1, listing }),
            },
            { pair: i, asset, kind: 'sale-b', entry: sale(cat, 2) },
          ] as const;
        }).flat();
        const order = entries
          .map((e, i) => ({ e, key: keys[i]! * entries.length + i }))
          .sort((a, b) => a.key - b.key);
        const winner = new Map<number, string>();
        for (const { e } of order) {
          const digest = ledger.digest();
          const outcome = ledger.append(e.entry);
          if (e.kind !== 'sale-b' && !winner.has(e.pair)) {
            assert.ok(outcome.ok, `the first of pair ${e.pair} (${e.kind}) was refused`);
            winner.set(e.pair, e.kind);
          } else {
            assert.ok(!outcome.ok, `pair ${e.pair}: ${e.kind} took effect after ${winner.get(e.pair)}`);
            assert.ok(['listing_closed', 'bad_sequence'].includes(outcome.code), outcome.code);
            assert.equal(ledger.digest(), digest);
          }
        }
        for (let i = 0; i < PAIRS; i++) {
          const { asset } = entries[i * 3]!;
          const held = edition(ledger, asset, 1);
          if (winner.get(i) === 'sale-a') assert.deepEqual([held.owner, held.custody], [bob.did, undefined]);
          else assert.deepEqual([held.owner, held.listing], [ledger.actor(`seller-${i}`).did, undefined]);
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe('the price split', () => {
  test('property: the shares are the rounded-down basis points and add up to the price exactly', () => {
    const did = (n: number) => `did:key:z${n}`;
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 17n }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.boolean(),
        (fen, royalty, fee, resale) => {
          fc.pre(royalty + fee <= 10_000);
          const price = fromFen(fen);
          assert.equal(toFen(price), fen);
          const market = {
            ...DEFAULT_MARKET_POLICY,
            creatorRoyaltyBasisPoints: royalty,
            platformFeeBasisPoints: fee,
          };
          const split = saleSplit(price, did(1), resale ? did(2) : did(1), did(3), market);
          const royaltyFen = toFen(split.creator.amount);
          assert.equal(royaltyFen, resale ? (fen * BigInt(royalty)) / 10_000n : 0n);
          assert.equal(toFen(split.platform.amount), shareOf(fen, fee));
          assert.equal(toFen(split.seller) + royaltyFen + toFen(split.platform.amount), fen);
        },
      ),
    );
    assert.deepEqual([toFen('0.5'), toFen('12'), fromFen(5n), fromFen(0n)], [50n, 1200n, '0.05', '0.00']);
  });

  test('a policy whose royalty and fee exceed the whole price is refused', () => {
    const { ledger, operator } = TestLedger.started();
    refusedUnchanged(
      ledger,
      () =>
        ledger.submit(operator, 'policy.set', {
          policy: {
            realNameToRegister: false,
            market: {
              ...DEFAULT_MARKET_POLICY,
              creatorRoyaltyBasisPoints: 9_000,
              platformFeeBasisPoints: 1_001,
            },
          },
        }),
      'invalid_body',
      'policy.set.body',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Who may do what: every circulation transaction type, tried by every role, under both regimes.

const ROLES = ['owner', 'recipient', 'stranger', 'custodian', 'appraiser', 'operator', 'regulator'] as const;
type RoleName = (typeof ROLES)[number];

const TERMS: LicenceTerms = {
  uses: ['display'],
  territory: 'worldwide',
  start: '2026-01-01',
  exclusive: false,
  sublicensable: false,
  royaltyBasisPoints: 0,
  legalTextHash: 'cd'.repeat(32),
};

type World = ReturnType<typeof world>;

/** One row: how to bring the world to where the transaction makes sense, and its body. */
interface Row {
  type: string;
  /** Run before the attempt (as the owner, ann, unless it says); returns what the body needs. */
  setup?: (w: World, time: string) => string;
  body: (w: World, prepared: string) => object;
}

const ROWS: Row[] = [
  { type: 'asset.transfer', body: (w) => ({ asset: w.id, to: w.dan.did }) },
  {
    type: 'asset.accept',
    setup: (w, time) =>
      w.ledger.accept(w.ann, 'asset.transfer', { asset: w.id, to: w.bob.did }, { time }).txId,
    body: (w, offer) => ({ asset: w.id, transfer: offer }),
  },
  {
    type: 'licence.grant',
    body: (w) => ({ asset: w.id, licensee: w.dan.did, terms: TERMS }),
  },
  {
    type: 'licence.revoke',
    setup: (w, time) =>
      w.ledger.accept(w.ann, 'licence.grant', { asset: w.id, licensee: w.dan.did, terms: TERMS }, { time })
        .txId,
    body: (w, licence) => ({ asset: w.id, licence }),
  },
  { type: 'edition.issue', body: (w) => ({ asset: w.id, supply: 5 }) },
  { type: 'custody.deposit', body: (w) => ({ asset: w.id, custodian: w.keeper.did }) },
  {
    type: 'custody.release',
    setup: (w, time) =>
      w.ledger.accept(w.ann, 'custody.deposit', { asset: w.id, custodian: w.keeper.did }, { time }).txId,
    body: (w) => ({ asset: w.id, to: w.dan.did }),
  },
  { type: 'listing.create', body: (w) => ({ asset: w.id, price: '100.00' }) },
  {
    type: 'listing.cancel',
    setup: (w, time) =>
      w.ledger.accept(w.ann, 'listing.create', { asset: w.id, price: '100.00' }, { time }).txId,
    body: (w, listing) => ({ asset: w.id, listing }),
  },
  {
    type: 'sale.settle',
    setup: (w, time) =>
      w.ledger.accept(w.ann, 'listing.create', { asset: w.id, price: '100.00' }, { time }).txId,
    body: (w, listing) => ({ asset: w.id, listing, buyer: w.dan.did, price: '100.00', paymentHash: PAYMENT }),
  },
  {
    type: 'valuation.attest',
    body: (w) => ({ asset: w.id, method: 'market', amount: '1000', date: '2026-09-01', reportHash: PAYMENT }),
  },
  {
    type: 'policy.set',
    body: () => ({ realNameToRegister: false, market: DEFAULT_MARKET_POLICY }),
  },
  {
    type: 'supervision.freeze',
    body: (w) => ({ target: { asset: w.id }, grounds: { category: 'investigation', text: 'A table test.' } }),
  },
  {
    type: 'supervision.unfreeze',
    setup: (w, time) =>
      w.ledger.accept(
        w.reg,
        'supervision.freeze',
        { target: { asset: w.id }, grounds: { category: 'investigation', text: 'A table test.' } },
        { time },
      ).txId,
    body: (w, freeze) => ({ target: { asset: w.id }, freeze }),
  },
];

function actorFor(w: World, role: RoleName): Actor {
  return {
    owner: w.ann,
    recipient: w.bob,
    stranger: w.cat,
    custodian: w.keeper,
    appraiser: w.val,
    operator: w.operator,
    regulator: w.reg,
  }[role];
}

/** What each role gets, row by row: 'ok' or the refusal's code. */
function outcomes(policy: MarketPolicy): Record<string, Record<RoleName, string>> {
  // Past the holding period, so that cn-collectibles' clock is not what decides.
  const time = after(200);
  const table: Record<string, Record<RoleName, string>> = {};
  for (const row of ROWS) {
    const results = {} as Record<RoleName, string>;
    for (const role of ROLES) {
      const w = world(policy);
      const prepared = row.setup?.(w, time) ?? '';
      const body = row.type === 'policy.set' ? { policy: row.body(w, prepared) } : row.body(w, prepared);
      const digest = w.ledger.digest();
      const outcome = w.ledger.submit(actorFor(w, role), row.type, body, { time });
      if (!outcome.ok) assert.equal(w.ledger.digest(), digest, `${row.type} by ${role} changed the state`);
      results[role] = outcome.ok ? 'ok' : outcome.code;
    }
    table[row.type] = results;
  }
  return table;
}

const o = (cells: string): Record<RoleName, string> =>
  Object.fromEntries(cells.split(/\s+/).map((cell, i) => [ROLES[i], cell])) as Record<RoleName, string>;

describe('who may do what', () => {
  //            owner recipient stranger custodian appraiser operator regulator
  const common = {
    'asset.transfer': o('ok not_owner not_owner not_owner not_owner not_owner not_owner'),
    'licence.grant': o('ok not_owner not_owner not_owner not_owner not_owner not_owner'),
    'licence.revoke': o(
      'ok not_authorized not_authorized not_authorized not_authorized not_authorized not_authorized',
    ),
    'edition.issue': o('ok not_owner not_owner not_owner not_owner not_owner not_owner'),
    // The custodian is the body's custodian: nobody deposits with themselves.
    'custody.deposit': o('ok not_owner not_owner invalid_body not_owner not_owner not_owner'),
    'custody.release': o(
      'not_authorized not_authorized not_authorized ok not_authorized not_authorized not_authorized',
    ),
    'listing.create': o('ok not_owner not_owner not_owner not_owner not_owner not_owner'),
    'listing.cancel': o('ok not_owner not_owner not_owner not_owner not_owner not_owner'),
    'sale.settle': o(
      'ok not_authorized not_authorized not_authorized not_authorized not_authorized not_authorized',
    ),
    'valuation.attest': o(
      'not_authorized not_authorized not_authorized not_authorized ok not_authorized not_authorized',
    ),
    'policy.set': o(
      'not_authorized not_authorized not_authorized not_authorized not_authorized ok not_authorized',
    ),
    // Supervision: the regulator role, and the operator (who holds every role).
    'supervision.freeze': o(
      'not_authorized not_authorized not_authorized not_authorized not_authorized ok ok',
    ),
    'supervision.unfreeze': o(
      'not_authorized not_authorized not_authorized not_authorized not_authorized ok ok',
    ),
  };

  test('open-market: transfers move at once, so there is nothing to accept', () => {
    assert.deepEqual(outcomes(DEFAULT_MARKET_POLICY), {
      ...common,
      'asset.accept': o(
        'no_pending_transfer no_pending_transfer no_pending_transfer no_pending_transfer no_pending_transfer no_pending_transfer no_pending_transfer',
      ),
    });
  });

  test('cn-collectibles: only the recipient accepts', () => {
    assert.deepEqual(outcomes(CN_COLLECTIBLES_POLICY), {
      ...common,
      'asset.accept': o(
        'not_recipient ok not_recipient not_recipient not_recipient not_recipient not_recipient',
      ),
    });
  });
});
