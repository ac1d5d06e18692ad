import assert from 'node:assert/strict';
// Actors that sign ledger transactions, and a ledger that appends their entries at consecutive
// indexes, for the tests of the ledger's rules. Everything is derived from labels, so a test run is
// the same every time (the same seeds, DIDs, credential ids and CIDs).
import { createPrivateKey, type KeyObject, sign as nodeSign } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { base64Encode } from '../../src/base64.js';
import { concatBytes, hexDecode, utf8Encode } from '../../src/bytes.js';
import { cidFromBytes } from '../../src/cid.js';
import { didKeyFromPublicKey } from '../../src/did-key.js';
import { sha256 } from '../../src/hash.js';
import { canonicalBytes } from '../../src/jcs.js';
import { issueRealNameCredential, issueRoleCredential } from '../../src/ledger/credentials.js';
import { MemoryLedger, type ReplayOutcome } from '../../src/ledger/memory-ledger.js';
import { identityKey, type StateRecord } from '../../src/ledger/records.js';
import type { Rejection, RejectionCode } from '../../src/ledger/rules.js';
import type { AssetRegister, Credential, Role } from '../../src/ledger/schemas.js';
import {
  decodeTransaction,
  encodeTransaction,
  type JsonObject,
  type Transaction,
  transactionSigningInput,
} from '../../src/tx/transaction.js';

/** The time every transaction carries unless a test says otherwise. */
export const T0 = '2026-03-01T00:00:00Z';

/** 32 bytes derived from a label (SHA-256 of it). */
export function bytesFrom(label: string): Uint8Array {
  return sha256(utf8Encode(label));
}

/** A transaction body: any JSON object (typed bodies such as AssetRegister included). */
export type Body = object;

export interface SignOptions {
  /** The transaction's time; default T0. */
  time?: string;
  /** The sequence number; default the actor's counter plus one. */
  seq?: number;
}

/** The DER prefix of an Ed25519 private key in PKCS #8 (RFC 8410), before the 32-byte seed. */
const PKCS8_ED25519_PREFIX = hexDecode('302e020100300506032b657004220420');

/**
 * Someone who signs transactions: an Ed25519 seed, its did:key, and the sequence number of its
 * last accepted transaction as far as it knows (a TestLedger moves it on when one is accepted).
 */
export class Actor {
  readonly seed: Uint8Array;
  readonly did: string;
  seq = 0;
  private readonly key: KeyObject;

  constructor(readonly label: string) {
    this.seed = bytesFrom(`actor:${label}`);
    this.did = didKeyFromPublicKey(ed25519.getPublicKey(this.seed));
    this.key = createPrivateKey({
      key: Buffer.from(concatBytes(PKCS8_ED25519_PREFIX, this.seed)),
      format: 'der',
      type: 'pkcs8',
    });
  }

  /** The unsigned transaction (time T0 and the next seq unless given). */
  transaction(type: string, body: Body, options: SignOptions = {}): Transaction {
    return {
      v: 1,
      type,
      actor: this.did,
      seq: options.seq ?? this.seq + 1,
      time: options.time ?? T0,
      body: body as JsonObject,
    };
  }

  /**
   * A signed transaction's log entry. Does not move the counter on: the ledger does, on
   * acceptance. Signed with node:crypto, several times faster than @noble/curves; Ed25519
   * signatures are deterministic, so the entry is byte for byte what signTransaction makes (a
   * test checks it). Unlike signTransaction, the fields are not checked: the ledger does that.
   */
  sign(type: string, body: Body, options: SignOptions = {}): Uint8Array {
    const tx = this.transaction(type, body, options);
    const sig = base64Encode(nodeSign(null, transactionSigningInput(tx), this.key));
    return encodeTransaction({ ...tx, sig });
  }

  /**
   * A role credential issued by this actor (the issuer signs the credential; logging it is a
   * separate transaction). The id comes from `idLabel`, so the same label gives the same id.
   */
  roleCredential(
    subject: Actor | string,
    role: Role,
    idLabel: string,
    validity: { validFrom?: string; validUntil?: string } = {},
  ): Credential {
    return issueRoleCredential({
      issuerSeed: this.seed,
      subject: typeof subject === 'string' ? subject : subject.did,
      idRandom: bytesFrom(`credential:${idLabel}`).slice(0, 16),
      validFrom: validity.validFrom ?? '2026-01-01T00:00:00Z',
      ...(validity.validUntil === undefined ? {} : { validUntil: validity.validUntil }),
      role,
    });
  }

  /** A real-name credential issued by this actor about `subject`. */
  realNameCredential(
    subject: Actor | string,
    idLabel: string,
    validity: { validFrom?: string; validUntil?: string } = {},
  ): Credential {
    const subjectDid = typeof subject === 'string' ? subject : subject.did;
    return issueRealNameCredential({
      issuerSeed: this.seed,
      subject: subjectDid,
      idRandom: bytesFrom(`credential:${idLabel}`).slice(0, 16),
      validFrom: validity.validFrom ?? '2026-01-01T00:00:00Z',
      ...(validity.validUntil === undefined ? {} : { validUntil: validity.validUntil }),
      data: { name: `holder of ${subjectDid}`, id: idLabel },
      method: 'resident-id-card',
      salt: bytesFrom(`salt:${idLabel}`).slice(0, 16),
    }).credential;
  }
}

/**
 * An entry signed with `signer`'s key but naming whatever actor `tx` names (signTransaction
 * refuses that, so the envelope is built by hand). Also builds entries the envelope refuses,
 * e.g. seq 0, since nothing here checks the fields.
 */
export function forgeEntry(tx: Transaction, signer: Uint8Array): Uint8Array {
  const sig = base64Encode(ed25519.sign(transactionSigningInput(tx), signer));
  return canonicalBytes({ ...tx, sig });
}

/** A valid asset.register body for content named by `label` (its CID is of the label's bytes). */
export function assetBody(label: string, overrides: Partial<AssetRegister> = {}): AssetRegister {
  return {
    cid: cidFromBytes(utf8Encode(label)),
    size: label.length,
    mediaType: 'model/gltf-binary',
    title: `Asset ${label}`,
    creators: [{ name: 'Workshop of the test' }],
    licence: 'CC-BY-4.0',
    grade: 'general',
    ...overrides,
  };
}

/** A MemoryLedger fed at consecutive indexes, keeping every entry and outcome. */
export class TestLedger {
  readonly state = new MemoryLedger();
  readonly entries: Uint8Array[] = [];
  readonly outcomes: ReplayOutcome[] = [];
  private readonly actors = new Map<string, Actor>();

  /** A new actor whose counter this ledger keeps up to date. */
  actor(label: string): Actor {
    return this.track(new Actor(label));
  }

  track(actor: Actor): Actor {
    this.actors.set(actor.did, actor);
    return actor;
  }

  /** Append an entry at the next index; on acceptance, the actor's counter moves on. */
  append(entry: Uint8Array): ReplayOutcome {
    const outcome = this.state.apply(entry, this.entries.length);
    this.entries.push(entry);
    this.outcomes.push(outcome);
    if (outcome.ok) {
      const tx = decodeTransaction(entry);
      const actor = this.actors.get(tx.actor);
      if (actor) actor.seq = tx.seq;
    }
    return outcome;
  }

  /** Sign with `actor` and append. */
  submit(actor: Actor, type: string, body: Body, options: SignOptions = {}): ReplayOutcome {
    this.track(actor);
    return this.append(actor.sign(type, body, options));
  }

  /** Like submit, but throws unless the transaction is accepted; returns the acceptance. */
  accept(
    actor: Actor,
    type: string,
    body: Body,
    options: SignOptions = {},
  ): Extract<ReplayOutcome, { ok: true }> {
    const outcome = this.submit(actor, type, body, options);
    if (!outcome.ok)
      throw new Error(
        `${type} by ${actor.label} was refused: ${outcome.code} (${outcome.rule}) ${outcome.message}`,
      );
    return outcome;
  }

  /** Like submit, but throws unless the transaction is refused; returns the rejection. */
  refuse(actor: Actor, type: string, body: Body, options: SignOptions = {}): Rejection {
    const outcome = this.submit(actor, type, body, options);
    if (outcome.ok) throw new Error(`${type} by ${actor.label} was accepted`);
    return outcome;
  }

  get(key: string): StateRecord | undefined {
    return this.state.get(key);
  }

  identity(actor: Actor): Extract<StateRecord, { kind: 'identity' }> | undefined {
    const record = this.state.get(identityKey(actor.did));
    if (record !== undefined && record.kind !== 'identity')
      throw new Error(`not an identity: ${record.kind}`);
    return record;
  }

  digest(): string {
    return this.state.digest();
  }

  /** The ledger's policy-setting genesis by `operator`, then every other actor registered as a person. */
  static started(options: { realNameToRegister?: boolean; people?: string[] } = {}): {
    ledger: TestLedger;
    operator: Actor;
    people: Actor[];
  } {
    const ledger = new TestLedger();
    const operator = ledger.actor('operator');
    ledger.accept(operator, 'ledger.genesis', {
      name: 'Cinnabar test ledger',
      policy: { realNameToRegister: options.realNameToRegister ?? false },
    });
    const people = (options.people ?? []).map((label) => {
      const person = ledger.actor(label);
      ledger.accept(person, 'identity.register', { kind: 'person', name: label });
      return person;
    });
    return { ledger, operator, people };
  }
}

/** Runs `act` (one entry) and asserts it was refused with `code` by `rule`, the state unchanged. */
export function refusedUnchanged(
  ledger: TestLedger,
  act: () => ReplayOutcome,
  code: RejectionCode,
  rule: string,
): void {
  const digest = ledger.digest();
  const outcome = act();
  assert.ok(!outcome.ok, `expected ${code} (${rule}), but it was accepted`);
  assert.deepEqual({ code: outcome.code, rule: outcome.rule }, { code, rule }, outcome.message);
  assert.equal(ledger.digest(), digest, 'a refused transaction changed the state');
}
