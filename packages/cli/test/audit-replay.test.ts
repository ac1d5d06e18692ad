// The auditor's replay (LogReplay) on a log that holds entries a node should never have logged: a
// bad signature and bytes that are not a transaction, in different bundles. Whoever checks the
// entries (this thread, or a worker with this thread helping), the same entries are rejected with
// the same reasons, the rest applies, and the root and state are the same.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  cidFromBytes,
  decodeEntryBundle,
  didFromSeed,
  encodeEntryBundle,
  encodeTransaction,
  type JsonObject,
  leafHash,
  merkleRoot,
  sha256,
  signTransaction,
  TILE_WIDTH,
  transactionId,
  utf8Encode,
} from '@cinnabar/core';
import { useCompiledBodySchemas, useNodeCrypto } from '@cinnabar/node';
import { checkOnThisThread, type EntryChecker, EntryCheckPool } from '../src/audit/entry-pool.js';
import { LogReplay } from '../src/audit/replay.js';

useNodeCrypto();
useCompiledBodySchemas();

function actor(label: string) {
  const seed = sha256(utf8Encode(label));
  const did = didFromSeed(seed);
  let seq = 0;
  return {
    did,
    sign(type: string, body: JsonObject, useSeq = ++seq): Uint8Array {
      const time = '2026-11-21T00:00:00Z';
      return encodeTransaction(signTransaction({ v: 1, type, actor: did, seq: useSeq, time, body }, seed));
    },
  };
}

// Operator, 10 people, 300 registrations and 300 transfers: three bundles and a partial one.
const op = actor('replay op');
const people = Array.from({ length: 10 }, (_, i) => actor(`replay person ${i}`));
const entries: Uint8Array[] = [
  op.sign('ledger.genesis', { name: 'replay', policy: { realNameToRegister: false } }),
];
for (const p of people) entries.push(p.sign('identity.register', { kind: 'person', name: 'someone' }));
const works: string[] = [];
for (let i = 0; i < 300; i++) {
  const body = {
    cid: cidFromBytes(utf8Encode(`work ${i}`)),
    size: 6,
    mediaType: 'image/png',
    title: `Work ${i}`,
    creators: [{ name: 'Someone' }],
    licence: 'CC-BY-4.0',
    grade: 'general',
  };
  entries.push(people[i % 10]!.sign('asset.register', body));
  works.push(transactionId(entries.at(-1)!));
}
for (let i = 0; i < 300; i++)
  entries.push(people[i % 10]!.sign('asset.transfer', { asset: works[i]!, to: people[(i + 1) % 10]!.did }));

// Entries a node should never log, in different bundles: an identity's registration whose signature
// is damaged (by an actor with nothing else in the log, so nothing else depends on it), an entry
// that skips ahead in its actor's sequence, and bytes that are not a transaction.
const mallory = actor('replay mallory');
const damaged = Uint8Array.from(mallory.sign('identity.register', { kind: 'person', name: 'mallory' }));
const sigAt = new TextDecoder().decode(damaged).indexOf('"sig":"') + 7;
damaged[sigAt] = damaged[sigAt] === 0x41 ? 0x42 : 0x41; // another base64 letter
// Bytes that are not a transaction come just before the damaged signature, in the same bundle: the
// entries' verdicts must be matched to their own checks, not to their places in the bundle.
const notATransactionAt = [299, 600];
const badSignatureAt = 300;
const skipsAheadAt = 301;
const log = [...entries];
log.splice(notATransactionAt[0]!, 0, utf8Encode('{"not":"a transaction"}'));
log.splice(badSignatureAt, 0, damaged);
log.splice(skipsAheadAt, 0, people[0]!.sign('identity.register', { kind: 'person', name: 'again' }, 999));
log.splice(notATransactionAt[1]!, 0, utf8Encode('not even JSON'));

const bundles: Uint8Array[] = [];
for (let b = 0; b * TILE_WIDTH < log.length; b++)
  bundles.push(encodeEntryBundle(log.slice(b * TILE_WIDTH, (b + 1) * TILE_WIDTH)));
const fetchBundle = async (index: number, width: number) => decodeEntryBundle(bundles[index]!, width);

const pool = new EntryCheckPool(1);
after(() => pool.close());

const checkers: [string, EntryChecker][] = [
  ['this thread', checkOnThisThread],
  ['a worker and this thread', pool],
];

test('rejected entries are the same, with the same reasons, whoever checks the entries', async () => {
  const root = merkleRoot(log.map(leafHash));
  const results = [];
  for (const [name, checker] of checkers) {
    const replay = new LogReplay();
    assert.equal(await replay.extend(fetchBundle, log.length, checker), log.length, name);
    assert.deepEqual(replay.root(), root, `${name}: the root of every entry, rejected ones too`);
    results.push({ name, rejected: replay.rejected, digest: replay.ledger.digest() });
  }
  for (const { name, rejected } of results) {
    assert.deepEqual(
      rejected.map((r) => [r.index, r.code]),
      [
        [notATransactionAt[0], 'malformed_transaction'],
        [badSignatureAt, 'invalid_signature'],
        [skipsAheadAt, 'bad_sequence'],
        [notATransactionAt[1], 'malformed_transaction'],
      ],
      name,
    );
  }
  assert.equal(results[0]!.digest, results[1]!.digest);
  assert.ok(pool.checkedHere > 0 && pool.checkedHere < log.length, `${pool.checkedHere} checked here`);
  assert.equal(bundles.length, 3);
});
