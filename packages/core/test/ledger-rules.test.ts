// The ledger's rules, one by one: for each refusal the exact code and rule (and that the state is
// unchanged), for each acceptance the exact records written.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { utf8Decode, utf8Encode } from '../src/bytes.js';
import { cidFromBytes } from '../src/cid.js';
import { publicKeyFromDidKey, verificationMethodId } from '../src/did-key.js';
import { VC_V2_CONTEXT } from '../src/ledger/credentials.js';
import type { ReplayOutcome } from '../src/ledger/memory-ledger.js';
import {
  aliasKey,
  assetKey,
  assetRevisionKey,
  cidKey,
  credentialKey,
  identityKey,
  LEDGER_KEY,
  type LogRef,
} from '../src/ledger/records.js';
import { type Acceptance, checkEntry, type Rejection, type RejectionCode } from '../src/ledger/rules.js';
import type { AssetMetadata, Credential } from '../src/ledger/schemas.js';
import { encodeTransaction, signTransaction, transactionId } from '../src/tx/transaction.js';
import { signDocument } from '../src/vc/eddsa-jcs-2022.js';
import {
  Actor,
  assetBody,
  type Body,
  bytesFrom,
  forgeEntry,
  T0,
  TestLedger,
} from './support/ledger-actors.js';

// ---------------------------------------------------------------------------------------------
// Helpers

/** Where the entry at `index` was logged, as the rules record it. */
function ref(ledger: TestLedger, index: number, time = T0): LogRef {
  return { index, txId: transactionId(ledger.entries[index]!), time };
}

/** The index of the entry appended last. */
function last(ledger: TestLedger): number {
  return ledger.entries.length - 1;
}

/**
 * Runs `act`, which must append exactly one entry, and asserts it was refused with `code` by
 * `rule`, and that the state (digest and number of records) did not change.
 */
function assertRefused(
  ledger: TestLedger,
  act: () => ReplayOutcome,
  code: RejectionCode,
  rule: string,
  message?: RegExp,
): Rejection {
  const digest = ledger.digest();
  const size = ledger.state.size;
  const entries = ledger.entries.length;
  const rejected = ledger.state.counts.rejected;
  const outcome = act();
  assert.equal(ledger.entries.length, entries + 1, 'one entry appended');
  assert.ok(!outcome.ok, `expected ${code} (${rule}), but it was accepted`);
  assert.deepEqual(
    { code: outcome.code, rule: outcome.rule },
    { code, rule },
    `wrong refusal; message: ${outcome.message}`,
  );
  if (message) assert.match(outcome.message, message);
  assert.equal(ledger.digest(), digest, 'a refused transaction changed the state');
  assert.equal(ledger.state.size, size);
  assert.equal(ledger.state.counts.rejected, rejected + 1);
  return outcome;
}

function accepted(outcome: ReplayOutcome): Acceptance & { txId: string } {
  assert.ok(outcome.ok, outcome.ok ? '' : `refused: ${outcome.code} (${outcome.rule}) ${outcome.message}`);
  return outcome;
}

function writtenKeys(outcome: Acceptance): string[] {
  return outcome.writes.map((w) => w.key).sort();
}

/** A credential signed by `issuer` from a hand-built unsigned document (to test what builders never make). */
function signCredential(issuer: Actor, unsigned: Record<string, unknown>): Credential {
  return signDocument(unsigned, {
    privateKey: issuer.seed,
    verificationMethod: verificationMethodId(issuer.did),
    proofPurpose: 'assertionMethod',
  }) as unknown as Credential;
}

/** The unsigned form of a role credential, to change before signing it by hand. */
function unsignedRole(issuer: Actor, subject: Actor, overrides: Record<string, unknown> = {}) {
  return {
    '@context': [VC_V2_CONTEXT],
    id: 'urn:uuid:0b5c4f7e-3c1a-4d7a-8f2e-6a1b2c3d4e5f',
    type: ['VerifiableCredential', 'CinnabarRoleCredential'],
    issuer: issuer.did,
    validFrom: '2026-01-01T00:00:00Z',
    credentialSubject: { id: subject.did, role: 'appraiser' },
    ...overrides,
  };
}

/**
 * A did:key that has the schema's shape but names no valid key: the last base58 digit changed
 * (which changes only the key's last byte) until the bytes are no point on the curve.
 */
function brokenDidKey(did: string): string {
  for (const digit of 'abcdefghijkmnopqrstuvwxyz') {
    const broken = `${did.slice(0, -1)}${digit}`;
    try {
      publicKeyFromDidKey(broken);
    } catch {
      return broken;
    }
  }
  throw new Error(`no broken variant of ${did}`);
}

const metadataOf = (body: ReturnType<typeof assetBody>): AssetMetadata => {
  const { cid: _cid, size: _size, mediaType: _mediaType, ...metadata } = body;
  return metadata;
};

// ---------------------------------------------------------------------------------------------

describe('ledger rules: the envelope', () => {
  test("the test actors' entries are exactly what signTransaction makes", () => {
    const ann = new Actor('ann');
    for (const [type, body, options] of [
      ['asset.register', assetBody('same'), {}],
      ['identity.register', { kind: 'person', name: '安' }, { seq: 7, time: '2026-12-31T23:59:59.999Z' }],
    ] as const) {
      const expected = encodeTransaction(signTransaction(ann.transaction(type, body, options), ann.seed));
      assert.deepEqual(ann.sign(type, body, options), expected);
      assert.equal(checkEntry(expected).ok, true);
    }
  });

  test('an entry that is not JSON is malformed', () => {
    const { ledger } = TestLedger.started();
    assertRefused(
      ledger,
      () => ledger.append(utf8Encode('not json at all')),
      'malformed_transaction',
      'envelope',
    );
  });

  test('seq 0 is refused by the envelope, before any rule', () => {
    const { ledger, people } = TestLedger.started({ people: ['ann'] });
    const ann = people[0]!;
    const entry = forgeEntry(ann.transaction('asset.register', assetBody('zero'), { seq: 0 }), ann.seed);
    assertRefused(ledger, () => ledger.append(entry), 'malformed_transaction', 'envelope', /seq/);
  });

  test('an entry signed by another key than its actor has an invalid signature', () => {
    const { ledger, people } = TestLedger.started({ people: ['ann', 'bob'] });
    const [ann, bob] = people as [Actor, Actor];
    const entry = forgeEntry(ann.transaction('asset.register', assetBody('forged')), bob.seed);
    assertRefused(ledger, () => ledger.append(entry), 'invalid_signature', 'envelope.signature');
  });

  test('an entry that is not in canonical form is malformed', () => {
    const { ledger, people } = TestLedger.started({ people: ['ann'] });
    const ann = people[0]!;
    const text = utf8Decode(ann.sign('asset.register', assetBody('spaced')));
    const spaced = utf8Encode(JSON.stringify(JSON.parse(text), null, 1));
    assertRefused(ledger, () => ledger.append(spaced), 'malformed_transaction', 'envelope');
  });

  test('a type this ledger does not know is unknown_type, whatever the state', () => {
    const { ledger, people } = TestLedger.started({ people: ['ann'] });
    const ann = people[0]!;
    for (const type of ['asset.delete', 'identity.register.extra', 'ledger.genesis2']) {
      assertRefused(ledger, () => ledger.submit(ann, type, {}), 'unknown_type', 'type');
    }
    // Even from someone unregistered, and before genesis.
    const fresh = new TestLedger();
    assertRefused(
      fresh,
      () => fresh.submit(new Actor('nobody'), 'asset.teleport', {}),
      'unknown_type',
      'type',
    );
  });
});

describe('ledger rules: genesis', () => {
  test('before genesis every other type is refused with no_genesis', () => {
    const ledger = new TestLedger();
    const operator = ledger.actor('operator');
    const ann = ledger.actor('ann');
    const cases: [Actor, string, Body][] = [
      [ann, 'identity.register', { kind: 'person', name: 'Ann' }],
      [ann, 'asset.register', assetBody('early')],
      [operator, 'credential.issue', { credential: operator.roleCredential(ann, 'appraiser', 'early') }],
      [
        operator,
        'credential.revoke',
        { id: 'urn:uuid:0b5c4f7e-3c1a-4d7a-8f2e-6a1b2c3d4e5f', subject: ann.did },
      ],
      [ann, 'asset.update', { asset: 'a'.repeat(64), revision: 1, ...metadataOf(assetBody('early')) }],
    ];
    for (const [actor, type, body] of cases) {
      assertRefused(ledger, () => ledger.submit(actor, type, body), 'no_genesis', 'ledger.genesis.first');
    }
    assert.equal(ledger.state.size, 0);
  });

  test('genesis writes the ledger record and the operator as an organization', () => {
    const ledger = new TestLedger();
    const operator = ledger.actor('operator');
    const outcome = accepted(
      ledger.submit(operator, 'ledger.genesis', {
        name: 'Museum ledger',
        policy: { realNameToRegister: true },
      }),
    );
    const at = ref(ledger, 0);
    assert.equal(outcome.txId, at.txId);
    assert.deepEqual(outcome.subject, { did: operator.did });
    assert.deepEqual(writtenKeys(outcome), [identityKey(operator.did), LEDGER_KEY].sort());
    assert.deepEqual(ledger.get(LEDGER_KEY), {
      kind: 'ledger',
      operator: operator.did,
      name: 'Museum ledger',
      policy: { realNameToRegister: true },
      genesis: at,
    });
    assert.deepEqual(ledger.get(identityKey(operator.did)), {
      kind: 'identity',
      did: operator.did,
      type: 'organization',
      name: 'Museum ledger',
      seq: 1,
      roles: [],
      realName: [],
      registered: at,
      lastTx: at,
    });
    assert.equal(ledger.state.size, 2);
    assert.equal(operator.seq, 1);
  });

  test('a second genesis is refused, from the operator or from anyone else', () => {
    const { ledger, operator } = TestLedger.started();
    const body = { name: 'Again', policy: { realNameToRegister: false } };
    const again = assertRefused(
      ledger,
      () => ledger.submit(operator, 'ledger.genesis', body),
      'genesis_exists',
      'ledger.genesis.once',
    );
    assert.match(again.message, /entry 0/);
    const usurper = ledger.actor('usurper');
    assertRefused(
      ledger,
      () => ledger.submit(usurper, 'ledger.genesis', body),
      'genesis_exists',
      'ledger.genesis.once',
    );
    // The usurper did not become registered by trying.
    assert.equal(ledger.identity(usurper), undefined);
  });

  test('a genesis body must match its schema', () => {
    const ledger = new TestLedger();
    const operator = ledger.actor('operator');
    const bodies: Body[] = [
      { name: 'No policy' },
      { name: 'Extra', policy: { realNameToRegister: false, more: 1 } },
      { name: '', policy: { realNameToRegister: false } },
      { name: 'Bad flag', policy: { realNameToRegister: 'yes' } },
      { name: 'Line\nbreak', policy: { realNameToRegister: false } },
    ];
    for (const body of bodies) {
      assertRefused(
        ledger,
        () => ledger.submit(operator, 'ledger.genesis', body),
        'invalid_body',
        'ledger.genesis.schema',
      );
    }
  });
});

describe('ledger rules: sequence numbers', () => {
  test('a used seq, a skipped seq and a first transaction other than 1 are refused', () => {
    const { ledger, people } = TestLedger.started({ people: ['ann'] });
    const ann = people[0]!;
    ledger.accept(ann, 'asset.register', assetBody('one'));
    assert.equal(ann.seq, 2);
    const replayed = assertRefused(
      ledger,
      () => ledger.submit(ann, 'asset.register', assetBody('two'), { seq: 2 }),
      'bad_sequence',
      'sequence',
      /already used/,
    );
    assert.deepEqual(replayed.details, { expected: 3 });
    const skipped = assertRefused(
      ledger,
      () => ledger.submit(ann, 'asset.register', assetBody('two'), { seq: 4 }),
      'bad_sequence',
      'sequence',
      /skips ahead/,
    );
    assert.deepEqual(skipped.details, { expected: 3 });
    const newcomer = ledger.actor('newcomer');
    const first = assertRefused(
      ledger,
      () => ledger.submit(newcomer, 'identity.register', { kind: 'person', name: 'N' }, { seq: 2 }),
      'bad_sequence',
      'sequence',
    );
    assert.deepEqual(first.details, { expected: 1 });
    // The right one is still accepted after all that.
    ledger.accept(ann, 'asset.register', assetBody('two'));
    assert.equal(ledger.identity(ann)?.seq, 3);
  });

  test('the same entry appended twice is refused the second time', () => {
    const { ledger, people } = TestLedger.started({ people: ['ann'] });
    const ann = people[0]!;
    const entry = ann.sign('asset.register', assetBody('twice'));
    accepted(ledger.append(entry));
    assertRefused(ledger, () => ledger.append(entry), 'bad_sequence', 'sequence');
  });

  test('a refused transaction does not use up its seq', () => {
    const { ledger, people } = TestLedger.started({ people: ['ann', 'bob'] });
    const [ann, bob] = people as [Actor, Actor];
    ledger.accept(ann, 'asset.register', assetBody('contested'));
    assertRefused(
      ledger,
      () => ledger.submit(bob, 'asset.register', assetBody('contested')),
      'rights_conflict',
      'asset.cid.unique',
    );
    assert.equal(ledger.identity(bob)?.seq, 1);
    const outcome = accepted(ledger.submit(bob, 'asset.register', assetBody('own'), { seq: 2 }));
    const record = ledger.identity(bob)!;
    assert.equal(record.seq, 2);
    assert.deepEqual(record.lastTx, ref(ledger, last(ledger)));
    assert.equal(outcome.txId, record.lastTx.txId);
  });

  test('every accepted type moves its actor on: seq and lastTx', () => {
    const { ledger, operator, people } = TestLedger.started({ people: ['ann'] });
    const ann = people[0]!;
    const credential = operator.roleCredential(ann, 'appraiser', 'seq-role');
    const steps: [Actor, string, Body][] = [
      [operator, 'credential.issue', { credential }],
      [operator, 'credential.revoke', { id: credential.id, subject: ann.did }],
      [ann, 'asset.register', assetBody('moving')],
    ];
    for (const [actor, type, body] of steps) {
      const before = ledger.identity(actor)!.seq;
      ledger.accept(actor, type, body);
      const after = ledger.identity(actor)!;
      assert.equal(after.seq, before + 1, type);
      assert.deepEqual(after.lastTx, ref(ledger, last(ledger)), type);
    }
    const asset = ledger.outcomes.at(-1) as Acceptance;
    const id = asset.subject.asset!;
    ledger.accept(ann, 'asset.update', { asset: id, revision: 1, ...metadataOf(assetBody('moving')) });
    assert.equal(ledger.identity(ann)!.seq, 3);
  });
});

describe('ledger rules: identity.register', () => {
  test('a person is registered with seq 1 and no roles', () => {
    const { ledger } = TestLedger.started();
    const ann = ledger.actor('ann');
    const outcome = accepted(ledger.submit(ann, 'identity.register', { kind: 'person', name: '安 Ann' }));
    const at = ref(ledger, last(ledger));
    assert.deepEqual(outcome.subject, { did: ann.did });
    assert.deepEqual(writtenKeys(outcome), [identityKey(ann.did)]);
    assert.deepEqual(ledger.get(identityKey(ann.did)), {
      kind: 'identity',
      did: ann.did,
      type: 'person',
      name: '安 Ann',
      seq: 1,
      roles: [],
      realName: [],
      registered: at,
      lastTx: at,
    });
  });

  test('an organization may claim a did:web alias, once', () => {
    const { ledger } = TestLedger.started();
    const museum = ledger.actor('museum');
    const alias = 'did:web:museum.example.cn';
    const outcome = accepted(
      ledger.submit(museum, 'identity.register', { kind: 'organization', name: 'Museum', alias }),
    );
    const at = ref(ledger, last(ledger));
    assert.deepEqual(writtenKeys(outcome), [aliasKey(alias), identityKey(museum.did)].sort());
    assert.deepEqual(ledger.get(aliasKey(alias)), { kind: 'alias', alias, did: museum.did });
    assert.deepEqual(ledger.get(identityKey(museum.did)), {
      kind: 'identity',
      did: museum.did,
      type: 'organization',
      name: 'Museum',
      alias,
      seq: 1,
      roles: [],
      realName: [],
      registered: at,
      lastTx: at,
    });
    const copycat = ledger.actor('copycat');
    const taken = assertRefused(
      ledger,
      () => ledger.submit(copycat, 'identity.register', { kind: 'organization', name: 'Copy', alias }),
      'alias_taken',
      'identity.alias.unique',
    );
    assert.match(taken.message, new RegExp(museum.did));
    // Another alias is fine for it.
    ledger.accept(copycat, 'identity.register', {
      kind: 'organization',
      name: 'Copy',
      alias: 'did:web:museum.example.cn:copy',
    });
  });

  test('refusals: person with alias, bad bodies, already registered', () => {
    const { ledger, operator, people } = TestLedger.started({ people: ['ann'] });
    const ann = people[0]!;
    const newcomer = ledger.actor('newcomer');
    const cases: { name: string; actor: Actor; body: Body; code: RejectionCode; rule: string }[] = [
      {
        name: 'a person with a did:web alias',
        actor: newcomer,
        body: { kind: 'person', name: 'P', alias: 'did:web:person.example' },
        code: 'invalid_body',
        rule: 'identity.register.body',
      },
      {
        name: 'an alias that is not a did:web',
        actor: newcomer,
        body: { kind: 'organization', name: 'O', alias: 'did:web:UPPER.example' },
        code: 'invalid_body',
        rule: 'identity.register.schema',
      },
      {
        name: 'an unknown kind',
        actor: newcomer,
        body: { kind: 'robot', name: 'R' },
        code: 'invalid_body',
        rule: 'identity.register.schema',
      },
      {
        name: 'an unknown field',
        actor: newcomer,
        body: { kind: 'person', name: 'P', email: 'p@example.cn' },
        code: 'invalid_body',
        rule: 'identity.register.schema',
      },
      {
        name: 'a registered person again',
        actor: ann,
        body: { kind: 'person', name: 'Ann again' },
        code: 'identity_exists',
        rule: 'identity.register.once',
      },
      {
        name: 'the operator (registered by genesis)',
        actor: operator,
        body: { kind: 'organization', name: 'Operator again' },
        code: 'identity_exists',
        rule: 'identity.register.once',
      },
    ];
    for (const c of cases) {
      assertRefused(ledger, () => ledger.submit(c.actor, 'identity.register', c.body), c.code, c.rule);
    }
    assert.equal(ledger.identity(newcomer), undefined);
    assert.equal(ledger.identity(ann)?.name, 'ann');
  });
});

describe('ledger rules: unknown identities', () => {
  test('an unregistered actor can do nothing but register', () => {
    const { ledger, operator, people } = TestLedger.started({ people: ['ann'] });
    const ann = people[0]!;
    const stranger = ledger.actor('stranger');
    const annAsset = ledger.accept(ann, 'asset.register', assetBody('ann')).subject.asset!;
    const cases: [string, Body][] = [
      ['asset.register', assetBody('stranger')],
      ['asset.update', { asset: annAsset, revision: 1, ...metadataOf(assetBody('x')) }],
      ['credential.issue', { credential: stranger.realNameCredential(ann, 'stranger-rn') }],
      ['credential.revoke', { id: 'urn:uuid:0b5c4f7e-3c1a-4d7a-8f2e-6a1b2c3d4e5f', subject: ann.did }],
    ];
    for (const [type, body] of cases) {
      assertRefused(
        ledger,
        () => ledger.submit(stranger, type, body),
        'unknown_identity',
        'identity.registered',
      );
    }
    // A credential about an unregistered subject, from the operator.
    assertRefused(
      ledger,
      () =>
        ledger.submit(operator, 'credential.issue', {
          credential: operator.roleCredential(stranger, 'appraiser', 'for-stranger'),
        }),
      'unknown_identity',
      'credential.subject.registered',
    );
  });
});

describe('ledger rules: credential.issue', () => {
  test('the operator issues a role credential: the credential record and the role on the subject', () => {
    const { ledger, operator, people } = TestLedger.started({ people: ['ann'] });
    const ann = people[0]!;
    const credential = operator.roleCredential(ann, 'identity-authority', 'ann-ia');
    const outcome = accepted(ledger.submit(operator, 'credential.issue', { credential }));
    const at = ref(ledger, last(ledger));
    assert.deepEqual(outcome.subject, { credential: credential.id, did: ann.did });
    assert.deepEqual(
      writtenKeys(outcome),
      [credentialKey(credential.id), identityKey(ann.did), identityKey(operator.did)].sort(),
    );
    assert.deepEqual(ledger.get(credentialKey(credential.id)), {
      kind: 'credential',
      id: credential.id,
      issuer: operator.did,
      subject: ann.did,
      credentialType: 'role',
      role: 'identity-authority',
      credential,
      issued: at,
    });
    const holder = ledger.identity(ann)!;
    assert.deepEqual(holder.roles, [
      { role: 'identity-authority', credential: credential.id, validFrom: credential.validFrom },
    ]);
    assert.deepEqual(holder.realName, []);
    assert.equal(holder.seq, 1, "the subject's seq does not move");
    assert.equal(ledger.identity(operator)!.seq, 2);
  });

  test('real-name credentials: from an identity authority or the operator, not from anyone else', () => {
    const { ledger, operator, people } = TestLedger.started({ people: ['authority', 'ann', 'bob', 'reg'] });
    const [authority, ann, bob, reg] = people as [Actor, Actor, Actor, Actor];
    ledger.accept(operator, 'credential.issue', {
      credential: operator.roleCredential(authority, 'identity-authority', 'authority-ia'),
    });
    ledger.accept(operator, 'credential.issue', {
      credential: operator.roleCredential(reg, 'regulator', 'reg-regulator'),
    });

    const byAuthority = authority.realNameCredential(ann, 'ann-rn', { validUntil: '2027-01-01T00:00:00Z' });
    const outcome = accepted(ledger.submit(authority, 'credential.issue', { credential: byAuthority }));
    assert.deepEqual(ledger.get(credentialKey(byAuthority.id)), {
      kind: 'credential',
      id: byAuthority.id,
      issuer: authority.did,
      subject: ann.did,
      credentialType: 'real-name',
      credential: byAuthority,
      issued: ref(ledger, last(ledger)),
    });
    assert.deepEqual(outcome.subject, { credential: byAuthority.id, did: ann.did });
    assert.deepEqual(ledger.identity(ann)!.realName, [
      { credential: byAuthority.id, validFrom: byAuthority.validFrom, validUntil: '2027-01-01T00:00:00Z' },
    ]);

    const byOperator = operator.realNameCredential(bob, 'bob-rn');
    ledger.accept(operator, 'credential.issue', { credential: byOperator });
    assert.deepEqual(ledger.identity(bob)!.realName, [
      { credential: byOperator.id, validFrom: byOperator.validFrom },
    ]);

    const refusals: [Actor, Credential][] = [
      [bob, bob.realNameCredential(ann, 'bob-for-ann')],
      [reg, reg.realNameCredential(ann, 'reg-for-ann')],
      [ann, ann.realNameCredential(ann, 'ann-self')],
    ];
    for (const [issuer, credential] of refusals) {
      assertRefused(
        ledger,
        () => ledger.submit(issuer, 'credential.issue', { credential }),
        'not_authorized',
        'credential.real-name.authority',
      );
    }
  });

  test('only the operator issues role credentials', () => {
    const { ledger, operator, people } = TestLedger.started({ people: ['authority', 'ann'] });
    const [authority, ann] = people as [Actor, Actor];
    ledger.accept(operator, 'credential.issue', {
      credential: operator.roleCredential(authority, 'identity-authority', 'authority-ia'),
    });
    for (const [issuer, subject] of [
      [authority, ann],
      [ann, ann],
      [authority, authority],
    ] as const) {
      assertRefused(
        ledger,
        () =>
          ledger.submit(issuer, 'credential.issue', {
            credential: issuer.roleCredential(subject, 'regulator', `${issuer.label}-${subject.label}`),
          }),
        'not_authorized',
        'credential.role.operator',
      );
    }
  });

  test('a credential id is used once', () => {
    const { ledger, operator, people } = TestLedger.started({ people: ['ann', 'bob'] });
    const [ann, bob] = people as [Actor, Actor];
    const credential = operator.roleCredential(ann, 'appraiser', 'dup');
    ledger.accept(operator, 'credential.issue', { credential });
    assertRefused(
      ledger,
      () => ledger.submit(operator, 'credential.issue', { credential }),
      'credential_exists',
      'credential.id.unique',
    );
    // Another credential (another subject, another role) with the same id.
    const same = operator.roleCredential(bob, 'custodian', 'dup');
    assert.equal(same.id, credential.id);
    assertRefused(
      ledger,
      () => ledger.submit(operator, 'credential.issue', { credential: same }),
      'credential_exists',
      'credential.id.unique',
    );
    assert.deepEqual(ledger.identity(bob)!.roles, []);
  });

  test('credentials that are not sound are refused before the state is read', () => {
    const { ledger, operator, people } = TestLedger.started({ people: ['ann', 'other'] });
    const [ann, other] = people as [Actor, Actor];
    const good = operator.roleCredential(ann, 'appraiser', 'good');
    const { proof: _proof, ...unsignedGood } = good;
    const cases: { name: string; actor?: Actor; credential: unknown; message: RegExp }[] = [
      {
        name: 'subject changed after signing',
        credential: { ...good, credentialSubject: { id: ann.did, role: 'regulator' } },
        message: /does not verify/,
      },
      {
        name: 'validFrom changed after signing',
        credential: { ...good, validFrom: '2025-01-01T00:00:00Z' },
        message: /does not verify/,
      },
      {
        name: 'proofValue altered',
        credential: {
          ...good,
          proof: {
            ...good.proof,
            proofValue: `${good.proof.proofValue.slice(0, 10)}${good.proof.proofValue[10] === 'A' ? 'B' : 'A'}${good.proof.proofValue.slice(11)}`,
          },
        },
        message: /does not verify|proofValue|signature/,
      },
      {
        name: 'signed by another key than the issuer',
        credential: signDocument(unsignedGood, {
          privateKey: other.seed,
          verificationMethod: verificationMethodId(operator.did),
        }),
        message: /does not verify/,
      },
      {
        name: "a verificationMethod that is not the issuer's key",
        credential: signDocument(unsignedGood, {
          privateKey: other.seed,
          verificationMethod: verificationMethodId(other.did),
        }),
        message: /verificationMethod/,
      },
      {
        name: 'the issuer is not the actor',
        actor: ann,
        credential: operator.roleCredential(ann, 'appraiser', 'not-mine'),
        message: /issuer must be the actor/,
      },
      {
        name: 'the VC 1.1 @context',
        credential: signCredential(
          operator,
          unsignedRole(operator, ann, { '@context': ['https://www.w3.org/2018/credentials/v1'] }),
        ),
        message: /@context/,
      },
      {
        name: 'an extra @context',
        credential: signCredential(
          operator,
          unsignedRole(operator, ann, { '@context': [VC_V2_CONTEXT, 'https://example.org/ctx'] }),
        ),
        message: /@context/,
      },
      {
        name: 'validUntil before validFrom',
        credential: signCredential(
          operator,
          unsignedRole(operator, ann, {
            validFrom: '2026-06-01T00:00:00Z',
            validUntil: '2026-05-01T00:00:00Z',
          }),
        ),
        message: /validUntil must be after validFrom/,
      },
      {
        name: 'validUntil equal to validFrom',
        credential: signCredential(
          operator,
          unsignedRole(operator, ann, {
            validFrom: '2026-06-01T00:00:00Z',
            validUntil: '2026-06-01T00:00:00Z',
          }),
        ),
        message: /validUntil must be after validFrom/,
      },
      {
        name: 'validUntil in another time zone, before validFrom',
        credential: signCredential(
          operator,
          unsignedRole(operator, ann, {
            validFrom: '2026-06-01T00:00:00Z',
            validUntil: '2026-06-01T07:00:00+08:00',
          }),
        ),
        message: /validUntil must be after validFrom/,
      },
      {
        name: 'validFrom a date, not a dateTime',
        credential: signCredential(operator, unsignedRole(operator, ann, { validFrom: '2026-01-01' })),
        message: /validFrom must be/,
      },
      {
        name: 'validFrom at hour 24',
        credential: signCredential(
          operator,
          unsignedRole(operator, ann, { validFrom: '2026-01-01T24:00:00Z' }),
        ),
        message: /validFrom must be/,
      },
      {
        name: 'validUntil on April 31st',
        credential: signCredential(
          operator,
          unsignedRole(operator, ann, { validUntil: '2026-04-31T00:00:00Z' }),
        ),
        message: /validUntil must be/,
      },
      {
        name: 'the types in the other order',
        credential: signCredential(
          operator,
          unsignedRole(operator, ann, { type: ['CinnabarRoleCredential', 'VerifiableCredential'] }),
        ),
        message: /type must be/,
      },
      {
        name: 'VerifiableCredential twice',
        credential: signCredential(
          operator,
          unsignedRole(operator, ann, { type: ['VerifiableCredential', 'VerifiableCredential'] }),
        ),
        message: /type must be/,
      },
      {
        name: 'both Cinnabar types',
        credential: signCredential(
          operator,
          unsignedRole(operator, ann, { type: ['CinnabarRealNameCredential', 'CinnabarRoleCredential'] }),
        ),
        message: /type must be/,
      },
      {
        name: 'a role credential whose subject carries a realName',
        credential: signCredential(
          operator,
          unsignedRole(operator, ann, {
            credentialSubject: {
              id: ann.did,
              realName: { commitment: `sha256:${'0'.repeat(64)}`, method: 'passport' },
            },
          }),
        ),
        message: /names a role/,
      },
      {
        name: 'a real-name credential whose subject names a role',
        credential: signCredential(
          operator,
          unsignedRole(operator, ann, { type: ['VerifiableCredential', 'CinnabarRealNameCredential'] }),
        ),
        message: /realName commitment/,
      },
      {
        name: 'a subject of the right shape that is no key',
        credential: signCredential(
          operator,
          unsignedRole(operator, ann, {
            credentialSubject: { id: brokenDidKey(ann.did), role: 'appraiser' },
          }),
        ),
        message: /credentialSubject\.id/,
      },
    ];
    for (const c of cases) {
      const actor = c.actor ?? operator;
      const outcome = assertRefused(
        ledger,
        () => ledger.submit(actor, 'credential.issue', { credential: c.credential }),
        'invalid_credential',
        'credential.issue.credential',
      );
      assert.match(outcome.message, c.message, c.name);
    }
    // The untouched credential is accepted: the cases failed for what they changed.
    ledger.accept(operator, 'credential.issue', { credential: good });
  });

  test('credentials that do not match the schema are invalid bodies', () => {
    const { ledger, operator, people } = TestLedger.started({ people: ['ann'] });
    const ann = people[0]!;
    const good = operator.roleCredential(ann, 'appraiser', 'schema');
    const cases: [string, unknown][] = [
      ['an unknown role', { ...good, credentialSubject: { id: ann.did, role: 'emperor' } }],
      ['an extra field', { ...good, name: 'extra' }],
      ['another proof purpose', { ...good, proof: { ...good.proof, proofPurpose: 'authentication' } }],
      ['another cryptosuite', { ...good, proof: { ...good.proof, cryptosuite: 'eddsa-rdfc-2022' } }],
      ['an id that is not a urn:uuid', { ...good, id: 'https://example.cn/credential/1' }],
      ['an issuer that is not a did:key', { ...good, issuer: 'did:web:example.cn' }],
      ['another credential type', { ...good, type: ['VerifiableCredential', 'OtherCredential'] }],
      ['three types', { ...good, type: ['VerifiableCredential', 'CinnabarRoleCredential', 'Extra'] }],
      ['one type', { ...good, type: ['VerifiableCredential'] }],
    ];
    for (const [name, credential] of cases) {
      const outcome = assertRefused(
        ledger,
        () => ledger.submit(operator, 'credential.issue', { credential }),
        'invalid_body',
        'credential.issue.schema',
      );
      assert.ok(outcome.message.startsWith('body'), `${name}: ${outcome.message}`);
    }
  });
});

describe('ledger rules: credential.revoke', () => {
  function withCredentials() {
    const started = TestLedger.started({ people: ['authority', 'ann', 'bob'] });
    const { ledger, operator } = started;
    const [authority, ann, bob] = started.people as [Actor, Actor, Actor];
    const ia = operator.roleCredential(authority, 'identity-authority', 'authority-ia');
    ledger.accept(operator, 'credential.issue', { credential: ia });
    const annRealName = authority.realNameCredential(ann, 'ann-rn');
    ledger.accept(authority, 'credential.issue', { credential: annRealName });
    return { ledger, operator, authority, ann, bob, ia, annRealName };
  }

  test('the operator revokes a role credential: revoked on the record, role gone from the subject', () => {
    const { ledger, operator, authority, ia } = withCredentials();
    const before = ledger.get(credentialKey(ia.id));
    const outcome = accepted(
      ledger.submit(operator, 'credential.revoke', { id: ia.id, subject: authority.did, reason: 'retired' }),
    );
    assert.deepEqual(outcome.subject, { credential: ia.id, did: authority.did });
    assert.deepEqual(
      writtenKeys(outcome),
      [credentialKey(ia.id), identityKey(authority.did), identityKey(operator.did)].sort(),
    );
    assert.deepEqual(ledger.get(credentialKey(ia.id)), {
      ...before,
      revoked: { ...ref(ledger, last(ledger)), by: operator.did, reason: 'retired' },
    });
    assert.deepEqual(ledger.identity(authority)!.roles, []);
  });

  test('the issuer revokes its own real-name credential, without a reason', () => {
    const { ledger, authority, ann, annRealName } = withCredentials();
    accepted(ledger.submit(authority, 'credential.revoke', { id: annRealName.id, subject: ann.did }));
    const record = ledger.get(credentialKey(annRealName.id));
    assert.ok(record?.kind === 'credential');
    assert.deepEqual(record.revoked, { ...ref(ledger, last(ledger)), by: authority.did });
    assert.deepEqual(ledger.identity(ann)!.realName, []);
  });

  test('refusals: not the issuer, revoked twice, wrong subject, unknown id, subject that is no key', () => {
    const { ledger, operator, authority, ann, bob, ia, annRealName } = withCredentials();
    const cases: { name: string; actor: Actor; body: Body; code: RejectionCode; rule: string }[] = [
      {
        name: 'a stranger to the credential',
        actor: bob,
        body: { id: annRealName.id, subject: ann.did },
        code: 'not_authorized',
        rule: 'credential.revoke.issuer',
      },
      {
        name: 'the subject itself',
        actor: ann,
        body: { id: annRealName.id, subject: ann.did },
        code: 'not_authorized',
        rule: 'credential.revoke.issuer',
      },
      {
        name: 'the holder of a role revoking its own role credential',
        actor: authority,
        body: { id: ia.id, subject: authority.did },
        code: 'not_authorized',
        rule: 'credential.revoke.issuer',
      },
      {
        name: 'the wrong subject',
        actor: operator,
        body: { id: annRealName.id, subject: bob.did },
        code: 'credential_not_found',
        rule: 'credential.revoke.exists',
      },
      {
        name: 'an id never issued',
        actor: operator,
        body: { id: 'urn:uuid:00000000-0000-4000-8000-000000000000', subject: ann.did },
        code: 'credential_not_found',
        rule: 'credential.revoke.exists',
      },
      {
        name: 'a subject of the right shape that is no key',
        actor: operator,
        body: { id: annRealName.id, subject: brokenDidKey(ann.did) },
        code: 'invalid_body',
        rule: 'credential.revoke.body',
      },
      {
        name: 'an unknown field',
        actor: operator,
        body: { id: annRealName.id, subject: ann.did, when: 'now' },
        code: 'invalid_body',
        rule: 'credential.revoke.schema',
      },
    ];
    for (const c of cases) {
      assertRefused(ledger, () => ledger.submit(c.actor, 'credential.revoke', c.body), c.code, c.rule);
    }
    ledger.accept(operator, 'credential.revoke', { id: annRealName.id, subject: ann.did });
    const twice = assertRefused(
      ledger,
      () => ledger.submit(authority, 'credential.revoke', { id: annRealName.id, subject: ann.did }),
      'credential_revoked',
      'credential.revoke.once',
    );
    assert.match(twice.message, new RegExp(`entry ${last(ledger) - 1}\\b`));
  });

  test('after its identity-authority credential is revoked, the holder issues no more real-name credentials', () => {
    const { ledger, operator, authority, ann, bob, ia, annRealName } = withCredentials();
    ledger.accept(authority, 'credential.issue', {
      credential: authority.realNameCredential(bob, 'bob-rn-1'),
    });
    ledger.accept(operator, 'credential.revoke', { id: ia.id, subject: authority.did });
    assertRefused(
      ledger,
      () =>
        ledger.submit(authority, 'credential.issue', {
          credential: authority.realNameCredential(bob, 'bob-rn-2'),
        }),
      'not_authorized',
      'credential.real-name.authority',
    );
    // What it issued before stays, and it can still revoke what it issued.
    assert.equal(ledger.identity(ann)!.realName.length, 1);
    accepted(ledger.submit(authority, 'credential.revoke', { id: annRealName.id, subject: ann.did }));
    assert.deepEqual(ledger.identity(ann)!.realName, []);
  });

  test('revoking one of two credentials for the same role leaves the role held', () => {
    const { ledger, operator, authority, ann, ia } = withCredentials();
    const second = operator.roleCredential(authority, 'identity-authority', 'authority-ia-2');
    ledger.accept(operator, 'credential.issue', { credential: second });
    ledger.accept(operator, 'credential.revoke', { id: ia.id, subject: authority.did });
    assert.deepEqual(ledger.identity(authority)!.roles, [
      { role: 'identity-authority', credential: second.id, validFrom: second.validFrom },
    ]);
    accepted(
      ledger.submit(authority, 'credential.issue', {
        credential: authority.realNameCredential(ann, 'again'),
      }),
    );
  });
});

describe('ledger rules: the real-name policy', () => {
  test('realNameToRegister: refused without, accepted with, refused after expiry and after revocation', () => {
    const { ledger, operator, people } = TestLedger.started({ realNameToRegister: true, people: ['ann'] });
    const ann = people[0]!;
    const refuse = (label: string, time = T0) =>
      assertRefused(
        ledger,
        () => ledger.submit(ann, 'asset.register', assetBody(label), { time }),
        'real_name_required',
        'policy.real-name-to-register',
      );
    refuse('without');
    // Even the operator needs one.
    assertRefused(
      ledger,
      () => ledger.submit(operator, 'asset.register', assetBody('operator')),
      'real_name_required',
      'policy.real-name-to-register',
    );

    const credential = operator.realNameCredential(ann, 'ann-rn', { validUntil: '2026-06-01T00:00:00Z' });
    ledger.accept(operator, 'credential.issue', { credential });
    accepted(ledger.submit(ann, 'asset.register', assetBody('with'), { time: '2026-05-31T23:59:59Z' }));
    // At validUntil the credential is no longer valid (the transaction's time is what counts).
    refuse('at-expiry', '2026-06-01T00:00:00Z');
    refuse('after-expiry', '2026-07-01T00:00:00Z');
    accepted(ledger.submit(ann, 'asset.register', assetBody('still'), { time: '2026-05-01T00:00:00Z' }));

    ledger.accept(operator, 'credential.revoke', { id: credential.id, subject: ann.did });
    refuse('after-revocation', '2026-05-01T00:00:00Z');

    // A credential without validUntil does not expire.
    ledger.accept(operator, 'credential.issue', { credential: operator.realNameCredential(ann, 'ann-rn-2') });
    accepted(ledger.submit(ann, 'asset.register', assetBody('forever'), { time: '2099-12-31T23:59:59Z' }));
  });

  test('with the default policy no real-name credential is needed', () => {
    const { ledger, people } = TestLedger.started({ people: ['ann'] });
    accepted(ledger.submit(people[0]!, 'asset.register', assetBody('free')));
  });
});

describe('ledger rules: asset.register', () => {
  test('writes the asset, its revision 0 and the CID record; the asset id is the transaction id', () => {
    const { ledger, people } = TestLedger.started({ people: ['ann'] });
    const ann = people[0]!;
    const body = assetBody('vase', {
      description: 'A vase.\n\tBlue and white.',
      created: '1403',
      creators: [
        { name: 'Jingdezhen kilns', role: 'maker' },
        { name: 'Ann', did: ann.did },
      ],
      aiLabel: { Label: '2', ContentProducer: 'studio', ProduceID: 'p-1' },
      place: { grid: 'N50J47539b82', name: 'Jingdezhen' },
      timeSpan: { start: '1403', end: '1424-12' },
    });
    const entry = ann.sign('asset.register', body);
    const outcome = accepted(ledger.append(entry));
    const id = transactionId(entry);
    const at = ref(ledger, last(ledger));
    assert.equal(at.txId, id);
    assert.deepEqual(outcome.subject, { asset: id });
    assert.deepEqual(
      writtenKeys(outcome),
      [assetKey(id), assetRevisionKey(id, 0), cidKey(body.cid), identityKey(ann.did)].sort(),
    );
    const metadata = metadataOf(body);
    assert.deepEqual(Object.keys(metadata).sort(), [
      'aiLabel',
      'created',
      'creators',
      'description',
      'grade',
      'licence',
      'place',
      'timeSpan',
      'title',
    ]);
    assert.deepEqual(ledger.get(assetKey(id)), {
      kind: 'asset',
      id,
      cid: body.cid,
      size: body.size,
      mediaType: body.mediaType,
      owner: ann.did,
      registrant: ann.did,
      revision: 0,
      metadata,
      registered: at,
      updated: at,
    });
    assert.deepEqual(ledger.get(assetRevisionKey(id, 0)), {
      kind: 'asset-revision',
      asset: id,
      revision: 0,
      actor: ann.did,
      metadata,
      at,
    });
    assert.deepEqual(ledger.get(cidKey(body.cid)), {
      kind: 'cid',
      cid: body.cid,
      asset: id,
      registrant: ann.did,
      registered: at,
    });
  });

  test('the same bytes again: rights_conflict for another DID, already_registered for the same', () => {
    const { ledger, people } = TestLedger.started({ people: ['ann', 'bob'] });
    const [ann, bob] = people as [Actor, Actor];
    ledger.accept(bob, 'asset.register', assetBody('filler'));
    const first = ledger.accept(ann, 'asset.register', assetBody('bowl'));
    const index = last(ledger);
    const details = { asset: first.subject.asset!, registrant: ann.did, index };
    const conflict = assertRefused(
      ledger,
      () => ledger.submit(bob, 'asset.register', assetBody('bowl', { title: 'My bowl' })),
      'rights_conflict',
      'asset.cid.unique',
    );
    assert.deepEqual(conflict.details, details);
    assert.match(conflict.message, new RegExp(`${ann.did}.*${details.asset}.*entry ${index}`));
    const again = assertRefused(
      ledger,
      () => ledger.submit(ann, 'asset.register', assetBody('bowl', { title: 'Bowl again', size: 99 })),
      'already_registered',
      'asset.cid.unique',
    );
    assert.deepEqual(again.details, details);
  });

  test('derivedFrom must name existing assets', () => {
    const { ledger, people } = TestLedger.started({ people: ['ann', 'bob'] });
    const [ann, bob] = people as [Actor, Actor];
    const original = ledger.accept(ann, 'asset.register', assetBody('original')).subject.asset!;
    const missing = 'f'.repeat(64);
    const refused = assertRefused(
      ledger,
      () => ledger.submit(bob, 'asset.register', assetBody('copy', { derivedFrom: [original, missing] })),
      'asset_not_found',
      'asset.derived-from.exists',
    );
    assert.match(refused.message, new RegExp(missing));
    // Deriving from someone else's asset is allowed.
    const copy = ledger.accept(bob, 'asset.register', assetBody('copy', { derivedFrom: [original] }));
    const record = ledger.get(assetKey(copy.subject.asset!));
    assert.ok(record?.kind === 'asset');
    assert.deepEqual(record.metadata.derivedFrom, [original]);
  });

  test('bodies that break the schema or the state-free checks', () => {
    const { ledger, people } = TestLedger.started({ people: ['ann'] });
    const ann = people[0]!;
    const cid = cidFromBytes(utf8Encode('bad-bodies'));
    // Pattern-valid CIDs that are not CIDs: non-zero unused bits in the last base32 character, and
    // a digest length of 33 (the two bits after "bafkrei" are the low bits of the length byte).
    const nonCanonical = `${cid.slice(0, -1)}${cid.at(-1) === 'b' ? 'c' : 'b'}`;
    const length33 = `bafkrei${'j'}${cid.slice(8)}`;
    const cases: { name: string; body: Body; rule: 'schema' | 'body'; message?: RegExp }[] = [
      { name: 'unknown field', body: { ...assetBody('x'), tags: ['a'] }, rule: 'schema' },
      {
        name: 'missing title (and not sealed)',
        body: (({ title: _, ...b }) => b)(assetBody('x')),
        rule: 'body',
        message: /title: required, unless the description is sealed/,
      },
      {
        name: 'missing creators (and not sealed)',
        body: (({ creators: _, ...b }) => b)(assetBody('x')),
        rule: 'body',
        message: /creators: required, unless the description is sealed/,
      },
      { name: 'sealed not a CID', body: assetBody('x', { sealed: 'bafkrei' }), rule: 'schema' },
      { name: 'size as a string', body: assetBody('x', { size: '12' as unknown as number }), rule: 'schema' },
      { name: 'negative size', body: assetBody('x', { size: -1 }), rule: 'schema' },
      { name: 'fractional size', body: assetBody('x', { size: 1.5 }), rule: 'schema' },
      { name: 'title a number', body: assetBody('x', { title: 7 as unknown as string }), rule: 'schema' },
      { name: 'empty title', body: assetBody('x', { title: '' }), rule: 'schema' },
      { name: 'title of 201 characters', body: assetBody('x', { title: 't'.repeat(201) }), rule: 'schema' },
      { name: 'newline in title', body: assetBody('x', { title: 'two\nlines' }), rule: 'schema' },
      { name: 'BEL in title', body: assetBody('x', { title: 'ding\u0007' }), rule: 'schema' },
      { name: 'DEL in title', body: assetBody('x', { title: 'del\u007f' }), rule: 'schema' },
      { name: 'NUL in description', body: assetBody('x', { description: 'a\u0000b' }), rule: 'schema' },
      { name: 'no creators', body: assetBody('x', { creators: [] }), rule: 'schema' },
      {
        name: 'creator without name',
        body: assetBody('x', { creators: [{} as { name: string }] }),
        rule: 'schema',
      },
      { name: 'upper-case CID', body: assetBody('x', { cid: cid.toUpperCase() }), rule: 'schema' },
      {
        name: 'CIDv0',
        body: assetBody('x', { cid: 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG' }),
        rule: 'schema',
      },
      {
        name: 'CID, non-canonical base32',
        body: assetBody('x', { cid: nonCanonical }),
        rule: 'body',
        message: /^cid: /,
      },
      {
        name: 'CID, 33-byte digest length',
        body: assetBody('x', { cid: length33 }),
        rule: 'body',
        message: /digest length is 33/,
      },
      {
        name: 'created February 30th',
        body: assetBody('x', { created: '2025-02-30' }),
        rule: 'body',
        message: /created/,
      },
      {
        name: 'created February 29th, not a leap year',
        body: assetBody('x', { created: '2025-02-29' }),
        rule: 'body',
      },
      { name: 'created month 13', body: assetBody('x', { created: '2025-13' }), rule: 'schema' },
      {
        name: 'created with a time',
        body: assetBody('x', { created: '2025-01-01T00:00:00Z' }),
        rule: 'schema',
      },
      {
        name: 'timeSpan end before start',
        body: assetBody('x', { timeSpan: { start: '1650', end: '1644' } }),
        rule: 'body',
        message: /end is before start/,
      },
      {
        name: 'timeSpan end a day before start',
        body: assetBody('x', { timeSpan: { start: '1650-03-02', end: '1650-03-01' } }),
        rule: 'body',
      },
      {
        name: 'timeSpan end February 29th, not a leap year',
        body: assetBody('x', { timeSpan: { start: '1650', end: '1651-02-29' } }),
        rule: 'body',
        message: /timeSpan\.end/,
      },
      {
        name: 'timeSpan start April 31st',
        body: assetBody('x', { timeSpan: { start: '1650-04-31' } }),
        rule: 'body',
        message: /timeSpan\.start/,
      },
      {
        name: 'timeSpan without start',
        body: assetBody('x', { timeSpan: { end: '1650' } as never }),
        rule: 'schema',
      },
      { name: 'bad grade', body: assetBody('x', { grade: 'secret' as never }), rule: 'schema' },
      {
        name: 'aiLabel Label "4"',
        body: assetBody('x', { aiLabel: { Label: '4' as never, ContentProducer: 'a', ProduceID: 'b' } }),
        rule: 'schema',
      },
      {
        name: 'aiLabel Label as a number',
        body: assetBody('x', { aiLabel: { Label: 1 as never, ContentProducer: 'a', ProduceID: 'b' } }),
        rule: 'schema',
      },
      {
        name: 'aiLabel without ProduceID',
        body: assetBody('x', { aiLabel: { Label: '1', ContentProducer: 'a' } as never }),
        rule: 'schema',
      },
      { name: 'place grid garbage', body: assetBody('x', { place: { grid: 'garbage' } }), rule: 'schema' },
      {
        name: 'place grid, bad hemisphere',
        body: assetBody('x', { place: { grid: 'E50J47' } }),
        rule: 'schema',
      },
      {
        name: 'place grid too long',
        body: assetBody('x', { place: { grid: `N50J${'1'.repeat(30)}` } }),
        rule: 'schema',
      },
      { name: 'licence with a space', body: assetBody('x', { licence: 'CC BY' }), rule: 'schema' },
      {
        name: 'licenceTextHash upper case',
        body: assetBody('x', { licenceTextHash: 'A'.repeat(64) }),
        rule: 'schema',
      },
      { name: 'mediaType upper case', body: assetBody('x', { mediaType: 'Model/GLTF' }), rule: 'schema' },
      {
        name: 'derivedFrom twice the same',
        body: assetBody('x', { derivedFrom: ['a'.repeat(64), 'a'.repeat(64)] }),
        rule: 'schema',
      },
      { name: 'derivedFrom empty', body: assetBody('x', { derivedFrom: [] }), rule: 'schema' },
      {
        name: 'creator did:key that is no key',
        body: assetBody('x', { creators: [{ name: 'A', did: brokenDidKey(ann.did) }] }),
        rule: 'body',
        message: /creators\.0\.did/,
      },
      {
        name: 'creator DID of another method',
        body: assetBody('x', { creators: [{ name: 'A', did: 'did:example:123' }] }),
        rule: 'schema',
      },
    ];
    for (const c of cases) {
      const outcome = assertRefused(
        ledger,
        () => ledger.submit(ann, 'asset.register', c.body),
        'invalid_body',
        `asset.register.${c.rule}`,
      );
      if (c.message) assert.match(outcome.message, c.message, c.name);
    }
    assert.equal(ledger.identity(ann)!.seq, 1);
  });

  test('bodies at the edges of the schema are accepted', () => {
    const { ledger, people } = TestLedger.started({ people: ['ann'] });
    const ann = people[0]!;
    const bodies = [
      assetBody('e1', { title: 't'.repeat(200) }),
      assetBody('e2', { created: '2024-02-29', description: 'tab\tand\nnewline' }),
      assetBody('e3', { timeSpan: { start: '1650-03-01', end: '1650-03-01' }, size: 0 }),
      assetBody('e4', { licence: 'LicenseRef-Cinnabar-Display-1.0', licenceTextHash: 'a'.repeat(64) }),
      assetBody('e5', { aiLabel: { Label: '3', ContentProducer: '', ProduceID: '' }, grade: 'core' }),
      assetBody('e6', { creators: [{ name: 'Museum', did: 'did:web:museum.example.cn:staff' }] }),
      assetBody('e7', { size: Number.MAX_SAFE_INTEGER, mediaType: 'image/svg+xml' }),
    ];
    for (const body of bodies) accepted(ledger.submit(ann, 'asset.register', body));
  });
});

describe('ledger rules: asset.update', () => {
  function withAsset() {
    const started = TestLedger.started({ people: ['ann', 'bob'] });
    const [ann, bob] = started.people as [Actor, Actor];
    const body = assetBody('statue', { size: 4096 });
    const registration = started.ledger.accept(ann, 'asset.register', body);
    return {
      ...started,
      ann,
      bob,
      body,
      id: registration.subject.asset!,
      registeredAt: last(started.ledger),
    };
  }

  test('the owner revises the metadata; every revision is kept; bytes and registration unchanged', () => {
    const { ledger, ann, body, id, registeredAt } = withAsset();
    const revisions: AssetMetadata[] = [metadataOf(body)];
    for (let n = 1; n <= 4; n++) {
      const metadata = metadataOf(
        assetBody('statue', { title: `Statue, revision ${n}`, grade: n % 2 ? 'important' : 'general' }),
      );
      const time = `2026-03-0${n + 1}T00:00:00Z`;
      const outcome = accepted(
        ledger.submit(ann, 'asset.update', { asset: id, revision: n, ...metadata }, { time }),
      );
      assert.deepEqual(outcome.subject, { asset: id });
      assert.deepEqual(
        writtenKeys(outcome),
        [assetKey(id), assetRevisionKey(id, n), identityKey(ann.did)].sort(),
      );
      revisions.push(metadata);
      assert.deepEqual(ledger.get(assetKey(id)), {
        kind: 'asset',
        id,
        cid: body.cid,
        size: 4096,
        mediaType: body.mediaType,
        owner: ann.did,
        registrant: ann.did,
        revision: n,
        metadata,
        registered: ref(ledger, registeredAt),
        updated: ref(ledger, last(ledger), time),
      });
    }
    const kept = [...ledger.state.entries()].filter(([key]) => key.startsWith(`${assetKey(id)}/revision/`));
    assert.deepEqual(
      kept.map(([key]) => key),
      [0, 1, 2, 3, 4].map((n) => assetRevisionKey(id, n)),
    );
    for (const [n, [, record]] of kept.entries()) {
      assert.ok(record.kind === 'asset-revision');
      assert.equal(record.revision, n);
      assert.equal(record.actor, ann.did);
      assert.deepEqual(record.metadata, revisions[n]);
      assert.equal(record.at.index, registeredAt + n);
    }
    // The CID record still names the registration.
    const cid = ledger.get(cidKey(body.cid));
    assert.ok(cid?.kind === 'cid');
    assert.deepEqual(cid.registered, ref(ledger, registeredAt));
  });

  test('an update replaces the metadata whole: fields left out are gone', () => {
    const started = TestLedger.started({ people: ['ann'] });
    const { ledger } = started;
    const ann = started.people[0]!;
    const id = ledger.accept(
      ann,
      'asset.register',
      assetBody('full', { description: 'old', created: '1900' }),
    ).subject.asset!;
    ledger.accept(ann, 'asset.update', { asset: id, revision: 1, ...metadataOf(assetBody('full')) });
    const record = ledger.get(assetKey(id));
    assert.ok(record?.kind === 'asset');
    assert.equal(record.metadata.description, undefined);
    assert.equal(record.metadata.created, undefined);
  });

  test('refusals: not the owner, wrong revision, unknown asset, bad bodies', () => {
    const { ledger, ann, bob, body, id } = withAsset();
    const metadata = metadataOf(assetBody('statue', { title: 'Changed' }));
    ledger.accept(ann, 'asset.update', { asset: id, revision: 1, ...metadata });
    const cases: { name: string; actor: Actor; body: Body; code: RejectionCode; rule: string }[] = [
      {
        name: 'not the owner',
        actor: bob,
        body: { asset: id, revision: 2, ...metadata },
        code: 'not_owner',
        rule: 'asset.update.owner',
      },
      {
        name: 'a revision already made',
        actor: ann,
        body: { asset: id, revision: 1, ...metadata },
        code: 'revision_conflict',
        rule: 'asset.update.revision',
      },
      {
        name: 'a revision skipped',
        actor: ann,
        body: { asset: id, revision: 3, ...metadata },
        code: 'revision_conflict',
        rule: 'asset.update.revision',
      },
      {
        name: 'an unknown asset',
        actor: ann,
        body: { asset: 'e'.repeat(64), revision: 1, ...metadata },
        code: 'asset_not_found',
        rule: 'asset.exists',
      },
      {
        name: 'derived from a missing asset',
        actor: ann,
        body: { asset: id, revision: 2, ...metadata, derivedFrom: ['d'.repeat(64)] },
        code: 'asset_not_found',
        rule: 'asset.derived-from.exists',
      },
      {
        name: 'derived from itself',
        actor: ann,
        body: { asset: id, revision: 2, ...metadata, derivedFrom: [id] },
        code: 'invalid_body',
        rule: 'asset.update.body',
      },
      {
        name: 'revision 0',
        actor: ann,
        body: { asset: id, revision: 0, ...metadata },
        code: 'invalid_body',
        rule: 'asset.update.schema',
      },
      {
        name: 'a new CID',
        actor: ann,
        body: { asset: id, revision: 2, ...metadata, cid: cidFromBytes(bytesFrom('other')) },
        code: 'invalid_body',
        rule: 'asset.update.schema',
      },
      {
        name: 'a new size',
        actor: ann,
        body: { asset: id, revision: 2, ...metadata, size: 1 },
        code: 'invalid_body',
        rule: 'asset.update.schema',
      },
      {
        name: 'an asset id that is not hex',
        actor: ann,
        body: { asset: id.toUpperCase(), revision: 2, ...metadata },
        code: 'invalid_body',
        rule: 'asset.update.schema',
      },
      {
        name: 'February 30th',
        actor: ann,
        body: { asset: id, revision: 2, ...metadata, created: '2020-02-30' },
        code: 'invalid_body',
        rule: 'asset.update.body',
      },
    ];
    for (const c of cases) {
      const outcome = assertRefused(
        ledger,
        () => ledger.submit(c.actor, 'asset.update', c.body),
        c.code,
        c.rule,
      );
      if (c.code === 'revision_conflict') assert.deepEqual(outcome.details, { current: 1 }, c.name);
    }
    const record = ledger.get(assetKey(id));
    assert.ok(record?.kind === 'asset');
    assert.equal(record.revision, 1);
    assert.equal(record.cid, body.cid);
    assert.equal(ledger.get(assetRevisionKey(id, 2)), undefined);
    // And the next revision is still 2.
    accepted(ledger.submit(ann, 'asset.update', { asset: id, revision: 2, ...metadata }));
  });
});

describe('ledger rules: calendar edge cases', () => {
  test('a date in the years 0001 to 0099 is a calendar date', () => {
    const { ledger, people } = TestLedger.started({ people: ['ann'] });
    const ann = people[0]!;
    for (const [label, created] of [
      ['han', '0099'],
      ['han-month', '0025-06'],
      ['han-day', '0008-01-15'],
    ] as const) {
      accepted(ledger.submit(ann, 'asset.register', assetBody(label, { created })));
    }
  });

  test('a credential valid from February 30th is refused', () => {
    const { ledger, operator, people } = TestLedger.started({ people: ['ann'] });
    const ann = people[0]!;
    const credential = signCredential(
      operator,
      unsignedRole(operator, ann, { validFrom: '2026-02-30T00:00:00Z' }),
    );
    assertRefused(
      ledger,
      () => ledger.submit(operator, 'credential.issue', { credential }),
      'invalid_credential',
      'credential.issue.credential',
    );
  });
});

describe('ledger rules: credentials count only within their validity, at the transaction time', () => {
  test('an identity authority whose role has expired, or has not begun, issues no real-name credential', () => {
    const { ledger, operator, people } = TestLedger.started({ people: ['ia', 'ann', 'bob'] });
    const [ia, ann, bob] = people as [Actor, Actor, Actor];
    const role = operator.roleCredential(ia, 'identity-authority', 'ia-window', {
      validFrom: '2026-02-01T00:00:00Z',
      validUntil: '2026-06-01T00:00:00Z',
    });
    ledger.accept(operator, 'credential.issue', { credential: role });
    // Inside the window (T0 is 2026-03-01): accepted.
    accepted(ledger.submit(ia, 'credential.issue', { credential: ia.realNameCredential(ann, 'in-window') }));
    for (const time of ['2026-01-15T00:00:00Z', '2026-06-01T00:00:00Z', '2027-01-01T00:00:00Z'])
      assertRefused(
        ledger,
        () =>
          ledger.submit(
            ia,
            'credential.issue',
            { credential: ia.realNameCredential(bob, `at-${time}`) },
            { time },
          ),
        'not_authorized',
        'credential.real-name.authority',
      );
  });

  test('a real-name credential counts for registering only from its validFrom', () => {
    const { ledger, operator, people } = TestLedger.started({ realNameToRegister: true, people: ['ann'] });
    const ann = people[0]!;
    const later = operator.realNameCredential(ann, 'from-april', { validFrom: '2026-04-01T00:00:00Z' });
    ledger.accept(operator, 'credential.issue', { credential: later });
    assertRefused(
      ledger,
      () => ledger.submit(ann, 'asset.register', assetBody('too-early')),
      'real_name_required',
      'policy.real-name-to-register',
    );
    accepted(ledger.submit(ann, 'asset.register', assetBody('in-april'), { time: '2026-04-02T00:00:00Z' }));
  });

  test('a credential already expired when it is logged, and a self-certified real name, are refused', () => {
    const { ledger, operator, people } = TestLedger.started({ people: ['ia', 'ann'] });
    const [ia, ann] = people as [Actor, Actor];
    assertRefused(
      ledger,
      () =>
        ledger.submit(operator, 'credential.issue', {
          credential: operator.realNameCredential(ann, 'expired', { validUntil: '2026-02-01T00:00:00Z' }),
        }),
      'invalid_credential',
      'credential.issue.not-expired',
    );
    ledger.accept(operator, 'credential.issue', {
      credential: operator.roleCredential(ia, 'identity-authority', 'ia-self'),
    });
    assertRefused(
      ledger,
      () => ledger.submit(ia, 'credential.issue', { credential: ia.realNameCredential(ia, 'myself') }),
      'not_authorized',
      'credential.real-name.not-self',
    );
  });

  test('a time span compares dates of different precision by their common prefix', () => {
    const { ledger, people } = TestLedger.started({ people: ['ann'] });
    const ann = people[0]!;
    accepted(
      ledger.submit(
        ann,
        'asset.register',
        assetBody('year-month', { timeSpan: { start: '2020-05', end: '2020' } }),
      ),
    );
    assertRefused(
      ledger,
      () =>
        ledger.submit(
          ann,
          'asset.register',
          assetBody('backwards', { timeSpan: { start: '2020-05', end: '2019' } }),
        ),
      'invalid_body',
      'asset.register.body',
    );
  });
});
