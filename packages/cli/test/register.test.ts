// `cinnabar register`, `show` and `log tail` against a real node (in this process, on a socket),
// through the CLI's real parser.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type AssetView,
  CinnabarApiError,
  CinnabarClient,
  cidFromBytes,
  didFromSeed,
  type IdentityView,
  parseReceipt,
  signUploadAuthorization,
  verifyReceipt,
} from '@cinnabar/core';
import { loadDataDir, type RunningNode, startNode } from '@cinnabar/node';
import { squareGlb, triangleGlb } from '../../node/test/support/glb.js';
import { clientFor } from '../src/commands/node-api.js';
import { CliProcess } from './support/cli-process.js';
import { runCli as run } from './support/run-cli.js';

const ASSET_ID = /^[0-9a-f]{64}$/;
const lastLine = (text: string) => text.split('\n').at(-1) ?? '';

describe('cinnabar register, show, log tail', () => {
  let dir: string;
  let node: RunningNode;
  let client: CinnabarClient;
  let server: string[];
  const files: Record<string, string> = {};
  const keys: Record<string, string> = {};
  const dids: Record<string, string> = {};
  let redAsset: string;
  const savedPassphrase = process.env.CINNABAR_PASSPHRASE;

  /** Write `bytes` to a file named `name` in the test directory. */
  async function file(name: string, bytes: Uint8Array): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, bytes);
    files[name] = path;
    return path;
  }

  async function newKey(label: string, ...args: string[]): Promise<void> {
    keys[label] = join(dir, 'keys', `${label}.json`);
    const result = await run('id', 'new', '--out', keys[label]!, ...args);
    assert.equal(result.code, 0, result.err);
    dids[label] = lastLine(result.out);
  }

  before(async () => {
    delete process.env.CINNABAR_PASSPHRASE;
    dir = await mkdtemp(join(tmpdir(), 'cinnabar-register-'));
    node = await startNode({ dataDir: join(dir, 'data'), port: 0, origin: 'register.test/log' });
    client = new CinnabarClient({ baseUrl: node.url });
    server = ['--server', node.url];
    await file('red.glb', await squareGlb([0.8, 0.1, 0.1]));
    await file('blue.glb', await squareGlb([0.1, 0.1, 0.8]));
    await file('green.glb', await squareGlb([0.1, 0.8, 0.1]));
    await file('triangle.glb', await triangleGlb(1));
    await file('tall.glb', await triangleGlb(3));
    await file('wide.glb', await triangleGlb(0.5));
    await newKey('alice', '--name', 'Alice');
    await newKey('bob', '--name', 'Bob');
    await newKey('anon');
  });
  after(async () => {
    if (savedPassphrase === undefined) delete process.env.CINNABAR_PASSPHRASE;
    else process.env.CINNABAR_PASSPHRASE = savedPassphrase;
    await node.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('register: registers the identity first, uploads, registers, writes the receipt; the asset id is last', async () => {
    const result = await run(
      'register',
      files['red.glb']!,
      '--title',
      'Red square',
      '--key',
      keys.alice!,
      ...server,
    );
    assert.equal(result.code, 0, result.err);
    assert.equal(result.err, '', 'nothing on stderr (no progress when it is not a terminal)');
    redAsset = lastLine(result.out);
    assert.match(redAsset, ASSET_ID);
    assert.match(result.out, new RegExp(`^Registered identity ${dids.alice} as "Alice" \\(entry 1\\)$`, 'm'));
    assert.match(result.out, /^Registered "Red square" \(model\/gltf-binary, \d+ bytes\)$/m);
    assert.match(result.out, new RegExp(`^ +cid +${cidFromBytes(await readFile(files['red.glb']!))}$`, 'm'));
    assert.match(result.out, /^ +entry +2 \(tx [0-9a-f]{64}\)$/m);
    assert.doesNotMatch(result.out, /Possible prior work/);

    // The receipt, next to the file by default, verifies offline against the file and the log key.
    const receiptPath = `${files['red.glb']}.receipt.json`;
    assert.match(result.out, new RegExp(`^ +receipt +${receiptPath}$`, 'm'));
    const receipt = parseReceipt(await readFile(receiptPath));
    const bytes = await readFile(files['red.glb']!);
    const verified = verifyReceipt(receipt, {
      vkey: node.vkey,
      file: { cid: cidFromBytes(bytes), size: bytes.length },
    });
    assert.equal(verified.ok, true, JSON.stringify(verified.checks));
    assert.equal(verified.facts?.txId, redAsset);

    // The defaults: the key's name as creator, all rights reserved, general grade.
    const asset = (await client.asset(redAsset))!;
    assert.equal(asset.owner, dids.alice);
    assert.equal(asset.mediaType, 'model/gltf-binary');
    assert.deepEqual(asset.metadata.creators, [{ name: 'Alice' }]);
    assert.equal(asset.metadata.licence, 'LicenseRef-Cinnabar-All-Rights-Reserved');
    assert.equal(asset.metadata.grade, 'general');
    assert.equal((await client.identity(dids.alice!))?.seq, 2);
  });

  test('show: by asset id, by CID and by did:key; --json; not found is exit 1, garbage exit 2', async () => {
    const byId = await run('show', redAsset, ...server);
    assert.equal(byId.code, 0, byId.err);
    assert.match(byId.out, new RegExp(`^Asset +${redAsset}$`, 'm'));
    assert.match(byId.out, /^Title +Red square$/m);
    assert.match(byId.out, new RegExp(`^Owner +${dids.alice} \\(Alice\\)$`, 'm'));
    assert.match(byId.out, /^Registrant +the owner$/m);
    assert.match(byId.out, /^Size +\d+ bytes$/m);
    assert.match(byId.out, /^Media type +model\/gltf-binary$/m);
    assert.match(byId.out, /^Licence +LicenseRef-Cinnabar-All-Rights-Reserved$/m);
    assert.match(byId.out, /^Grade +general$/m);
    assert.match(byId.out, /^Creators +Alice$/m);
    assert.match(byId.out, /^Registered +entry 2, \d{4}-\d\d-\d\dT[\d:.]+Z \(tx [0-9a-f]{64}\)$/m);
    assert.match(byId.out, /^Revision +0 \(as registered\)$/m);
    assert.match(byId.out, /^Possible prior work: none$/m);

    const cid = cidFromBytes(await readFile(files['red.glb']!));
    const byCid = await run('show', cid, ...server);
    assert.equal(byCid.code, 0, byCid.err);
    assert.equal(byCid.out, byId.out);

    const json = await run('show', cid, ...server, '--json');
    assert.equal(json.code, 0, json.err);
    assert.deepEqual(JSON.parse(json.out) as AssetView, await client.asset(redAsset));

    const identity = await run('show', dids.alice!, ...server);
    assert.equal(identity.code, 0, identity.err);
    assert.match(identity.out, /^Name +Alice$/m);
    assert.match(identity.out, /^Kind +person$/m);
    assert.match(identity.out, /^Registered +entry 1, /m);
    assert.match(identity.out, /^Last tx +entry 2, .*, seq 2$/m);
    const identityJson = JSON.parse(
      (await run('show', dids.alice!, ...server, '--json')).out,
    ) as IdentityView;
    assert.equal(identityJson.did, dids.alice);
    assert.equal(identityJson.isOperator, false);

    const missing = await run('show', '0'.repeat(64), ...server);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /asset 0{64} is not registered on/);
    const unknownCid = await run('show', cidFromBytes(new Uint8Array([1])), ...server);
    assert.equal(unknownCid.code, 1);
    const stranger = await run('show', dids.anon!, ...server);
    assert.equal(stranger.code, 1);
    assert.match(stranger.err, /the identity did:key:\S+ is not registered/);
    for (const garbage of ['hello', 'bafkrei', 'did:web:example.com', 'A'.repeat(64)]) {
      const result = await run('show', garbage, ...server);
      assert.equal(result.code, 2, garbage);
      assert.match(result.err, /^cinnabar show: /);
    }
  });

  test('the same bytes by another identity: exit 1 naming the prior registration, nothing written', async () => {
    const out = join(dir, 'bob-red.receipt.json');
    const result = await run(
      'register',
      files['red.glb']!,
      '--title',
      'Mine',
      '--key',
      keys.bob!,
      '--out',
      out,
      ...server,
    );
    assert.equal(result.code, 1);
    assert.match(result.err, /already registered by someone else \(rights conflict\)/);
    assert.match(result.err, new RegExp(`^ +asset +${redAsset}$`, 'm'));
    assert.match(result.err, new RegExp(`^ +registrant +${dids.alice}$`, 'm'));
    assert.match(result.err, /^ +entry +2$/m);
    assert.match(result.err, /^ +title +"Red square"$/m);
    await assert.rejects(stat(out), { code: 'ENOENT' });
    // Refused before anything was sent: Bob is still unknown to the node.
    assert.equal(await client.identity(dids.bob!), undefined);

    const json = await run(
      'register',
      files['red.glb']!,
      '--title',
      'x',
      '--key',
      keys.bob!,
      '--json',
      ...server,
    );
    assert.equal(json.code, 1);
    assert.deepEqual(JSON.parse(json.out), {
      ok: false,
      code: 'rights_conflict',
      prior: { asset: redAsset, registrant: dids.alice, index: 2, title: 'Red square' },
    });

    // Alice again: her own registration.
    const again = await run(
      'register',
      files['red.glb']!,
      '--title',
      'x',
      '--key',
      keys.alice!,
      '--out',
      out,
      ...server,
    );
    assert.equal(again.code, 1);
    assert.match(again.err, /you already registered these bytes/);
  });

  test('register --json with every field; possible prior work of the same geometry', async () => {
    const result = await run(
      'register',
      files['blue.glb']!,
      '--title',
      'Blue square',
      '--description',
      'The red one, in blue.\nSecond line.',
      '--creator',
      'Bob',
      '--creator',
      'Carol',
      '--licence',
      'CC-BY-4.0',
      '--grade',
      'important',
      '--created',
      '2024-05',
      '--derived-from',
      redAsset,
      '--key',
      keys.bob!,
      '--out',
      join(dir, 'blue.receipt'),
      '--json',
      ...server,
    );
    assert.equal(result.code, 0, result.err);
    const printed = JSON.parse(result.out) as {
      ok: boolean;
      asset: string;
      index: number;
      mediaType: string;
      receipt: string;
      identityRegistered?: { did: string; index: number };
      possiblePriorWork: { asset: string; reason: string; registeredEarlier: boolean; title?: string }[];
    };
    assert.equal(printed.ok, true);
    assert.match(printed.asset, ASSET_ID);
    assert.equal(printed.mediaType, 'model/gltf-binary');
    assert.equal(printed.receipt, join(dir, 'blue.receipt'));
    assert.equal(printed.identityRegistered?.did, dids.bob);
    assert.equal(printed.index, printed.identityRegistered!.index + 1);
    assert.deepEqual(
      printed.possiblePriorWork.map((m) => [m.asset, m.reason, m.registeredEarlier, m.title]),
      [[redAsset, 'geometry', true, 'Red square']],
    );
    assert.equal(parseReceipt(await readFile(printed.receipt)).txId, printed.asset);

    const metadata = (await client.asset(printed.asset))!.metadata;
    assert.deepEqual(metadata, {
      title: 'Blue square',
      description: 'The red one, in blue.\nSecond line.',
      creators: [{ name: 'Bob' }, { name: 'Carol' }],
      licence: 'CC-BY-4.0',
      grade: 'important',
      created: '2024-05',
      derivedFrom: [redAsset],
    });

    // The summary names the prior work too, and the asset id stays the last line.
    const green = await run(
      'register',
      files['green.glb']!,
      '--title',
      'Green square',
      '--key',
      keys.alice!,
      ...server,
    );
    assert.equal(green.code, 0, green.err);
    assert.match(lastLine(green.out), ASSET_ID);
    assert.match(green.out, /^Possible prior work/m);
    assert.match(
      green.out,
      new RegExp(`^  asset ${redAsset} "Red square" by \\S+: the same geometry, registered earlier$`, 'm'),
    );
    const shown = await run('show', lastLine(green.out), ...server);
    assert.match(
      shown.out,
      /^ {2}asset [0-9a-f]{64} "Blue square" by \S+: the same geometry, registered earlier$/m,
    );
  });

  test('an identity without a name needs --name; an encrypted key needs its passphrase', async () => {
    const refused = await run(
      'register',
      files['triangle.glb']!,
      '--title',
      'T',
      '--key',
      keys.anon!,
      ...server,
    );
    assert.equal(refused.code, 2);
    assert.match(refused.err, /has no name to register it under: pass --name NAME/);
    const named = await run(
      'register',
      files['triangle.glb']!,
      '--title',
      'T',
      '--key',
      keys.anon!,
      '--name',
      'Anonymous Artist',
      ...server,
    );
    assert.equal(named.code, 0, named.err);
    assert.equal((await client.identity(dids.anon!))?.name, 'Anonymous Artist');
    assert.deepEqual((await client.asset(lastLine(named.out)))?.metadata.creators, [
      { name: 'Anonymous Artist' },
    ]);

    const passFile = join(dir, 'pass.txt');
    await writeFile(passFile, 'a long passphrase\n');
    await newKey('dora', '--name', 'Dora', '--passphrase-file', passFile);
    const locked = await run(
      'register',
      files['tall.glb']!,
      '--title',
      'Tall',
      '--key',
      keys.dora!,
      ...server,
    );
    assert.equal(locked.code, 1);
    assert.match(
      locked.err,
      /is encrypted: give its passphrase with --passphrase-file FILE or \$CINNABAR_PASSPHRASE/,
    );
    const unlocked = await run(
      'register',
      files['tall.glb']!,
      '--title',
      'Tall',
      '--key',
      keys.dora!,
      '--passphrase-file',
      passFile,
      ...server,
    );
    assert.equal(unlocked.code, 0, unlocked.err);

    const noKey = await run(
      'register',
      files['wide.glb']!,
      '--title',
      'W',
      '--key',
      join(dir, 'none.json'),
      ...server,
    );
    assert.equal(noKey.code, 1);
    assert.match(noKey.err, /there is no key file .*cinnabar id new/);
  });

  test('bad descriptions are refused before anything is sent; malformed media is refused by the node', async () => {
    // Nothing listens on the server given: the refusal comes first.
    const offline = ['--server', 'http://127.0.0.1:9/'];
    for (const args of [
      ['--created', '2024-13'],
      ['--licence', 'not a licence'],
      ['--derived-from', 'abc'],
      ['--title', 'a\u0007bell'],
    ]) {
      const result = await run(
        'register',
        files['wide.glb']!,
        '--title',
        'W',
        ...args,
        '--key',
        keys.alice!,
        ...offline,
      );
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.err}`);
      assert.match(result.err, /^cinnabar register: /);
    }
    assert.equal((await run('register', files['wide.glb']!, '--title', 'W', '--grade', 'secret')).code, 2);
    assert.equal((await run('register', files['wide.glb']!)).code, 2, '--title is required');
    const missing = await run(
      'register',
      join(dir, 'nope.glb'),
      '--title',
      'x',
      '--key',
      keys.alice!,
      ...server,
    );
    assert.equal(missing.code, 2);
    assert.match(missing.err, /cannot read .*nope\.glb/);

    const glb = await readFile(files['wide.glb']!);
    const broken = await file('broken.glb', glb.subarray(0, glb.length - 12));
    const result = await run('register', broken, '--title', 'Broken', '--key', keys.alice!, ...server);
    assert.equal(result.code, 1);
    assert.match(result.err, /the node refused .*broken\.glb as malformed media/);
    assert.match(result.err, /^ {2}GLB_\w+: /m);
    await assert.rejects(stat(`${broken}.receipt.json`), { code: 'ENOENT' });

    const down = await run(
      'register',
      files['wide.glb']!,
      '--title',
      'W',
      '--key',
      keys.alice!,
      '--server',
      'http://127.0.0.1:9/',
    );
    assert.equal(down.code, 1);
    assert.match(down.err, /is a node running at http:\/\/127\.0\.0\.1:9\/\?/);
  });

  test('log tail: one line an entry, the last 10 by default; --from, -n, --json; raw entries; hostile text escaped', async () => {
    // An identity whose name holds a right-to-left override, and a raw operator entry.
    const evil = join(dir, 'keys', 'evil.json');
    assert.equal((await run('id', 'new', '--out', evil)).code, 0);
    const name = 'Eve\u202egpj.exe';
    const evilResult = await run(
      'register',
      files['wide.glb']!,
      '--title',
      'Wide\u200f',
      '--key',
      evil,
      '--name',
      name,
      ...server,
    );
    assert.equal(evilResult.code, 0, evilResult.err);
    assert.ok(!evilResult.out.includes('\u202e'), 'register escapes what it prints');
    const { appendToken } = await loadDataDir(join(dir, 'data'));
    const raw = await fetch(`${node.url}v1/log/entries`, {
      method: 'POST',
      headers: { authorization: `Bearer ${appendToken}`, 'content-type': 'application/octet-stream' },
      body: 'raw \u001b[2Jbytes',
    });
    assert.equal(raw.status, 201);

    const all = await run('log', 'tail', '--from', '0', ...server);
    assert.equal(all.code, 0, all.err);
    const lines = all.out.split('\n');
    const size = Number((await client.checkpoint()).split('\n')[1]);
    assert.equal(lines.length, size);
    assert.match(
      lines[0]!,
      /^0 {2}ledger\.genesis {5}did:key:z6Mk\S+…\S{6} {2}ledger "Cinnabar node operator"$/,
    );
    assert.match(lines[1]!, /^1 {2}identity\.register {2}did:key:z6Mk\S+ {2}person "Alice"$/);
    assert.match(
      lines[2]!,
      new RegExp(
        `^2 {2}asset\\.register {5}\\S+ {2}"Red square" \\(model/gltf-binary, \\d+ bytes\\) asset ${redAsset.slice(0, 12)}…$`,
      ),
    );
    assert.ok(
      lines.some((l) => l.includes('person "Eve\\u{202e}gpj.exe"')),
      all.out,
    );
    assert.ok(
      lines.some((l) => l.includes('"Wide\\u{200f}"')),
      all.out,
    );
    assert.equal(lines.at(-1), `${size - 1}  (raw entry, ${'raw \u001b[2Jbytes'.length} bytes)`);
    assert.ok(!all.out.includes('\u202e') && !all.out.includes('\u001b'));

    const last = await run('log', 'tail', ...server);
    assert.deepEqual(last.out.split('\n'), lines.slice(-10));
    const two = await run('log', 'tail', '-n', '2', ...server);
    assert.deepEqual(two.out.split('\n'), lines.slice(-2));
    const none = await run('log', 'tail', '--from', String(size + 5), ...server);
    assert.equal(none.code, 0);
    assert.equal(none.out, '');

    const json = await run('log', 'tail', '--from', '0', '--json', ...server);
    const objects = json.out.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(objects.length, size);
    assert.equal(objects[0]!.type, 'ledger.genesis');
    assert.equal(objects[2]!.txId, redAsset);
    assert.equal(objects[2]!.actor, dids.alice);
    assert.deepEqual(objects.at(-1), { index: size - 1, raw: true, size: 'raw \u001b[2Jbytes'.length });

    assert.equal((await run('log', 'tail', '-n', 'x')).code, 2);
    const down = await run('log', 'tail', '--server', 'http://127.0.0.1:9/');
    assert.equal(down.code, 1);
  });

  test('log tail --follow prints new entries as they come, until SIGINT', async () => {
    const tail = CliProcess.start(['log', 'tail', '--follow', '--interval', '200', '-n', '1', ...server]);
    try {
      await tail.waitForOutput(/\n$/);
      const before = tail.out;
      assert.equal(before.split('\n').length, 2, before);
      const fresh = join(dir, 'keys', 'fresh.json');
      assert.equal((await run('id', 'new', '--out', fresh, '--name', 'Fresh')).code, 0);
      const glb = await file('fresh.glb', await triangleGlb(7));
      const result = await run('register', glb, '--title', 'Fresh triangle', ...server, '--key', fresh);
      assert.equal(result.code, 0, result.err);
      await tail.waitForOutput(/"Fresh triangle"/);
      assert.match(
        tail.out,
        /identity\.register +\S+ +person "Fresh"\n\d+ {2}asset\.register +\S+ +"Fresh triangle"/,
      );
    } finally {
      tail.child.kill('SIGINT');
    }
    const done = await tail.done;
    assert.equal(done.code, 0, done.err);
    assert.equal(done.err, '');
  });

  test("the CLI's uploads stream through node:http; a refusal before the body is read is still answered", async () => {
    // 32 MiB the node refuses on sight (the uploader is not registered): the answer comes back as
    // the node's problem, not as a broken pipe, and the rest of the stream is not read.
    const size = 32 * 1024 * 1024;
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= size) return controller.close();
        const chunk = new Uint8Array(64 * 1024);
        pulled += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const stranger = new Uint8Array(32).fill(9);
    const did = didFromSeed(stranger);
    const cid = cidFromBytes(new Uint8Array(size));
    const cli = clientFor(node.url);
    await assert.rejects(
      cli.uploadBlob({
        stream,
        cid,
        size,
        authorization: signUploadAuthorization({ did, seed: stranger, cid, size }),
      }),
      (error: unknown) =>
        error instanceof CinnabarApiError && error.code === 'unknown_identity' && error.status === 403,
    );
    assert.ok(pulled < size, `read ${pulled} of ${size} bytes`);
    // Everything else goes through fetch as usual.
    assert.equal((await cli.ledger()).operator, node.operator);
  });

  test('--help for register, show and log tail', async () => {
    for (const command of [['register'], ['show'], ['log', 'tail']]) {
      const result = await run(...command, '--help');
      assert.equal(result.code, 0);
      assert.match(result.out, /Usage: cinnabar/);
    }
    const help = await run('--help');
    assert.match(help.out, /^ {2}register /m);
    assert.match(help.out, /^ {2}show /m);
  });
});
