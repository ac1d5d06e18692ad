// Rights credentials: issued for an owner, an edition holder and a licensee with the entry that
// gave the right as evidence, verified offline; and refused when anything in them is not so.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { didKeyFromPublicKey, verificationMethodId } from '../src/did-key.js';
import {
  type AssetRecord,
  assetKey,
  type EditionRecord,
  editionKey,
  type LicenceRecord,
  licenceKey,
} from '../src/ledger/records.js';
import {
  issueRightsCredential,
  type RightsCredential,
  type RightsSubject,
  verifyRightsCredential,
} from '../src/ledger/rights-credential.js';
import type { LicenceTerms } from '../src/ledger/schemas.js';
import { merkleRoot, proveInclusion } from '../src/merkle.js';
import { generateSignerKey, signerFromKey } from '../src/note.js';
import { makeReceipt, type Receipt } from '../src/receipt.js';
import { signDocument } from '../src/vc/eddsa-jcs-2022.js';
import { assetBody, bytesFrom, T0, TestLedger } from './support/ledger-actors.js';
import { MemoryLog } from './support/memory-log.js';

const ORIGIN = 'rights.test/log';
const keys = generateSignerKey(ORIGIN, new Uint8Array(32).fill(7));
const ISSUER_SEED = bytesFrom('node operator');
const TERMS: LicenceTerms = {
  uses: ['display', 'commercial'],
  territory: ['CN'],
  start: '2026-01-01',
  end: '2027-12-31',
  exclusive: false,
  sublicensable: false,
  royaltyBasisPoints: 300,
  legalTextHash: 'ef'.repeat(32),
};

/** A ledger where ann registered a work, issued 2 editions, sold edition 1 to bob, and licensed it to cat. */
async function rights() {
  const { ledger, people } = TestLedger.started({ people: ['ann', 'bob', 'cat'] });
  const [ann, bob, cat] = people as [(typeof people)[0], (typeof people)[0], (typeof people)[0]];
  const id = ledger.accept(ann!, 'asset.register', assetBody('rights'), { time: T0 }).txId;
  ledger.accept(ann!, 'edition.issue', { asset: id, supply: 2 });
  const listing = ledger.accept(ann!, 'listing.create', { asset: id, edition: 1, price: '10' }).txId;
  ledger.accept(ann!, 'sale.settle', {
    asset: id,
    edition: 1,
    listing,
    buyer: bob!.did,
    price: '10',
    paymentHash: 'aa'.repeat(32),
  });
  const licenceId = ledger.accept(ann!, 'licence.grant', {
    asset: id,
    licensee: cat!.did,
    terms: TERMS,
  }).txId;
  const log = new MemoryLog(ORIGIN, signerFromKey(keys.skey)).append(...ledger.entries);
  const note = log.publish();
  const reader = {
    readHashes: async (nodes: readonly { level: number; index: number }[]) =>
      nodes.map(({ level, index }) =>
        merkleRoot(log.leafHashes.slice(index * 2 ** level, (index + 1) * 2 ** level)),
      ),
  };
  const receipt = async (index: number): Promise<Receipt> =>
    makeReceipt({
      index,
      entry: log.entries[index]!,
      checkpoint: note,
      proof: await proveInclusion(index, log.size, reader),
      vkey: keys.vkey,
    });
  const work = ledger.get(assetKey(id)) as AssetRecord;
  const edition = ledger.get(editionKey(id, 1)) as EditionRecord;
  const licence = ledger.get(licenceKey(id, licenceId)) as LicenceRecord;
  const asset = { id, title: work.metadata.title, cid: work.cid };
  return { ledger, ann: ann!, bob: bob!, cat: cat!, asset, work, edition, licence, receipt };
}

function issue(subject: RightsSubject, receipt: Receipt, seed = ISSUER_SEED): RightsCredential {
  return issueRightsCredential({ issuerSeed: seed, subject, receipt });
}

describe('rights credentials', () => {
  test('owner, edition holder and licensee: each verifies offline with the pinned log key', async () => {
    const { ann, bob, cat, asset, work, edition, licence, receipt } = await rights();
    const credentials = [
      issue({ id: ann.did, right: 'owner', asset }, await receipt(work.registered.index)),
      issue(
        { id: bob.did, right: 'edition-holder', asset, edition: { number: 1, supply: 2 } },
        await receipt(edition.acquired!.index),
      ),
      issue(
        { id: cat.did, right: 'licensee', asset, licence: { id: licence.id, terms: licence.terms } },
        await receipt(licence.granted.index),
      ),
    ];
    for (const credential of credentials) {
      const verification = verifyRightsCredential(credential, { vkey: keys.vkey });
      assert.deepEqual(
        verification.checks.map((c) => [c.name, c.ok]),
        [
          ['credential', true],
          ['proof', true],
          ['receipt', true],
          ['entry', true],
        ],
        JSON.stringify(verification.checks),
      );
      assert.match(verification.checks[2]!.detail, /signed by the pinned key/);
      assert.equal(credential.issuer, didKeyFromPublicKey(ed25519.getPublicKey(ISSUER_SEED)));
      // Deterministic: the same right and checkpoint give the same credential.
      assert.deepEqual(issue(credential.credentialSubject, credential.evidence[0].receipt), credential);
    }
    // Without a pinned key the receipt's own key is used, and the detail says so.
    assert.match(verifyRightsCredential(credentials[0]!).checks[2]!.detail, /not pinned/);
  });

  test('refused: a changed subject, another log, evidence that gave the right to someone else or another item', async () => {
    const { ann, bob, cat, asset, work, edition, licence, receipt } = await rights();
    const failedAt = (vc: unknown, vkey: string = keys.vkey) => {
      const verification = verifyRightsCredential(vc, { vkey });
      assert.equal(verification.ok, false);
      return [verification.failed, verification.checks.at(-1)!.detail];
    };
    const bobs = issue(
      { id: bob.did, right: 'edition-holder', asset, edition: { number: 1, supply: 2 } },
      await receipt(edition.acquired!.index),
    );
    // The signed document changed after signing.
    assert.equal(
      failedAt({ ...bobs, credentialSubject: { ...bobs.credentialSubject, id: cat.did } })[0],
      'proof',
    );
    // Not a rights credential at all.
    assert.equal(failedAt({ ...bobs, type: ['VerifiableCredential', 'Other'] })[0], 'credential');
    assert.equal(failedAt(null)[0], 'credential');
    // Another log's key.
    assert.equal(failedAt(bobs, generateSignerKey(ORIGIN).vkey)[0], 'receipt');
    // Signed properly, but the evidence does not say what the subject claims.
    const claims: [RightsSubject, number, RegExp][] = [
      // The sale gave edition 1 to bob, not to ann.
      [
        { id: ann.did, right: 'edition-holder', asset, edition: { number: 1, supply: 2 } },
        edition.acquired!.index,
        /not did:key/,
      ],
      // It was edition 1, not edition 2.
      [
        { id: bob.did, right: 'edition-holder', asset, edition: { number: 2, supply: 2 } },
        edition.acquired!.index,
        /not this item/,
      ],
      // A sale of an edition is not the work changing hands.
      [{ id: bob.did, right: 'owner', asset }, edition.acquired!.index, /not this item/],
      // Ann's registration is not bob's.
      [{ id: bob.did, right: 'owner', asset }, work.registered.index, /registration/],
      // The licence's terms as granted, not wider ones.
      [
        {
          id: cat.did,
          right: 'licensee',
          asset,
          licence: { id: licence.id, terms: { ...TERMS, territory: 'worldwide' } },
        },
        licence.granted.index,
        /terms/,
      ],
      // A licence is backed by its own grant only.
      [
        { id: cat.did, right: 'licensee', asset, licence: { id: licence.id, terms: licence.terms } },
        work.registered.index,
        /not the grant/,
      ],
    ];
    for (const [subject, index, reason] of claims) {
      const [failed, detail] = failedAt(issue(subject, await receipt(index)));
      assert.equal(failed, 'entry', JSON.stringify(subject));
      assert.match(String(detail), reason);
    }
    // validFrom must be the time of the evidence, even when the issuer signed another.
    const owner = issue({ id: ann.did, right: 'owner', asset }, await receipt(work.registered.index));
    const { proof: _, ...unsigned } = owner;
    const issuer = owner.issuer;
    const backdated = signDocument({ ...unsigned, validFrom: '2020-01-01T00:00:00Z' } as never, {
      privateKey: ISSUER_SEED,
      verificationMethod: verificationMethodId(issuer),
      proofPurpose: 'assertionMethod',
    });
    const [failed, detail] = failedAt(backdated);
    assert.equal(failed, 'entry');
    assert.match(String(detail), /validFrom is 2020-01-01T00:00:00Z/);
  });
});
