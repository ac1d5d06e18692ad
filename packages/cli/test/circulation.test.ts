import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CinnabarClient, hexEncode, sha256, utf8Encode } from '@cinnabar/core';
import { type RunningNode, startNode } from '@cinnabar/node';
import { runCli as run } from './support/run-cli.js';

describe('cinnabar policy, custody and value against a real node', () => {
  let dir: string;
  let node: RunningNode;
  let client: CinnabarClient;
  let operatorKey: string;
  const keys: Record<string, string> = {};
  const dids: Record<string, string> = {};
  let asset: string;

  const cli = (...args: string[]) => run(...args, '--server', node.url);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cinnabar-circulation-'));
    node = await startNode({ dataDir: join(dir, 'data'), port: 0 });
    client = new CinnabarClient({ baseUrl: node.url });
    operatorKey = join(dir, 'data', 'operator.key.json');
    for (const name of ['ann', 'bob', 'keeper']) {
      keys[name] = join(dir, `${name}.json`);
      const created = await run('id', 'new', '--out', keys[name], '--name', name);
      assert.equal(created.code, 0, created.err);
      dids[name] = created.out.trim().split('\n').at(-1)!;
      const file = join(dir, `${name}.bin`);
      await writeFile(file, `bytes of ${name}`);
      const registered = await cli('register', file, '--title', `${name}'s work`, '--key', keys[name]);
      assert.equal(registered.code, 0, registered.err);
      if (name === 'ann') asset = registered.out.trim().split('\n').at(-1)!;
    }
  });
  after(async () => {
    await node.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('policy set: only the operator; the ledger shows the new policy', async () => {
    const refused = await cli('policy', 'set', '--market', 'cn-collectibles', '--key', keys.ann!);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /refused: not_authorized: only the operator/);
    const set = await cli(
      'policy',
      'set',
      '--market',
      'cn-collectibles',
      '--holding-days',
      '0',
      '--daily-gift-cap',
      '3',
      '--key',
      operatorKey,
    );
    assert.equal(set.code, 0, set.err);
    assert.match(
      set.out,
      /^Policy set \(entry \d+\): cn-collectibles, transfers accepted by their recipients, 0 days' holding, 3 gifts a day/,
    );
    assert.deepEqual((await client.ledger()).policy, {
      realNameToRegister: false,
      market: {
        regime: 'cn-collectibles',
        transferNeedsAcceptance: true,
        holdingPeriodDays: 0,
        dailyGiftCap: 3,
      },
    });
    const bad = await cli('policy', 'set', '--market', 'casino', '--key', operatorKey);
    assert.equal(bad.code, 2);
    const open = await cli('policy', 'set', '--key', operatorKey);
    assert.equal(open.code, 0, open.err);
    assert.equal((await client.ledger()).policy.market?.regime, 'open-market');
  });

  test('custody: deposit with a custodian, transfers locked, release to a buyer', async () => {
    const role = await cli('credential', 'issue', dids.keeper!, '--role', 'custodian', '--key', operatorKey);
    assert.equal(role.code, 0, role.err);
    const deposited = await cli(
      'custody',
      'deposit',
      asset,
      '--custodian',
      dids.keeper!,
      '--note',
      'escrow',
      '--key',
      keys.ann!,
    );
    assert.equal(deposited.code, 0, deposited.err);
    assert.match(deposited.out, /^Deposited [0-9a-f]{64} with did:key:/);
    const locked = await cli('transfer', asset, '--to', dids.bob!, '--key', keys.ann!);
    assert.equal(locked.code, 1);
    assert.match(locked.err, /is held by/);
    const notKeeper = await cli('custody', 'release', asset, '--to', dids.bob!, '--key', keys.bob!);
    assert.equal(notKeeper.code, 1);
    const released = await cli(
      'custody',
      'release',
      asset,
      '--to',
      dids.bob!,
      '--key',
      keys.keeper!,
      '--json',
    );
    assert.equal(released.code, 0, released.err);
    assert.equal(JSON.parse(released.out).subject.did, dids.bob);
    const view = await client.asset(asset);
    assert.deepEqual([view?.owner, view?.custody], [dids.bob, undefined]);
    const history = await client.assetHistory(asset);
    assert.deepEqual(
      history?.events.map((e) => e.event),
      ['custody-deposited', 'custody-released'],
    );
  });

  test('value: an appraiser attests a value with the report hash; others are refused', async () => {
    const report = join(dir, 'report.pdf');
    await writeFile(report, 'appraisal report');
    const args = [
      'value',
      asset,
      '--method',
      'market',
      '--amount',
      '125000.50',
      '--date',
      '2026-11-01',
      '--report',
      report,
    ];
    const refused = await cli(...args, '--key', keys.ann!);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /appraiser role/);
    assert.equal(
      (await cli('credential', 'issue', dids.ann!, '--role', 'appraiser', '--key', operatorKey)).code,
      0,
    );
    const valued = await cli(...args, '--key', keys.ann!, '--json');
    assert.equal(valued.code, 0, valued.err);
    const { txId } = JSON.parse(valued.out) as { txId: string };
    const listed = await client.assetValuations(asset);
    assert.deepEqual(
      listed?.valuations.map((v) => [v.id, v.appraiser, v.method, v.amount, v.date, v.reportHash]),
      [
        [
          txId,
          dids.ann,
          'market',
          '125000.50',
          '2026-11-01',
          hexEncode(sha256(utf8Encode('appraisal report'))),
        ],
      ],
    );
    const bad = await cli(
      'value',
      asset,
      '--method',
      'market',
      '--amount',
      '1e5',
      '--report',
      report,
      '--key',
      keys.ann!,
    );
    assert.equal(bad.code, 2);
  });
});
