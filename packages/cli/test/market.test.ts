// cinnabar edition issue, list, sell and certificate against a real node, and the certificate
// verified offline by cinnabar verify --credential (and refused once tampered with).
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type CinnabarClient,
  generateSignerKey,
  hexEncode,
  type RightsCredential,
  sha256,
  utf8Encode,
} from '@cinnabar/core';
import { PNG } from 'pngjs';
import { type CliLedger, cliLedger } from './support/cli-ledger.js';
import { runCli } from './support/run-cli.js';

describe('cinnabar edition, list, sell and certificate against a real node', () => {
  let ledger: CliLedger;
  let client: CinnabarClient;
  let keys: Record<string, string>;
  let dids: Record<string, string>;
  let asset: string;
  const cli = (...args: string[]) => ledger.cli(...args);

  before(async () => {
    ledger = await cliLedger('market', ['ann', 'bob']);
    ({ client, keys, dids } = ledger);
    asset = ledger.assets.ann!;
  });
  after(() => ledger.close());

  test('issue editions, list one, sell it: the buyer holds it and the split is on the record', async () => {
    const issued = await cli('edition', 'issue', asset, '--supply', '3', '--key', keys.ann!);
    assert.equal(issued.code, 0, issued.err);
    assert.match(issued.out, /^Issued editions 1 to 3 of [0-9a-f]{64} \(entry \d+\)/);
    const again = await cli('edition', 'issue', asset, '--supply', '5', '--key', keys.ann!);
    assert.equal(again.code, 1);
    assert.match(again.err, /editions_exist/);
    assert.equal((await cli('edition', 'issue', asset, '--supply', '0', '--key', keys.ann!)).code, 2);

    const listed = await cli('list', asset, '--edition', '2', '--price', '88.80', '--key', keys.ann!);
    assert.equal(listed.code, 0, listed.err);
    const listing = listed.out.trim().split('\n').at(-1)!;
    assert.equal((await cli('list', asset, '--key', keys.ann!)).code, 2);
    const locked = await cli('transfer', asset, '--edition', '2', '--to', dids.bob!, '--key', keys.ann!);
    assert.equal(locked.code, 1);
    assert.match(locked.err, /listed/);

    const sell = (price: string) =>
      cli(
        'sell',
        asset,
        '--edition',
        '2',
        '--listing',
        listing,
        '--to',
        dids.bob!,
        '--price',
        price,
        '--payment',
        'wechat-pay 4200001234',
        '--key',
        keys.ann!,
      );
    const wrongPrice = await sell('80');
    assert.equal(wrongPrice.code, 1);
    assert.match(wrongPrice.err, /price_mismatch/);
    const sold = await sell('88.8');
    assert.equal(sold.code, 0, sold.err);
    assert.match(sold.out, /^Sold edition 2 of [0-9a-f]{64} to did:key:\S+ for CNY 88.8 \(entry \d+\)/);
    assert.equal((await sell('88.8')).code, 1);

    assert.equal((await client.edition(asset, 2))?.owner, dids.bob);
    const [sale] = (await client.assetSales(asset))!.sales;
    assert.equal(sale?.paymentHash, hexEncode(sha256(utf8Encode('wechat-pay 4200001234'))));
    assert.deepEqual(sale?.split.platform.amount, '2.22');
    assert.deepEqual(sale?.split.seller, '86.58');
    const holdings = await client.holdings(dids.bob!);
    assert.deepEqual(
      holdings.items.map((item) => item.kind),
      ['edition', 'asset'],
    );
    assert.equal((await client.identitySales(dids.ann!, 'seller')).items.length, 1);

    // Listing and cancelling.
    const third = await cli('list', asset, '--edition', '3', '--price', '10', '--key', keys.ann!);
    const thirdId = third.out.trim().split('\n').at(-1)!;
    const cancelled = await cli('list', asset, '--edition', '3', '--cancel', thirdId, '--key', keys.ann!);
    assert.equal(cancelled.code, 0, cancelled.err);
    assert.equal((await client.edition(asset, 3))?.listing, undefined);
  });

  test('certificate: the holder gets a credential, a PDF and a PNG; verify checks the credential offline', async () => {
    const out = join(ledger.dir, 'certificates');
    const fetched = await cli('certificate', asset, '--holder', dids.bob!, '--edition', '2', '--out', out);
    assert.equal(fetched.code, 0, fetched.err);
    const name = `certificate-${asset.slice(0, 12)}-edition-2`;
    const json = join(out, `${name}.json`);
    const credential = JSON.parse(await readFile(json, 'utf8')) as RightsCredential;
    assert.deepEqual(credential.type, ['VerifiableCredential', 'CinnabarRightsCredential']);
    assert.equal(credential.credentialSubject.id, dids.bob);
    assert.deepEqual(credential.credentialSubject.edition, { number: 2, supply: 3 });
    const pdf = await readFile(join(out, `${name}.pdf`));
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    const png = PNG.sync.read(await readFile(join(out, `${name}.png`)));
    assert.ok(png.width > 0 && png.height > 0);

    const vkey = ledger.node.vkey;
    const verified = await runCli('verify', '--credential', json, '--vkey', vkey);
    assert.equal(verified.code, 0, verified.err);
    assert.match(verified.out, /ok {4} {2}receipt {5}.*signed by the pinned key/);
    assert.match(verified.out, /verified: did:key:\S+ became the holder of edition 2 of 3 of [0-9a-f]{64}/);

    // Another log's key: the receipt's checkpoint is not that log's.
    const otherLog = await runCli(
      'verify',
      '--credential',
      json,
      '--vkey',
      generateSignerKey(ledger.node.origin).vkey,
    );
    assert.equal(otherLog.code, 1);
    assert.match(otherLog.err, /FAILED at the receipt check/);
    // Tampered: another holder named.
    const forged = join(out, 'forged.json');
    await writeFile(
      forged,
      JSON.stringify({ ...credential, credentialSubject: { ...credential.credentialSubject, id: dids.ann } }),
    );
    const tampered = await runCli('verify', '--credential', forged, '--vkey', vkey);
    assert.equal(tampered.code, 1);
    assert.match(tampered.err, /FAILED at the proof check/);

    // Only the current holder gets one.
    const refused = await cli('certificate', asset, '--holder', dids.ann!, '--edition', '2', '--out', out);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /right_not_held|held by/);
    const owner = await cli('certificate', asset, '--holder', dids.ann!, '--out', out);
    assert.equal(owner.code, 0, owner.err);
    const ownerJson = join(out, `certificate-${asset.slice(0, 12)}.json`);
    assert.equal((await runCli('verify', '--credential', ownerJson, '--vkey', vkey)).code, 0);
  });
});
