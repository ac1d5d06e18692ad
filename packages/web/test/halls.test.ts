// The halls in a real Chromium against a real node with the demo collection: the gallery of spaces,
// walking a demo hall (keyboard, collision with walls) and opening a work's verified provenance,
// a curator building a hall with the editor and a browser key, and the hall without WebGL. Any
// console error fails the test; screenshots go to test-results/web/halls/.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Room, SpaceRecord } from '@cinnabar/core';
import type { Page } from 'playwright-core';
import { DEMO_IDENTITY_SEED_PREFIX } from '../../node/src/demo/catalogue.js';
import { demoSpaces } from '../../node/src/demo/spaces.js';
import { GEOMETRY_DEFAULTS, roomAt } from '../src/halls/geometry.js';
import { type WebFixture, webFixture } from './support/web-fixture.js';

interface Debug {
  position: { x: number; y: number; z: number };
  room: string | undefined;
  fps: number;
  frames: number;
  ready: boolean;
}

const [MUSEUM_PLAN, GALLERY_PLAN] = demoSpaces(Array(12).fill('')).map((s) => s.body);
// SwiftShader draws slowly; loading every work in the hall may take a while on a loaded machine.
const READY_TIMEOUT = 90_000;

const hall = (page: Page) =>
  page.evaluate(() => {
    const d = (window as unknown as { __cinnabarHall?: Debug }).__cinnabarHall;
    return d
      ? { position: d.position, room: d.room, fps: d.fps, frames: d.frames, ready: d.ready }
      : undefined;
  });

async function walk(page: Page, key: string, ms: number): Promise<void> {
  await page.keyboard.down(key);
  await page.waitForTimeout(ms);
  await page.keyboard.up(key);
  await page.waitForTimeout(100);
}

describe('halls', () => {
  let web: WebFixture;
  let spaces: SpaceRecord[];
  before(async () => {
    web = await webFixture('halls');
    spaces = ((await (await fetch(new URL('v1/spaces', web.node.url))).json()) as { items: SpaceRecord[] })
      .items;
  });
  after(() => web?.close());
  const museum = () => spaces.find((s) => s.name === MUSEUM_PLAN!.name)!;

  test('the gallery shows the demo spaces side by side, filtered by kind', async () => {
    const { context, page, problems } = await web.newPage();
    await page.goto('/halls');
    await page.getByRole('heading', { level: 1, name: 'Halls' }).waitFor();
    await page.getByRole('link', { name: MUSEUM_PLAN!.name }).waitFor();
    await page.getByRole('link', { name: GALLERY_PLAN!.name }).waitFor();
    const card = page.locator('.hall-card', { hasText: MUSEUM_PLAN!.name });
    await card.getByText('Capital Museum Digital Studio').waitFor();
    assert.match(await card.innerText(), /7 works · 2 rooms/);
    assert.match(await card.innerText(), /Capital Museum, Beijing/);
    await web.screenshot(page, 'gallery');
    await page.getByLabel('Gallery', { exact: true }).check();
    await page.waitForURL(/category=gallery/);
    assert.equal(await page.getByRole('link', { name: MUSEUM_PLAN!.name }).count(), 0);
    await page.getByRole('link', { name: GALLERY_PLAN!.name }).waitFor();
    // three.js is not fetched for the gallery.
    const scripts = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
    assert.equal(scripts.filter((s) => /scene|three/i.test(s)).length, 0, scripts.join('\n'));
    problems.assertNone();
    await context.close();
  });

  test('walking a demo hall: the keyboard moves, walls stop, a work opens its verified provenance', async () => {
    const { context, page, problems } = await web.newPage();
    await page.goto(`/halls/${museum().id}`);
    await page.getByRole('heading', { level: 1, name: MUSEUM_PLAN!.name }).waitFor();
    await page.locator('.hall-stage[data-ready="true"]').waitFor({ timeout: READY_TIMEOUT });
    // The text alternative is there too, with the restricted works saying so.
    const items = page.locator('.hall-work-list > li');
    assert.equal(await items.count(), 7);
    assert.ok((await page.locator('.hall-status', { hasText: 'Restricted' }).count()) >= 1);
    await web.screenshot(page, 'hall-before-start');

    await page.getByRole('button', { name: /Enter the hall/ }).click();
    const rooms = museum().rooms as Room[];
    const start = (await hall(page))!;
    assert.equal(start.room, 'sculpture');
    // Forward (north, -z) for a while: moved, and still inside the rooms.
    await walk(page, 'w', 1500);
    const moved = (await hall(page))!;
    assert.ok(
      moved.position.z < start.position.z - 0.5,
      `moved north: ${start.position.z} → ${moved.position.z}`,
    );
    assert.ok(Math.abs(moved.position.x - start.position.x) < 0.01);
    assert.ok(roomAt(rooms, moved.position.x, moved.position.z), 'inside the rooms');
    // On into the north wall until the visitor stops: in front of it, not through it.
    await page.keyboard.down('ArrowUp');
    let atWall = (await hall(page))!;
    for (let i = 0; i < 60; i++) {
      await page.waitForTimeout(500);
      const now = (await hall(page))!;
      if (Math.abs(now.position.z - atWall.position.z) < 1e-6 && now.position.z < 2) break;
      atWall = now;
    }
    await page.waitForTimeout(1000);
    await page.keyboard.up('ArrowUp');
    atWall = (await hall(page))!;
    const nearest = GEOMETRY_DEFAULTS.wallThickness + GEOMETRY_DEFAULTS.radius;
    assert.ok(atWall.position.z >= nearest - 1e-3, `stopped at z=${atWall.position.z}`);
    assert.ok(atWall.position.z < nearest + 0.3, `reached the wall: z=${atWall.position.z}`);
    assert.equal(atWall.room, 'sculpture');
    assert.ok(atWall.frames > 10 && atWall.fps > 0, `frames ${atWall.frames}, ${atWall.fps.toFixed(1)} fps`);
    await web.screenshot(page, 'hall-at-north-wall');

    // The moon gate hangs on that wall, straight ahead: click it.
    const box = (await page.locator('.hall-canvas').boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: /Moon Gate Lattice/ }).waitFor();
    await dialog.locator('[data-verdict="verified"]').waitFor({ timeout: 60_000 });
    await web.screenshot(page, 'hall-provenance');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });

    // The same through the list: a sculpture's provenance.
    await items.filter({ hasText: 'Möbius Ribbon' }).getByRole('button', { name: 'Provenance' }).click();
    await page.getByRole('dialog').locator('[data-verdict="verified"]').waitFor({ timeout: 60_000 });
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    problems.assertNone();
    await context.close();
  });

  test('a curator with a key imported in the browser builds a hall, and it joins the gallery', async () => {
    const { context, page, problems } = await web.newPage();
    const seed = createHash('sha256')
      .update(`${DEMO_IDENTITY_SEED_PREFIX}Lin Qiushi 林秋石`, 'utf8')
      .digest('hex');
    await page.goto('/halls/new');
    await page.getByRole('heading', { level: 1, name: 'Build a hall' }).waitFor();
    await page.getByLabel('Private key (seed, hex)').fill(seed);
    await page.getByRole('button', { name: 'Import the key' }).click();
    await page.getByText(/Signing as Lin Qiushi/).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Autumn Stone Studio');
    await page.getByLabel('Kind').selectOption('exhibition-hall');
    const works = page.locator('.hall-candidates > li');
    await works.first().waitFor();
    // A picture: picked, then the plan clicked near the north wall of the first room.
    const clickPlan = async (x: number, z: number) => {
      await page.locator('.hall-plan').scrollIntoViewIfNeeded();
      const point = await page.locator('.hall-plan').evaluate(
        (svg, p) => {
          const el = svg as SVGSVGElement;
          const pt = el.createSVGPoint();
          pt.x = p.x;
          pt.y = p.z;
          const q = pt.matrixTransform(el.getScreenCTM()!);
          return { x: q.x, y: q.y };
        },
        { x, z },
      );
      await page.mouse.click(point.x, point.y);
    };
    await works
      .filter({ hasText: 'Four-Glyph Cinnabar Seal' })
      .getByRole('button', { name: 'Place' })
      .click();
    await clickPlan(5, 0.6);
    await works.filter({ hasText: "Scholar's Rock" }).getByRole('button', { name: 'Place' }).click();
    await clickPlan(5, 4);
    const placed = page.locator('.hall-placements > li');
    assert.equal(await placed.count(), 2);
    // The picture went on the north wall, facing south, at eye height.
    assert.equal(await placed.first().getByLabel('Facing (°)').inputValue(), '0');
    assert.equal(await placed.first().getByLabel('Height above floor (m)').inputValue(), '1.6');
    await page.getByRole('button', { name: 'Add a room' }).click();
    await web.screenshot(page, 'editor');
    await page.getByRole('button', { name: 'Sign and publish' }).click();
    await page.getByRole('heading', { level: 1, name: 'Autumn Stone Studio' }).waitFor();
    assert.match(page.url(), /\/halls\/[0-9a-f]{64}$/);
    await page.locator('.hall-stage[data-ready="true"]').waitFor({ timeout: READY_TIMEOUT });
    await web.screenshot(page, 'editor-published');
    await page.getByRole('link', { name: 'Halls', exact: true }).first().click();
    const card = page.locator('.hall-card', { hasText: 'Autumn Stone Studio' });
    await card.getByText('Lin Qiushi 林秋石').waitFor();
    assert.match(await card.innerText(), /Exhibition hall/i);
    assert.match(await card.innerText(), /2 works · 2 rooms/);
    problems.assertNone();
    await context.close();
  });

  test('without WebGL the hall says so and lists its works; on a phone, in Chinese', async () => {
    const { context, page, problems } = await web.newPage({
      viewport: { width: 390, height: 844 },
      locale: 'zh-CN',
    });
    await page.addInitScript(() => {
      const original = HTMLCanvasElement.prototype.getContext;
      HTMLCanvasElement.prototype.getContext = function (
        this: HTMLCanvasElement,
        type: string,
        ...rest: unknown[]
      ) {
        if (/webgl/i.test(type)) return null;
        return (original as (...args: unknown[]) => RenderingContext | null).call(this, type, ...rest);
      } as typeof original;
    });
    await page.goto(`/halls/${museum().id}`);
    await page.getByRole('alert').filter({ hasText: 'WebGL' }).waitFor();
    await page.getByRole('heading', { name: '本展厅的作品' }).waitFor();
    const items = page.locator('.hall-work-list > li');
    await items.first().waitFor();
    assert.equal(await items.count(), 7);
    assert.equal(await page.locator('.hall-stage').count(), 0);
    await web.screenshot(page, 'hall-no-webgl-phone-zh');
    await items.filter({ hasText: 'Auspicious Clouds' }).getByRole('button', { name: '来源' }).click();
    await page.getByRole('dialog').locator('[data-verdict="verified"]').waitFor({ timeout: 60_000 });
    problems.assertNone();
    await context.close();
  });
});
