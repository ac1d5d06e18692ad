import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { base64Decode, base64Encode } from '../src/base64.js';
import { hexEncode, utf8Decode, utf8Encode } from '../src/bytes.js';
import { cidFromBytes } from '../src/cid.js';
import { isCinnabarError } from '../src/errors.js';
import { sha256 } from '../src/hash.js';
import { didFromSeed } from '../src/key-file.js';
import { type HashReader, merkleRoot, type NodeId, proveInclusion } from '../src/merkle.js';
import { generateSignerKey, signerFromKey } from '../src/note.js';
import {
  MAX_RECEIPT_SIZE,
  makeReceipt,
  parseReceipt,
  RECEIPT_FORMAT,
  type Receipt,
  type ReceiptCheckName,
  type VerifyReceiptOptions,
  verifyReceipt,
} from '../src/receipt.js';
import { formatTlogProof } from '../src/tlog-proof.js';
import { encodeTransaction, signTransaction, type Transaction } from '../src/tx/transaction.js';
import { throwsCode } from './support/cinnabar-error.js';
import { MemoryLog } from './support/memory-log.js';

const ORIGIN = 'receipt.test/log';
const logKeys = generateSignerKey(ORIGIN, new Uint8Array(32).fill(11));
// Another key with the same name: a different log claiming to be this one.
const otherKeys = generateSignerKey(ORIGIN, new Uint8Array(32).fill(12));

const aliceSeed = new Uint8Array(32).fill(1);
const bobSeed = new Uint8Array(32).fill(2);
const alice = didFromSeed(aliceSeed);
const bob = didFromSeed(bobSeed);

const fileBytes = utf8Encode('the bytes of sunset.jpg');
const fileCid = cidFromBytes(fileBytes);
const file = { cid: fileCid, size: fileBytes.length };

function tx(actor: string, seq: number, type: string, body: Transaction['body']): Transaction {
  return { v: 1, type, actor, seq, time: `2026-11-21T06:0${seq}:00.000Z`, body };
}

/** A log holding real signed transactions (and one raw entry that is not a transaction). */
function buildLog(keys = logKeys): { log: MemoryLog; note: string } {
  const log = new MemoryLog(ORIGIN, signerFromKey(keys.skey));
  const registered = tx(alice, 1, 'asset.register', {
    cid: fileCid,
    size: fileBytes.length,
    title: 'Sunset',
  });
  const forged = signTransaction(
    tx(bob, 1, 'asset.register', { cid: cidFromBytes(utf8Encode('x')), size: 1 }),
    bobSeed,
  );
  log.append(
    encodeTransaction(
      signTransaction(
        tx(bob, 1, 'asset.register', { cid: cidFromBytes(utf8Encode('b')), size: 1, title: 'B' }),
        bobSeed,
      ),
    ),
    encodeTransaction(signTransaction(registered, aliceSeed)), // index 1: the receipt under test
    encodeTransaction(
      signTransaction(tx(alice, 2, 'asset.transfer', { asset: 'a'.repeat(64), to: bob }), aliceSeed),
    ),
    utf8Encode('not a transaction'), // index 3: a raw entry
    // index 4: Alice's name on Bob's signature, as a broken or malicious node might log it.
    encodeTransaction({
      ...signTransaction(
        tx(alice, 3, 'asset.register', { cid: cidFromBytes(utf8Encode('x')), size: 1 }),
        aliceSeed,
      ),
      sig: forged.sig,
    }),
    encodeTransaction(
      signTransaction(tx(bob, 2, 'asset.register', { cid: cidFromBytes(utf8Encode('c')), size: 1 }), bobSeed),
    ),
    encodeTransaction(
      signTransaction(
        tx(alice, 4, 'asset.register', { cid: cidFromBytes(utf8Encode('d')), size: 1 }),
        aliceSeed,
      ),
    ),
  );
  return { log, note: log.publish() };
}

/** Perfect-subtree hashes straight from the leaf hashes. */
function reader(log: MemoryLog): HashReader {
  return {
    readHashes: async (nodes: readonly NodeId[]) =>
      nodes.map(({ level, index }) =>
        merkleRoot(log.leafHashes.slice(index * 2 ** level, (index + 1) * 2 ** level)),
      ),
  };
}

async function receiptFor(
  log: MemoryLog,
  note: string,
  index: number,
  vkey = logKeys.vkey,
): Promise<Receipt> {
  const proof = await proveInclusion(index, log.size, reader(log));
  return makeReceipt({ index, entry: log.entries[index]!, checkpoint: note, proof, vkey });
}

const { log, note } = buildLog();
const good = await receiptFor(log, note, 1);

// Material for the tamper table.
const other = buildLog(otherKeys);
const later = buildLog();
later.log.append(utf8Encode('one more'));
const laterNote = later.log.publish();
const laterProof = await proveInclusion(1, later.log.size, reader(later.log));
const proof3 = await proveInclusion(3, log.size, reader(log));
// The same entry in another log under the same origin and name, with that log's own key.
const impostor = await receiptFor(other.log, other.note, 1, otherKeys.vkey);
const entryText = utf8Decode(base64Decode(good.entry));
const retitled = utf8Encode(entryText.replace('"Sunset"', '"Sunsex"'));
const lines = note.split('\n');
const editLine = (n: number, value: string) => lines.map((l, i) => (i === n ? value : l)).join('\n');

function failedAt(receipt: Receipt, options: VerifyReceiptOptions, name: ReceiptCheckName, detail?: RegExp) {
  const result = verifyReceipt(receipt, options);
  assert.equal(result.ok, false, `expected a failure at ${name}`);
  assert.equal(result.failed, name, JSON.stringify(result.checks));
  const last = result.checks.at(-1)!;
  assert.equal(last.name, name);
  assert.equal(last.ok, false);
  assert.ok(result.checks.slice(0, -1).every((c) => c.ok));
  if (detail) assert.match(last.detail, detail);
  assert.equal(result.facts, undefined);
  return result;
}

/** Replace one byte of `text`'s base64-decoded form. */
function flipBase64(text: string, offset: number): string {
  const bytes = base64Decode(text);
  bytes[offset] = bytes[offset]! ^ 0x01;
  return base64Encode(bytes);
}

describe('transaction receipts', () => {
  test('makeReceipt computes the txId, base64 forms and tlog-proof; the JSON round-trips through parseReceipt', async () => {
    assert.equal(good.format, RECEIPT_FORMAT);
    assert.equal(good.txId, hexEncode(sha256(log.entries[1]!)));
    assert.deepEqual(base64Decode(good.entry), log.entries[1]);
    assert.equal(good.checkpoint, note);
    const proof = await proveInclusion(1, log.size, reader(log));
    assert.deepEqual(good.proof, proof.map(base64Encode));
    assert.equal(good.tlogProof, formatTlogProof({ index: 1, proof, checkpointNote: note }));
    assert.deepEqual(parseReceipt(JSON.stringify(good)), good);
    assert.deepEqual(parseReceipt(utf8Encode(JSON.stringify(good, null, 2))), good);
  });

  test('a real receipt verifies: every check in order, then the facts', () => {
    const result = verifyReceipt(good, { vkey: logKeys.vkey, file });
    assert.equal(result.ok, true, JSON.stringify(result.checks));
    assert.deepEqual(
      result.checks.map((c) => [c.name, c.ok]),
      ['receipt', 'file', 'signature', 'inclusion', 'checkpoint', 'tlog-proof'].map((n) => [n, true]),
    );
    assert.deepEqual(result.notRun, []);
    assert.equal(result.failed, undefined);
    assert.deepEqual(result.facts, {
      txId: good.txId,
      index: 1,
      type: 'asset.register',
      actor: alice,
      seq: 1,
      time: '2026-11-21T06:01:00.000Z',
      origin: ORIGIN,
      treeSize: 7,
      rootHash: base64Encode(merkleRoot(log.leafHashes)),
      vkey: logKeys.vkey,
      pinned: true,
      asset: { cid: fileCid, size: fileBytes.length, title: 'Sunset' },
    });
    assert.match(result.checks[1]!.detail, new RegExp(`CID ${fileCid} and ${fileBytes.length} bytes`));
    assert.match(result.checks[4]!.detail, /pinned key receipt\.test\/log\+[0-9a-f]{8}/);
  });

  test('every entry of the log has a receipt that verifies, except the raw entry and the forged signature', async () => {
    for (let i = 0; i < log.size; i++) {
      const result = verifyReceipt(await receiptFor(log, note, i), { vkey: logKeys.vkey });
      const expected = i === 3 ? 'receipt' : i === 4 ? 'signature' : undefined;
      assert.equal(result.failed, expected, `index ${i}: ${JSON.stringify(result.checks)}`);
      assert.equal(result.ok, expected === undefined);
      if (result.ok) assert.equal(result.checks.length, 5); // no file given: no file check
    }
  });

  test("without a pinned key the receipt's own key is used, and the detail says it is not pinned", () => {
    const result = verifyReceipt(good, {});
    assert.equal(result.ok, true);
    const checkpoint = result.checks.find((c) => c.name === 'checkpoint')!;
    assert.match(checkpoint.detail, /taken from the receipt itself and NOT pinned/);
    assert.match(checkpoint.detail, /--vkey/);
    assert.equal(result.facts!.pinned, false);
    assert.equal(result.facts!.vkey, good.vkey);
  });

  test('checks stop at the first failure and the rest are listed as not run', () => {
    const result = failedAt({ ...good, index: 2 }, { file }, 'inclusion');
    assert.deepEqual(result.notRun, ['checkpoint', 'tlog-proof']);
    const early = failedAt({ ...good, txId: '0'.repeat(64) }, { file }, 'receipt');
    assert.deepEqual(early.notRun, ['file', 'signature', 'inclusion', 'checkpoint', 'tlog-proof']);
  });

  describe('a tampered receipt fails at the check that covers the change', () => {
    const cases: [string, Receipt, VerifyReceiptOptions, ReceiptCheckName, RegExp][] = [
      ['one byte of the entry', { ...good, entry: flipBase64(good.entry, 40) }, {}, 'receipt', /./],
      [
        'one byte of the title, txId kept',
        { ...good, entry: base64Encode(retitled) },
        {},
        'receipt',
        /is not the SHA-256 of its entry/,
      ],
      [
        'one byte of the title, txId recomputed',
        { ...good, entry: base64Encode(retitled), txId: hexEncode(sha256(retitled)) },
        {},
        'signature',
        new RegExp(`does not verify with the key of its actor ${alice}`),
      ],
      [
        'the txId of another entry',
        { ...good, txId: hexEncode(sha256(log.entries[0]!)) },
        {},
        'receipt',
        /txId/,
      ],
      [
        'a malformed txId',
        { ...good, txId: good.txId.toUpperCase() },
        {},
        'receipt',
        /txId must be 64 lower-case/,
      ],
      [
        'another format',
        { ...good, format: 'cinnabar-receipt/v2' as typeof RECEIPT_FORMAT },
        {},
        'receipt',
        /format/,
      ],
      [
        'the next index',
        { ...good, index: 2 },
        {},
        'inclusion',
        /does not lead from the entry's leaf hash at index 2/,
      ],
      ['the previous index', { ...good, index: 0 }, {}, 'inclusion', /at index 0/],
      [
        'an index beyond the tree',
        { ...good, index: 7 },
        {},
        'inclusion',
        /index 7 is not below the checkpoint's tree size 7/,
      ],
      [
        'a proof hash altered',
        { ...good, proof: [flipBase64(good.proof[0]!, 31), ...good.proof.slice(1)] },
        {},
        'inclusion',
        /does not lead/,
      ],
      [
        'the last proof hash altered',
        { ...good, proof: [...good.proof.slice(0, -1), flipBase64(good.proof.at(-1)!, 0)] },
        {},
        'inclusion',
        /does not lead/,
      ],
      [
        'a proof hash removed',
        { ...good, proof: good.proof.slice(1) },
        {},
        'inclusion',
        /has 2 hashes; an inclusion proof of index 1 in a tree of 7 has 3/,
      ],
      [
        'a proof hash added',
        { ...good, proof: [...good.proof, good.proof[0]!] },
        {},
        'inclusion',
        /has 4 hashes/,
      ],
      [
        'proof hashes swapped',
        { ...good, proof: [good.proof[1]!, good.proof[0]!, good.proof[2]!] },
        {},
        'inclusion',
        /does not lead/,
      ],
      ['the checkpoint of a later tree', { ...good, checkpoint: laterNote }, {}, 'inclusion', /size 8/],
      [
        'the checkpoint of a later tree, with its proof',
        { ...good, checkpoint: laterNote, proof: laterProof.map(base64Encode) },
        {},
        'tlog-proof',
        /the tlog-proof has 3 proof hashes|differs/,
      ],
      [
        'the root hash edited',
        { ...good, checkpoint: editLine(2, base64Encode(new Uint8Array(32))) },
        {},
        'inclusion',
        /does not lead/,
      ],
      // Index 1 has the same path in trees of 5 to 8 leaves: the proof leads to the root for size 8 too.
      [
        'the tree size edited to 8',
        { ...good, checkpoint: editLine(1, '8') },
        {},
        'checkpoint',
        /does not verify/,
      ],
      [
        'the tree size edited to 2',
        { ...good, checkpoint: editLine(1, '2') },
        {},
        'inclusion',
        /tree of 2 has 1/,
      ],
      [
        'the origin edited',
        { ...good, checkpoint: editLine(0, 'receipt.test/lag') },
        {},
        'checkpoint',
        /not signed by the receipt's key/,
      ],
      [
        'an extension line added',
        { ...good, checkpoint: note.replace('\n\n', '\nextension\n\n') },
        {},
        'checkpoint',
        /does not verify/,
      ],
      [
        'the checkpoint not a note',
        { ...good, checkpoint: 'hello\n' },
        {},
        'inclusion',
        /not a signed checkpoint note/,
      ],
      [
        'the checkpoint signed by another log key',
        { ...good, checkpoint: other.note },
        {},
        'checkpoint',
        /no signature by a known key|does not verify/,
      ],
      [
        'the checkpoint signed by another log key, pinned',
        { ...good, checkpoint: other.note },
        { vkey: logKeys.vkey },
        'checkpoint',
        /not signed by the pinned key/,
      ],
      [
        "another log's complete receipt, with the real key pinned",
        impostor,
        { vkey: logKeys.vkey },
        'checkpoint',
        /not signed by the pinned key receipt\.test\/log\+[0-9a-f]{8} \(the receipt names another key/,
      ],
      [
        "the receipt's vkey swapped, not pinned",
        { ...good, vkey: otherKeys.vkey },
        {},
        'checkpoint',
        /receipt's key/,
      ],
      [
        'a vkey that is no key',
        { ...good, vkey: 'not a key' },
        {},
        'checkpoint',
        /not a usable verifier key/,
      ],
      [
        'a tlog-proof for another index',
        { ...good, tlogProof: formatTlogProof({ index: 3, proof: proof3, checkpointNote: note }) },
        {},
        'tlog-proof',
        /for index 3, the receipt for index 1/,
      ],
      [
        'a tlog-proof with another checkpoint',
        { ...good, tlogProof: formatTlogProof({ index: 1, proof: laterProof, checkpointNote: laterNote }) },
        {},
        'tlog-proof',
        /differs/,
      ],
      [
        'a tlog-proof with one hash changed',
        { ...good, tlogProof: good.tlogProof.replace(good.proof[1]!, flipBase64(good.proof[1]!, 5)) },
        {},
        'tlog-proof',
        /proof hash 2 of the tlog-proof differs/,
      ],
      [
        'a tlog-proof that does not parse',
        { ...good, tlogProof: 'c2sp.org/tlog-proof@v1\n' },
        {},
        'tlog-proof',
        /does not parse/,
      ],
      [
        'a file with another CID',
        good,
        { file: { cid: cidFromBytes(utf8Encode('other')), size: file.size } },
        'file',
        new RegExp(
          `the file's bytes have CID ${cidFromBytes(utf8Encode('other'))}, the registration is for ${fileCid}`,
        ),
      ],
      [
        'a file of another size',
        good,
        { file: { cid: fileCid, size: file.size + 1 } },
        'file',
        new RegExp(`the file is ${file.size + 1} bytes, the registration says ${file.size}`),
      ],
    ];
    for (const [name, receipt, options, check, detail] of cases) {
      test(`${name}: fails at ${check}`, () => {
        failedAt(receipt, options, check, detail);
      });
    }

    test('a receipt whose vkey differs is accepted when the checkpoint is signed by the pinned key, and says so', () => {
      const result = verifyReceipt({ ...good, vkey: otherKeys.vkey }, { vkey: logKeys.vkey });
      assert.equal(result.ok, true);
      assert.match(result.checks.find((c) => c.name === 'checkpoint')!.detail, /differs and was ignored/);
    });

    test("another log's complete receipt verifies only without pinning, and says it is not pinned", () => {
      const result = verifyReceipt(impostor, {});
      assert.equal(result.ok, true);
      assert.match(result.checks.find((c) => c.name === 'checkpoint')!.detail, /NOT pinned/);
    });

    test('a file check against a transaction that names no file fails', async () => {
      const transfer = await receiptFor(log, note, 2);
      failedAt(transfer, { file }, 'file', /asset\.transfer whose body names no cid/);
    });
  });

  test('every one-byte change to the entry, the proof or the checkpoint makes verification fail', () => {
    const entry = base64Decode(good.entry);
    for (let i = 0; i < entry.length; i++) {
      const changed = { ...good, entry: flipBase64(good.entry, i) };
      assert.equal(verifyReceipt(changed, {}).ok, false, `entry byte ${i}`);
      const rehashed = { ...changed, txId: hexEncode(sha256(base64Decode(changed.entry))) };
      assert.equal(verifyReceipt(rehashed, {}).ok, false, `entry byte ${i} with its txId`);
    }
    good.proof.forEach((_, p) => {
      for (let i = 0; i < 32; i++) {
        const proof = good.proof.map((x, j) => (j === p ? flipBase64(x, i) : x));
        assert.equal(verifyReceipt({ ...good, proof }, {}).ok, false, `proof ${p} byte ${i}`);
      }
    });
    const bytes = utf8Encode(note);
    for (let i = 0; i < bytes.length; i++) {
      const changed = bytes.slice();
      changed[i] = changed[i]! ^ 0x01;
      let checkpoint: string;
      try {
        checkpoint = new TextDecoder('utf-8', { fatal: true }).decode(changed);
      } catch {
        continue; // not UTF-8: cannot be in a JSON string
      }
      assert.equal(verifyReceipt({ ...good, checkpoint }, {}).ok, false, `checkpoint byte ${i}`);
    }
  });

  test('a hostile receipt object fails the receipt check instead of throwing', () => {
    const hostile: unknown[] = [
      null,
      'text',
      [],
      {},
      { ...good, proof: 'x' },
      { ...good, index: -1 },
      { ...good, extra: 1 },
    ];
    for (const value of hostile) {
      const result = verifyReceipt(value as Receipt, {});
      assert.equal(result.failed, 'receipt', JSON.stringify(value).slice(0, 80));
    }
  });

  test('a malformed pinned key or file is an argument error', () => {
    throwsCode(() => verifyReceipt(good, { vkey: 'nope' }), 'malformed_key');
    throwsCode(() => verifyReceipt(good, { vkey: logKeys.skey }), 'malformed_key', /private/);
    throwsCode(() => verifyReceipt(good, { file: { cid: fileCid, size: -1 } }), 'malformed_receipt');
  });

  test('makeReceipt refuses a proof of the wrong length or an index beyond the checkpoint', async () => {
    const proof = await proveInclusion(1, log.size, reader(log));
    const base = { index: 1, entry: log.entries[1]!, checkpoint: note, proof, vkey: logKeys.vkey };
    throwsCode(() => makeReceipt({ ...base, proof: proof.slice(1) }), 'malformed_proof');
    throwsCode(() => makeReceipt({ ...base, index: 7 }), 'malformed_proof');
    throwsCode(() => makeReceipt({ ...base, vkey: '' }), 'malformed_receipt', /vkey is empty/);
  });
});

describe('parseReceipt: hostile input', () => {
  const json = (changes: Record<string, unknown>) => JSON.stringify({ ...good, ...changes });
  const without = (field: keyof Receipt) => {
    const { [field]: _, ...rest } = good;
    return JSON.stringify(rest);
  };
  const cases: [string, string | Uint8Array, RegExp][] = [
    ['empty', '', /not strict JSON/],
    ['not JSON', 'receipt', /not strict JSON/],
    ['JSON with a trailing comma', `${JSON.stringify(good).slice(0, -1)},}`, /not strict JSON/],
    ['a byte order mark', `\uFEFF${JSON.stringify(good)}`, /not strict JSON/],
    ['trailing data', `${JSON.stringify(good)}x`, /not strict JSON/],
    ['a duplicate member', `${JSON.stringify(good).slice(0, -1)},"index":2}`, /not strict JSON/],
    ['invalid UTF-8', Uint8Array.of(0x7b, 0xff, 0x7d), /not strict JSON/],
    ['too deep', json({ proof: [[good.proof[0]]] }), /not strict JSON/],
    ['null', 'null', /a receipt is a JSON object, not null/],
    ['an array', '[]', /not an array/],
    ['a string', '"receipt"', /not the string/],
    ['an empty object', '{}', /missing field format/],
    ['an extra field', json({ note: 'hi' }), /unknown field\(s\): "note"/],
    ['__proto__', `${JSON.stringify(good).slice(0, -1)},"__proto__":{}}`, /unknown field\(s\): "__proto__"/],
    ['another format', json({ format: 'cinnabar-receipt/v2' }), /format must be "cinnabar-receipt\/v1"/],
    ['another format with other fields', JSON.stringify({ format: 'x', other: 1 }), /format must be/],
    ['no txId', without('txId'), /missing field txId/],
    ['no vkey', without('vkey'), /missing field vkey/],
    ['txId a number', json({ txId: 5 }), /txId must be 64 lower-case hex digits, not number 5/],
    ['txId upper case', json({ txId: good.txId.toUpperCase() }), /txId must be 64/],
    ['txId short', json({ txId: good.txId.slice(1) }), /txId must be 64/],
    ['index a string', json({ index: '1' }), /index must be a whole number/],
    ['index negative', json({ index: -1 }), /index must be a whole number/],
    ['index fractional', json({ index: 1.5 }), /index must be a whole number/],
    ['index too large', json({ index: 2 ** 53 }), /index must be a whole number/],
    ['entry null', json({ entry: null }), /entry must be a base64 string, not null/],
    ['entry not base64', json({ entry: 'a b=' }), /entry is not canonical base64/],
    ['entry URL-safe base64', json({ entry: '-_-_' }), /entry is not canonical base64/],
    ['entry empty', json({ entry: '' }), /entry is empty/],
    ['entry too large', json({ entry: 'A'.repeat(90_000) }), /entry is longer than a 65535-byte entry/],
    [
      'checkpoint an object',
      json({ checkpoint: {} }),
      /checkpoint must be a signed note string, not an object/,
    ],
    ['checkpoint empty', json({ checkpoint: '' }), /checkpoint is empty/],
    ['proof a string', json({ proof: good.proof[0] }), /proof must be an array/],
    ['proof with a number', json({ proof: [1] }), /proof\[0\] must be a base64 string/],
    [
      'proof with a short hash',
      json({ proof: [good.proof[0], base64Encode(new Uint8Array(31))] }),
      /proof\[1\] is 31 bytes/,
    ],
    ['proof with bad base64', json({ proof: ['AAAA'] }), /proof\[0\] is 3 bytes/],
    ['proof too long', json({ proof: Array(64).fill(good.proof[0]) }), /proof has 64 hashes; the most is 63/],
    ['tlogProof missing', without('tlogProof'), /missing field tlogProof/],
    ['tlogProof an array', json({ tlogProof: [] }), /tlogProof must be a C2SP tlog-proof string/],
    ['vkey a boolean', json({ vkey: true }), /vkey must be a verifier key string, not boolean true/],
    ['vkey huge', json({ vkey: 'k'.repeat(5000) }), /vkey is longer than 4096/],
    ['huge', json({ vkey: 'k'.repeat(MAX_RECEIPT_SIZE) }), /not strict JSON.*maxBytes/],
    [
      'huge bytes',
      utf8Encode(json({ checkpoint: 'c'.repeat(MAX_RECEIPT_SIZE) })),
      /not strict JSON.*maxBytes/,
    ],
  ];
  for (const [name, input, reason] of cases) {
    test(`${name}: malformed_receipt`, () => {
      const error = throwsCode(() => parseReceipt(input), 'malformed_receipt', reason);
      assert.ok(error.message.length < 400, 'the message quotes no large input');
    });
  }

  test('a parse failure keeps the JSON error as its cause', () => {
    const error = throwsCode(() => parseReceipt('{'), 'malformed_receipt');
    assert.ok(isCinnabarError(error.cause, 'malformed_json'));
  });
});
