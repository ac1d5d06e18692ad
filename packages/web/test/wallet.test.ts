// The wallet and the regulator console in a real Chromium against a real node: a transfer between
// two browser identities (two contexts) under a policy that asks the recipient to accept; a key
// exported from the browser that the CLI signs with, and a CLI key imported in the browser; the
// operator's key imported in the browser freezing a demo work, the public record showing it, and
// a non-regulator seeing the record without the forms; the market's reports and alerts, public too.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CinnabarClient,
  createKeyFile,
  DEFAULT_DETECTION_POLICY,
  issueRealNameCredential,
  type JsonObject,
  sha256,
  signTransaction,
  utf8Encode,
} from '@cinnabar/core';
import { runCli } from '../../cli/test/support/run-cli.js';
import {
  activeDid,
  createAndRegisterIdentity,
  exportKey,
  importKey,
  makePng,
  registerWork,
  writeText,
} from './support/wallet-steps.js';
import { type WebFixture, webFixture } from './support/web-fixture.js';

describe('wallet and regulator console', () => {
  let web: WebFixture;
  let client: CinnabarClient;

  /** The operator replaces the market policy (signed here: this tests the wallet, not policy.set). */
  async function setAcceptancePolicy(): Promise<void> {
    const operator = web.node.operatorKey;
    const ledger = await client.ledger();
    const policy = {
      ...ledger.policy,
      market: {
        regime: 'open-market',
        transferNeedsAcceptance: true,
        holdingPeriodDays: 0,
        dailyGiftCap: 10,
      },
    } as unknown as JsonObject;
    const seq = await client.nextSeq(operator.did);
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
    web = await webFixture('wallet');
    client = new CinnabarClient({ baseUrl: web.node.url });
    await setAcceptancePolicy();
  });
  after(() => web?.close());

  test('A transfers a work to B; B sees the offer in the wallet, accepts, and holds it', async () => {
    const a = await web.newPage();
    const b = await web.newPage({ viewport: { width: 390, height: 844 } });
    await a.page.goto('/register');
    const didA = await createAndRegisterIdentity(a.page, 'Alice Browser');
    const asset = await registerWork(a.page, makePng(), 'Gift for Bob');

    await b.page.goto('/wallet');
    const didB = await createAndRegisterIdentity(b.page, 'Bob Browser');
    assert.notEqual(didA, didB);
    await b.page.getByText('You hold no works yet.').waitFor();

    await a.page.getByRole('link', { name: 'Wallet' }).click();
    const holding = a.page.locator(`li.holding[data-asset="${asset}"]`);
    await holding.waitFor();
    await holding.getByText('Transfer', { exact: true }).click();
    await holding.getByLabel("Recipient's DID").fill(didB);
    await holding.getByLabel('Note (optional)').fill('for you');
    await holding.getByRole('button', { name: 'Sign transfer' }).click();
    await a.page.getByText(/Transfer signed \(log entry \d+\)/).waitFor();
    await holding.getByText('offered to').waitFor();
    await web.screenshot(a.page, 'wallet-offered-desktop');
    assert.equal((await client.asset(asset))?.pendingTransfer?.to, didB);

    await b.page.reload();
    const offer = b.page.locator('li.offer', { hasText: 'Gift for Bob' });
    await offer.waitFor();
    await web.screenshot(b.page, 'wallet-offer-phone');
    await offer.getByRole('button', { name: 'Accept' }).click();
    await b.page.getByText(/Accepted \(log entry \d+\)/).waitFor();
    await b.page.locator(`li.holding[data-asset="${asset}"]`).waitFor();
    assert.equal((await client.asset(asset))?.owner, didB);
    const overflow = await b.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the wallet is ${overflow}px wider than the phone`);
    await web.screenshot(b.page, 'wallet-accepted-phone');

    // Certificates of B's right: the links the wallet shows are served.
    const link = await b.page
      .locator(`li.holding[data-asset="${asset}"]`)
      .getByRole('link', { name: 'PDF' })
      .getAttribute('href');
    const pdf = await fetch(new URL(link!, web.node.url));
    assert.equal(pdf.status, 200);
    assert.equal(pdf.headers.get('content-type'), 'application/pdf');

    // A sees the work gone from its wallet.
    await a.page.reload();
    await a.page.getByText('You hold no works yet.').waitFor();
    a.problems.assertNone();
    b.problems.assertNone();
    await a.context.close();
    await b.context.close();
  });

  test('the holder lists a work for sale, cancels the listing, and grants a licence, all signed in the browser', async () => {
    const { context, page, problems } = await web.newPage();
    await page.goto('/register');
    await createAndRegisterIdentity(page, 'Carol Browser');
    const asset = await registerWork(page, makePng(40, 30), 'Listed and licensed');
    const licensee = (await client.ledger()).operator;
    await page.getByRole('link', { name: 'Wallet' }).click();
    const holding = page.locator(`li.holding[data-asset="${asset}"]`);
    await holding.waitFor();

    await holding.getByText('List for sale', { exact: true }).click();
    await holding.getByLabel('Price (CNY)').fill('88.80');
    await holding.getByRole('button', { name: 'Sign listing' }).click();
    await page.getByText(/Listed \(log entry \d+\)/).waitFor();
    const listed = await client.asset(asset);
    assert.equal(listed?.listing?.price, '88.80');
    await holding.getByRole('button', { name: 'Cancel listing' }).click();
    await page.getByText(/Listing cancelled \(log entry \d+\)/).waitFor();
    assert.equal((await client.asset(asset))?.listing, undefined);
    // The holdings are read again after each act: open the licence form once that has happened, or
    // the re-render could close it under the test.
    await holding.getByRole('button', { name: 'Cancel listing' }).waitFor({ state: 'detached' });

    await holding.getByText('Grant a licence', { exact: true }).click();
    await holding.getByLabel("Licensee's DID").fill(licensee);
    await holding.getByLabel('display', { exact: true }).check();
    await holding
      .getByLabel('Legal text of the licence')
      .fill("Display in the operator's halls until the end of 2027.");
    await holding.getByRole('button', { name: 'Sign licence' }).click();
    await page.getByText(/Licence granted \(log entry \d+\)/).waitFor();
    const { licences } = (await client.assetLicences(asset))!;
    assert.equal(licences.length, 1);
    assert.equal(licences[0]?.licensee, licensee);
    assert.deepEqual(licences[0]?.terms.uses, ['display']);
    await web.screenshot(page, 'wallet-listed-licensed');
    problems.assertNone();
    await context.close();
  });

  test('a key exported from the browser signs with the CLI; a CLI key imports in the browser', async () => {
    const { context, page, problems } = await web.newPage();
    await page.goto('/register');
    const did = await createAndRegisterIdentity(page, 'Exporter');
    const asset = await registerWork(page, makePng(), 'Exported work');
    const passphrase = 'correct horse battery staple';
    const keyPath = await exportKey(page, web.dir, 'exporter.key.json', passphrase);
    const passPath = await writeText(web.dir, 'exporter.pass', `${passphrase}\n`);

    const shown = await runCli('id', 'show', '--key', keyPath, '--json');
    assert.equal(shown.code, 0, shown.err);
    assert.equal(JSON.parse(shown.out).did, did);
    assert.equal(JSON.parse(shown.out).encrypted, true);
    const given = await runCli(
      'transfer',
      asset,
      '--to',
      web.node.operator,
      '--key',
      keyPath,
      '--passphrase-file',
      passPath,
      '--server',
      web.node.url,
    );
    assert.equal(given.code, 0, `${given.out}\n${given.err}`);
    assert.equal((await client.asset(asset))?.pendingTransfer?.to, web.node.operator);

    // A key made by `cinnabar id new` (encrypted), registered from the CLI, opens in the browser.
    const cliKey = join(web.dir, 'carol.key.json');
    const made = await runCli(
      'id',
      'new',
      '--out',
      cliKey,
      '--name',
      'Carol CLI',
      '--passphrase-file',
      passPath,
    );
    assert.equal(made.code, 0, made.err);
    const carol = made.out.trim().split('\n').at(-1)!;
    const file = join(web.dir, 'carol.bin');
    await writeFile(file, 'bytes of carol');
    const registered = await runCli(
      'register',
      file,
      '--title',
      "Carol's work",
      '--key',
      cliKey,
      '--passphrase-file',
      passPath,
      '--server',
      web.node.url,
    );
    assert.equal(registered.code, 0, registered.err);
    const carolAsset = registered.out.trim().split('\n').at(-1)!;
    assert.equal(await importKey(page, cliKey, passphrase), carol);
    await page.getByText('registered', { exact: true }).waitFor();
    await page.getByRole('link', { name: 'Wallet' }).click();
    await page.locator(`li.holding[data-asset="${carolAsset}"]`).waitFor();
    // Both identities are kept; the first is still there to choose.
    assert.deepEqual(
      (await page.getByLabel('Signing identity').locator('option').allTextContents()).length,
      2,
    );
    assert.equal(await activeDid(page), carol);
    problems.assertNone();
    await context.close();
  });

  test("the operator's key in the browser freezes a demo work; everyone sees the record, only regulators the forms", async () => {
    const operatorKey = await writeText(
      web.dir,
      'operator-export.key.json',
      await createKeyFile({ seed: web.node.operatorKey.seed, name: 'Operator' }),
    );
    const [work] = (await client.assets({ limit: 1 })).items.filter((a) => !a.frozen);
    const demo = (await client.assets({ limit: 100 })).items.find(
      (a) => a.metadata.creators?.every((c) => c.name !== 'Test Creator') && !a.frozen,
    );
    const target = demo ?? work!;

    const { context, page, problems } = await web.newPage();
    await page.goto('/regulator');
    await page.getByRole('heading', { name: 'Supervision', level: 1 }).waitFor();
    await importKey(page, operatorKey);
    await page.getByText('You are the operator').waitFor();
    await page.getByLabel('Asset id').first().fill(target.id);
    await page.getByLabel('Grounds: category').first().selectOption('investigation');
    await page
      .getByLabel('Grounds: text for the record')
      .first()
      .fill('Ownership under investigation (test).');
    await page.getByRole('button', { name: 'Sign freeze' }).click();
    await page.getByText(/Frozen\. On the record at log entry \d+\./).waitFor();
    const freezes = page.getByTestId('freezes');
    await freezes.getByText('Ownership under investigation (test).').waitFor();
    assert.ok((await client.asset(target.id))?.frozen, 'the work is frozen on the node');
    await web.screenshot(page, 'regulator-operator-desktop');

    // Someone without the role: the record, no forms.
    const other = await web.newPage({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
    await other.page.goto('/regulator');
    await other.page.getByRole('heading', { name: '监管记录' }).waitFor();
    await other.page.getByTestId('freezes').getByText('Ownership under investigation (test).').waitFor();
    await other.page.getByTestId('not-regulator').waitFor();
    assert.equal(await other.page.getByRole('button', { name: '签名冻结' }).count(), 0);
    assert.equal(await other.page.getByRole('button', { name: '解除冻结' }).count(), 0);
    await web.screenshot(other.page, 'regulator-public-phone-zh');

    // The operator lifts it again, on the record.
    await freezes.getByRole('button', { name: 'Unfreeze' }).first().click();
    await page.getByText(/Unfrozen\. On the record at log entry \d+\./).waitFor();
    await freezes
      .getByText(/^lifted /)
      .first()
      .waitFor();
    assert.equal((await client.asset(target.id))?.frozen, undefined);

    // A takedown: the node stops serving the bytes (451), the record shows it; then restored.
    await page.getByLabel('Asset id').nth(1).fill(target.id);
    await page.getByLabel('Grounds: category').nth(1).selectOption('illegal-content');
    await page.getByLabel('Grounds: text for the record').nth(1).fill('Content under review (test).');
    await page.getByRole('button', { name: 'Sign takedown' }).click();
    await page.getByText(/Taken down\. On the record at log entry \d+\./).waitFor();
    const takedowns = page.getByTestId('takedowns');
    await takedowns.getByText('Content under review (test).').waitFor();
    assert.equal((await fetch(new URL(`v1/blobs/${target.cid}`, web.node.url))).status, 451);
    await takedowns.getByRole('button', { name: 'Restore' }).first().click();
    await page.getByText(/Restored\. On the record at log entry \d+\./).waitFor();
    assert.equal((await client.asset(target.id))?.takenDown, undefined);
    problems.assertNone();
    other.problems.assertNone();
    await context.close();
    await other.context.close();
  });

  test('everyone sees the market: activity by month, the largest holders and the alerts with their evidence, each as CSV', async () => {
    // Two identities certified with one person's data, over a threshold of one identity a person.
    const operator = web.node.operatorKey;
    const asOperator = async (type: string, body: JsonObject) =>
      client.submit(
        signTransaction(
          {
            v: 1,
            type,
            actor: operator.did,
            seq: await client.nextSeq(operator.did),
            time: new Date().toISOString(),
            body,
          },
          operator.seed,
        ),
      );
    const ledger = await client.ledger();
    const detection = { ...DEFAULT_DETECTION_POLICY, sharedRealName: { maxIdentities: 1 } };
    await asOperator('policy.set', { policy: { ...ledger.policy, detection } as unknown as JsonObject });
    const owners = [...new Set((await client.assets({ limit: 100 })).items.map((a) => a.owner))].slice(0, 2);
    assert.equal(owners.length, 2);
    for (const subject of owners) {
      const { credential } = issueRealNameCredential({
        issuerSeed: operator.seed,
        subject,
        idRandom: sha256(utf8Encode(`market-watch:${subject}`)).slice(0, 16),
        validFrom: '2026-01-01T00:00:00Z',
        data: { name: 'Wang Wu', id: 'wang-wu-id' },
        method: 'resident-id-card',
        salt: sha256(utf8Encode('market-watch salt')).slice(0, 16),
      });
      await asOperator('credential.issue', { credential: credential as unknown as JsonObject });
    }
    const report = await client.supervisionReport<{ alerts: { rule: string; summary: string }[] }>('alerts');
    const shared = report.alerts.find((a) => a.rule === 'sharedRealName');
    assert.match(shared?.summary ?? '', /^2 identities hold real-name credentials with one commitment/);
    const activity = await client.supervisionReport<{ rows: { period: string; registrations: number }[] }>(
      'activity',
    );
    const month = activity.rows.at(-1)!;
    const [top] = (await client.supervisionReport<{ holders: { owner: string; items: number }[] }>('holders'))
      .holders;

    // No key in this browser: the reports are public.
    const { context, page, problems } = await web.newPage();
    await page.goto('/regulator');
    await page.getByRole('heading', { name: 'The market, watched' }).waitFor();
    const months = page.getByTestId('activity');
    const row = months.getByRole('row', { name: new RegExp(`^${month.period}`) });
    await row.waitFor();
    assert.equal(await row.getByRole('cell').first().textContent(), String(month.registrations));
    await page
      .getByTestId('holders')
      .getByRole('listitem')
      .first()
      .getByText(`holds ${top!.items}`)
      .waitFor();
    const alerts = page.getByTestId('alerts');
    const alertRow = alerts.getByRole('row').filter({ hasText: 'one real name, many identities' });
    await alertRow.getByText(shared!.summary).waitFor();
    // Its subject links to both identities, its evidence to each credential's issue on the log.
    for (const did of owners)
      assert.equal(await alertRow.locator(`a[href="/identities/${encodeURIComponent(did)}"]`).count(), 1);
    const evidence = alertRow.locator('a[href^="/v1/entries/"]');
    assert.equal(await evidence.count(), 2);
    const entry = await fetch(new URL((await evidence.first().getAttribute('href'))!.slice(1), web.node.url));
    assert.equal(entry.status, 200);
    // Each report as CSV, from the link on the page.
    const links = page.getByRole('link', { name: 'Download as CSV' });
    assert.equal(await links.count(), 3);
    const csv = await fetch(new URL((await links.nth(2).getAttribute('href'))!.slice(1), web.node.url));
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(await csv.text(), /^rule,subject,evidenceIndexes,evidenceTxIds,summary\r\n/);
    await web.screenshot(page, 'regulator-market-desktop');
    problems.assertNone();
    await context.close();
  });
});
