import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type CinnabarClient, type JsonObject, signTransaction } from '@cinnabar/core';
import { loadKeyFile } from '../src/commands/id.js';
import { type CliLedger, cliLedger } from './support/cli-ledger.js';
import { runCli as run } from './support/run-cli.js';

describe('cinnabar transfer and accept against a real node', () => {
  let ledger: CliLedger;
  let node: CliLedger['node'];
  let client: CinnabarClient;
  let keys: Record<string, string>;
  let dids: Record<string, string>;
  let assets: Record<string, string>;

  /** The operator sets the market policy (signed here: this tests transfer, not policy set). */
  async function setPolicy(market?: JsonObject): Promise<void> {
    const operator = await loadKeyFile(ledger.operatorKey, undefined);
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
    ledger = await cliLedger('transfer', ['alice', 'bob', 'carol']);
    ({ node, client, keys, dids, assets } = ledger);
  });
  after(() => ledger.close());

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
