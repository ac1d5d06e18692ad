import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CinnabarClient, type JsonObject, signTransaction } from '@cinnabar/core';
import { type RunningNode, startNode } from '@cinnabar/node';
import { loadKeyFile } from '../src/commands/id.js';
import { runCli as run } from './support/run-cli.js';

describe('cinnabar transfer and accept against a real node', () => {
  let dir: string;
  let node: RunningNode;
  let client: CinnabarClient;
  const keys: Record<string, string> = {};
  const dids: Record<string, string> = {};
  const assets: Record<string, string> = {};

  /** The operator sets the market policy (there is no command for it yet: signed here). */
  async function setPolicy(market?: JsonObject): Promise<void> {
    const operator = await loadKeyFile(join(dir, 'data', 'operator.key.json'), undefined);
    const seq = await client.nextSeq(operator.did);
    const policy = { realNameToRegister: false, ...(market ? { market } : {}) };
    await client.submit(
      signTransaction(
        {
          v: 1,
          type: 'policy.set',
          actor: operator.did,
          seq,
          time: new Date().toISOString(),
          body: { policy },
        },
        operator.seed,
      ),
    );
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cinnabar-transfer-'));
    node = await startNode({ dataDir: join(dir, 'data'), port: 0 });
    client = new CinnabarClient({ baseUrl: node.url });
    for (const name of ['alice', 'bob', 'carol']) {
      keys[name] = join(dir, `${name}.json`);
      const created = await run('id', 'new', '--out', keys[name], '--name', name);
      assert.equal(created.code, 0, created.err);
      dids[name] = created.out.trim().split('\n').at(-1)!;
      const file = join(dir, `${name}.bin`);
      await writeFile(file, `bytes of ${name}`);
      const registered = await run(
        'register',
        file,
        '--title',
        `${name}'s file`,
        '--key',
        keys[name],
        '--server',
        node.url,
      );
      assert.equal(registered.code, 0, registered.err);
      assets[name] = registered.out.trim().split('\n').at(-1)!;
    }
  });
  after(async () => {
    await node.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('open market: the owner transfers at once; a stranger is refused with exit status 1', async () => {
    const given = await run(
      'transfer',
      assets.alice!,
      '--to',
      dids.bob!,
      '--note',
      'a gift',
      '--key',
      keys.alice!,
      '--server',
      node.url,
    );
    assert.equal(given.code, 0, given.err);
    assert.match(given.out, /^Transferred [0-9a-f]{64} to did:key:z6Mk/);
    const txId = given.out.trim().split('\n').at(-1)!;
    const view = await client.asset(assets.alice!);
    assert.equal(view?.owner, dids.bob);
    const history = await client.assetHistory(assets.alice!);
    assert.deepEqual(
      history?.events.map((e) => [e.event, e.from, e.to, e.at.txId]),
      [['transferred', dids.alice, dids.bob, txId]],
    );

    const refused = await run(
      'transfer',
      assets.alice!,
      '--to',
      dids.carol!,
      '--key',
      keys.alice!,
      '--server',
      node.url,
    );
    assert.equal(refused.code, 1);
    assert.match(refused.err, /cinnabar transfer: refused: .*only the owner/);
    const unknown = await run(
      'transfer',
      'ab'.repeat(32),
      '--to',
      dids.carol!,
      '--key',
      keys.bob!,
      '--server',
      node.url,
      '--json',
    );
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /there is no asset/);
  });

  test('with acceptance: an offer, then the recipient accepts it (found by itself, or named)', async () => {
    await setPolicy({
      regime: 'open-market',
      transferNeedsAcceptance: true,
      holdingPeriodDays: 180,
      dailyGiftCap: 10,
    });
    try {
      const offered = await run(
        'transfer',
        assets.carol!,
        '--to',
        dids.alice!,
        '--key',
        keys.carol!,
        '--server',
        node.url,
      );
      assert.equal(offered.code, 0, offered.err);
      assert.match(
        offered.out,
        /^Offered .* it is theirs once they accept it:\n {2}cinnabar accept [0-9a-f]{64}\n[0-9a-f]{64}$/,
      );
      assert.equal((await client.asset(assets.carol!))?.owner, dids.carol);

      // Not for bob; then alice accepts without naming the offer.
      const wrong = await run('accept', assets.carol!, '--key', keys.bob!, '--server', node.url);
      assert.equal(wrong.code, 1);
      assert.match(wrong.err, /cinnabar accept: refused: .*offered to/);
      const accepted = await run(
        'accept',
        assets.carol!,
        '--key',
        keys.alice!,
        '--server',
        node.url,
        '--json',
      );
      assert.equal(accepted.code, 0, accepted.err);
      assert.equal(JSON.parse(accepted.out).subject.did, dids.alice);
      assert.equal((await client.asset(assets.carol!))?.owner, dids.alice);

      // Nothing is pending now.
      const none = await run('accept', assets.carol!, '--key', keys.alice!, '--server', node.url);
      assert.equal(none.code, 1);
      assert.match(none.err, /has no pending transfer/);
      // An offer named by its id.
      const second = await run(
        'transfer',
        assets.carol!,
        '--to',
        dids.bob!,
        '--key',
        keys.alice!,
        '--server',
        node.url,
      );
      const offer = second.out.trim().split('\n').at(-1)!;
      const named = await run(
        'accept',
        assets.carol!,
        '--transfer',
        offer,
        '--key',
        keys.bob!,
        '--server',
        node.url,
      );
      assert.equal(named.code, 0, named.err);
      assert.match(named.out, /^Accepted [0-9a-f]{64}: it is yours/);
      assert.equal((await client.asset(assets.carol!))?.owner, dids.bob);
    } finally {
      await setPolicy();
    }
  });
});
