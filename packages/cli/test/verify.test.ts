import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  cidFromBytes,
  didFromSeed,
  encodeTransaction,
  generateSignerKey,
  leafHash,
  makeReceipt,
  merkleRoot,
  proveInclusion,
  type Receipt,
  type ReceiptVerification,
  signCheckpoint,
  signerFromKey,
  signTransaction,
  type Transaction,
} from '@cinnabar/core';
import { runCli as run } from './support/run-cli.js';

const ORIGIN = 'verify.test/log';
const logKeys = generateSignerKey(ORIGIN, new Uint8Array(32).fill(21));
const otherKeys = generateSignerKey(ORIGIN, new Uint8Array(32).fill(22));
const aliceSeed = new Uint8Array(32).fill(23);
const alice = didFromSeed(aliceSeed);

// 2.5 MiB: more than one read chunk, so FILE is hashed as a stream of several.
const fileBytes = Uint8Array.from({ length: 2.5 * 1024 * 1024 }, (_, i) => (i * 31 + (i >> 10)) & 0xff);
const fileCid = cidFromBytes(fileBytes);

function registration(seq: number, body: Transaction['body']): Uint8Array {
  const tx: Transaction = {
    v: 1,
    type: 'asset.register',
    actor: alice,
    seq,
    time: `2026-11-21T07:0${seq}:00.000Z`,
    body,
  };
  return encodeTransaction(signTransaction(tx, aliceSeed));
}

/** A real log of signed transactions, its signed checkpoint, and the receipt of entry `index`. */
async function receiptOf(entries: Uint8Array[], index: number, keys = logKeys): Promise<Receipt> {
  const leaves = entries.map(leafHash);
  const checkpoint = signCheckpoint(
    { origin: ORIGIN, size: leaves.length, rootHash: merkleRoot(leaves), extensions: [] },
    signerFromKey(keys.skey),
  );
  const reader = {
    readHashes: async (nodes: readonly { level: number; index: number }[]) =>
      nodes.map(({ level, index: i }) => merkleRoot(leaves.slice(i * 2 ** level, (i + 1) * 2 ** level))),
  };
  const proof = await proveInclusion(index, leaves.length, reader);
  return makeReceipt({ index, entry: entries[index]!, checkpoint, proof, vkey: keys.vkey });
}

const entries = [
  registration(1, { cid: cidFromBytes(Uint8Array.of(1)), size: 1, title: 'first' }),
  registration(2, { cid: cidFromBytes(Uint8Array.of(2)), size: 1, title: 'second' }),
  registration(3, { cid: fileCid, size: fileBytes.length, title: 'Harbour at dusk' }),
  registration(4, { cid: cidFromBytes(Uint8Array.of(4)), size: 1, title: '\u001b[2J\u009b31mred' }),
  registration(5, { cid: cidFromBytes(Uint8Array.of(5)), size: 1 }),
];

describe('cinnabar verify FILE --receipt R.json', () => {
  let dir: string;
  let file: string;
  let changed: string;
  let receiptPath: string;
  let vkeyPath: string;
  let receipt: Receipt;
  const json = async (name: string, value: unknown) => {
    const path = join(dir, name);
    await writeFile(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
    return path;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cinnabar-verify-'));
    file = join(dir, 'harbour.jpg');
    await writeFile(file, fileBytes);
    const flipped = fileBytes.slice();
    flipped[1_500_000] = flipped[1_500_000]! ^ 0x01;
    changed = join(dir, 'harbour-changed.jpg');
    await writeFile(changed, flipped);
    receipt = await receiptOf(entries, 2);
    receiptPath = await json('receipt.json', receipt);
    vkeyPath = await json('log.vkey', `${logKeys.vkey}\n`);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('a real receipt and the real file pass every check, with the facts, and exit 0', async () => {
    const result = await run('verify', file, '--receipt', receiptPath, '--vkey', logKeys.vkey);
    assert.equal(result.code, 0, result.err);
    assert.equal(result.err, '');
    const lines = result.out.split('\n');
    assert.deepEqual(
      lines.slice(0, 6).map((l) => l.split(/\s+/).slice(0, 2).join(' ')),
      ['ok receipt', 'ok file', 'ok signature', 'ok inclusion', 'ok checkpoint', 'ok tlog-proof'],
    );
    assert.match(
      result.out,
      new RegExp(`^ok +file +the file's bytes have CID ${fileCid} and ${fileBytes.length} bytes`, 'm'),
    );
    assert.match(result.out, new RegExp(`^verified: asset\\.register by ${alice}$`, 'm'));
    assert.match(result.out, new RegExp(`^  cid +${fileCid} \\(${file.replace(/[.\\]/g, '\\$&')}\\)$`, 'm'));
    assert.match(result.out, /^ {2}size +2621440 bytes$/m);
    assert.match(result.out, /^ {2}title +"Harbour at dusk"$/m);
    assert.match(result.out, /^ {2}time +2026-11-21T07:03:00\.000Z \(seq 3\)$/m);
    assert.match(result.out, new RegExp(`^  txId +${receipt.txId}$`, 'm'));
    assert.match(result.out, /^ {2}log +verify\.test\/log, entry 2 of 5$/m);
    assert.match(result.out, /^ {2}log key +verify\.test\/log\+[0-9a-f]{8}\+\S+ \(pinned with --vkey\)$/m);
  });

  test('--vkey may name a file holding the key', async () => {
    const result = await run('verify', file, '--receipt', receiptPath, '--vkey', vkeyPath);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /pinned with --vkey/);
  });

  test("without --vkey the receipt's own key is used and the output says it is not pinned", async () => {
    const result = await run('verify', file, '--receipt', receiptPath);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /^ok +checkpoint .*NOT pinned/m);
    assert.match(result.out, /taken from the receipt, NOT pinned: pass --vkey/);
  });

  test('one byte of FILE changed: exit 1 at the file check, nothing after it run', async () => {
    const result = await run('verify', changed, '--receipt', receiptPath, '--vkey', logKeys.vkey);
    assert.equal(result.code, 1);
    assert.match(result.out, /^ok +receipt /m);
    assert.match(
      result.out,
      new RegExp(
        `^FAILED +file +the file's bytes have CID bafkrei[a-z2-7]{52}, the registration is for ${fileCid}$`,
        'm',
      ),
    );
    for (const name of ['signature', 'inclusion', 'checkpoint', 'tlog-proof'])
      assert.match(result.out, new RegExp(`^- +${name} +not run`, 'm'));
    assert.match(result.err, /^FAILED at the file check: /);
    assert.doesNotMatch(result.out, /verified:/);
  });

  test('a pinned key that did not sign the checkpoint: exit 1 at the checkpoint check', async () => {
    const result = await run('verify', file, '--receipt', receiptPath, '--vkey', otherKeys.vkey);
    assert.equal(result.code, 1);
    assert.match(result.out, /^ok +inclusion /m);
    assert.match(
      result.out,
      /^FAILED +checkpoint +the checkpoint is not signed by the pinned key verify\.test\/log\+/m,
    );
    assert.match(result.err, /FAILED at the checkpoint check/);
  });

  test("another log's complete receipt passes unpinned but fails against the pinned key", async () => {
    const impostor = await json('impostor.json', await receiptOf(entries, 2, otherKeys));
    assert.equal((await run('verify', file, '--receipt', impostor)).code, 0);
    const pinned = await run('verify', file, '--receipt', impostor, '--vkey', vkeyPath);
    assert.equal(pinned.code, 1);
    assert.match(pinned.out, /^FAILED +checkpoint .*the receipt names another key/m);
  });

  test('--json prints one ReceiptVerification object', async () => {
    const pass = await run('verify', file, '--receipt', receiptPath, '--vkey', logKeys.vkey, '--json');
    assert.equal(pass.code, 0);
    const ok = JSON.parse(pass.out) as ReceiptVerification;
    assert.equal(ok.ok, true);
    assert.equal(ok.checks.length, 6);
    assert.equal(ok.facts?.asset?.cid, fileCid);
    assert.equal(ok.facts?.pinned, true);
    const fail = await run('verify', changed, '--receipt', receiptPath, '--json');
    assert.equal(fail.code, 1);
    const bad = JSON.parse(fail.out) as ReceiptVerification;
    assert.equal(bad.ok, false);
    assert.equal(bad.failed, 'file');
    assert.deepEqual(bad.notRun, ['signature', 'inclusion', 'checkpoint', 'tlog-proof']);
    assert.equal(bad.facts, undefined);
  });

  test('without FILE everything but the file is checked', async () => {
    const result = await run('verify', '--receipt', receiptPath, '--vkey', logKeys.vkey);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /^- +file +not checked: no FILE given$/m);
    assert.match(result.out, /^ok +tlog-proof /m);
    assert.match(result.out, new RegExp(`^  cid +${fileCid}$`, 'm'));
  });

  test('a tampered or malformed receipt fails at the check that covers it, exit 1', async () => {
    const cases: [string, string, RegExp][] = [
      ['not-json.json', 'this is not a receipt', /^FAILED +receipt +the receipt is not strict JSON/m],
      ['extra.json', JSON.stringify({ ...receipt, extra: true }), /^FAILED +receipt .*unknown field/m],
      ['index.json', JSON.stringify({ ...receipt, index: 1 }), /^FAILED +inclusion /m],
      ['txid.json', JSON.stringify({ ...receipt, txId: 'f'.repeat(64) }), /^FAILED +receipt .*txId/m],
    ];
    for (const [name, text, expected] of cases) {
      const result = await run('verify', file, '--receipt', await json(name, text));
      assert.equal(result.code, 1, name);
      assert.match(result.out, expected, name);
    }
    const huge = await json('huge.json', `{"format":"${'x'.repeat(2 * 1024 * 1024)}"}`);
    const result = await run('verify', '--receipt', huge, '--json');
    assert.equal(result.code, 1);
    assert.equal((JSON.parse(result.out) as ReceiptVerification).failed, 'receipt');
  });

  test('text from the receipt cannot send control sequences to the terminal', async () => {
    const hostile = await json('hostile.json', await receiptOf(entries, 3));
    const result = await run('verify', '--receipt', hostile);
    assert.equal(result.code, 0, result.err);
    const controls = [...result.out].filter((c) => {
      const code = c.codePointAt(0)!;
      return (code < 0x20 && c !== '\n') || (code >= 0x7f && code <= 0x9f);
    });
    assert.deepEqual(controls, []);
    assert.match(result.out, /title +"\\u001b\[2J\\u\{9b\}31mred"/);
  });

  test('bad arguments are usage errors: exit 2 with a message', async () => {
    const cases: [string[], RegExp][] = [
      [[join(dir, 'missing.jpg'), '--receipt', receiptPath], /cannot read .*missing\.jpg/],
      [[dir, '--receipt', receiptPath], /is not a regular file/],
      [[file, '--receipt', join(dir, 'missing.json')], /cannot read the receipt .*missing\.json/],
      [[file, '--receipt', dir], /cannot read the receipt/],
      [[file, '--receipt', receiptPath, '--vkey', 'not a key'], /--vkey is neither a verifier key/],
      [[file, '--receipt', receiptPath, '--vkey', logKeys.skey], /--vkey .*private signer key/],
      [[file], /give --receipt FILE, or --credential FILE/],
    ];
    for (const [args, message] of cases) {
      const result = await run('verify', ...args);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.err, message);
      assert.equal(result.out.includes('verified'), false);
    }
  });

  test('--help describes the checks', async () => {
    const result = await run('verify', '--help');
    assert.equal(result.code, 0);
    assert.match(result.out, /Usage: cinnabar verify \[options\] \[file\]/);
    assert.match(result.out, /--receipt <file>/);
    assert.match(result.out, /Exit status: 0/);
  });

  test('no network is used: fetch is never called', async () => {
    const original = globalThis.fetch;
    let calls = 0;
    globalThis.fetch = (async () => {
      calls++;
      throw new Error('no network in verify');
    }) as typeof fetch;
    try {
      assert.equal((await run('verify', file, '--receipt', receiptPath, '--vkey', vkeyPath)).code, 0);
      assert.equal((await run('verify', changed, '--receipt', receiptPath)).code, 1);
    } finally {
      globalThis.fetch = original;
    }
    assert.equal(calls, 0);
  });
});
