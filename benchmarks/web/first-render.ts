/**
 * The web app's first render and its weight: the production build (as `npm run build` makes it)
 * served by a real node with the demo collection, loaded in headless Chromium (software WebGL).
 * For the home page and a GLB asset page: first contentful paint and the app's own "rendered" mark
 * (performance.mark('cinnabar:rendered:<page>'), set once the page's main content is on screen),
 * the median of several cold loads (a fresh browser context each: nothing cached). And every chunk
 * of the build, raw, gzip and brotli; what the home page's first screen loads (the JavaScript it
 * requested before its rendered mark); and what three.js weighs (the viewer's chunk).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { seedDemo, startNode } from '@cinnabar/node';
import { launchChromium } from '../../packages/node/test/support/chromium.js';
import { buildWebApp } from '../../packages/web/test/support/web-fixture.js';

export interface WebBenchOptions {
  /** Cold loads of each page; the median is reported. */
  loads: number;
  log: (line: string) => void;
}

export const WEB_BENCH_DEFAULTS = { loads: 7 };

interface ChunkSize {
  file: string;
  raw: number;
  gzip: number;
  brotli: number;
}

interface PageFigures {
  page: string;
  loads: number;
  fcpMs: number;
  renderedMs: number;
  /** Everything the page fetched before its rendered mark that is JavaScript, compressed. */
  jsBeforeRendered: { files: string[]; raw: number; gzip: number; brotli: number };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function chunkSizes(dir: string): Promise<ChunkSize[]> {
  const files = (await readdir(join(dir, 'static'))).filter((f) => f.endsWith('.js') || f.endsWith('.css'));
  const sizes: ChunkSize[] = [];
  for (const file of files) {
    const bytes = await readFile(join(dir, 'static', file));
    sizes.push({
      file,
      raw: bytes.length,
      gzip: gzipSync(bytes, { level: 9 }).length,
      brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    });
  }
  return sizes.sort((a, b) => b.raw - a.raw);
}

export async function webBench(options: Partial<WebBenchOptions> & Pick<WebBenchOptions, 'log'>) {
  const { loads, log } = { ...WEB_BENCH_DEFAULTS, ...options };
  const dir = await mkdtemp(join(tmpdir(), 'cinnabar-bench-web-'));
  const webRoot = join(dir, 'web');
  const buildStart = performance.now();
  await buildWebApp(webRoot);
  const buildSeconds = (performance.now() - buildStart) / 1000;
  const chunks = await chunkSizes(webRoot);
  const byFile = new Map(chunks.map((c) => [c.file, c]));
  const node = await startNode({ dataDir: join(dir, 'data'), port: 0, webRoot, origin: 'bench.web/log' });
  const browser = await launchChromium();
  try {
    await seedDemo(node.app, node.operatorKey);
    const listed = (await node.app.inject('/v1/assets?q=M%C3%B6bius')).json() as { items: { id: string }[] };
    const glb = listed.items[0]!.id;
    const pages = [
      { page: 'home', path: '/', mark: 'cinnabar:rendered:home' },
      { page: 'asset (GLB)', path: `/assets/${glb}`, mark: 'cinnabar:rendered:asset' },
    ];
    const figures: PageFigures[] = [];
    for (const { page: name, path, mark } of pages) {
      const fcp: number[] = [];
      const rendered: number[] = [];
      let js: string[] = [];
      for (let i = 0; i < loads; i++) {
        const context = await browser.newContext({
          viewport: { width: 1280, height: 800 },
          baseURL: node.url,
        });
        const page = await context.newPage();
        const requested: { url: string; at: number }[] = [];
        page.on('request', (request) => requested.push({ url: request.url(), at: Date.now() }));
        await page.goto(path);
        await page.waitForFunction((m) => performance.getEntriesByName(m).length > 0, mark, {
          timeout: 60_000,
        });
        const timing = await page.evaluate((m) => {
          const paint = performance.getEntriesByName('first-contentful-paint')[0];
          const done = performance.getEntriesByName(m)[0]!;
          return {
            fcp: paint?.startTime ?? Number.NaN,
            rendered: done.startTime,
            origin: performance.timeOrigin,
          };
        }, mark);
        fcp.push(timing.fcp);
        rendered.push(timing.rendered);
        const renderedAt = timing.origin + timing.rendered;
        js = requested
          .filter((r) => r.at <= renderedAt + 5 && /\/static\/[^/]+\.js$/.test(new URL(r.url).pathname))
          .map((r) => new URL(r.url).pathname.slice('/static/'.length));
        await context.close();
      }
      const sizes = js.map((f) => byFile.get(f)).filter((c): c is ChunkSize => c !== undefined);
      const sum = (k: 'raw' | 'gzip' | 'brotli') => sizes.reduce((n, c) => n + c[k], 0);
      const figure: PageFigures = {
        page: name,
        loads,
        fcpMs: Math.round(median(fcp)),
        renderedMs: Math.round(median(rendered)),
        jsBeforeRendered: { files: js, raw: sum('raw'), gzip: sum('gzip'), brotli: sum('brotli') },
      };
      figures.push(figure);
      log(
        `  web ${name}: first contentful paint ${figure.fcpMs} ms, rendered ${figure.renderedMs} ms (median of ${loads}); ` +
          `JavaScript before rendered: ${js.length} files, ${(figure.jsBeforeRendered.gzip / 1024).toFixed(1)} KiB gzip, ` +
          `${(figure.jsBeforeRendered.brotli / 1024).toFixed(1)} KiB brotli (${(figure.jsBeforeRendered.raw / 1024).toFixed(1)} KiB raw)`,
      );
    }
    for (const c of chunks)
      log(
        `  chunk ${c.file}: ${(c.raw / 1024).toFixed(1)} KiB raw, ${(c.gzip / 1024).toFixed(1)} KiB gzip, ${(c.brotli / 1024).toFixed(1)} KiB brotli`,
      );
    const three = chunks.find((c) => c.file.startsWith('model-viewer'));
    return {
      machineNote: 'headless Chromium, software WebGL (SwiftShader), loopback',
      buildSeconds: Math.round(buildSeconds * 10) / 10,
      pages: figures,
      chunks,
      ...(three ? { threeChunk: three } : {}),
      total: {
        raw: chunks.reduce((n, c) => n + c.raw, 0),
        gzip: chunks.reduce((n, c) => n + c.gzip, 0),
        brotli: chunks.reduce((n, c) => n + c.brotli, 0),
      },
    };
  } finally {
    await browser.close();
    await node.close();
    await rm(dir, { recursive: true, force: true });
  }
}
