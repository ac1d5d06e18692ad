import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CinnabarClient, hexEncode, sha256, utf8Encode } from '@cinnabar/core';
import { type CliLedger, cliLedger } from './support/cli-ledger.js';

describe('cinnabar policy, custody and value against a real node', () => {
  let ledger: CliLedger;
  let client: CinnabarClient;
  let operatorKey: string;
  let keys: Record<string, string>;
  let dids: Record<string, string>;
  let asset: string;
  let dir: string;
  const cli = (...args: string[]) => ledger.cli(...args);

  before(async () => {
    ledger = await cliLedger('circulation', ['ann', 'bob', 'keeper']);
    ({ client, operatorKey, keys, dids, dir } = ledger);
    asset = ledger.assets.ann!;
  });
  after(() => ledger.close());

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
