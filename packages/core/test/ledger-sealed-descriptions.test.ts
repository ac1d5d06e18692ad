// Sealed descriptions: where the policy says so, a work's title, creators, dates and place are kept
// out of the log in a salted document the body names by CID (docs/sealed-descriptions.md).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hexDecode, utf8Decode, utf8Encode } from '../src/bytes.js';
import { cidFromBytes } from '../src/cid.js';
import { isCinnabarError } from '../src/errors.js';
import { canonicalize } from '../src/jcs.js';
import { type AssetRecord, assetKey, type CidRecord, cidKey } from '../src/ledger/records.js';
import type { AssetDescription } from '../src/ledger/schemas.js';
import {
  MAX_SEALED_DESCRIPTION_BYTES,
  openSealedDescription,
  SEALED_DESCRIPTION_TYPE,
  sealDescription,
} from '../src/ledger/sealed-description.js';
import { type Actor, assetBody, refusedUnchanged, TestLedger } from './support/ledger-actors.js';

const DESCRIPTION: AssetDescription = {
  title: 'Bronze ding, Shang dynasty',
  description: 'Scanned in the conservation studio; the inscription is legible.',
  creators: [{ name: 'Conservation studio', role: 'scan' }],
  created: '2026-05',
  place: { point: { lat: 39.9163, lng: 116.3972 }, level: 7, name: 'Palace Museum, Beijing' },
  timeSpan: { start: '2025-11', end: '2026-05' },
};
const SALT = hexDecode('00112233445566778899aabbccddeeff');

/** A registration body of `grade` whose description is sealed in the document `sealed`. */
function sealedBody(label: string, sealed: string, grade: 'important' | 'core' = 'core') {
  const { title: _t, creators: _c, ...rest } = assetBody(label, { grade });
  return { ...rest, sealed };
}

function sealingWorld(grades: ('important' | 'core')[] = ['core']) {
  const { ledger, operator, people } = TestLedger.started({ people: ['owner', 'other'] });
  const [owner, other] = people as [Actor, Actor];
  ledger.accept(operator, 'policy.set', { policy: { realNameToRegister: false, sealDescriptions: grades } });
  return { ledger, operator, owner, other };
}

describe('sealed descriptions: the document', () => {
  test('a known vector: the canonical document and its CID', () => {
    const { title, creators } = DESCRIPTION;
    const sealed = sealDescription({ title, creators }, SALT);
    // Written out by hand from the format in docs/sealed-descriptions.md: RFC 8785 key order
    // (description, salt, type; creators before title), no whitespace, the salt in lowercase hex.
    const expected =
      '{"description":{"creators":[{"name":"Conservation studio","role":"scan"}],"title":"Bronze ding, Shang dynasty"},' +
      '"salt":"00112233445566778899aabbccddeeff","type":"cinnabar-sealed-description/1"}';
    assert.equal(utf8Decode(sealed.bytes), expected);
    assert.equal(sealed.cid, cidFromBytes(utf8Encode(expected)));
    assert.deepEqual(openSealedDescription(sealed.bytes, sealed.cid), { title, creators });
  });

  test('every field of a description survives sealing and opening', () => {
    const sealed = sealDescription(DESCRIPTION);
    assert.deepEqual(openSealedDescription(sealed.bytes, sealed.cid), DESCRIPTION);
  });

  test('fresh salt each time: the same description gives different documents', () => {
    const a = sealDescription(DESCRIPTION);
    const b = sealDescription(DESCRIPTION);
    assert.notEqual(a.cid, b.cid);
  });

  const document = (value: Record<string, unknown>) => utf8Encode(canonicalize(value));
  const valid = {
    description: { title: 'T', creators: [{ name: 'C' }] },
    salt: 'ab'.repeat(16),
    type: SEALED_DESCRIPTION_TYPE,
  };
  const refusals: [string, Uint8Array, RegExp][] = [
    ['not canonical (spaces)', utf8Encode(JSON.stringify(valid, null, 1)), /not canonical JSON/],
    ['an array', utf8Encode('[1]'), /not a JSON object/],
    ['another type', document({ ...valid, type: 'cinnabar-sealed-description/2' }), /type must be/],
    ['an unknown member', document({ ...valid, extra: 1 }), /unknown member "extra"/],
    ['a short salt', document({ ...valid, salt: 'ab'.repeat(15) }), /salt must be 16 bytes/],
    ['an upper-case salt', document({ ...valid, salt: 'AB'.repeat(16) }), /salt must be 16 bytes/],
    ['no title', document({ ...valid, description: { creators: [{ name: 'C' }] } }), /description/],
    [
      'a field a description does not have',
      document({ ...valid, description: { ...valid.description, grade: 'core' } }),
      /description/,
    ],
    [
      'a date that does not exist',
      document({ ...valid, description: { ...valid.description, created: '2026-02-30' } }),
      /created: 2026-02-30 is not a calendar date/,
    ],
    ['not UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), /not canonical JSON/],
    ['a byte-order mark first', new Uint8Array([0xef, 0xbb, 0xbf, ...document(valid)]), /not canonical JSON/],
    ['too large', new Uint8Array(MAX_SEALED_DESCRIPTION_BYTES + 1), /the most is/],
  ];
  for (const [name, bytes, message] of refusals)
    test(`refused: ${name}`, () => {
      assert.throws(
        () => openSealedDescription(bytes),
        (error: unknown) =>
          isCinnabarError(error, 'malformed_sealed_description') && message.test(error.message),
      );
    });

  test('refused: bytes that are not those of the CID named', () => {
    const sealed = sealDescription(DESCRIPTION);
    const other = sealDescription(DESCRIPTION);
    assert.throws(() => openSealedDescription(sealed.bytes, other.cid), /not those of/);
  });

  test('sealing refuses what opening would refuse', () => {
    assert.throws(() => sealDescription({ ...DESCRIPTION, created: '2026-13' }), /description/);
    assert.throws(() => sealDescription(DESCRIPTION, new Uint8Array(8)), /salt is 8 bytes/);
  });
});

describe('sealed descriptions: the rules', () => {
  test('without a policy saying so, every description is public: a sealed body is refused', () => {
    const { ledger, people } = TestLedger.started({ people: ['owner'] });
    const owner = people[0]!;
    refusedUnchanged(
      ledger,
      () => ledger.submit(owner, 'asset.register', sealedBody('s', sealDescription(DESCRIPTION).cid)),
      'description_must_be_public',
      'policy.seal-descriptions',
    );
    ledger.accept(owner, 'asset.register', assetBody('public', { grade: 'core' }));
  });

  test('a sealed registration: the record holds the CID, the document is recorded as the work’s', () => {
    const { ledger, owner } = sealingWorld();
    const sealed = sealDescription(DESCRIPTION);
    const body = sealedBody('work', sealed.cid);
    const registered = ledger.accept(owner, 'asset.register', body);
    const asset = ledger.get(assetKey(registered.txId)) as AssetRecord;
    assert.equal(asset.metadata.sealed, sealed.cid);
    assert.equal(asset.metadata.title, undefined);
    assert.equal(asset.metadata.creators, undefined);
    const index = ledger.entries.length - 1;
    assert.deepEqual(ledger.get(cidKey(sealed.cid)), {
      kind: 'cid',
      cid: sealed.cid,
      asset: registered.txId,
      registrant: owner.did,
      registered: { index, txId: registered.txId, time: asset.registered.time },
      part: 'sealed-description',
    } satisfies CidRecord);
    // The log entry holds nothing of the description.
    const entry = utf8Decode(ledger.entries[index]!);
    for (const text of ['Bronze', 'Conservation', 'Palace', '39.91']) assert.ok(!entry.includes(text), text);
  });

  test('the policy decides the form by grade: sealed where it seals, public elsewhere', () => {
    const { ledger, owner } = sealingWorld(['core']);
    refusedUnchanged(
      ledger,
      () => ledger.submit(owner, 'asset.register', assetBody('public core', { grade: 'core' })),
      'description_must_be_sealed',
      'policy.seal-descriptions',
    );
    refusedUnchanged(
      ledger,
      () =>
        ledger.submit(
          owner,
          'asset.register',
          sealedBody('sealed important', sealDescription(DESCRIPTION).cid, 'important'),
        ),
      'description_must_be_public',
      'policy.seal-descriptions',
    );
    ledger.accept(owner, 'asset.register', assetBody('public important', { grade: 'important' }));
    ledger.accept(owner, 'asset.register', assetBody('public general'));
  });

  test('a body is one form or the other: fields beside sealed, or neither, are refused before the state', () => {
    const { ledger, owner } = sealingWorld();
    const { cid } = sealDescription(DESCRIPTION);
    const both = { ...sealedBody('both', cid), title: 'In the clear too' };
    refusedUnchanged(
      ledger,
      () => ledger.submit(owner, 'asset.register', both),
      'invalid_body',
      'asset.register.body',
    );
    const neither = sealedBody('neither', cid) as Record<string, unknown>;
    delete neither.sealed;
    refusedUnchanged(
      ledger,
      () => ledger.submit(owner, 'asset.register', neither as never),
      'invalid_body',
      'asset.register.body',
    );
    const itself = sealedBody('itself', cid);
    refusedUnchanged(
      ledger,
      () => ledger.submit(owner, 'asset.register', { ...itself, sealed: itself.cid }),
      'invalid_body',
      'asset.register.body',
    );
  });

  test('a sealed document belongs to one work: another registration or work cannot name it', () => {
    const { ledger, owner, other } = sealingWorld();
    const { cid } = sealDescription(DESCRIPTION);
    const first = ledger.accept(owner, 'asset.register', sealedBody('first', cid)).txId;
    refusedUnchanged(
      ledger,
      () => ledger.submit(other, 'asset.register', sealedBody('second', cid)),
      'rights_conflict',
      'asset.sealed.unique',
    );
    const mine = ledger.accept(
      owner,
      'asset.register',
      sealedBody('mine', sealDescription(DESCRIPTION).cid),
    ).txId;
    const { cid: _c, size: _s, mediaType: _m, ...update } = sealedBody('mine', cid);
    refusedUnchanged(
      ledger,
      () => ledger.submit(owner, 'asset.update', { asset: mine, revision: 1, ...update }),
      'rights_conflict',
      'asset.sealed.unique',
    );
    // Nor can the content of a work be registered as someone's sealed description.
    const content = assetBody('content').cid;
    ledger.accept(owner, 'asset.register', assetBody('content'));
    refusedUnchanged(
      ledger,
      () => ledger.submit(owner, 'asset.register', sealedBody('reuse content', content)),
      'rights_conflict',
      'asset.sealed.unique',
    );
    assert.equal((ledger.get(cidKey(cid)) as CidRecord).asset, first);
  });

  test('revisions: keep the document, seal a new one, or go public with the grade lowered', () => {
    const { ledger, owner } = sealingWorld();
    const { cid } = sealDescription(DESCRIPTION);
    const id = ledger.accept(owner, 'asset.register', sealedBody('revised', cid)).txId;
    const { cid: _c, size: _s, mediaType: _m, ...same } = sealedBody('revised', cid);
    ledger.accept(owner, 'asset.update', { asset: id, revision: 1, ...same, licence: 'CC-BY-SA-4.0' });
    const next = sealDescription({ ...DESCRIPTION, title: 'Bronze ding (revised)' });
    ledger.accept(owner, 'asset.update', { asset: id, revision: 2, ...same, sealed: next.cid });
    assert.equal((ledger.get(cidKey(next.cid)) as CidRecord).part, 'sealed-description');
    assert.equal((ledger.get(cidKey(cid)) as CidRecord).asset, id, 'the earlier document stays the work’s');
    // Lowered to a grade the policy does not seal: public again, and it must say so in the body.
    refusedUnchanged(
      ledger,
      () => ledger.submit(owner, 'asset.update', { asset: id, revision: 3, ...same, grade: 'general' }),
      'description_must_be_public',
      'policy.seal-descriptions',
    );
    const { cid: _c2, size: _s2, mediaType: _m2, ...open } = assetBody('revised', { title: 'Bronze ding' });
    ledger.accept(owner, 'asset.update', { asset: id, revision: 3, ...open });
    const asset = ledger.get(assetKey(id)) as AssetRecord;
    assert.equal(asset.metadata.sealed, undefined);
    assert.equal(asset.metadata.title, 'Bronze ding');
  });

  test('policy.set takes only the grades whose content is not public, once each', () => {
    const { ledger, operator } = TestLedger.started({ people: [] });
    for (const sealDescriptions of [['general'], ['core', 'core'], []])
      refusedUnchanged(
        ledger,
        () =>
          ledger.submit(operator, 'policy.set', { policy: { realNameToRegister: false, sealDescriptions } }),
        'invalid_body',
        'policy.set.schema',
      );
  });
});
