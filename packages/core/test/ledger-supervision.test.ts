// Supervision in the open: supervision.freeze and supervision.unfreeze of works, editions and
// identities, by the regulator role (and the operator); what a freeze stops, and the record it leaves.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type AssetRecord,
  assetKey,
  type EditionRecord,
  editionKey,
  type FreezeRecord,
  freezeKey,
  type IdentityRecord,
  identityKey,
  type TakedownRecord,
  takedownKey,
} from '../src/ledger/records.js';
import { type Actor, assetBody, refusedUnchanged, T0, TestLedger } from './support/ledger-actors.js';

const DAY = 86_400_000;
const after = (days: number) => new Date(Date.parse(T0) + days * DAY).toISOString();
const GROUNDS = {
  category: 'infringement' as const,
  text: 'Registered by someone other than its author; under review.',
};
const TERMS = {
  uses: ['display'],
  territory: 'worldwide',
  start: '2026-01-01',
  exclusive: false,
  sublicensable: false,
  royaltyBasisPoints: 0,
  legalTextHash: 'ab'.repeat(32),
};

function world() {
  const { ledger, operator, people } = TestLedger.started({ people: ['ann', 'bob', 'reg', 'keeper'] });
  const [ann, bob, reg, keeper] = people as [Actor, Actor, Actor, Actor];
  ledger.accept(operator, 'credential.issue', {
    credential: operator.roleCredential(reg, 'regulator', 'reg'),
  });
  ledger.accept(operator, 'credential.issue', {
    credential: operator.roleCredential(keeper, 'custodian', 'keeper'),
  });
  const id = ledger.accept(ann, 'asset.register', assetBody('frozen work')).txId;
  ledger.accept(ann, 'edition.issue', { asset: id, supply: 3 });
  return { ledger, operator, ann, bob, reg, keeper, id };
}

describe('supervision: freeze and unfreeze', () => {
  test('a frozen work: nothing moves, is licensed, listed, sold or issued; its editions neither; lifted, all is as before', () => {
    const { ledger, ann, bob, reg, keeper, id } = world();
    const listing = ledger.accept(ann, 'listing.create', { asset: id, edition: 3, price: '9' }).txId;
    refusedUnchanged(
      ledger,
      () => ledger.submit(bob, 'supervision.freeze', { target: { asset: id }, grounds: GROUNDS }),
      'not_authorized',
      'supervision.freeze.regulator',
    );
    const freeze = ledger.accept(reg, 'supervision.freeze', { target: { asset: id }, grounds: GROUNDS });
    assert.deepEqual(freeze.subject, { asset: id, freeze: freeze.txId });
    const at = { index: ledger.entries.length - 1, txId: freeze.txId, time: T0 };
    assert.deepEqual((ledger.get(assetKey(id)) as AssetRecord).frozen, { freeze: freeze.txId, since: at });
    assert.deepEqual(ledger.get(freezeKey(freeze.txId)), {
      kind: 'freeze',
      id: freeze.txId,
      target: { asset: id },
      regulator: reg.did,
      grounds: GROUNDS,
      at,
    } satisfies FreezeRecord);
    const blocked: [Actor, string, object][] = [
      [ann, 'asset.transfer', { asset: id, to: bob.did }],
      [ann, 'asset.transfer', { asset: id, edition: 1, to: bob.did }],
      [ann, 'licence.grant', { asset: id, licensee: bob.did, terms: TERMS }],
      [ann, 'listing.create', { asset: id, price: '10' }],
      [ann, 'listing.create', { asset: id, edition: 2, price: '10' }],
      [ann, 'custody.deposit', { asset: id, custodian: keeper.did }],
      [
        ann,
        'sale.settle',
        { asset: id, edition: 3, listing, buyer: bob.did, price: '9', paymentHash: 'cd'.repeat(32) },
      ],
    ];
    for (const [actor, type, body] of blocked) {
      refusedUnchanged(ledger, () => ledger.submit(actor, type, body), 'frozen', 'supervision.freeze');
      const outcome = ledger.submit(actor, type, body);
      assert.ok(
        !outcome.ok && outcome.details?.freeze === freeze.txId && outcome.message.includes(freeze.txId),
      );
    }
    refusedUnchanged(
      ledger,
      () => ledger.submit(reg, 'supervision.freeze', { target: { asset: id }, grounds: GROUNDS }),
      'already_frozen',
      'supervision.freeze.once',
    );
    // Cancelling a listing is not stopped: it moves nothing.
    ledger.accept(ann, 'listing.cancel', { asset: id, edition: 3, listing });
    refusedUnchanged(
      ledger,
      () => ledger.submit(reg, 'supervision.unfreeze', { target: { asset: id }, freeze: 'ee'.repeat(32) }),
      'freeze_not_found',
      'supervision.unfreeze.freeze',
    );
    ledger.accept(reg, 'supervision.unfreeze', {
      target: { asset: id },
      freeze: freeze.txId,
      reason: 'Author confirmed.',
    });
    assert.equal((ledger.get(assetKey(id)) as AssetRecord).frozen, undefined);
    assert.equal((ledger.get(freezeKey(freeze.txId)) as FreezeRecord).lifted?.reason, 'Author confirmed.');
    ledger.accept(ann, 'asset.transfer', { asset: id, edition: 1, to: bob.did });
    ledger.accept(ann, 'licence.grant', { asset: id, licensee: bob.did, terms: TERMS });
  });

  test('one edition frozen; a freeze with an end lapses by itself', () => {
    const { ledger, ann, bob, reg, id } = world();
    const freeze = ledger.accept(reg, 'supervision.freeze', {
      target: { asset: id, edition: 2 },
      grounds: { category: 'court-order', text: 'Order 2026-17.' },
      until: after(10),
    }).txId;
    assert.equal((ledger.get(editionKey(id, 2)) as EditionRecord).frozen?.until, after(10));
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'asset.transfer', { asset: id, edition: 2, to: bob.did }, { time: after(9) }),
      'frozen',
      'supervision.freeze',
    );
    ledger.accept(ann, 'asset.transfer', { asset: id, edition: 1, to: bob.did }, { time: after(9) });
    ledger.accept(ann, 'asset.transfer', { asset: id, edition: 2, to: bob.did }, { time: after(10) });
    assert.ok(freeze);
    refusedUnchanged(
      ledger,
      () =>
        ledger.submit(reg, 'supervision.freeze', {
          target: { asset: id },
          grounds: GROUNDS,
          until: '2020-01-01T00:00:00Z',
        }),
      'invalid_body',
      'supervision.freeze.body',
    );
  });

  test('a frozen identity does not act, though others may still give to it; the operator may freeze; nobody freezes itself', () => {
    const { ledger, operator, ann, bob, reg, id } = world();
    const freeze = ledger.accept(operator, 'supervision.freeze', {
      target: { did: ann.did },
      grounds: { category: 'fraud', text: 'Suspected wash trading.' },
    }).txId;
    assert.equal((ledger.get(identityKey(ann.did)) as IdentityRecord).frozen?.freeze, freeze);
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'asset.transfer', { asset: id, to: bob.did }),
      'frozen',
      'supervision.freeze.identity',
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'asset.register', assetBody('another')),
      'frozen',
      'supervision.freeze.identity',
    );
    ledger.accept(bob, 'asset.register', assetBody('bob gives'));
    refusedUnchanged(
      ledger,
      () => ledger.submit(reg, 'supervision.freeze', { target: { did: reg.did }, grounds: GROUNDS }),
      'not_authorized',
      'supervision.freeze.target',
    );
    refusedUnchanged(
      ledger,
      () =>
        ledger.submit(reg, 'supervision.freeze', { target: { did: 'did:key:z6Mkfake' }, grounds: GROUNDS }),
      'invalid_body',
      'supervision.freeze.schema',
    );
    ledger.accept(reg, 'supervision.unfreeze', { target: { did: ann.did }, freeze });
    ledger.accept(ann, 'asset.transfer', { asset: id, to: bob.did });
  });
});

describe('supervision: takedown and restore', () => {
  test('content taken down and restored by the regulator, on the record; the work still moves', () => {
    const { ledger, ann, bob, reg, id } = world();
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'supervision.takedown', { asset: id, grounds: GROUNDS }),
      'not_authorized',
      'supervision.takedown.regulator',
    );
    const takedown = ledger.accept(reg, 'supervision.takedown', { asset: id, grounds: GROUNDS });
    assert.deepEqual(takedown.subject, { asset: id, takedown: takedown.txId });
    const at = { index: ledger.entries.length - 1, txId: takedown.txId, time: T0 };
    assert.deepEqual((ledger.get(assetKey(id)) as AssetRecord).takenDown, {
      takedown: takedown.txId,
      since: at,
    });
    assert.deepEqual(ledger.get(takedownKey(takedown.txId)), {
      kind: 'takedown',
      id: takedown.txId,
      asset: id,
      regulator: reg.did,
      grounds: GROUNDS,
      at,
    } satisfies TakedownRecord);
    refusedUnchanged(
      ledger,
      () => ledger.submit(reg, 'supervision.takedown', { asset: id, grounds: GROUNDS }),
      'already_taken_down',
      'supervision.takedown.once',
    );
    // A takedown is of the content, not a freeze: the record and the holding stay and move.
    ledger.accept(ann, 'asset.transfer', { asset: id, to: bob.did });
    refusedUnchanged(
      ledger,
      () => ledger.submit(reg, 'supervision.restore', { asset: id, takedown: 'ee'.repeat(32) }),
      'takedown_not_found',
      'supervision.restore.takedown',
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(reg, 'supervision.takedown', { asset: 'ab'.repeat(32), grounds: GROUNDS }),
      'asset_not_found',
      'asset.exists',
    );
    ledger.accept(reg, 'supervision.restore', {
      asset: id,
      takedown: takedown.txId,
      reason: 'Licence shown.',
    });
    const restored = ledger.get(takedownKey(takedown.txId)) as TakedownRecord;
    assert.equal(restored.restored?.by, reg.did);
    assert.equal(restored.restored?.reason, 'Licence shown.');
    assert.equal((ledger.get(assetKey(id)) as AssetRecord).takenDown, undefined);
    refusedUnchanged(
      ledger,
      () => ledger.submit(reg, 'supervision.restore', { asset: id, takedown: takedown.txId }),
      'takedown_not_found',
      'supervision.restore.takedown',
    );
  });

  test('a regulator whose role credential is revoked no longer freezes or takes down', () => {
    const { ledger, operator, reg, id } = world();
    const role = (ledger.identity(reg)?.roles ?? []).find((held) => held.role === 'regulator');
    assert.ok(role);
    ledger.accept(operator, 'credential.revoke', {
      id: role.credential,
      subject: reg.did,
      reason: 'left office',
    });
    refusedUnchanged(
      ledger,
      () => ledger.submit(reg, 'supervision.takedown', { asset: id, grounds: GROUNDS }),
      'not_authorized',
      'supervision.takedown.regulator',
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(reg, 'supervision.freeze', { target: { asset: id }, grounds: GROUNDS }),
      'not_authorized',
      'supervision.freeze.regulator',
    );
  });
});
