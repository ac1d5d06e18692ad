/**
 * A hall in the browser: the time from navigation to the first frame drawn with every work loaded,
 * and the frame rate while walking, in headless Chromium with software WebGL (SwiftShader), for the
 * demo museum (7 works, 2 rooms) and a generated hall of 100 works (50 pictures on walls, 50 models
 * on plinths, in 4 rooms joined by doors). The 100 works are 50 editions each of a picture and a
 * model (a work is placed once per edition), so every one is fetched and decoded as a separate work.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  didFromSeed,
  encodeTransaction,
  type JsonObject,
  type Placement,
  type Room,
  type SpaceRecord,
  signTransaction,
} from '@cinnabar/core';
import { seedDemo, startNode } from '@cinnabar/node';
import { demoIdentities } from '../../packages/node/src/demo/catalogue.js';
import { launchChromium } from '../../packages/node/test/support/chromium.js';
import { buildWebApp } from '../../packages/web/test/support/web-fixture.js';

export interface HallsBenchOptions {
  /** Seconds of walking to measure the frame rate over. */
  walkSeconds: number;
  log: (line: string) => void;
}

export const HALLS_BENCH_DEFAULTS = { walkSeconds: 8 };

interface HallFigures {
  hall: string;
  works: number;
  rooms: number;
  loadMs: number;
  walkingFps: number;
  frames: number;
}

const EDITIONS = 50;

/** Four 14 m square rooms in a row, doors between them; 50 pictures on the walls, 50 models on plinths. */
function bigHall(picture: string, model: string): { rooms: Room[]; placements: Placement[] } {
  const rooms: Room[] = [0, 1, 2, 3].map((i) => ({
    id: `room-${i + 1}`,
    name: `Room ${i + 1}`,
    x: i * 14,
    z: 0,
    width: 14,
    depth: 14,
    height: 5,
    ...(i < 3 ? { doors: [{ wall: 'east' as const, offset: 7, width: 2.4 }] } : {}),
  }));
  const placements: Placement[] = [];
  for (let n = 1; n <= EDITIONS; n++) {
    const room = rooms[(n - 1) % 4]!;
    const k = Math.floor((n - 1) / 4); // 0..12 in each room
    // Pictures along the north and south walls, 7 a wall.
    const north = k % 2 === 0;
    placements.push({
      asset: picture,
      edition: n,
      room: room.id,
      x: 1.5 + (Math.floor(k / 2) % 7) * 1.8,
      y: 1.7,
      z: north ? 0.17 : 14 - 0.17,
      yaw: north ? 0 : 180,
      size: 1.2,
    });
    // Models in a grid in the middle, clear of the path through the doors (z = 7).
    placements.push({
      asset: model,
      edition: n,
      room: room.id,
      x: 2 + (k % 5) * 2.5,
      y: 0.8,
      z: k < 5 ? 4 : k < 10 ? 10 : 12,
      yaw: 0,
      size: 1,
    });
  }
  return { rooms, placements };
}

export async function hallsBench(
  options: Partial<HallsBenchOptions> = {},
): Promise<{ halls: HallFigures[]; renderer: string }> {
  const { walkSeconds, log } = { ...HALLS_BENCH_DEFAULTS, log: () => undefined, ...options };
  const dir = await mkdtemp(join(tmpdir(), 'cinnabar-bench-halls-'));
  const webRoot = join(dir, 'web');
  await buildWebApp(webRoot);
  const node = await startNode({ dataDir: join(dir, 'data'), port: 0, webRoot, origin: 'bench.test/halls' });
  const browser = await launchChromium();
  try {
    await seedDemo(node.app, node.operatorKey);
    const get = async <T>(path: string) => (await (await fetch(new URL(path, node.url))).json()) as T;
    const spaces = (await get<{ items: SpaceRecord[] }>('v1/spaces')).items;
    const museum = spaces.find((s) => s.category === 'museum')!;

    // The studio, which holds a general-grade picture and model, issues 50 editions of each and builds the big hall.
    const studio = demoIdentities().find((i) => i.name === 'Vermilion Bridge Studio')!;
    const did = didFromSeed(studio.seed);
    let seq = (await get<{ seq: number }>(`v1/identities/${did}`)).seq;
    const post = async (type: string, body: JsonObject) => {
      const tx = { v: 1 as const, type, actor: did, seq: ++seq, time: new Date().toISOString(), body };
      const res = await fetch(new URL('v1/tx', node.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(encodeTransaction(signTransaction(tx, studio.seed))),
      });
      if (res.status !== 201) throw new Error(`${type} refused: ${await res.text()}`);
      return (await res.json()) as { txId: string };
    };
    const holdings = (
      await get<{ items: { id: string; mediaType: string; metadata: { title: string; grade: string } }[] }>(
        `v1/identities/${did}/holdings?limit=100`,
      )
    ).items.filter((a) => a.metadata.grade === 'general');
    const picture = holdings.find((a) => a.mediaType === 'image/png')!;
    const model = holdings.find((a) => a.mediaType === 'model/gltf-binary')!;
    for (const asset of [picture, model]) await post('edition.issue', { asset: asset.id, supply: EDITIONS });
    const plan = bigHall(picture.id, model.id);
    const big = await post('space.create', {
      name: 'One Hundred Works',
      category: 'exhibition-hall',
      ...plan,
    } as unknown as JsonObject);

    const halls: HallFigures[] = [];
    let renderer = '';
    for (const [name, id, works, rooms] of [
      ['demo museum', museum.id, museum.placements.length, museum.rooms.length],
      ['generated hall', big.txId, plan.placements.length, plan.rooms.length],
    ] as const) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: node.url });
      const page = await context.newPage();
      await page.goto(`/halls/${id}`);
      await page.waitForFunction(
        () => (window as { __cinnabarHall?: { ready: boolean } }).__cinnabarHall?.ready,
        null,
        {
          timeout: 300_000,
          polling: 100,
        },
      );
      const loadMs = await page.evaluate(
        () => (window as unknown as { __cinnabarHall: { readyAt: number } }).__cinnabarHall.readyAt,
      );
      renderer ||= await page.evaluate(() => {
        const gl = document.createElement('canvas').getContext('webgl2');
        const info = gl?.getExtension('WEBGL_debug_renderer_info');
        return info && gl ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : 'unknown';
      });
      await page.getByRole('button', { name: /Enter the hall/ }).click();
      const frames = () =>
        page.evaluate(
          () => (window as unknown as { __cinnabarHall: { frames: number } }).__cinnabarHall.frames,
        );
      const f0 = await frames();
      const t0 = Date.now();
      // Walk forward, turning now and then, for walkSeconds.
      await page.keyboard.down('w');
      for (let s = 0; s < walkSeconds; s++) {
        await page.keyboard.down(s % 2 ? 'ArrowLeft' : 'ArrowRight');
        await page.waitForTimeout(400);
        await page.keyboard.up(s % 2 ? 'ArrowLeft' : 'ArrowRight');
        await page.waitForTimeout(600);
      }
      await page.keyboard.up('w');
      const f1 = await frames();
      const walkingFps = ((f1 - f0) * 1000) / (Date.now() - t0);
      const figures = {
        hall: name,
        works,
        rooms,
        loadMs: Math.round(loadMs),
        walkingFps: Math.round(walkingFps * 10) / 10,
        frames: f1 - f0,
      };
      log(
        `halls: ${name}: ${works} works in ${rooms} rooms, first frame with all works ${figures.loadMs} ms, ${figures.walkingFps} fps walking`,
      );
      halls.push(figures);
      await context.close();
    }
    return { halls, renderer };
  } finally {
    await browser.close();
    await node.close();
    await rm(dir, { recursive: true, force: true });
  }
}
