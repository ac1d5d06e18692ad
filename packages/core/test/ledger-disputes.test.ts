// Disputes on the record: dispute.open by anyone against a registration or a transfer, dispute.respond
// by the other party, dispute.resolve by an arbitrator (dismiss, or correct the record by a new entry).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type AssetEventRecord,
  type AssetRecord,
  assetEventKey,
  assetKey,
  type DisputeRecord,
  disputeKey,
  type EditionRecord,
  editionKey,
  type ListingRecord,
  listingKey,
} from '../src/ledger/records.js';
import { type Actor, assetBody, refusedUnchanged, TestLedger } from './support/ledger-actors.js';

const EVIDENCE = ['a1'.repeat(32), 'b2'.repeat(32)];
const GROUNDS = { category: 'court-order' as const, text: 'Held pending the court.' };

/** Wen made the work; Mal registered it first; Mal gave it to Ned; an arbitrator and a regulator. */
function world(options: { freezeOnOpen?: boolean } = {}) {
  const { ledger, operator, people } = TestLedger.started({ people: ['wen', 'mal', 'ned', 'arb', 'reg'] });
  const [wen, mal, ned, arb, reg] = people as [Actor, Actor, Actor, Actor, Actor];
  ledger.accept(operator, 'credential.issue', {
    credential: operator.roleCredential(arb, 'arbitrator', 'arb'),
  });
  ledger.accept(operator, 'credential.issue', {
    credential: operator.roleCredential(reg, 'regulator', 'reg'),
  });
  if (options.freezeOnOpen)
    ledger.accept(operator, 'policy.set', {
      policy: { realNameToRegister: false, disputes: { freezeOnOpen: true } },
    });
  const prior = ledger.accept(wen, 'asset.register', assetBody("wen's sketch")).txId;
  const registration = ledger.accept(mal, 'asset.register', assetBody('the disputed work'));
  const id = registration.txId;
  const registered = { index: ledger.entries.length - 1, txId: id };
  return { ledger, operator, wen, mal, ned, arb, reg, id, prior, registered };
}

function open(ledger: TestLedger, claimant: Actor, body: object) {
  return ledger.accept(claimant, 'dispute.open', {
    claim: 'I made this work in 2024; it was registered by someone else.',
    evidence: EVIDENCE,
    ...body,
  });
}

describe('disputes', () => {
  test('a registration by the wrong party: opened, answered, corrected by a new entry; history kept', () => {
    const { ledger, wen, mal, ned, arb, id, prior, registered } = world();
    ledger.accept(mal, 'asset.transfer', { asset: id, to: ned.did });
    const opened = open(ledger, wen, {
      asset: id,
      contested: registered,
      priorWork: { asset: prior, description: 'my sketch, registered before' },
    });
    assert.deepEqual(opened.subject, { asset: id, dispute: opened.txId });
    const openedAt = { index: ledger.entries.length - 1, txId: opened.txId, time: '2026-03-01T00:00:00Z' };
    assert.deepEqual(ledger.get(disputeKey(opened.txId)), {
      kind: 'dispute',
      id: opened.txId,
      asset: id,
      contested: { ...registered, type: 'registration' },
      claimant: wen.did,
      respondent: mal.did,
      claim: 'I made this work in 2024; it was registered by someone else.',
      evidence: EVIDENCE,
      priorWork: { asset: prior, description: 'my sketch, registered before' },
      opened: openedAt,
      froze: false,
    } satisfies DisputeRecord);
    assert.equal((ledger.get(assetKey(id)) as AssetRecord).dispute, opened.txId);
    // Without freezeOnOpen the holder may still act; a second dispute waits for the first.
    refusedUnchanged(
      ledger,
      () =>
        ledger.submit(ned, 'dispute.open', {
          asset: id,
          contested: registered,
          claim: 'me too',
          evidence: [],
        }),
      'already_disputed',
      'dispute.open.one',
    );
    // Only the respondent answers, once.
    refusedUnchanged(
      ledger,
      () => ledger.submit(ned, 'dispute.respond', { dispute: opened.txId, text: 'not me', evidence: [] }),
      'not_authorized',
      'dispute.respond.party',
    );
    ledger.accept(mal, 'dispute.respond', {
      dispute: opened.txId,
      text: 'I bought it.',
      evidence: ['c3'.repeat(32)],
    });
    refusedUnchanged(
      ledger,
      () => ledger.submit(mal, 'dispute.respond', { dispute: opened.txId, text: 'again', evidence: [] }),
      'already_responded',
      'dispute.respond.once',
    );
    // Only an arbitrator decides, and not a party to it.
    const decide = {
      dispute: opened.txId,
      asset: id,
      outcome: 'correct',
      reasoning: 'The sketch predates it.',
    };
    refusedUnchanged(
      ledger,
      () => ledger.submit(wen, 'dispute.resolve', decide),
      'not_authorized',
      'dispute.resolve.arbitrator',
    );
    const historyBefore = ledger.get(assetEventKey(id, ledger.entries.length - 3));
    const resolved = ledger.accept(arb, 'dispute.resolve', decide);
    assert.deepEqual(resolved.subject, { asset: id, dispute: opened.txId, did: wen.did });
    const work = ledger.get(assetKey(id)) as AssetRecord;
    assert.equal(work.owner, wen.did);
    assert.equal(work.dispute, undefined);
    assert.equal(work.registrant, mal.did, 'who registered it stays on the record');
    const resolvedAt = ledger.entries.length - 1;
    assert.deepEqual(ledger.get(assetEventKey(id, resolvedAt)), {
      kind: 'asset-event',
      asset: id,
      event: 'restored',
      from: ned.did,
      to: wen.did,
      at: { index: resolvedAt, txId: resolved.txId, time: '2026-03-01T00:00:00Z' },
    } satisfies AssetEventRecord);
    assert.deepEqual(ledger.get(assetEventKey(id, ledger.entries.length - 5)), historyBefore);
    const record = ledger.get(disputeKey(opened.txId)) as DisputeRecord;
    assert.equal(record.resolution?.outcome, 'corrected');
    assert.equal(record.resolution?.restoredFrom, ned.did);
    assert.equal(record.resolution?.restoredTo, wen.did);
    refusedUnchanged(
      ledger,
      () => ledger.submit(arb, 'dispute.resolve', decide),
      'dispute_closed',
      'dispute.open',
    );
    // The rightful owner acts on it.
    ledger.accept(wen, 'asset.transfer', { asset: id, to: ned.did });
  });

  test('a contested transfer: the recipient answers; dismissed, nothing moves; freezeOnOpen holds the item meanwhile', () => {
    const { ledger, mal, ned, wen, arb, reg, id } = world({ freezeOnOpen: true });
    const given = ledger.accept(mal, 'asset.transfer', { asset: id, to: ned.did });
    const transfer = { index: ledger.entries.length - 1, txId: given.txId };
    const opened = open(ledger, mal, { asset: id, contested: transfer });
    const disputed = ledger.get(assetKey(id)) as AssetRecord;
    assert.equal(disputed.frozen?.by, 'dispute');
    assert.equal(disputed.frozen?.freeze, opened.txId);
    assert.equal((ledger.get(disputeKey(opened.txId)) as DisputeRecord).respondent, ned.did);
    assert.equal((ledger.get(disputeKey(opened.txId)) as DisputeRecord).froze, true);
    refusedUnchanged(
      ledger,
      () => ledger.submit(ned, 'asset.transfer', { asset: id, to: wen.did }),
      'frozen',
      'dispute.open.freeze',
    );
    // A regulator's freeze takes the place of the dispute's and outlives it.
    const freeze = ledger.accept(reg, 'supervision.freeze', { target: { asset: id }, grounds: GROUNDS }).txId;
    ledger.accept(arb, 'dispute.resolve', {
      dispute: opened.txId,
      asset: id,
      outcome: 'dismiss',
      reasoning: 'A gift is a gift.',
    });
    const after = ledger.get(assetKey(id)) as AssetRecord;
    assert.equal(after.owner, ned.did);
    assert.equal(after.frozen?.freeze, freeze);
    assert.equal(after.dispute, undefined);
    assert.equal((ledger.get(disputeKey(opened.txId)) as DisputeRecord).resolution?.outcome, 'dismissed');
    ledger.accept(reg, 'supervision.unfreeze', { target: { asset: id }, freeze });
    ledger.accept(ned, 'asset.transfer', { asset: id, to: wen.did });
  });

  test('a dismissal lifts the dispute freeze; a correction waits for a regulator freeze to lift', () => {
    const { ledger, mal, ned, wen, arb, reg, id, registered } = world({ freezeOnOpen: true });
    const opened = open(ledger, wen, { asset: id, contested: registered });
    ledger.accept(arb, 'dispute.resolve', {
      dispute: opened.txId,
      asset: id,
      outcome: 'dismiss',
      reasoning: 'No proof.',
    });
    assert.equal((ledger.get(assetKey(id)) as AssetRecord).frozen, undefined);
    ledger.accept(mal, 'asset.transfer', { asset: id, to: ned.did });
    const second = open(ledger, wen, { asset: id, contested: registered });
    const freeze = ledger.accept(reg, 'supervision.freeze', { target: { asset: id }, grounds: GROUNDS }).txId;
    const decide = { dispute: second.txId, asset: id, outcome: 'correct', reasoning: 'New proof.' };
    refusedUnchanged(
      ledger,
      () => ledger.submit(arb, 'dispute.resolve', decide),
      'frozen',
      'supervision.freeze',
    );
    ledger.accept(reg, 'supervision.unfreeze', { target: { asset: id }, freeze });
    ledger.accept(arb, 'dispute.resolve', decide);
    assert.equal((ledger.get(assetKey(id)) as AssetRecord).owner, wen.did);
  });

  test('an edition sold to the wrong buyer: restored to a named party; its listing closed, its custodian released', () => {
    const { ledger, operator, mal, ned, wen, arb, id } = world();
    const keeper = ledger.actor('keeper');
    ledger.accept(keeper, 'identity.register', { kind: 'organization', name: 'keeper' });
    ledger.accept(operator, 'credential.issue', {
      credential: operator.roleCredential(keeper, 'custodian', 'keeper'),
    });
    ledger.accept(mal, 'edition.issue', { asset: id, supply: 2 });
    const listing = ledger.accept(mal, 'listing.create', { asset: id, edition: 1, price: '10' }).txId;
    const sale = ledger.accept(mal, 'sale.settle', {
      asset: id,
      edition: 1,
      listing,
      buyer: ned.did,
      price: '10',
      paymentHash: 'dd'.repeat(32),
    });
    const sold = { index: ledger.entries.length - 1, txId: sale.txId };
    // The work's registration is not disputed through an edition; a transfer of another item is no ground.
    refusedUnchanged(
      ledger,
      () =>
        ledger.submit(wen, 'dispute.open', {
          asset: id,
          edition: 2,
          contested: sold,
          claim: 'x',
          evidence: [],
        }),
      'not_contestable',
      'dispute.open.contested',
    );
    refusedUnchanged(
      ledger,
      () =>
        ledger.submit(ned, 'dispute.open', {
          asset: id,
          edition: 1,
          contested: sold,
          claim: 'x',
          evidence: [],
        }),
      'not_authorized',
      'dispute.open.party',
    );
    refusedUnchanged(
      ledger,
      () =>
        ledger.submit(wen, 'dispute.open', {
          asset: id,
          edition: 1,
          contested: { ...sold, txId: 'ee'.repeat(32) },
          claim: 'x',
          evidence: [],
        }),
      'not_contestable',
      'dispute.open.contested',
    );
    const opened = open(ledger, mal, { asset: id, edition: 1, contested: sold });
    const relisted = ledger.accept(ned, 'listing.create', { asset: id, edition: 1, price: '50' }).txId;
    const decide = {
      dispute: opened.txId,
      asset: id,
      edition: 1,
      outcome: 'correct',
      reasoning: 'Paid with stolen funds.',
      restoreTo: wen.did,
    };
    refusedUnchanged(
      ledger,
      () => ledger.submit(arb, 'dispute.resolve', decide),
      'listed',
      'dispute.resolve.listing',
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(arb, 'dispute.resolve', { ...decide, edition: 2, listing: relisted }),
      'dispute_not_found',
      'dispute.exists',
    );
    ledger.accept(arb, 'dispute.resolve', { ...decide, listing: relisted });
    const edition = ledger.get(editionKey(id, 1)) as EditionRecord;
    assert.equal(edition.owner, wen.did);
    assert.equal(edition.listing, undefined);
    assert.equal((ledger.get(listingKey(id, relisted)) as ListingRecord).status, 'cancelled');
    assert.equal((ledger.get(editionKey(id, 2)) as EditionRecord).owner, mal.did);
    // In custody: the correction ends the custodian's hold.
    const given = ledger.accept(mal, 'asset.transfer', { asset: id, edition: 2, to: ned.did });
    ledger.accept(ned, 'custody.deposit', { asset: id, edition: 2, custodian: keeper.did });
    const third = open(ledger, mal, {
      asset: id,
      edition: 2,
      contested: { index: ledger.entries.length - 2, txId: given.txId },
    });
    ledger.accept(arb, 'dispute.resolve', {
      dispute: third.txId,
      asset: id,
      edition: 2,
      outcome: 'correct',
      reasoning: 'Given by mistake.',
    });
    const restored = ledger.get(editionKey(id, 2)) as EditionRecord;
    assert.equal(restored.owner, mal.did);
    assert.equal(restored.custody, undefined);
  });

  test('hostile bodies: prior work that is the work itself, a missing prior work, a bad CID, genesis contested', () => {
    const { ledger, wen, id, registered } = world();
    const base = { asset: id, contested: registered, claim: 'mine', evidence: [] };
    refusedUnchanged(
      ledger,
      () => ledger.submit(wen, 'dispute.open', { ...base, priorWork: { asset: id } }),
      'invalid_body',
      'dispute.open.body',
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(wen, 'dispute.open', { ...base, priorWork: { asset: 'ab'.repeat(32) } }),
      'asset_not_found',
      'dispute.open.prior-work',
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(wen, 'dispute.open', { ...base, priorWork: { cid: 'bafkreinot' } }),
      'invalid_body',
      'dispute.open.schema',
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(wen, 'dispute.open', { ...base, priorWork: {} }),
      'invalid_body',
      'dispute.open.schema',
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(wen, 'dispute.open', { ...base, contested: { index: 0, txId: id } }),
      'invalid_body',
      'dispute.open.body',
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(wen, 'dispute.open', { ...base, evidence: ['AB'.repeat(32)] }),
      'invalid_body',
      'dispute.open.schema',
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(wen, 'dispute.respond', { dispute: 'ab'.repeat(32), text: 'x', evidence: [] }),
      'dispute_not_found',
      'dispute.exists',
    );
  });
});
