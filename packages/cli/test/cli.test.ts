import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadDataDir, type RunningNode, startNode } from '@cinnabar/node';
import { NodeProcess } from './support/node-process.js';
import { runCli as run } from './support/run-cli.js';

describe('cinnabar CLI', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cinnabar-cli-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('init creates the data directory with an owner-only key and prints the verifier key', async () => {
    const data = join(dir, 'init');
    const result = await run('init', '--data', data, '--origin', 'cli.test/log');
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /^cli\.test\/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/m);
    assert.equal((await stat(join(data, 'log.key'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(data, 'append.token'))).mode & 0o777, 0o600);
    assert.equal((await stat(data)).mode & 0o777, 0o700);
    // Again: nothing changes; another origin is refused.
    const key = await readFile(join(data, 'log.key'), 'utf8');
    assert.equal((await run('init', '--data', data, '--origin', 'cli.test/log')).code, 0);
    assert.equal(await readFile(join(data, 'log.key'), 'utf8'), key);
    const other = await run('init', '--data', data, '--origin', 'other/log');
    assert.equal(other.code, 1);
    assert.match(other.err, /already holds the log for origin cli\.test\/log/);
  });

  test('bad arguments are usage errors (exit 2) with a message', async () => {
    assert.equal((await run('serve', '--port', 'seventy')).code, 2);
    assert.equal((await run('serve', '--port', '70000')).code, 2);
    assert.equal((await run('log', 'verify', 'http://x/log/')).code, 2); // --vkey is required
    assert.equal((await run('frobnicate')).code, 2);
    assert.equal((await run('init', '--origin', 'has space')).code, 1);
  });

  test('serve keeps the origin of an existing data directory when --origin is not given', async () => {
    const data = join(dir, 'serve-existing');
    assert.equal((await run('init', '--data', data, '--origin', 'custom.test/log')).code, 0);
    const node = await NodeProcess.start({ dataDir: data, port: 0 });
    try {
      const vkey = await (await fetch(`${node.logUrl}vkey`)).text();
      assert.ok(vkey.startsWith('custom.test/log+'), vkey);
    } finally {
      assert.deepEqual(await node.stop(), { code: 0, signal: null });
    }
  });

  test('--help for each command', async () => {
    for (const command of [['init'], ['serve'], ['log', 'verify']]) {
      const result = await run(...command, '--help');
      assert.equal(result.code, 0);
      assert.match(result.out, /Usage: cinnabar/);
    }
  });

  describe('log verify against a running node', () => {
    let node: RunningNode;
    let state: string;
    let token: string;
    before(async () => {
      node = await startNode({ dataDir: join(dir, 'node'), port: 0, origin: 'verify.test/log' });
      token = (await loadDataDir(join(dir, 'node'))).appendToken;
      state = join(dir, 'state');
    });
    after(() => node.close());

    async function append(n: number) {
      for (let i = 0; i < n; i++) {
        const res = await fetch(`${node.url}v1/log/entries`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
          body: `entry ${i}`,
        });
        assert.equal(res.status, 201);
      }
    }

    test('first run verifies and remembers; the next proves consistency; --audit and --index pass', async () => {
      await append(4); // after the genesis transaction: 5 entries
      const first = await run('log', 'verify', node.logUrl, '--vkey', node.vkey, '--state', state);
      assert.equal(first.code, 0, first.err);
      assert.match(first.out, /size 5 .*signature OK/);
      assert.match(first.out, /first checkpoint seen/);
      await append(300);
      const vkeyFile = join(dir, 'node', 'log.vkey');
      const second = await run(
        'log',
        'verify',
        node.logUrl,
        '--vkey',
        vkeyFile,
        '--state',
        state,
        '--audit',
        '--index',
        '260',
      );
      assert.equal(second.code, 0, second.err);
      assert.match(second.out, /consistency with the checkpoint accepted before \(size 5\): OK/);
      assert.match(second.out, /inclusion of entry 260: OK/);
      assert.match(second.out, /audit: 305 entries/);
      const json = await run('log', 'verify', node.logUrl, '--vkey', node.vkey, '--state', state, '--json');
      assert.equal(JSON.parse(json.out).size, 305);
    });

    test('a wrong key or an entry beyond the log fails with exit 1 and a code', async () => {
      const wrong = (await run('init', '--data', join(dir, 'other'), '--origin', 'verify.test/log', '--json'))
        .out;
      const result = await run(
        'log',
        'verify',
        node.logUrl,
        '--vkey',
        JSON.parse(wrong).vkey,
        '--state',
        state,
      );
      assert.equal(result.code, 1);
      assert.match(result.err, /FAILED \(/);
      const beyond = await run(
        'log',
        'verify',
        node.logUrl,
        '--vkey',
        node.vkey,
        '--state',
        state,
        '--index',
        '100000',
      );
      assert.equal(beyond.code, 1);
    });

    test('a fork (same key, history rewritten) is refused as inconsistent with what was remembered', async () => {
      // Two nodes start from copies of one data directory, then append different entries.
      const original = join(dir, 'fork-a');
      const forkState = join(dir, 'fork-state');
      let a = await startNode({ dataDir: original, port: 0, origin: 'fork.test/log' });
      await a.close();
      await cp(original, join(dir, 'fork-b'), { recursive: true });
      a = await startNode({ dataDir: original, port: 0 });
      const b = await startNode({ dataDir: join(dir, 'fork-b'), port: 0 });
      try {
        const appendTo = async (n: RunningNode, data: string, body: string) =>
          fetch(`${n.url}v1/log/entries`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${(await loadDataDir(data)).appendToken}`,
              'content-type': 'application/octet-stream',
            },
            body,
          });
        await appendTo(a, original, 'the real history');
        await appendTo(b, join(dir, 'fork-b'), 'a rewritten history');
        await appendTo(b, join(dir, 'fork-b'), 'and more');
        assert.equal((await run('log', 'verify', a.logUrl, '--vkey', a.vkey, '--state', forkState)).code, 0);
        const result = await run('log', 'verify', b.logUrl, '--vkey', b.vkey, '--state', forkState);
        assert.equal(result.code, 1);
        assert.match(result.err, /FAILED \(inconsistent_log\)/);
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
});
