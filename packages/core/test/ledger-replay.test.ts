// Replaying the ledger is deterministic: a seeded random workload of valid and invalid
// transactions (several actors, conflicts, wrong sequence numbers, updates by non-owners, entries
// that are not JSON or are signed by another key) gives the same state and outcomes every time,
// however it is split, and the state depends on every accepted transaction and on nothing else.
//
// Ed25519 verification with @noble/curves costs about 2 ms here, so the workload goes through
// MemoryLedger.apply (decode, signature, rules) once, in full; the other replays reuse each
// entry's check (and the generator, for the entries it signed itself, parses them and skips the
// signature check). The full replay's outcomes must equal the generator's, which is what makes
// that shortcut safe.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { prng } from '../../node/test/support/prng.js';
import { utf8Decode, utf8Encode } from '../src/bytes.js';
import { MemoryLedger, type ReplayOutcome } from '../src/ledger/memory-ledger.js';
import {
  assetKey,
  credentialKey,
  identityKey,
  type LedgerView,
  type StateRecord,
} from '../src/ledger/records.js';
import {
  applyTransaction,
  checkEntry,
  type PreparedTransaction,
  prepareTransaction,
  type Rejection,
  type RejectionCode,
} from '../src/ledger/rules.js';
import { type Credential, ROLES, type Role } from '../src/ledger/schemas.js';
import { type SignedTransaction, transactionId } from '../src/tx/transaction.js';
import { Actor, assetBody, type Body, forgeEntry, T0 } from './support/ledger-actors.js';

/** The workload's seed and size; override them to explore, e.g. CINNABAR_REPLAY_COUNT=5000. */
const SEED = Number(process.env.CINNABAR_REPLAY_SEED ?? 0x2c1ab);
/** Transactions in the workload: what fits in about 5 s (see the note at the top). */
const COUNT = Number(process.env.CINNABAR_REPLAY_COUNT ?? 600);

// ---------------------------------------------------------------------------------------------
// Replaying from entries already checked (decoded, signature verified or known good)

interface Checked {
  entry: Uint8Array;
  check: ReturnType<typeof checkEntry>;
  /** prepareTransaction needs no state, so it is done once per entry. */
  prepared?: PreparedTransaction | Rejection;
}

/** What MemoryLedger.apply does, from a checked entry; `view` wraps the state the rules read. */
function applyChecked(
  ledger: MemoryLedger,
  checked: Checked,
  index: number,
  view: (prepared: PreparedTransaction) => LedgerView = () => ledger,
): ReplayOutcome {
  const { check } = checked;
  if (!check.ok) return check;
  checked.prepared ??= prepareTransaction(check.tx);
  const prepared = checked.prepared;
  if (!prepared.ok) return prepared;
  const result = applyTransaction(view(prepared), prepared, { index, txId: check.txId });
  if (!result.ok) return result;
  ledger.write(result.writes);
  return { ...result, txId: check.txId };
}

/** Replays `list` into `ledger` at consecutive indexes from `first`. */
function replayChecked(list: readonly Checked[], ledger = new MemoryLedger(), first = 0) {
  const outcomes = list.map((checked, i) => applyChecked(ledger, checked, first + i));
  return { ledger, outcomes };
}

/** A new ledger holding the same records, as a database would: each one through JSON. */
function restored(from: MemoryLedger): MemoryLedger {
  const ledger = new MemoryLedger();
  ledger.write(
    [...from.entries()].map(([key, record]) => ({ key, record: JSON.parse(JSON.stringify(record)) })),
  );
  return ledger;
}

// ---------------------------------------------------------------------------------------------
// The workload

const OPERATOR = new Actor('operator');
const ACTORS = Array.from({ length: 10 }, (_, i) => new Actor(`actor-${i}`));
const EVERYONE = [OPERATOR, ...ACTORS];
const BY_DID = new Map(EVERYONE.map((a) => [a.did, a]));
const CONTESTED_ALIAS = 'did:web:museum.example.cn';

interface IssuedCredential {
  label: string;
  id: string;
  issuer: Actor;
  subject: string;
}

interface Workload {
  checked: Checked[];
  outcomes: ReplayOutcome[];
  digest: string;
}

/** Times one minute apart from T0, so that real-name credentials expire during the workload. */
function minute(n: number): string {
  return new Date(Date.parse(T0) + n * 60_000).toISOString();
}

function generate(seed: number, count: number): Workload {
  const random = prng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const chance = (p: number) => random() < p;

  for (const actor of EVERYONE) actor.seq = 0;
  const ledger = new MemoryLedger();
  const checked: Checked[] = [];
  const outcomes: ReplayOutcome[] = [];
  const assets: string[] = [];
  const credentials: IssuedCredential[] = [];
  let credentialCount = 0;
  let step = 0;

  const push = (entry: Uint8Array, check: Checked['check']): void => {
    const item: Checked = { entry, check };
    const outcome = applyChecked(ledger, item, checked.length);
    checked.push(item);
    outcomes.push(outcome);
    if (outcome.ok && check.ok) {
      const actor = BY_DID.get(check.tx.actor);
      if (actor) actor.seq = check.tx.seq;
      if (check.tx.type === 'asset.register') assets.push(outcome.subject.asset!);
    }
  };
  /** An entry the generator signed with the actor's own key: its signature is good. */
  const signed = (actor: Actor, type: string, body: Body, seq?: number): void => {
    const entry = actor.sign(
      type,
      body,
      seq === undefined ? { time: minute(step) } : { time: minute(step), seq },
    );
    push(entry, {
      ok: true,
      tx: JSON.parse(utf8Decode(entry)) as SignedTransaction,
      txId: transactionId(entry),
    });
  };
  /** An entry of unknown worth: checked in full. */
  const unchecked = (entry: Uint8Array): void => push(entry, checkEntry(entry));

  const identity = (did: string) => {
    const record = ledger.get(identityKey(did));
    return record?.kind === 'identity' ? record : undefined;
  };
  const registered = () => EVERYONE.filter((a) => identity(a.did) !== undefined);
  const someone = (pRegistered: number): Actor => {
    const known = registered();
    return known.length > 0 && chance(pRegistered) ? pick(known) : pick(EVERYONE);
  };

  const assetRecord = (id: string) => {
    const record = ledger.get(assetKey(id));
    assert.ok(record?.kind === 'asset');
    return record;
  };
  const assetRegisterBody = (actor: Actor): Body => {
    const label = `content-${int(Math.ceil(count / 4))}`;
    const derivedFrom =
      chance(0.15) && assets.length > 0
        ? [...new Set([pick(assets), pick(assets)])]
        : chance(0.03)
          ? ['0'.repeat(64)]
          : undefined;
    // Now and then the bytes of an asset already registered: the actor's own, or anyone's.
    const own = assets.filter((id) => assetRecord(id).owner === actor.did);
    const again =
      chance(0.08) && own.length > 0
        ? pick(own)
        : chance(0.04) && assets.length > 0
          ? pick(assets)
          : undefined;
    const body = assetBody(label, {
      title: `${label} by ${actor.label} at ${step}`,
      ...(again === undefined ? {} : { cid: assetRecord(again).cid }),
      ...(derivedFrom ? { derivedFrom } : {}),
      grade: pick(['general', 'important', 'core'] as const),
    });
    if (!chance(0.06)) return body;
    return pick<Body>([
      { ...body, title: 'x'.repeat(201) },
      { ...body, created: '2025-02-30' },
      { ...body, colour: 'red' },
      { ...body, size: -1 },
      { ...body, timeSpan: { start: '1700', end: '1600' } },
      { ...body, aiLabel: { Label: '4', ContentProducer: 'p', ProduceID: 'i' } },
    ]);
  };

  const credentialLabel = (): string =>
    chance(0.08) && credentials.length > 0 ? pick(credentials).label : `cred-${credentialCount++}`;

  const issue = (issuer: Actor, credential: Credential, label: string): void => {
    const before = outcomes.length;
    signed(issuer, 'credential.issue', { credential });
    if (outcomes[before]!.ok)
      credentials.push({ label, id: credential.id, issuer, subject: credential.credentialSubject.id });
  };

  const actions: [number, () => void][] = [
    [
      5,
      () => {
        const unregistered = ACTORS.filter((a) => identity(a.did) === undefined);
        const actor = unregistered.length > 0 && chance(0.85) ? pick(unregistered) : pick(EVERYONE);
        // Every other actor is an organization with a did:web alias, mostly the one contested
        // alias, else its own; a person claims one now and then (which only organizations may).
        const organization = ACTORS.indexOf(actor) % 2 === 0;
        const body: Record<string, string> = {
          kind: organization ? 'organization' : 'person',
          name: actor.label,
        };
        if (organization || chance(0.05))
          body.alias = chance(0.85) ? CONTESTED_ALIAS : `did:web:${actor.label}.example.cn`;
        signed(actor, 'identity.register', body);
      },
    ],
    [
      28,
      () => {
        const actor = someone(0.92);
        signed(actor, 'asset.register', assetRegisterBody(actor));
      },
    ],
    [
      18,
      () => {
        if (assets.length === 0) return;
        const id = pick(assets);
        const record = assetRecord(id);
        const owner = BY_DID.get(record.owner)!;
        const actor = chance(0.75) ? owner : someone(0.9);
        const revision = chance(0.85) ? record.revision + 1 : pick([record.revision, record.revision + 2, 1]);
        const {
          cid: _c,
          size: _s,
          mediaType: _m,
          ...metadata
        } = assetBody(`revised-${step}`, {
          title: `${(record.metadata.title ?? 'sealed').slice(0, 120)} (revision ${revision})`,
          ...(chance(0.1) && assets.length > 1 ? { derivedFrom: [pick(assets)] } : {}),
        });
        signed(actor, 'asset.update', { asset: chance(0.03) ? 'e'.repeat(64) : id, revision, ...metadata });
      },
    ],
    [
      4,
      () => {
        const issuer = chance(0.85) ? OPERATOR : someone(0.9);
        const role: Role = chance(0.5) ? 'identity-authority' : pick(ROLES);
        const label = credentialLabel();
        issue(issuer, issuer.roleCredential(pick(EVERYONE), role, label), label);
      },
    ],
    [
      9,
      () => {
        const authorities = registered().filter((a) =>
          identity(a.did)!.roles.some((r) => r.role === 'identity-authority'),
        );
        const issuer =
          chance(0.45) || authorities.length === 0
            ? chance(0.8)
              ? OPERATOR
              : someone(0.9)
            : pick(authorities);
        const label = credentialLabel();
        const validUntil = chance(0.5) ? minute(step + 1 + int(400)) : undefined;
        let credential = issuer.realNameCredential(pick(EVERYONE), label, validUntil ? { validUntil } : {});
        if (chance(0.08)) credential = { ...credential, validFrom: '2025-12-31T00:00:00Z' }; // breaks the proof
        issue(issuer, credential, label);
      },
    ],
    [
      5,
      () => {
        if (credentials.length === 0) return;
        const c = pick(credentials);
        const actor = chance(0.5) ? c.issuer : chance(0.6) ? OPERATOR : someone(0.9);
        const subject = chance(0.85) ? c.subject : pick(EVERYONE).did;
        signed(actor, 'credential.revoke', {
          id: chance(0.03) ? 'urn:uuid:00000000-0000-4000-8000-000000000000' : c.id,
          subject,
          ...(chance(0.3) ? { reason: `step ${step}` } : {}),
        });
      },
    ],
    [
      6,
      () => {
        const actor = someone(1);
        const seq = pick([actor.seq, actor.seq + 2, Math.max(1, actor.seq - 3)]);
        signed(actor, 'asset.register', assetRegisterBody(actor), seq);
      },
    ],
    [
      4,
      () => {
        const earlier = pick(checked);
        push(earlier.entry, earlier.check);
      },
    ],
    [
      3,
      () => {
        const actor = someone(0.9);
        const signer = pick(EVERYONE.filter((a) => a !== actor));
        unchecked(
          forgeEntry(
            actor.transaction('asset.register', assetRegisterBody(actor), { time: minute(step) }),
            signer.seed,
          ),
        );
      },
    ],
    [
      4,
      () => {
        const kind = int(4);
        if (kind === 0) unchecked(Uint8Array.from({ length: 1 + int(120) }, () => int(256)));
        else if (kind === 1)
          unchecked(utf8Encode(pick(['', 'null', '[]', '{"v":1}', 'not json', '{"actor":'])));
        else {
          // An earlier entry with one byte changed: no longer JSON, no longer canonical, or no longer signed.
          const earlier = pick(checked).entry;
          const bytes = Uint8Array.from(earlier);
          const at = int(bytes.length);
          bytes[at] = kind === 2 ? 0x41 + int(26) : bytes[at]! ^ 1;
          unchecked(bytes);
        }
      },
    ],
    [1, () => signed(someone(0.9), pick(['asset.teleport', 'identity.delete']), { asset: '0'.repeat(64) })],
    [
      1,
      () =>
        signed(pick(EVERYONE), 'ledger.genesis', { name: 'again', policy: { realNameToRegister: false } }),
    ],
  ];
  const total = actions.reduce((sum, [weight]) => sum + weight, 0);

  // Before genesis, then genesis with the real-name policy on.
  signed(ACTORS[0]!, 'identity.register', { kind: 'person', name: 'early' });
  signed(OPERATOR, 'asset.register', assetRegisterBody(OPERATOR));
  signed(OPERATOR, 'ledger.genesis', { name: 'Replay ledger', policy: { realNameToRegister: true } });
  while (checked.length < count) {
    step++;
    let roll = random() * total;
    for (const [weight, action] of actions) {
      roll -= weight;
      if (roll < 0) {
        action();
        break;
      }
    }
  }
  return { checked, outcomes, digest: ledger.digest() };
}

let cached: Workload | undefined;
function workload(): Workload {
  cached ??= generate(SEED, COUNT);
  return cached;
}

function txType(checked: Checked): string | undefined {
  return checked.check.ok ? checked.check.tx.type : undefined;
}

// ---------------------------------------------------------------------------------------------

describe('ledger replay', () => {
  test('the workload mixes accepted transactions of every type with refusals of every kind', () => {
    const { checked, outcomes } = workload();
    assert.equal(checked.length, COUNT);
    const acceptedTypes = new Set<string>();
    const codes = new Set<RejectionCode>();
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome.ok) acceptedTypes.add(txType(checked[i]!)!);
      else codes.add(outcome.code);
    }
    const accepted = outcomes.filter((o) => o.ok).length;
    assert.ok(accepted > COUNT * 0.2 && accepted < COUNT * 0.8, `${accepted} of ${COUNT} accepted`);
    assert.deepEqual([...acceptedTypes].sort(), [
      'asset.register',
      'asset.update',
      'credential.issue',
      'credential.revoke',
      'identity.register',
      'ledger.genesis',
    ]);
    const every: RejectionCode[] = [
      'malformed_transaction',
      'invalid_signature',
      'unknown_type',
      'invalid_body',
      'invalid_credential',
      'no_genesis',
      'genesis_exists',
      'bad_sequence',
      'unknown_identity',
      'identity_exists',
      'alias_taken',
      'not_authorized',
      'real_name_required',
      'credential_exists',
      'credential_not_found',
      'credential_revoked',
      'rights_conflict',
      'already_registered',
      'asset_not_found',
      'not_owner',
      'revision_conflict',
    ];
    assert.deepEqual(
      every.filter((code) => !codes.has(code)),
      [],
      'rejection codes the workload never produced',
    );
  });

  test('MemoryLedger replays of the entries give the same outcomes and digest as the generator', () => {
    const { checked, outcomes, digest } = workload();
    const full = new MemoryLedger();
    const fullOutcomes = checked.map(({ entry }, i) => full.apply(entry, i));
    assert.deepEqual(fullOutcomes, outcomes);
    assert.equal(full.digest(), digest);
    assert.deepEqual(full.counts, {
      entries: COUNT,
      rejected: outcomes.filter((o) => !o.ok).length,
    });
    // And a second replay of the same (already checked) entries into another ledger.
    const again = replayChecked(checked);
    assert.deepEqual(again.outcomes, outcomes);
    assert.equal(again.ledger.digest(), digest);
    assert.deepEqual([...again.ledger.entries()], [...full.entries()]);
  });

  test('replaying a prefix, restoring its state elsewhere and replaying the rest equals replaying all', () => {
    const { checked, outcomes, digest } = workload();
    const random = prng(SEED ^ 0x77);
    const splits = [1, COUNT - 1, ...Array.from({ length: 3 }, () => 1 + Math.floor(random() * (COUNT - 1)))];
    for (const k of splits) {
      const prefix = replayChecked(checked.slice(0, k));
      const rest = replayChecked(checked.slice(k), restored(prefix.ledger), k);
      assert.deepEqual([...prefix.outcomes, ...rest.outcomes], outcomes, `split at ${k}`);
      assert.equal(rest.ledger.digest(), digest, `split at ${k}`);
    }
  });

  test('the state depends on every accepted transaction, and on no refused one', () => {
    const { checked, outcomes, digest } = workload();
    const filler: Checked = { entry: utf8Encode('dropped'), check: checkEntry(utf8Encode('dropped')) };
    const acceptedAt = outcomes.flatMap((o, i) => (o.ok ? [i] : []));
    const refusedAt = outcomes.flatMap((o, i) => (o.ok ? [] : [i]));
    const random = prng(SEED ^ 0x99);
    const sample = (from: number[], n: number) =>
      Array.from({ length: n }, () => from[Math.floor(random() * from.length)]!);

    const without = <T>(list: readonly T[], i: number) => list.filter((_, j) => j !== i);
    // Refused in its place, so that no later index moves.
    const replacing = (list: readonly Checked[], i: number) => list.map((c, j) => (j === i ? filler : c));

    // The prefix up to the 30th accepted entry: each accepted entry dropped, or replaced by a
    // refused one, gives another state; some refused entries replaced give the same state.
    const early = acceptedAt.slice(0, 30);
    assert.equal(early.length, 30);
    const prefix = checked.slice(0, early.at(-1)! + 1);
    const prefixDigest = replayChecked(prefix).ledger.digest();
    for (const i of early) {
      assert.notEqual(replayChecked(without(prefix, i)).ledger.digest(), prefixDigest, `dropping ${i}`);
      assert.notEqual(replayChecked(replacing(prefix, i)).ledger.digest(), prefixDigest, `replacing ${i}`);
    }
    for (const i of sample(
      refusedAt.filter((i) => i < prefix.length),
      10,
    )) {
      assert.equal(
        replayChecked(replacing(prefix, i)).ledger.digest(),
        prefixDigest,
        `replacing refused ${i}`,
      );
    }
    // And a sample over the whole workload.
    for (const i of sample(acceptedAt, 3)) {
      assert.notEqual(replayChecked(without(checked, i)).ledger.digest(), digest, `dropping ${i}`);
      assert.notEqual(replayChecked(replacing(checked, i)).ledger.digest(), digest, `replacing ${i}`);
    }
    for (const i of sample(refusedAt, 3)) {
      const replaced = replayChecked(replacing(checked, i));
      assert.equal(replaced.ledger.digest(), digest, `replacing refused ${i}`);
      assert.deepEqual(without(replaced.outcomes, i), without(outcomes, i));
    }
  });

  test('the digest covers every record, of every kind', () => {
    const { checked, digest } = workload();
    const ledger = replayChecked(checked).ledger;
    const records = [...ledger.entries()];
    const kinds = new Map<string, [string, StateRecord][]>();
    for (const entry of records) kinds.set(entry[1].kind, [...(kinds.get(entry[1].kind) ?? []), entry]);
    assert.deepEqual([...kinds.keys()].sort(), [
      'alias',
      'asset',
      'asset-revision',
      'cid',
      'credential',
      'identity',
      'ledger',
    ]);
    const random = prng(SEED ^ 0x55);
    const ledgerOf = (list: [string, StateRecord][]) => {
      const copy = new MemoryLedger();
      copy.write(list.map(([k, r]) => ({ key: k, record: r })));
      return copy;
    };
    assert.equal(ledgerOf(records).digest(), digest);
    for (const [kind, ofKind] of kinds) {
      const [key, record] = ofKind[Math.floor(random() * ofKind.length)]!;
      assert.notEqual(ledgerOf(records.filter(([k]) => k !== key)).digest(), digest, `without ${key}`);
      const changed = { ...record, extra: true } as unknown as StateRecord;
      const withChange = records.map(([k, r]): [string, StateRecord] => [k, k === key ? changed : r]);
      assert.notEqual(ledgerOf(withChange).digest(), digest, `a changed ${kind}`);
    }
  });

  test('every accepted asset.register makes an asset whose id is the transaction id of its entry', () => {
    const { checked, outcomes } = workload();
    const full = replayChecked(checked).ledger;
    let registrations = 0;
    for (const [i, outcome] of outcomes.entries()) {
      const item = checked[i]!;
      if (!outcome.ok || txType(item) !== 'asset.register') continue;
      registrations++;
      const id = transactionId(item.entry);
      assert.equal(outcome.subject.asset, id);
      assert.equal(outcome.txId, id);
      const record = full.get(assetKey(id));
      assert.ok(record?.kind === 'asset');
      assert.equal(record.id, id);
      assert.equal(record.registered.txId, id);
      assert.equal(record.registered.index, i);
    }
    assert.ok(registrations > 30, `${registrations} registrations`);
  });

  test('the rules read only the keys prepareTransaction names', () => {
    const { checked, outcomes } = workload();
    const ledger = new MemoryLedger();
    const replayed = checked.map((item, i) =>
      applyChecked(ledger, item, i, (prepared) => ({
        get(key: string): StateRecord | undefined {
          if (!prepared.keys.includes(key))
            throw new Error(
              `${prepared.type} read ${key}, which is not among its keys ${prepared.keys.join(', ')}`,
            );
          return ledger.get(key);
        },
      })),
    );
    assert.deepEqual(replayed, outcomes);
  });

  test('the state holds what the outcomes say: credential and identity records agree', () => {
    const { checked, outcomes } = workload();
    const ledger = replayChecked(checked).ledger;
    // Roles and real-name entries on identities are exactly the unrevoked credentials about them.
    const expected = new Map<string, { roles: string[]; realName: string[] }>();
    for (const [key, record] of ledger.entries()) {
      if (record.kind !== 'credential' || record.revoked) continue;
      const entry = expected.get(record.subject) ?? { roles: [], realName: [] };
      (record.credentialType === 'role' ? entry.roles : entry.realName).push(record.id);
      expected.set(record.subject, entry);
      assert.equal(key, credentialKey(record.id));
    }
    for (const actor of EVERYONE) {
      const record = ledger.get(identityKey(actor.did));
      if (record?.kind !== 'identity') continue;
      const want = expected.get(actor.did) ?? { roles: [], realName: [] };
      assert.deepEqual(record.roles.map((r) => r.credential).sort(), want.roles.sort(), actor.label);
      assert.deepEqual(record.realName.map((r) => r.credential).sort(), want.realName.sort(), actor.label);
      // seq is the number of the identity's accepted transactions.
      const own = outcomes.filter(
        (o, i) => o.ok && checked[i]!.check.ok && checked[i]!.check.tx.actor === actor.did,
      );
      assert.equal(record.seq, own.length, actor.label);
    }
  });
});
