// The explorer in a real Chromium against a real node with the demo collection: the home page
// (ledger, checkpoint, counts, live feed, search), an asset page with the 3D viewer, place map and a
// provenance timeline the browser verifies itself (and refuses to call verified when a proof, a
// checkpoint signature or the pinned key is tampered with), the no-WebGL path, an identity page,
// phone width and Chinese. Every test fails on any console error.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { didFromSeed, encodeTransaction, signTransaction } from '@cinnabar/core';
import type { Page } from 'playwright-core';
import { type WebFixture, webFixture } from './support/web-fixture.js';

interface Listed {
  id: string;
  registrant: string;
  metadata: { title: string };
}

describe('web explorer', () => {
  let web: WebFixture;
  const find = async (q: string): Promise<Listed> => {
    const res = await web.node.app.inject(`/v1/assets?q=${encodeURIComponent(q)}`);
    const [first] = (res.json() as { items: Listed[] }).items;
    assert.ok(first, `no demo work matches ${q}`);
    return first;
  };
  const verdict = async (page: Page, want: 'verified' | 'failed') => {
    const badge = page.locator(`[data-verdict="${want}"]`);
    await badge.waitFor({ timeout: 30_000 });
    return (await badge.innerText()).replace(/\s+/g, ' ');
  };

  before(async () => {
    web = await webFixture('explorer');
  });
  after(() => web?.close());

  test('home: the ledger, the checkpoint and counts; a new entry appears live; search finds a demo work', async () => {
    const { context, page, problems } = await web.newPage();
    await page.goto('/');
    const ledger = (await web.node.app.inject('/v1/ledger')).json() as { name: string };
    await page.getByRole('heading', { level: 1, name: ledger.name }).waitFor();
    const size = Number((await web.node.app.inject('/log/checkpoint')).body.split('\n')[1]);
    await page.locator('[data-checkpoint-size]', { hasText: size.toLocaleString('en-GB') }).waitFor();
    await page.getByText('Signature checked in this browser').waitFor();
    const stats = (await web.node.app.inject('/v1/stats')).json() as { counts: Record<string, number> };
    assert.equal(stats.counts.works, 13);
    await page.locator('[data-count="works"]', { hasText: '13' }).waitFor();
    assert.equal(
      await page.locator('[data-count="identities"]').innerText(),
      String(stats.counts.identities),
    );
    await page.locator(`.feed-list li[data-index="${size - 1}"]`).waitFor();

    // A new identity registers: its entry shows up in the feed without a reload.
    const seed = new Uint8Array(32).fill(42);
    const tx = signTransaction(
      {
        v: 1,
        type: 'identity.register',
        actor: didFromSeed(seed),
        seq: 1,
        time: new Date().toISOString(),
        body: { kind: 'person', name: 'Live Feed Tester' },
      },
      seed,
    );
    const posted = await web.node.app.inject({
      method: 'POST',
      url: '/v1/tx',
      headers: { 'content-type': 'application/json' },
      payload: Buffer.from(encodeTransaction(tx)),
    });
    assert.equal(posted.statusCode, 201, posted.body);
    const index = (posted.json() as { index: number }).index;
    const row = page.locator(`.feed-list li[data-index="${index}"]`);
    await row.waitFor({ timeout: 15_000 });
    assert.match(await row.innerText(), /identity\.register/);
    await page
      .locator('[data-count="identities"]', { hasText: String(stats.counts.identities! + 1) })
      .waitFor();

    // Search by words.
    await page.getByLabel('Words in the title, description or creators').fill('vase');
    await page.getByRole('button', { name: 'Search', exact: true }).first().click();
    await page.getByRole('heading', { name: 'Works matching “vase”' }).waitFor();
    await page.getByRole('link', { name: /Meiping Vase/ }).waitFor();
    // Search by place: near the Capital Museum, where two demo works are.
    await page.getByText('Search by place').click();
    await page.getByLabel(/A Beidou grid code/).fill('39.9057,116.3417');
    await page.locator('.place-search button[type="submit"]').click();
    await page.getByRole('link', { name: /Seven-Storey Octagonal Pagoda/ }).waitFor();
    await page.getByRole('link', { name: /Moon Gate Lattice/ }).waitFor();
    await web.screenshot(page, 'home');
    problems.assertNone();
    await context.close();
  });

  test('asset page: a GLB sculpture in the 3D viewer, its details, and provenance verified in this browser', async () => {
    const work = await find('Möbius');
    const { context, page, problems } = await web.newPage();
    await page.goto(`/assets/${work.id}`);
    await page.getByRole('heading', { level: 1, name: work.metadata.title }).waitFor();
    const canvas = page.locator('canvas.model-canvas');
    await canvas.waitFor({ timeout: 30_000 });
    assert.equal(await canvas.getAttribute('aria-label'), `3D view of ${work.metadata.title}`);
    const alt = page.locator('.model-alt');
    await alt.getByText(/triangles/).waitFor();
    assert.match(await alt.innerText(), /A 3D model: Möbius Ribbon\./);
    assert.ok((await canvas.boundingBox())!.width > 200);
    await page.getByRole('button', { name: 'Turn left' }).click();
    await page.getByText('Data grade').waitFor();
    await page.getByText('Licence', { exact: true }).waitFor();
    const text = await verdict(page, 'verified');
    assert.match(text, /Verified in this browser/);
    assert.match(text, /seen for the first time and pinned/);
    await page.locator('.tl-entry.tl-ok').first().waitFor();
    assert.equal(await page.locator('.tl-entry.tl-failed').count(), 0);
    await web.screenshot(page, 'asset-glb');

    // The pinned key is used on the next visit.
    await page.reload();
    assert.match(await verdict(page, 'verified'), /the one this browser pinned on/);
    problems.assertNone();
    await context.close();
  });

  test('asset pages: a place on the map, circulation on the timeline, a graded work says who may read it', async () => {
    const { context, page, problems } = await web.newPage();
    const lattice = await find('Moon Gate');
    await page.goto(`/assets/${lattice.id}`);
    await page.getByRole('img', { name: 'Capital Museum, Beijing' }).waitFor();
    assert.ok((await page.locator('.place-map .map-cell').count()) >= 1);
    await page.locator('.place-map .map-scale text').waitFor();
    await page.locator('.media-image img').waitFor();
    await verdict(page, 'verified');
    await web.screenshot(page, 'asset-place');

    // The first demo work: graded core, 20 editions, listed, one sold: all on the verified timeline.
    const vase = await find('Meiping');
    await page.goto(`/assets/${vase.id}`);
    await page.getByText(/Graded “core”/).waitFor();
    await page.getByText('20 numbered editions.').waitFor();
    await page.getByText('20 editions issued').waitFor();
    await page.getByText('Sold (edition 1)').waitFor();
    const verified = await verdict(page, 'verified');
    assert.match(verified, /Each of the \d+ entries/);
    assert.equal(await page.locator('canvas').count(), 0);
    await web.screenshot(page, 'asset-graded');

    // The demo's sealed work: no title on the log, so the page says what it is and names the
    // sealed document; its registration still verifies in the browser.
    const listed = (await web.node.app.inject('/v1/assets?limit=100')).json() as {
      items: { id: string; metadata: { sealed?: string } }[];
    };
    const sealed = listed.items.find((a) => a.metadata.sealed !== undefined);
    assert.ok(sealed, 'the demo has a work with a sealed description');
    await page.goto(`/assets/${sealed.id}`);
    await page.getByRole('heading', { level: 1, name: 'A core work, its description sealed' }).waitFor();
    await page.getByText('Sealed description', { exact: true }).waitFor();
    await page.getByText(/The policy seals the descriptions of core works/).waitFor();
    await page.locator(`.notice.sealed code.hash[title="${sealed.metadata.sealed}"]`).waitFor();
    assert.match(await verdict(page, 'verified'), /The entry was fetched from the log/);
    assert.equal(await page.getByText('Strain survey').count(), 0);
    await web.screenshot(page, 'asset-sealed');
    problems.assertNone();
    await context.close();
  });

  test('without WebGL the viewer says so and offers the file', async () => {
    const work = await find('Möbius');
    const { context, page, problems } = await web.newPage();
    await page.addInitScript(() => {
      const original = HTMLCanvasElement.prototype.getContext;
      HTMLCanvasElement.prototype.getContext = function (
        this: HTMLCanvasElement,
        type: string,
        ...rest: unknown[]
      ) {
        if (/webgl/.test(type)) return null;
        return (original as (...args: unknown[]) => unknown).call(this, type, ...rest);
      } as typeof original;
    });
    await page.goto(`/assets/${work.id}`);
    await page.getByText('This browser cannot show the 3D view').waitFor();
    await page.getByRole('link', { name: 'Download' }).waitFor();
    assert.equal(await page.locator('canvas').count(), 0);
    await page.locator('.model-alt', { hasText: 'A 3D model: Möbius Ribbon.' }).waitFor();
    await verdict(page, 'verified');
    await web.screenshot(page, 'asset-no-webgl');
    problems.assertNone();
    await context.close();
  });

  test('a tampered inclusion proof, checkpoint signature or log key: the badge names the check, never "verified"', async () => {
    const work = await find('Möbius');

    // 1. One hash of one inclusion proof flipped.
    {
      const { context, page, problems } = await web.newPage();
      let tampered = 0;
      await page.route('**/v1/proofs/inclusion?**', async (route) => {
        const response = await route.fetch();
        const body = (await response.json()) as { proof: string[] };
        if (tampered === 0 && body.proof.length > 0) {
          const bytes = Buffer.from(body.proof[0]!, 'base64');
          bytes[0]! ^= 0x01;
          body.proof[0] = bytes.toString('base64');
          tampered++;
        }
        await route.fulfill({ response, json: body });
      });
      await page.goto(`/assets/${work.id}`);
      const text = await verdict(page, 'failed');
      assert.equal(tampered, 1);
      assert.match(text, /Not verified/);
      assert.match(
        text,
        /Inclusion proof — entry #\d+ \([^)]+\): the inclusion proof of entry \d+ does not lead/,
      );
      assert.doesNotMatch(text, /Verified in this browser/);
      await page.locator('.tl-entry.tl-failed').waitFor();
      await web.screenshot(page, 'tampered-proof');
      problems.assertNone();
      await context.close();
    }

    // 2. The checkpoint's signature flipped.
    {
      const { context, page, problems } = await web.newPage();
      await page.route('**/log/checkpoint', async (route) => {
        const response = await route.fetch();
        const note = await response.text();
        const [text, signatures] = note.split('\n\n') as [string, string];
        const line = signatures.split('\n')[0]!;
        const [dash, name, sig] = line.split(' ') as [string, string, string];
        const bytes = Buffer.from(sig, 'base64');
        bytes[bytes.length - 1]! ^= 0x80;
        await route.fulfill({ response, body: `${text}\n\n${dash} ${name} ${bytes.toString('base64')}\n` });
      });
      await page.goto(`/assets/${work.id}`);
      const text = await verdict(page, 'failed');
      assert.match(text, /Checkpoint signature: the checkpoint did not verify/);
      assert.doesNotMatch(text, /Verified in this browser/);
      await web.screenshot(page, 'tampered-checkpoint');
      problems.assertNone();
      await context.close();
    }

    // 3. Another key pinned before: a warning, and the checkpoint does not verify with the pinned key.
    {
      const { context, page, problems } = await web.newPage();
      const other = web.node.vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+');
      await page.addInitScript(
        ([origin, vkey]) => {
          localStorage.setItem(
            `cinnabar.logKey:${origin}`,
            JSON.stringify({ vkey, pinnedAt: '2025-01-01T00:00:00.000Z' }),
          );
        },
        [new URL(web.node.url).origin, other] as const,
      );
      await page.goto(`/assets/${work.id}`);
      const text = await verdict(page, 'failed');
      assert.match(text, /The log's key: the log's verifier key changed since it was pinned/);
      await page.getByRole('button', { name: 'Trust the new key' }).click();
      await verdict(page, 'verified');
      problems.assertNone();
      await context.close();
    }
  });

  test('an identity page: who, credentials, holdings, licences and sales', async () => {
    const vase = await find('Meiping');
    const { context, page, problems } = await web.newPage();
    await page.goto(`/identities/${encodeURIComponent(vase.registrant)}`);
    const identity = (await web.node.app.inject(`/v1/identities/${vase.registrant}`)).json() as {
      name: string;
    };
    await page.getByRole('heading', { level: 1, name: identity.name }).waitFor();
    await page.getByRole('heading', { name: 'Holds', exact: true }).waitFor();
    await page
      .getByRole('link', { name: /Meiping Vase/ })
      .first()
      .waitFor();
    await page.getByText(/Sold to/).waitFor();
    await web.screenshot(page, 'identity');
    problems.assertNone();
    await context.close();
  });

  test('phone width: no horizontal overflow, keyboard reachable, and Chinese', async () => {
    const work = await find('Möbius');
    const { context, page, problems } = await web.newPage({ viewport: { width: 390, height: 844 } });
    const overflow = () =>
      page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    await page.goto('/');
    await page.locator('.feed-list li').first().waitFor();
    await page.locator('.cards .card').first().waitFor();
    assert.equal(await overflow(), 0, 'the home page scrolls sideways');
    // The search field is reachable from the keyboard.
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.id === 'search-q');
    }
    assert.ok(reached, 'Tab never reached the search field');
    await page.getByLabel('Language').selectOption('zh');
    await page.getByRole('heading', { name: '最新检查点' }).waitFor();
    await page.getByText('查找作品').waitFor();
    await web.screenshot(page, 'home-phone-zh');

    await page.goto(`/assets/${work.id}`);
    await page.locator('canvas.model-canvas').waitFor({ timeout: 30_000 });
    await verdict(page, 'verified');
    await page.getByText('已在本浏览器中核验').waitFor();
    await page.getByText('来源记录').waitFor();
    assert.equal(await overflow(), 0, 'the asset page scrolls sideways');
    await web.screenshot(page, 'asset-phone-zh');
    problems.assertNone();
    await context.close();
  });
});
