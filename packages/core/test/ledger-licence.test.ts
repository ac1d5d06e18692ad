// Licences: licence.grant and licence.revoke, sublicences, exclusivity, and licencePermits, the
// check a licensee's proof rests on. Each refusal with its exact code and rule, the state unchanged.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkLicenceEvidence } from '../src/ledger/licence-proof.js';
import {
  type LicenceIndexRecord,
  type LicenceRecord,
  licenceIndexKey,
  licenceKey,
  recordKey,
} from '../src/ledger/records.js';
import { licencePermits, MAX_LICENCES_PER_ASSET, termsOverlap } from '../src/ledger/rules.js';
import type { LicenceTerms } from '../src/ledger/schemas.js';
import { merkleRoot, proveInclusion } from '../src/merkle.js';
import { generateSignerKey, signerFromKey } from '../src/note.js';
import { makeReceipt, type Receipt } from '../src/receipt.js';
import { type Actor, assetBody, refusedUnchanged, T0, TestLedger } from './support/ledger-actors.js';
import { MemoryLog } from './support/memory-log.js';

const HASH = 'ab'.repeat(32);

function terms(overrides: Partial<LicenceTerms> = {}): LicenceTerms {
  return {
    uses: ['display'],
    territory: 'worldwide',
    start: '2026-03-01',
    exclusive: false,
    sublicensable: false,
    royaltyBasisPoints: 0,
    legalTextHash: HASH,
    ...overrides,
  };
}

/** Ann owns a work; bob, cat and dan are registered. */
function setup() {
  const { ledger, people } = TestLedger.started({ people: ['ann', 'bob', 'cat', 'dan'] });
  const [ann, bob, cat, dan] = people as [Actor, Actor, Actor, Actor];
  const asset = ledger.accept(ann, 'asset.register', assetBody('licensed work')).txId;
  const grant = (by: Actor, to: Actor, t: LicenceTerms, under?: string) =>
    ledger.submit(by, 'licence.grant', { asset, licensee: to.did, terms: t, ...(under ? { under } : {}) });
  const granted = (by: Actor, to: Actor, t: LicenceTerms, under?: string): string => {
    const outcome = grant(by, to, t, under);
    assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.code}: ${outcome.message}`);
    return outcome.txId;
  };
  const licence = (id: string) => ledger.get(licenceKey(asset, id)) as LicenceRecord;
  const index = () => ledger.get(licenceIndexKey(asset)) as LicenceIndexRecord | undefined;
  return { ledger, ann, bob, cat, dan, asset, grant, granted, licence, index };
}

describe('licences: licence.grant by the owner', () => {
  test('writes the licence and the work’s index of licences; the subject names both', () => {
    const { ledger, ann, bob, asset, grant, licence, index } = setup();
    const t = terms({
      uses: ['display', 'commercial'],
      territory: ['CN', 'HK'],
      end: '2027-02-28',
      attribution: '© Ann',
      royaltyBasisPoints: 750,
    });
    const outcome = grant(ann, bob, t);
    assert.ok(outcome.ok);
    assert.deepEqual(outcome.subject, { asset, licence: outcome.txId, did: bob.did });
    const record = licence(outcome.txId);
    assert.deepEqual(
      { ...record, granted: undefined },
      {
        kind: 'licence',
        id: outcome.txId,
        asset,
        grantor: ann.did,
        licensee: bob.did,
        terms: t,
        granted: undefined,
      },
    );
    assert.equal(record.granted.index, ledger.entries.length - 1);
    assert.deepEqual(index(), {
      kind: 'licence-index',
      asset,
      licences: [{ id: outcome.txId, licensee: bob.did, terms: t }],
    });
    for (const w of outcome.writes) assert.equal(recordKey(w.record), w.key);
  });

  test('refusals: a stranger, an unknown work, an unregistered licensee, oneself, bad terms', () => {
    const { ledger, ann, bob, cat, asset, grant } = setup();
    refusedUnchanged(ledger, () => grant(cat, bob, terms()), 'not_owner', 'licence.grant.owner');
    refusedUnchanged(
      ledger,
      () =>
        ledger.submit(ann, 'licence.grant', { asset: 'cd'.repeat(32), licensee: bob.did, terms: terms() }),
      'asset_not_found',
      'asset.exists',
    );
    const stranger = ledger.actor('stranger');
    refusedUnchanged(
      ledger,
      () => grant(ann, stranger, terms()),
      'unknown_identity',
      'licence.grant.licensee',
    );
    refusedUnchanged(ledger, () => grant(ann, ann, terms()), 'invalid_body', 'licence.grant.body');
    for (const bad of [
      terms({ end: '2026-02-28' }),
      terms({ start: '2026-02-30' }),
      terms({ end: '2027-02-29' }),
    ])
      refusedUnchanged(ledger, () => grant(ann, bob, bad), 'invalid_body', 'licence.grant.body');
    for (const bad of [
      { ...terms(), uses: [] },
      { ...terms(), uses: ['display', 'display'] },
      { ...terms(), uses: ['sell'] },
      { ...terms(), territory: ['cn'] },
      { ...terms(), territory: [] },
      { ...terms(), territory: 'everywhere' },
      { ...terms(), start: '2026-3-1' },
      { ...terms(), royaltyBasisPoints: 10_001 },
      { ...terms(), royaltyBasisPoints: 1.5 },
      { ...terms(), legalTextHash: 'AB'.repeat(32) },
      { ...terms(), attribution: '' },
      { ...terms(), extra: true },
      (({ legalTextHash: _, ...rest }) => rest)(terms()),
    ])
      refusedUnchanged(
        ledger,
        () => ledger.submit(ann, 'licence.grant', { asset, licensee: bob.did, terms: bad }),
        'invalid_body',
        'licence.grant.schema',
      );
  });
});

describe('licences: exclusivity', () => {
  test('an exclusive licence refuses any overlapping one, and is refused by one in force', () => {
    const { ledger, ann, bob, cat, grant, granted } = setup();
    const exclusive = granted(
      ann,
      bob,
      terms({ uses: ['commercial'], territory: ['CN'], end: '2026-12-31', exclusive: true }),
    );
    // Overlapping: same use, same place, common days; exclusive or not.
    for (const t of [
      terms({ uses: ['commercial', 'display'], territory: 'worldwide' }),
      terms({ uses: ['commercial'], territory: ['CN', 'JP'], start: '2026-12-31', exclusive: true }),
    ]) {
      const outcome = grant(ann, cat, t);
      assert.ok(!outcome.ok && outcome.code === 'licence_conflict', JSON.stringify(outcome));
      assert.deepEqual(outcome.details, { licence: exclusive, licensee: bob.did });
    }
    // Not overlapping: another use, another place, later days.
    granted(ann, cat, terms({ uses: ['display'], exclusive: true }));
    granted(ann, cat, terms({ uses: ['commercial'], territory: ['JP'], exclusive: true }));
    granted(
      ann,
      cat,
      terms({ uses: ['commercial'], territory: ['CN'], start: '2027-01-01', exclusive: true }),
    );
    // A non-exclusive licence in force blocks an exclusive one over it.
    refusedUnchanged(
      ledger,
      () => grant(ann, bob, terms({ uses: ['display'], territory: ['FR'] })),
      'licence_conflict',
      'licence.exclusive',
    );
  });

  test('a licence that has ended no longer blocks; a revoked one neither', () => {
    const { ledger, ann, bob, cat, asset, grant, granted, index } = setup();
    granted(ann, bob, terms({ start: '2026-01-01', end: '2026-02-27', exclusive: true }));
    const revoked = granted(ann, bob, terms({ uses: ['adapt'], exclusive: true }));
    refusedUnchanged(
      ledger,
      () => grant(ann, cat, terms({ uses: ['adapt'] })),
      'licence_conflict',
      'licence.exclusive',
    );
    ledger.accept(ann, 'licence.revoke', { asset, licence: revoked, reason: 'unpaid' });
    // T0 is 2026-03-01: the first one ended the day before; the index drops both.
    granted(ann, cat, terms({ uses: ['display', 'adapt'], exclusive: true }));
    assert.deepEqual(
      index()?.licences.map((l) => l.licensee),
      [cat.did],
    );
  });

  test('termsOverlap: open ends, territories, shared days', () => {
    assert.ok(termsOverlap(terms(), terms({ start: '2099-01-01' })));
    assert.ok(!termsOverlap(terms({ end: '2026-03-01' }), terms({ start: '2026-03-02' })));
    assert.ok(termsOverlap(terms({ end: '2026-03-02' }), terms({ start: '2026-03-02' })));
    assert.ok(termsOverlap(terms({ territory: ['CN'] }), terms()));
    assert.ok(!termsOverlap(terms({ territory: ['CN'] }), terms({ territory: ['HK'] })));
    assert.ok(!termsOverlap(terms({ uses: ['adapt'] }), terms()));
  });

  test('a work has at most MAX_LICENCES_PER_ASSET licences in force or to come', () => {
    const { ledger, ann, bob, grant, granted } = setup();
    for (let i = 0; i < MAX_LICENCES_PER_ASSET; i++) granted(ann, bob, terms());
    refusedUnchanged(ledger, () => grant(ann, bob, terms()), 'licence_limit', 'licence.limit');
  });
});

describe('licences: sublicences', () => {
  const parentTerms = terms({
    uses: ['display', 'reproduce'],
    territory: ['CN', 'HK'],
    start: '2026-03-01',
    end: '2026-12-31',
    exclusive: true,
    sublicensable: true,
  });

  test('a licensee sublicenses within its licence, even under an exclusive one', () => {
    const { ann, bob, cat, granted, licence } = setup();
    const parent = granted(ann, bob, parentTerms);
    const child = granted(
      bob,
      cat,
      terms({ uses: ['display'], territory: ['HK'], start: '2026-06-01', end: '2026-12-31' }),
      parent,
    );
    assert.equal(licence(child).under, parent);
    assert.equal(licence(child).grantor, bob.did);
  });

  test('refusals: out of scope in every way, someone else’s licence, revoked or unknown parent', () => {
    const { ledger, ann, bob, cat, dan, asset, grant, granted } = setup();
    const parent = granted(ann, bob, parentTerms);
    const within = {
      uses: ['display'] as LicenceTerms['uses'],
      territory: ['HK'],
      start: '2026-06-01',
      end: '2026-12-31',
    };
    for (const outside of [
      terms({ ...within, uses: ['display', 'adapt'] }),
      terms({ ...within, territory: ['HK', 'TW'] }),
      terms({ ...within, territory: 'worldwide' }),
      terms({ ...within, start: '2026-02-28' }),
      terms({ ...within, end: '2027-01-01' }),
      terms({ uses: within.uses, territory: within.territory, start: within.start }),
    ])
      refusedUnchanged(
        ledger,
        () => grant(bob, cat, outside, parent),
        'licence_out_of_scope',
        'licence.grant.sublicence.scope',
      );
    const plain = granted(ann, dan, terms({ uses: ['adapt'], sublicensable: false }));
    refusedUnchanged(
      ledger,
      () => grant(dan, cat, terms({ uses: ['adapt'] }), plain),
      'licence_out_of_scope',
      'licence.grant.sublicence.scope',
    );
    const open = granted(ann, dan, terms({ uses: ['distribute'], sublicensable: true }));
    refusedUnchanged(
      ledger,
      () => grant(dan, cat, terms({ uses: ['distribute'], exclusive: true }), open),
      'licence_out_of_scope',
      'licence.grant.sublicence.scope',
    );
    refusedUnchanged(
      ledger,
      () => grant(cat, dan, terms(within), parent),
      'not_authorized',
      'licence.grant.sublicence',
    );
    refusedUnchanged(
      ledger,
      () => grant(bob, cat, terms(within), 'ef'.repeat(32)),
      'licence_not_found',
      'licence.exists',
    );
    ledger.accept(ann, 'licence.revoke', { asset, licence: parent });
    refusedUnchanged(
      ledger,
      () => grant(bob, cat, terms(within), parent),
      'licence_revoked',
      'licence.grant.sublicence',
    );
  });
});

describe('licences: licence.revoke', () => {
  test('its grantor or the owner revokes it, once; nobody else', () => {
    const { ledger, ann, bob, cat, asset, granted, licence, index } = setup();
    const parent = granted(ann, bob, terms({ uses: ['display', 'adapt'], sublicensable: true }));
    const child = granted(bob, cat, terms({ uses: ['adapt'] }), parent);
    refusedUnchanged(
      ledger,
      () => ledger.submit(cat, 'licence.revoke', { asset, licence: parent }),
      'not_authorized',
      'licence.revoke.grantor',
    );
    // The owner revokes a sublicence bob granted.
    const done = ledger.accept(ann, 'licence.revoke', { asset, licence: child, reason: 'out of use' });
    assert.deepEqual(done.subject, { asset, licence: child, did: cat.did });
    const revoked = licence(child).revoked;
    assert.equal(revoked?.by, ann.did);
    assert.equal(revoked?.reason, 'out of use');
    assert.deepEqual(
      index()?.licences.map((l) => l.id),
      [parent],
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'licence.revoke', { asset, licence: child }),
      'licence_revoked',
      'licence.revoke.once',
    );
    const other = ledger.accept(ann, 'asset.register', assetBody('another work')).txId;
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'licence.revoke', { asset: other, licence: parent }),
      'licence_not_found',
      'licence.exists',
    );
  });

  test('after a transfer the new owner licenses; the old one still revokes what it granted', () => {
    const { ledger, ann, bob, cat, asset, grant, granted } = setup();
    const granted1 = granted(ann, bob, terms());
    ledger.accept(ann, 'asset.transfer', { asset, to: cat.did });
    refusedUnchanged(
      ledger,
      () => grant(ann, bob, terms({ uses: ['adapt'] })),
      'not_owner',
      'licence.grant.owner',
    );
    granted(cat, bob, terms({ uses: ['adapt'] }));
    ledger.accept(ann, 'licence.revoke', { asset, licence: granted1 });
  });
});

describe('licences: licencePermits', () => {
  test('granted, not revoked, the use, the day, the place', () => {
    const { ledger, ann, bob, asset, granted, licence } = setup();
    const id = granted(
      ann,
      bob,
      terms({ uses: ['display', 'commercial'], territory: ['CN'], start: '2026-04-01', end: '2026-06-30' }),
    );
    const record = licence(id);
    assert.deepEqual(licencePermits(record, 'commercial', '2026-05-01T00:00:00Z', 'CN'), { ok: true });
    assert.deepEqual(licencePermits(record, 'display', '2026-06-30T23:59:59Z'), { ok: true });
    const no = (use: Parameters<typeof licencePermits>[1], time: string, territory?: string) => {
      const verdict = licencePermits(record, use, time, territory);
      assert.ok(!verdict.ok);
      return verdict.reason;
    };
    assert.match(no('adapt', '2026-05-01T00:00:00Z'), /allows display, commercial, not adapt/);
    assert.match(no('display', '2026-03-31T23:59:59Z'), /begins on 2026-04-01/);
    assert.match(no('display', '2026-07-01T00:00:00Z'), /ended on 2026-06-30/);
    assert.match(no('display', '2026-05-01T00:00:00Z', 'JP'), /holds in CN, not JP/);
    assert.match(no('display', '2026-02-01T00:00:00Z'), /granted later/);
    assert.match(no('display', 'yesterday'), /not a time/);
    ledger.accept(ann, 'licence.revoke', { asset, licence: id }, { time: '2026-05-15T00:00:00Z' });
    const revoked = licence(id);
    assert.deepEqual(licencePermits(revoked, 'display', '2026-05-14T23:59:59Z'), { ok: true });
    assert.match(
      (licencePermits(revoked, 'display', '2026-05-15T00:00:00Z') as { reason: string }).reason,
      /revoked at/,
    );
    assert.ok(T0 < '2026-04-01');
  });
});

describe('licences: checkLicenceEvidence', () => {
  const ORIGIN = 'licence.test/log';
  const keys = generateSignerKey(ORIGIN, new Uint8Array(32).fill(5));

  /** The ledger's entries as a signed log, and a receipt for any of them. */
  async function published(ledger: TestLedger, vkey = keys.vkey) {
    const log = new MemoryLog(ORIGIN, signerFromKey(keys.skey)).append(...ledger.entries);
    const note = log.publish();
    const reader = {
      readHashes: async (nodes: readonly { level: number; index: number }[]) =>
        nodes.map(({ level, index }) =>
          merkleRoot(log.leafHashes.slice(index * 2 ** level, (index + 1) * 2 ** level)),
        ),
    };
    return async (index: number): Promise<Receipt> =>
      makeReceipt({
        index,
        entry: log.entries[index]!,
        checkpoint: note,
        proof: await proveInclusion(index, log.size, reader),
        vkey,
      });
  }

  test('the grant and revocation receipts back the record; any other receipt or field does not', async () => {
    const { ledger, ann, bob, asset, granted, licence } = setup();
    const id = granted(ann, bob, terms({ uses: ['display', 'commercial'] }));
    const other = granted(ann, bob, terms({ uses: ['adapt'] }));
    ledger.accept(ann, 'licence.revoke', { asset, licence: other });
    const receipt = await published(ledger);
    const live = licence(id);
    const grant = await receipt(live.granted.index);
    assert.deepEqual(checkLicenceEvidence({ licence: live, grant }, { vkey: keys.vkey }), { ok: true });

    const revoked = licence(other);
    const otherGrant = await receipt(revoked.granted.index);
    const revoke = await receipt(revoked.revoked!.index);
    assert.deepEqual(
      checkLicenceEvidence({ licence: revoked, grant: otherGrant, revoke }, { vkey: keys.vkey }),
      {
        ok: true,
      },
    );
    const fails = (evidence: Parameters<typeof checkLicenceEvidence>[0], vkey = keys.vkey): string => {
      const verdict = checkLicenceEvidence(evidence, { vkey });
      assert.ok(!verdict.ok, 'accepted');
      return verdict.reason;
    };
    // A record claiming other terms, licensee or grantor than the signed entry.
    assert.match(
      fails({
        licence: { ...live, terms: { ...live.terms, uses: ['display', 'commercial', 'adapt'] } },
        grant,
      }),
      /terms/,
    );
    assert.match(fails({ licence: { ...live, licensee: ann.did }, grant }), /licensee/);
    assert.match(fails({ licence: { ...live, grantor: bob.did }, grant }), /grantor/);
    // Another licence's grant; the registration's receipt; a revoked record without its revocation.
    assert.match(fails({ licence: live, grant: otherGrant }), /not the one at index|is .*, not/);
    assert.match(fails({ licence: live, grant: await receipt(1) }), /not a licence.grant/);
    assert.match(fails({ licence: revoked, grant: otherGrant }), /no receipt of that/);
    assert.match(fails({ licence: live, grant, revoke }), /not revoked/);
    // Under another log key; a tampered proof.
    const stranger = generateSignerKey(ORIGIN, new Uint8Array(32).fill(6));
    assert.match(fails({ licence: live, grant }, stranger.vkey), /checkpoint/);
    assert.match(
      fails({ licence: live, grant: { ...grant, proof: grant.proof.slice().reverse() } }),
      /receipt fails/,
    );
  });
});
