// The end-to-end smoke test: a node in its own process, and every step a fresh `cinnabar` process
// as a user would run it. Create an identity, register a GLB, verify its receipt offline with the
// node stopped, restart the node and verify again, see a changed byte fail the file check, and
// audit the whole log over HTTP.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cidFromBytes } from '@cinnabar/core';
import { squareGlb } from '../../node/test/support/glb.js';
import { runCliProcess } from './support/cli-process.js';
import { killAllNodeProcesses, NodeProcess } from './support/node-process.js';

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1) ?? '';

describe('end to end: register from the CLI, verify offline, restart, verify again, audit', () => {
  let dir: string;
  let data: string;
  let node: NodeProcess | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cinnabar-e2e-'));
    data = join(dir, 'data');
  });
  after(async () => {
    await killAllNodeProcesses();
    await rm(dir, { recursive: true, force: true });
  });

  test('the whole path', { timeout: 180_000 }, async () => {
    node = await NodeProcess.start({ dataDir: data, port: 0, args: ['--origin', 'e2e.test/log'] });
    // The key to pin is the operator's own copy, not what the node serves (which must agree).
    const vkey = (await readFile(join(data, 'log.vkey'), 'utf8')).trim();
    assert.equal((await (await fetch(`${node.logUrl}vkey`)).text()).trim(), vkey);

    const key = join(dir, 'alice.key.json');
    const id = await runCliProcess(['id', 'new', '--out', key, '--name', 'Alice']);
    assert.equal(id.code, 0, id.err);
    const did = lastLine(id.out);
    assert.match(did, /^did:key:z6Mk/);

    const glb = join(dir, 'work.glb');
    const bytes = await squareGlb([0.7, 0.2, 0.1], 'e2e');
    await writeFile(glb, bytes);
    const registered = await runCliProcess([
      'register',
      glb,
      '--title',
      'End-to-end square',
      '--key',
      key,
      '--server',
      node.url,
    ]);
    assert.equal(registered.code, 0, `${registered.err}\n${node.report()}`);
    const asset = lastLine(registered.out);
    assert.match(asset, /^[0-9a-f]{64}$/);
    const receipt = `${glb}.receipt.json`;

    const tail = await runCliProcess(['log', 'tail', '--server', node.url]);
    assert.equal(tail.code, 0, tail.err);
    assert.deepEqual(
      tail.out
        .trimEnd()
        .split('\n')
        .map((line) => line.split(/ {2,}/)[1]),
      ['ledger.genesis', 'identity.register', 'asset.register'],
    );

    // The node stops; the receipt is checked by a fresh process with nothing to talk to.
    const url = node.url;
    assert.deepEqual(await node.stop(), { code: 0, signal: null });
    await assert.rejects(fetch(`${url}log/checkpoint`), 'the node is down');
    const offline = await runCliProcess(['verify', glb, '--receipt', receipt, '--vkey', vkey]);
    assert.equal(offline.code, 0, offline.err);
    for (const check of ['receipt', 'file', 'signature', 'inclusion', 'checkpoint', 'tlog-proof'])
      assert.match(offline.out, new RegExp(`^ok +${check} `, 'm'));
    assert.match(offline.out, new RegExp(`^verified: asset\\.register by ${did}$`, 'm'));
    assert.match(offline.out, new RegExp(`^ +cid +${cidFromBytes(bytes)} `, 'm'));
    assert.match(offline.out, /\(pinned with --vkey\)/);

    // Restarted on the same data: the asset is still there, and the receipt still verifies.
    node = await NodeProcess.start({ dataDir: data, port: 0 });
    const shown = await runCliProcess(['show', asset, '--server', node.url]);
    assert.equal(shown.code, 0, shown.err);
    assert.match(shown.out, /^Title +End-to-end square$/m);
    const again = await runCliProcess(['verify', glb, '--receipt', receipt, '--vkey', vkey]);
    assert.equal(again.code, 0, again.err);

    // One byte changed: the file check fails, and says so.
    const changed = join(dir, 'changed.glb');
    const tampered = bytes.slice();
    const last = tampered.length - 1;
    tampered[last] = tampered[last]! ^ 0x01;
    await writeFile(changed, tampered);
    const failed = await runCliProcess(['verify', changed, '--receipt', receipt, '--vkey', vkey]);
    assert.equal(failed.code, 1, failed.out);
    assert.match(failed.out, /^FAILED +file /m);
    assert.match(failed.err, /FAILED at the file check/);

    // The log as a whole: signature, and every entry and tile recomputed.
    const audit = await runCliProcess([
      'log',
      'verify',
      node.logUrl,
      '--vkey',
      vkey,
      '--audit',
      '--state',
      join(dir, 'checkpoints'),
    ]);
    assert.equal(audit.code, 0, audit.err);
    assert.match(audit.out, /^checkpoint +e2e\.test\/log size 3 root \S+: signature OK$/m);
    assert.match(audit.out, /^audit: 3 entries and \d+ tiles? recomputed from zero: OK$/m);

    assert.deepEqual(await node.stop(), { code: 0, signal: null });
  });
});
