// A real node serving a fresh build of the web app, with the demo collection, and a headless
// Chromium to drive it: what every browser test of the app starts from. The app is built once per
// test file (Vite's API, into a temporary directory), so a test never runs against a stale build.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningNode, seedDemo, startNode } from '@cinnabar/node';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { build } from 'vite';
import { launchChromium, type PageProblems, watchPageProblems } from '../../../node/test/support/chromium.js';

export const WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface WebFixture {
  dir: string;
  node: RunningNode;
  browser: Browser;
  /** Where tests save their screenshots (kept after the run: test-results/web/<file>/). */
  screenshots: string;
  /** A fresh browser context (its own IndexedDB and storage) and page, watched for errors. */
  newPage(options?: { viewport?: { width: number; height: number }; locale?: string }): Promise<{
    context: BrowserContext;
    page: Page;
    problems: PageProblems;
  }>;
  /** Save a screenshot of `page` as <name>.png in `screenshots`. */
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

/** Build the app into `outDir` (production mode, as `npm run build` does). */
export async function buildWebApp(outDir: string): Promise<void> {
  await build({
    root: WEB_ROOT,
    configFile: join(WEB_ROOT, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
}

export async function webFixture(name: string, options: { demo?: boolean } = {}): Promise<WebFixture> {
  const dir = await mkdtemp(join(tmpdir(), `cinnabar-web-${name}-`));
  const webRoot = join(dir, 'web');
  await buildWebApp(webRoot);
  const node = await startNode({ dataDir: join(dir, 'data'), port: 0, webRoot, origin: `web.test/${name}` });
  if (options.demo !== false) await seedDemo(node.app, node.operatorKey);
  const browser = await launchChromium();
  const screenshots = join(WEB_ROOT, '..', '..', 'test-results', 'web', name);
  await mkdir(screenshots, { recursive: true });
  return {
    dir,
    node,
    browser,
    screenshots,
    async newPage(pageOptions = {}) {
      const context = await browser.newContext({
        viewport: pageOptions.viewport ?? { width: 1280, height: 800 },
        locale: pageOptions.locale ?? 'en-GB',
        baseURL: node.url,
      });
      const page = await context.newPage();
      const problems = watchPageProblems(page);
      return { context, page, problems };
    },
    async screenshot(page, shot) {
      const path = join(screenshots, `${shot}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await browser.close();
      await node.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
