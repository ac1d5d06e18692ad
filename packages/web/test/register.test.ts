// The register page in a real Chromium against a real node: a key made in the browser registers
// its identity, a PNG dropped on the page is uploaded (upload authorization signed in the page) and
// inspected, described (place picked, grid code shown, AI label, time span), signed in the page;
// the receipt it downloads verifies with the real CLI, and no request ever carried the private key;
// where the policy seals a grade's descriptions (the demo seals core), the page seals it itself.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type AssetRecord,
  base64Encode,
  cidFromBytes,
  encodeGrid,
  hexEncode,
  openKeyFile,
  openSealedDescription,
  signReadAuthorization,
} from '@cinnabar/core';
import { runCli } from '../../cli/test/support/run-cli.js';
import {
  createAndRegisterIdentity,
  dropFile,
  exportKey,
  makePng,
  recordRequests,
} from './support/wallet-steps.js';
import { type WebFixture, webFixture } from './support/web-fixture.js';

describe('register a work from the browser', () => {
  let web: WebFixture;
  before(async () => {
    web = await webFixture('register');
  });
  after(() => web?.close());

  test('file drop to receipt: the CLI verifies the receipt, and no request carries the key', async () => {
    const { context, page, problems } = await web.newPage();
    const sent = recordRequests(page);
    await page.goto('/register');
    await page.getByRole('heading', { name: 'Register a work' }).waitFor();
    const did = await createAndRegisterIdentity(page, 'Browser Artist');
    assert.match(did, /^did:key:z6Mk/);

    const png = makePng(64, 48);
    const cid = cidFromBytes(png);
    await dropFile(page, png, 'lantern.png', 'image/png');
    await page.getByText(cid).waitFor();
    await page.getByRole('button', { name: 'Upload and inspect' }).click();
    const inspection = page.getByTestId('inspection');
    await inspection.waitFor();
    assert.match((await inspection.textContent()) ?? '', /image\/png/);
    assert.match((await inspection.textContent()) ?? '', /64 × 48 px/);
    assert.match((await inspection.textContent()) ?? '', /none found/); // no AI label in the file

    await page.getByLabel('Title').fill('Lantern at the Meridian Gate');
    await page.getByLabel('Description').fill('A test image, registered from the browser.');
    await page.getByLabel('Creator 1: name').fill('Browser Artist');
    await page.getByLabel('Creator 1: role (optional)').fill('photographer');
    await page.getByLabel('Created (YYYY, YYYY-MM or YYYY-MM-DD)').fill('2025-06');
    await page.getByLabel('This work is generated or synthesized by AI').check();
    await page.getByLabel('Label', { exact: true }).selectOption('2');
    await page.getByLabel('ContentProducer').fill('Studio Test');
    await page.getByLabel('ProduceID').fill('run-42');
    await page.getByLabel('The work is of a real place (digital twin)').check();
    await page.getByLabel('Latitude (°)').fill('39.9163');
    await page.getByLabel('Longitude (°)').fill('116.3972');
    await page.getByLabel('Grid level').selectOption('7');
    await page.getByLabel('Place name (optional)').fill('Meridian Gate');
    assert.equal(await page.getByTestId('grid-code').textContent(), encodeGrid(39.9163, 116.3972, 7));
    await page.getByLabel('From (YYYY, YYYY-MM or YYYY-MM-DD)').fill('1420');
    await web.screenshot(page, 'register-filled-desktop');

    await page.getByRole('button', { name: 'Sign and register', exact: true }).click();
    await page.getByRole('heading', { name: '4. Registered' }).waitFor();
    await page.getByText('verified in this browser').waitFor();
    const asset = (await page.getByTestId('asset-id').textContent())!.trim();
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download the receipt' }).click();
    const receiptFile = await download;
    assert.equal(receiptFile.suggestedFilename(), `${cid}.receipt.json`);
    const receiptPath = join(web.dir, `${cid}.receipt.json`);
    await receiptFile.saveAs(receiptPath);
    await web.screenshot(page, 'register-done-desktop');

    // What the node recorded is what was filled in.
    const view = await (await fetch(`${web.node.url}v1/assets/${asset}`)).json();
    assert.equal(view.owner, did);
    assert.equal(view.metadata.title, 'Lantern at the Meridian Gate');
    assert.deepEqual(view.metadata.aiLabel, {
      Label: '2',
      ContentProducer: 'Studio Test',
      ProduceID: 'run-42',
    });
    assert.deepEqual(view.metadata.place, {
      point: { lat: 39.9163, lng: 116.3972 },
      level: 7,
      name: 'Meridian Gate',
    });
    assert.deepEqual(view.metadata.timeSpan, { start: '1420' });

    // The real CLI checks the downloaded receipt against the file, offline.
    const pngPath = join(web.dir, 'lantern.png');
    await writeFile(pngPath, png);
    const verified = await runCli('verify', pngPath, '--receipt', receiptPath);
    assert.equal(verified.code, 0, `${verified.out}\n${verified.err}`);
    assert.equal((await readFile(receiptPath, 'utf8')).endsWith('}\n'), true);

    // The private key never left the browser: not in any request's URL, headers or body.
    const keyPath = await exportKey(page, web.dir, 'artist.key.json');
    const { seed } = await openKeyFile(await readFile(keyPath));
    const secrets = [
      base64Encode(seed),
      hexEncode(seed),
      Buffer.from(seed).toString('base64url'),
      Buffer.from(seed).toString('latin1'),
    ];
    const toNode = sent.filter((r) => r.url.startsWith(web.node.url));
    assert.ok(
      toNode.some((r) => r.url.endsWith('/v1/blobs')),
      'the upload was seen',
    );
    assert.ok(toNode.filter((r) => r.url.endsWith('/v1/tx')).length >= 2, 'the transactions were seen');
    for (const request of toNode) {
      const text = `${request.url}\n${JSON.stringify(request.headers)}\n${request.body}`;
      for (const secret of secrets)
        assert.ok(!text.includes(secret), `the key is in a request to ${request.url}`);
    }
    problems.assertNone();
    await context.close();
  });

  test('a core work where the policy seals core descriptions: sealed in the page, only its CID on the log', async () => {
    const { context, page, problems } = await web.newPage();
    await page.goto('/register');
    await createAndRegisterIdentity(page, 'Survey Team');
    await dropFile(page, makePng(32, 32), 'survey.png', 'image/png');
    await page.getByRole('button', { name: 'Upload and inspect' }).click();
    await page.getByTestId('inspection').waitFor();
    await page.getByLabel('Title').fill('Sealed survey plate');
    await page.getByLabel('Creator 1: name').fill('Survey Team');
    const hint = page.getByText(/The policy seals the descriptions of works of this grade/);
    assert.equal(await hint.count(), 0, 'no hint for a general work');
    await page.getByLabel('Data grade (GB/T 43697)').selectOption('core');
    await hint.waitFor();
    await page.getByRole('button', { name: 'Sign and register', exact: true }).click();
    await page.getByRole('heading', { name: '4. Registered' }).waitFor();
    const asset = (await page.getByTestId('asset-id').textContent())!.trim();

    const record = (await web.node.app.inject(`/v1/assets/${asset}`)).json() as AssetRecord;
    assert.equal(record.metadata.title, undefined);
    const sealed = record.metadata.sealed!;
    assert.match(sealed, /^bafkrei/);
    // The operator may read it (signed): the document the page sealed, with what was typed.
    const url = `/v1/blobs/${sealed}`;
    const authorization = signReadAuthorization({
      did: web.node.operator,
      seed: web.node.operatorKey.seed,
      target: `GET ${url}`,
    });
    const res = await web.node.app.inject({ method: 'GET', url, headers: { authorization } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(openSealedDescription(new Uint8Array(res.rawPayload), sealed), {
      title: 'Sealed survey plate',
      creators: [{ name: 'Survey Team' }],
    });

    // In the wallet the holding has no title on the log; its owner reads it, signed, checked.
    await page.goto('/wallet');
    const holding = page.locator(`li.holding[data-asset="${asset}"]`);
    await holding.getByText('A core work, its description sealed').waitFor();
    await holding.getByRole('button', { name: 'Read the sealed description (signed)' }).click();
    const unsealed = holding.getByTestId('unsealed');
    await unsealed.getByText('Sealed survey plate').waitFor();
    assert.match(await unsealed.innerText(), /checked against its CID on the log/);
    assert.match(await unsealed.innerText(), /Survey Team/);
    problems.assertNone();
    await context.close();
  });

  test('phone width, in Chinese: every input has a label and the page is reachable by keyboard', async () => {
    const { context, page, problems } = await web.newPage({
      viewport: { width: 390, height: 844 },
      locale: 'zh-CN',
    });
    await page.goto('/register');
    await page.getByRole('heading', { name: '登记作品' }).waitFor();
    await page.getByText('本浏览器中还没有身份。请新建一个，或导入密钥文件。').waitFor();
    // Keyboard: from the skip link, Tab reaches the file input (it is inside the drop zone).
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(
        () => (document.activeElement as HTMLInputElement | null)?.type === 'file',
      );
    }
    assert.ok(reached, 'the file input is reachable with Tab');
    const unlabelled = await page.evaluate(() =>
      Array.from(document.querySelectorAll('main input, main select, main textarea'))
        .filter((el) => {
          const input = el as HTMLInputElement;
          return !(
            input.labels?.length ||
            input.getAttribute('aria-label') ||
            input.getAttribute('aria-labelledby')
          );
        })
        .map((el) => el.outerHTML),
    );
    assert.deepEqual(unlabelled, []);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
    await web.screenshot(page, 'register-phone-zh');
    problems.assertNone();
    await context.close();
  });
});
