// The circulation rules so far: policy.set, asset.transfer and asset.accept, under both market
// regimes. For each refusal the exact code and rule and an unchanged state; for each acceptance
// the records written.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  type AssetEventRecord,
  type AssetRecord,
  assetEventKey,
  assetKey,
  giftCountKey,
  identityKey,
  LEDGER_KEY,
  type LogRef,
  recordKey,
  valuationKey,
} from '../src/ledger/records.js';
import { chinaDay } from '../src/ledger/rules.js';
import { CN_COLLECTIBLES_POLICY, DEFAULT_MARKET_POLICY, type MarketPolicy } from '../src/ledger/schemas.js';
import { transactionId } from '../src/tx/transaction.js';
import { type Actor, assetBody, refusedUnchanged, T0, TestLedger } from './support/ledger-actors.js';

/** Runs `act` (one entry) and asserts it was refused with `code` by `rule`, the state unchanged. */

function asset(ledger: TestLedger, id: string): AssetRecord {
  const record = ledger.get(assetKey(id));
  assert.equal(record?.kind, 'asset');
  return record as AssetRecord;
}

function lastRef(ledger: TestLedger, time: string): LogRef {
  const index = ledger.entries.length - 1;
  return { index, txId: transactionId(ledger.entries[index]!), time };
}

/** A ledger with the given market policy, ann owning one asset registered at T0, and bob. */
function market(policy?: MarketPolicy, people = ['ann', 'bob', 'cat']) {
  const { ledger, operator, people: actors } = TestLedger.started({ people });
  if (policy)
    ledger.accept(operator, 'policy.set', { policy: { realNameToRegister: false, market: policy } });
  const [ann, bob, cat] = actors as [Actor, Actor, Actor];
  const id = ledger.accept(ann, 'asset.register', assetBody('work'), { time: T0 }).txId;
  return { ledger, operator, ann, bob, cat, id };
}

/** Real-name credentials for each actor, from the operator. */
function realNames(ledger: TestLedger, operator: Actor, ...actors: Actor[]): void {
  for (const a of actors)
    ledger.accept(operator, 'credential.issue', {
      credential: operator.realNameCredential(a, `rn-${a.label}`),
    });
}

const DAY = 86_400_000;
const after = (days: number, from = T0) => new Date(Date.parse(from) + days * DAY).toISOString();

describe('circulation: policy.set', () => {
  test('the operator sets the policy on the record; nobody else can', () => {
    const { ledger, operator, people } = TestLedger.started({ people: ['ann'] });
    const policy = { realNameToRegister: true, market: CN_COLLECTIBLES_POLICY };
    refusedUnchanged(
      ledger,
      () => ledger.submit(people[0]!, 'policy.set', { policy }),
      'not_authorized',
      'policy.set.operator',
    );
    const done = ledger.accept(operator, 'policy.set', { policy });
    assert.deepEqual(
      done.writes.map((w) => w.key),
      [identityKey(operator.did), LEDGER_KEY],
    );
    const record = ledger.get(LEDGER_KEY);
    assert.ok(record?.kind === 'ledger');
    assert.deepEqual(record.policy, policy);
  });

  test('a policy that does not match the schema is refused', () => {
    const { ledger, operator } = TestLedger.started();
    const bad = [
      { realNameToRegister: false, market: { ...CN_COLLECTIBLES_POLICY, regime: 'casino' } },
      { realNameToRegister: false, market: { ...CN_COLLECTIBLES_POLICY, holdingPeriodDays: -1 } },
      { realNameToRegister: false, market: { ...CN_COLLECTIBLES_POLICY, dailyGiftCap: 0 } },
      { realNameToRegister: false, market: { regime: 'open-market' } },
      { market: DEFAULT_MARKET_POLICY },
    ];
    for (const policy of bad)
      refusedUnchanged(
        ledger,
        () => ledger.submit(operator, 'policy.set', { policy }),
        'invalid_body',
        'policy.set.schema',
      );
  });
});

describe('circulation: open-market transfers', () => {
  test('the owner transfers at once: the new owner, when acquired, and the event on the record', () => {
    const { ledger, ann, bob, id } = market();
    const done = ledger.accept(ann, 'asset.transfer', { asset: id, to: bob.did, note: 'a gift' });
    const at = lastRef(ledger, T0);
    assert.deepEqual(done.subject, { asset: id, did: bob.did });
    const record = asset(ledger, id);
    assert.equal(record.owner, bob.did);
    assert.equal(record.registrant, ann.did);
    assert.deepEqual(record.acquired, at);
    assert.equal(record.pendingTransfer, undefined);
    const event = ledger.get(assetEventKey(id, at.index)) as AssetEventRecord;
    assert.deepEqual(event, {
      kind: 'asset-event',
      asset: id,
      event: 'transferred',
      from: ann.did,
      to: bob.did,
      at,
    });
    // Each record is stored under its own key (the node stores records by recordKey).
    for (const w of done.writes) assert.equal(recordKey(w.record), w.key);
    // No gift count outside cn-collectibles.
    assert.equal(ledger.get(giftCountKey(ann.did, chinaDay(T0))), undefined);
    // And bob can pass it on; ann no longer can.
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'asset.transfer', { asset: id, to: bob.did }),
      'not_owner',
      'asset.transfer.owner',
    );
    ledger.accept(bob, 'asset.transfer', { asset: id, to: ann.did });
    assert.equal(asset(ledger, id).owner, ann.did);
  });

  test('refusals: stranger, unknown asset, unregistered recipient, to oneself, bad bodies', () => {
    const { ledger, ann, bob, cat, id } = market();
    refusedUnchanged(
      ledger,
      () => ledger.submit(cat, 'asset.transfer', { asset: id, to: bob.did }),
      'not_owner',
      'asset.transfer.owner',
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'asset.transfer', { asset: 'ab'.repeat(32), to: bob.did }),
      'asset_not_found',
      'asset.exists',
    );
    const stranger = ledger.actor('stranger');
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'asset.transfer', { asset: id, to: stranger.did }),
      'unknown_identity',
      'asset.transfer.recipient',
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'asset.transfer', { asset: id, to: ann.did }),
      'invalid_body',
      'asset.transfer.body',
    );
    for (const body of [
      { asset: id },
      { asset: id, to: bob.did, extra: 1 },
      { asset: id.toUpperCase(), to: bob.did },
      { asset: id, to: 'did:web:example.com' },
      { asset: id, to: bob.did, note: 'two\nlines' },
    ])
      refusedUnchanged(
        ledger,
        () => ledger.submit(ann, 'asset.transfer', body),
        'invalid_body',
        'asset.transfer.schema',
      );
  });

  test('with acceptance: the offer is pending, the recipient accepts, a newer offer replaces an older one', () => {
    const { ledger, ann, bob, cat, id } = market({ ...DEFAULT_MARKET_POLICY, transferNeedsAcceptance: true });
    ledger.accept(ann, 'asset.transfer', { asset: id, to: bob.did });
    const first = lastRef(ledger, T0);
    assert.equal(asset(ledger, id).owner, ann.did);
    assert.deepEqual(asset(ledger, id).pendingTransfer, { to: bob.did, offer: first });
    assert.equal((ledger.get(assetEventKey(id, first.index)) as AssetEventRecord).event, 'transfer-offered');

    // Only the recipient, only the pending offer.
    refusedUnchanged(
      ledger,
      () => ledger.submit(cat, 'asset.accept', { asset: id, transfer: first.txId }),
      'not_recipient',
      'asset.accept.recipient',
    );
    ledger.accept(ann, 'asset.transfer', { asset: id, to: cat.did });
    const second = lastRef(ledger, T0);
    refusedUnchanged(
      ledger,
      () => ledger.submit(bob, 'asset.accept', { asset: id, transfer: first.txId }),
      'no_pending_transfer',
      'asset.accept.pending',
    );
    ledger.accept(cat, 'asset.accept', { asset: id, transfer: second.txId });
    const accepted = lastRef(ledger, T0);
    const record = asset(ledger, id);
    assert.equal(record.owner, cat.did);
    assert.deepEqual(record.acquired, accepted);
    assert.equal(record.pendingTransfer, undefined);
    assert.deepEqual(ledger.get(assetEventKey(id, accepted.index)), {
      kind: 'asset-event',
      asset: id,
      event: 'transferred',
      from: ann.did,
      to: cat.did,
      at: accepted,
      offer: second,
    });
    // Accepted once: nothing is pending any more.
    refusedUnchanged(
      ledger,
      () => ledger.submit(cat, 'asset.accept', { asset: id, transfer: second.txId }),
      'no_pending_transfer',
      'asset.accept.pending',
    );
  });
});

describe('circulation: cn-collectibles transfers', () => {
  const policy: MarketPolicy = { ...CN_COLLECTIBLES_POLICY, dailyGiftCap: 2 };

  test('real names on both sides, at the offer and at the acceptance', () => {
    const { ledger, operator, ann, bob, id } = market(policy);
    const when = after(200);
    const offer = () => ledger.submit(ann, 'asset.transfer', { asset: id, to: bob.did }, { time: when });
    refusedUnchanged(ledger, offer, 'real_name_required', 'policy.cn-collectibles.real-name');
    realNames(ledger, operator, ann);
    refusedUnchanged(ledger, offer, 'real_name_required', 'policy.cn-collectibles.real-name');
    const bobsName = operator.realNameCredential(bob, 'rn-bob');
    ledger.accept(operator, 'credential.issue', { credential: bobsName });
    ledger.accept(ann, 'asset.transfer', { asset: id, to: bob.did }, { time: when });
    const offered = lastRef(ledger, when);
    // Bob's credential is revoked before he accepts.
    ledger.accept(operator, 'credential.revoke', { id: bobsName.id, subject: bob.did });
    refusedUnchanged(
      ledger,
      () => ledger.submit(bob, 'asset.accept', { asset: id, transfer: offered.txId }, { time: when }),
      'real_name_required',
      'policy.cn-collectibles.real-name',
    );
    ledger.accept(operator, 'credential.issue', { credential: operator.realNameCredential(bob, 'rn-bob-2') });
    ledger.accept(bob, 'asset.accept', { asset: id, transfer: offered.txId }, { time: when });
    assert.equal(asset(ledger, id).owner, bob.did);
  });

  test('a gift only after the holding period, counted from when the owner acquired the work', () => {
    const { ledger, operator, ann, bob, cat, id } = market(policy);
    realNames(ledger, operator, ann, bob, cat);
    const offer = (from: Actor, to: Actor, time: string) =>
      ledger.submit(from, 'asset.transfer', { asset: id, to: to.did }, { time });
    refusedUnchanged(
      ledger,
      () => offer(ann, bob, after(179.99)),
      'holding_period',
      'policy.cn-collectibles.holding-period',
    );
    const early = (() => {
      const outcome = offer(ann, bob, after(100));
      assert.ok(!outcome.ok);
      return outcome;
    })();
    assert.deepEqual(early.details, { acquired: T0, until: after(180) });
    ledger.accept(ann, 'asset.transfer', { asset: id, to: bob.did }, { time: after(180) });
    ledger.accept(
      bob,
      'asset.accept',
      { asset: id, transfer: lastRef(ledger, after(180)).txId },
      { time: after(181) },
    );
    // Bob acquired it on day 181: his holding period runs from then.
    refusedUnchanged(
      ledger,
      () => offer(bob, cat, after(300)),
      'holding_period',
      'policy.cn-collectibles.holding-period',
    );
    ledger.accept(bob, 'asset.transfer', { asset: id, to: cat.did }, { time: after(361) });
  });

  test('the daily gift cap counts offers per China Standard Time day', () => {
    const { ledger, operator, ann, bob, cat } = market({ ...policy, holdingPeriodDays: 0 });
    realNames(ledger, operator, ann, bob, cat);
    const ids = ['a', 'b', 'c', 'd'].map(
      (l) => ledger.accept(ann, 'asset.register', assetBody(`cap-${l}`)).txId,
    );
    // 2026-03-01T15:59:59Z is 23:59:59 in Beijing; 16:00:00Z is the next day there.
    const late = '2026-03-01T15:00:00Z';
    ledger.accept(ann, 'asset.transfer', { asset: ids[0]!, to: bob.did }, { time: late });
    ledger.accept(ann, 'asset.transfer', { asset: ids[1]!, to: cat.did }, { time: '2026-03-01T15:59:59Z' });
    assert.deepEqual(ledger.get(giftCountKey(ann.did, '2026-03-01')), {
      kind: 'gift-count',
      did: ann.did,
      day: '2026-03-01',
      count: 2,
    });
    refusedUnchanged(
      ledger,
      () =>
        ledger.submit(
          ann,
          'asset.transfer',
          { asset: ids[2]!, to: bob.did },
          { time: '2026-03-01T15:59:59Z' },
        ),
      'gift_cap_reached',
      'policy.cn-collectibles.daily-gift-cap',
    );
    ledger.accept(ann, 'asset.transfer', { asset: ids[2]!, to: bob.did }, { time: '2026-03-01T16:00:00Z' });
    assert.equal(chinaDay('2026-03-01T16:00:00Z'), '2026-03-02');
    // The cap is each identity's own: bob, having accepted one, may pass it on the same day.
    ledger.accept(
      bob,
      'asset.accept',
      { asset: ids[0]!, transfer: transferOf(ledger, ids[0]!) },
      { time: late },
    );
    ledger.accept(bob, 'asset.transfer', { asset: ids[0]!, to: cat.did }, { time: late });
    assert.equal((ledger.get(giftCountKey(bob.did, '2026-03-01')) as { count: number }).count, 1);
  });

  test('switching back to open-market lifts the regime at once', () => {
    const { ledger, operator, ann, bob, id } = market(policy);
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'asset.transfer', { asset: id, to: bob.did }),
      'real_name_required',
      'policy.cn-collectibles.real-name',
    );
    ledger.accept(operator, 'policy.set', { policy: { realNameToRegister: false } });
    ledger.accept(ann, 'asset.transfer', { asset: id, to: bob.did });
    assert.equal(asset(ledger, id).owner, bob.did);
  });
});

/** The pending transfer of an asset, by its offer's id. */
function transferOf(ledger: TestLedger, id: string): string {
  const pending = asset(ledger, id).pendingTransfer;
  assert.ok(pending, `asset ${id} has no pending transfer`);
  return pending.offer.txId;
}

describe('circulation: conflicting transactions in any order', () => {
  test('property: for every interleaving, exactly one of each conflicting pair takes effect, the one logged first', () => {
    // Each pair: an offer's recipient accepts it; its owner offers the work to carol instead.
    const PAIRS = 4;
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: PAIRS * 2, maxLength: PAIRS * 2 }), (keys) => {
        const { ledger, operator, people } = TestLedger.started({ people: ['carol'] });
        const carol = people[0]!;
        ledger.accept(operator, 'policy.set', {
          policy: {
            realNameToRegister: false,
            market: { ...DEFAULT_MARKET_POLICY, transferNeedsAcceptance: true },
          },
        });
        const entries = Array.from({ length: PAIRS }, (_, i) => {
          const owner = ledger.actor(`owner-${i}`);
          const recipient = ledger.actor(`recipient-${i}`);
          ledger.accept(owner, 'identity.register', { kind: 'person', name: owner.label });
          ledger.accept(recipient, 'identity.register', { kind: 'person', name: recipient.label });
          const asset = ledger.accept(owner, 'asset.register', assetBody(`pair ${i}`)).txId;
          const offer = ledger.accept(owner, 'asset.transfer', { asset, to: recipient.did }).txId;
          return [
            {
              pair: i,
              kind: 'accept',
              asset,
              owner,
              recipient,
              entry: recipient.sign('asset.accept', { asset, transfer: offer }),
            },
            {
              pair: i,
              kind: 're-offer',
              asset,
              owner,
              recipient,
              entry: owner.sign('asset.transfer', { asset, to: carol.did }),
            },
          ] as const;
        }).flat();
        // The interleaving: entries sorted by the random keys.
        const order = entries
          .map((e, i) => ({ e, key: keys[i]! * entries.length + i }))
          .sort((a, b) => a.key - b.key);
        const first = new Map<number, string>();
        for (const { e } of order) {
          const outcome = ledger.append(e.entry);
          if (!first.has(e.pair)) {
            first.set(e.pair, e.kind);
            assert.ok(outcome.ok, `the first of pair ${e.pair} was refused`);
          } else {
            assert.ok(!outcome.ok, `both of pair ${e.pair} took effect`);
            assert.equal(outcome.code, e.kind === 'accept' ? 'no_pending_transfer' : 'not_owner');
          }
        }
        for (const e of entries.filter((x) => x.kind === 'accept')) {
          const record = asset(ledger, e.asset);
          if (first.get(e.pair) === 'accept') assert.equal(record.owner, e.recipient.did);
          else assert.deepEqual([record.owner, record.pendingTransfer?.to], [e.owner.did, carol.did]);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('circulation: custody', () => {
  test('the owner deposits with a custodian; nothing moves until the custodian releases it, to the owner or a buyer', () => {
    const { ledger, operator, ann, bob, cat, id } = market(undefined, ['ann', 'bob', 'cat']);
    const keeper = ledger.actor('keeper');
    ledger.accept(keeper, 'identity.register', { kind: 'organization', name: 'Keeper' });
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'custody.deposit', { asset: id, custodian: keeper.did }),
      'not_authorized',
      'custody.deposit.custodian',
    );
    ledger.accept(operator, 'credential.issue', {
      credential: operator.roleCredential(keeper, 'custodian', 'keeper'),
    });
    refusedUnchanged(
      ledger,
      () => ledger.submit(bob, 'custody.deposit', { asset: id, custodian: keeper.did }),
      'not_owner',
      'custody.deposit.owner',
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'custody.deposit', { asset: id, custodian: ann.did }),
      'invalid_body',
      'custody.deposit.body',
    );
    ledger.accept(ann, 'custody.deposit', { asset: id, custodian: keeper.did, note: 'escrow for a sale' });
    const deposited = lastRef(ledger, T0);
    assert.deepEqual(asset(ledger, id).custody, {
      custodian: keeper.did,
      depositor: ann.did,
      since: deposited,
    });
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'asset.transfer', { asset: id, to: bob.did }),
      'in_custody',
      'custody.locked',
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'custody.deposit', { asset: id, custodian: keeper.did }),
      'in_custody',
      'custody.once',
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(cat, 'custody.release', { asset: id, to: cat.did }),
      'not_authorized',
      'custody.release.custodian',
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(keeper, 'custody.release', { asset: id, to: keeper.did }),
      'not_authorized',
      'custody.release.self',
    );
    // Released to a buyer: the buyer owns it.
    ledger.accept(keeper, 'custody.release', { asset: id, to: bob.did });
    const released = lastRef(ledger, T0);
    const record = asset(ledger, id);
    assert.deepEqual([record.owner, record.custody, record.acquired], [bob.did, undefined, released]);
    assert.deepEqual(
      [deposited.index, released.index].map(
        (i) => (ledger.get(assetEventKey(id, i)) as AssetEventRecord).event,
      ),
      ['custody-deposited', 'custody-released'],
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(keeper, 'custody.release', { asset: id, to: bob.did }),
      'not_in_custody',
      'custody.release.held',
    );
    // Deposited and released back to the owner: the owner is unchanged, and can transfer again.
    ledger.accept(bob, 'custody.deposit', { asset: id, custodian: operator.did });
    ledger.accept(operator, 'custody.release', { asset: id, to: bob.did });
    assert.deepEqual(asset(ledger, id).acquired, released);
    ledger.accept(bob, 'asset.transfer', { asset: id, to: cat.did });
  });

  test('a deposit lets a pending offer lapse; under cn-collectibles only the issuer sells through a custodian', () => {
    const { ledger, operator, ann, bob, cat, id } = market(CN_COLLECTIBLES_POLICY);
    realNames(ledger, operator, ann, bob, cat);
    ledger.accept(ann, 'asset.transfer', { asset: id, to: bob.did }, { time: after(200) });
    const offer = lastRef(ledger, after(200)).txId;
    ledger.accept(ann, 'custody.deposit', { asset: id, custodian: operator.did }, { time: after(201) });
    refusedUnchanged(
      ledger,
      () => ledger.submit(bob, 'asset.accept', { asset: id, transfer: offer }, { time: after(201) }),
      'no_pending_transfer',
      'asset.accept.pending',
    );
    // The issuer's first sale, to a real-named buyer.
    ledger.accept(operator, 'custody.release', { asset: id, to: bob.did }, { time: after(202) });
    assert.equal(asset(ledger, id).owner, bob.did);
    // Bob may not resell it through a custodian.
    ledger.accept(bob, 'custody.deposit', { asset: id, custodian: operator.did }, { time: after(203) });
    refusedUnchanged(
      ledger,
      () => ledger.submit(operator, 'custody.release', { asset: id, to: cat.did }, { time: after(204) }),
      'resale_forbidden',
      'policy.cn-collectibles.no-resale',
    );
    ledger.accept(operator, 'custody.release', { asset: id, to: bob.did }, { time: after(204) });
    assert.equal(asset(ledger, id).owner, bob.did);
  });
});

describe('circulation: valuation.attest', () => {
  test('an appraiser attests a value on the record; nobody else can', () => {
    const { ledger, operator, ann, bob, id } = market();
    const body = {
      asset: id,
      method: 'market',
      amount: '125000.50',
      date: '2026-02-28',
      reportHash: 'cd'.repeat(32),
    };
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'valuation.attest', body),
      'not_authorized',
      'valuation.appraiser',
    );
    ledger.accept(operator, 'credential.issue', {
      credential: operator.roleCredential(bob, 'appraiser', 'bob-appraiser'),
    });
    const done = ledger.accept(bob, 'valuation.attest', body);
    assert.deepEqual(ledger.get(valuationKey(id, done.txId)), {
      kind: 'valuation',
      id: done.txId,
      asset: id,
      appraiser: bob.did,
      method: 'market',
      amount: '125000.50',
      date: '2026-02-28',
      reportHash: 'cd'.repeat(32),
      at: lastRef(ledger, T0),
    });
    for (const bad of [
      { ...body, amount: '1e5' },
      { ...body, amount: '-5' },
      { ...body, amount: '12.345' },
      { ...body, amount: '012' },
      { ...body, amount: 125000 },
      { ...body, method: 'guess' },
    ])
      refusedUnchanged(
        ledger,
        () => ledger.submit(bob, 'valuation.attest', bad),
        'invalid_body',
        'valuation.attest.schema',
      );
    refusedUnchanged(
      ledger,
      () => ledger.submit(bob, 'valuation.attest', { ...body, date: '2026-02-30' }),
      'invalid_body',
      'valuation.attest.body',
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(bob, 'valuation.attest', { ...body, asset: 'ef'.repeat(32) }),
      'asset_not_found',
      'asset.exists',
    );
  });
});
