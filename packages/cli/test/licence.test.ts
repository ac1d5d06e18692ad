import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CinnabarClient, generateSignerKey, hexEncode, sha256, utf8Encode } from '@cinnabar/core';
import { type CliLedger, cliLedger } from './support/cli-ledger.js';

describe('cinnabar licence grant|revoke|check against a real node', () => {
  let ledger: CliLedger;
  let node: CliLedger['node'];
  let client: CinnabarClient;
  let keys: Record<string, string>;
  let dids: Record<string, string>;
  let asset: string;
  let legalText: string;
  const cli = (...args: string[]) => ledger.cli(...args);
  /** `cinnabar licence check` of the work for `licensee` and `use`, with `more` arguments. */
  const check = (licensee: string, use: string, ...more: string[]) =>
    cli('licence', 'check', asset, '--licensee', licensee, '--use', use, ...more);

  before(async () => {
    ledger = await cliLedger('licence', ['ann', 'bob', 'cat']);
    ({ node, client, keys, dids } = ledger);
    asset = ledger.assets.ann!;
    legalText = join(ledger.dir, 'licence.txt');
    await writeFile(legalText, 'The licensee may show the work.\n');
  });
  after(() => ledger.close());

  test('grant, then check: yes for what the terms allow, no and why otherwise, with exit status 1', async () => {
    const granted = await cli(
      'licence',
      'grant',
      asset,
      '--to',
      dids.bob!,
      '--use',
      'display,reproduce',
      '--territory',
      'CN,HK',
      '--from',
      '2026-01-01',
      '--until',
      '2030-12-31',
      '--sublicensable',
      '--royalty',
      '7.5',
      '--legal-text',
      legalText,
      '--key',
      keys.ann!,
    );
    assert.equal(granted.code, 0, granted.err);
    assert.match(
      granted.out,
      /^Licensed [0-9a-f]{64} to did:key:z6Mk\S+: display, reproduce, CN, HK, from 2026-01-01 to 2030-12-31/,
    );
    const id = granted.out.trim().split('\n').at(-1)!;
    const record = await client.licence(asset, id);
    assert.equal(record?.terms.royaltyBasisPoints, 750);
    assert.equal(
      record?.terms.legalTextHash,
      hexEncode(sha256(utf8Encode('The licensee may show the work.\n'))),
    );

    const yes = await check(dids.bob!, 'display', '--territory', 'HK', '--vkey', node.vkey);
    assert.equal(yes.code, 0, yes.out + yes.err);
    assert.match(yes.out, new RegExp(`^yes: licence ${id} permits display`));
    assert.doesNotMatch(yes.out, /node's own log key/);
    const json = JSON.parse((await check(dids.bob!, 'display', '--json')).out);
    assert.equal(json.permitted, true);
    assert.equal(json.pinned, false);

    for (const [args, why] of [
      [['--use', 'commercial'], /allows display, reproduce, not commercial/],
      [['--use', 'display', '--territory', 'JP'], /holds in CN, HK, not JP/],
      [['--use', 'display', '--at', '2031-01-01T00:00:00Z'], /ended on 2030-12-31/],
    ] as const) {
      const no = await cli('licence', 'check', asset, '--licensee', dids.bob!, ...args);
      assert.equal(no.code, 1, no.out);
      assert.match(no.out, /^no: none of/);
      assert.match(no.out, why);
    }
    const nobody = await check(dids.cat!, 'display');
    assert.equal(nobody.code, 1);
    assert.match(nobody.out, /holds no licence/);
    // Pinned to another log's key, the entries do not verify.
    const other = generateSignerKey(node.origin).vkey;
    const wrongKey = await check(dids.bob!, 'display', '--vkey', other);
    assert.equal(wrongKey.code, 1);
    assert.match(
      wrongKey.out,
      /its log entries do not back it: the grant: its receipt fails the checkpoint check/,
    );

    // A sublicence holds while the licence above it does.
    const sub = await cli(
      'licence',
      'grant',
      asset,
      '--to',
      dids.cat!,
      '--use',
      'display',
      '--territory',
      'HK',
      '--from',
      '2026-06-01',
      '--until',
      '2030-12-31',
      '--under',
      id,
      '--legal-text-hash',
      'ab'.repeat(32),
      '--key',
      keys.bob!,
    );
    assert.equal(sub.code, 0, sub.err);
    const subYes = await check(dids.cat!, 'display', '--territory', 'HK');
    assert.equal(subYes.code, 0, subYes.out);
    assert.match(subYes.out, new RegExp(`under ${id}`));

    // Revoked: the check says when; the sublicence falls with it.
    const revoked = await cli(
      'licence',
      'revoke',
      asset,
      id,
      '--reason',
      'terms breached',
      '--key',
      keys.ann!,
    );
    assert.equal(revoked.code, 0, revoked.err);
    const after = await check(dids.bob!, 'display');
    assert.equal(after.code, 1);
    assert.match(after.out, /revoked at/);
    const subAfter = await check(dids.cat!, 'display', '--territory', 'HK');
    assert.equal(subAfter.code, 1);
    assert.match(subAfter.out, /the licence it is granted under does not hold: .*revoked/);
    // At its grant, before the revocation, it held.
    const grantedAt = (await client.licence(asset, id))!.granted.time;
    const earlier = await check(dids.bob!, 'display', '--at', grantedAt);
    assert.equal(earlier.code, 0, earlier.out);
  });

  test('refusals and bad arguments', async () => {
    const stranger = await cli(
      'licence',
      'grant',
      asset,
      '--to',
      dids.cat!,
      '--use',
      'display',
      '--legal-text-hash',
      'ab'.repeat(32),
      '--key',
      keys.bob!,
    );
    assert.equal(stranger.code, 1);
    assert.match(stranger.err, /cinnabar licence grant: refused: .*only the owner/);
    for (const args of [
      ['--use', 'sell'],
      ['--use', 'display', '--territory', 'China'],
      ['--use', 'display', '--until', '31/12/2030'],
      ['--use', 'display', '--royalty', '101'],
    ]) {
      const bad = await cli(
        'licence',
        'grant',
        asset,
        '--to',
        dids.cat!,
        ...args,
        '--legal-text-hash',
        'ab'.repeat(32),
        '--key',
        keys.ann!,
      );
      assert.equal(bad.code, 2, `${args.join(' ')}: ${bad.err}`);
    }
    const noText = await cli(
      'licence',
      'grant',
      asset,
      '--to',
      dids.cat!,
      '--use',
      'display',
      '--key',
      keys.ann!,
    );
    assert.equal(noText.code, 2);
    const badAt = await check(dids.cat!, 'display', '--at', 'someday');
    assert.equal(badAt.code, 2);
    const unknown = await cli(
      'licence',
      'check',
      'cd'.repeat(32),
      '--licensee',
      dids.cat!,
      '--use',
      'display',
    );
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /there is no asset/);
  });
});
