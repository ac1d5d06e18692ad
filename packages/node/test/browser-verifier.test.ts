// core's LogVerifier in a real browser: core is bundled for the browser with esbuild, served from a
// page on one origin, and verifies a live node's log on another origin (so CORS is real), with the
// browser's own fetch, streams and (JavaScript) SHA-256. Needs /usr/bin/chromium; never skipped.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type * as Core from '@cinnabar/core';
import {
  generateSignerKey,
  hexDecode,
  hexEncode,
  leafHash,
  merkleRoot,
  openCheckpoint,
  utf8Encode,
  verifierFromKey,
  verifyConsistency,
  verifyInclusion,
} from '@cinnabar/core';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { loadDataDir, type RunningNode, startNode } from '../src/index.js';
import { launchChromium, type PageProblems, watchPageProblems } from './support/chromium.js';

const ORIGIN = 'browser.test/log';
const CORE_ENTRY = resolve(dirname(fileURLToPath(import.meta.url)), '../../core/src/index.ts');
const FIRST = 600; // three level-0 tiles (256, 256, 88) and a partial level-1 tile of width 2
const MORE = 150; // then 750: the third level-0 tile grows to 238

/** What the page keeps on `window`: the bundled core module and the verifier it made. */
interface PageGlobals {
  cinnabar: typeof Core;
  verifier: Core.LogVerifier;
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Cinnabar log verifier in the browser</title>
<link rel="icon" href="data:,">
<style>body { font: 14px system-ui, sans-serif; margin: 24px; } li { font-family: monospace; margin: 2px 0; }</style>
</head>
<body>
<h1>Cinnabar log verifier, running in the browser</h1>
<p id="status">loading @cinnabar/core…</p>
<ul id="results"></ul>
<script type="module">
import * as cinnabar from './cinnabar-core.js';
window.cinnabar = cinnabar;
document.getElementById('status').textContent = 'page ' + location.origin + ', @cinnabar/core loaded';
</script>
</body>
</html>
`;

const entryText = (i: number) => `browser entry ${i}`;

describe('LogVerifier in a real browser (Chromium)', () => {
  let dir: string | undefined;
  let node: RunningNode | undefined;
  let token: string;
  let site: Server | undefined;
  let siteUrl: string;
  let browser: Browser | undefined;
  let page: Page;
  let problems: PageProblems;
  let bundleBytes = 0;
  let screenshot: string | undefined;
  const entries: Uint8Array[] = [];
  /**
   * The page's GETs to the node, as Chromium saw them. A response from the browser's HTTP cache
   * (tiles are immutable, the checkpoint is cacheable for a second) has no Origin request header.
   */
  interface LogRequest {
    path: string;
    at: number;
    status: number;
    origin: string | undefined;
    acao: string | undefined;
  }
  const pendingRequests: Promise<LogRequest>[] = [];
  const logRequests = () => Promise.all(pendingRequests);

  async function appendUpTo(total: number): Promise<void> {
    const n = node!;
    while (entries.length < total) {
      const wave: Promise<void>[] = [];
      for (let k = 0; k < 100 && entries.length < total; k++) {
        const text = entryText(entries.length);
        entries.push(utf8Encode(text));
        wave.push(
          fetch(`${n.url}v1/log/entries`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
            body: text, // sent as its UTF-8 bytes
          }).then(async (response) => {
            const body = await response.text();
            assert.equal(response.status, 201, body);
          }),
        );
      }
      await Promise.all(wave);
    }
  }

  before(async () => {
    // 1. core bundled for the browser: a node: import (or any Node-only module) fails the build.
    const bundled = await build({
      entryPoints: [CORE_ENTRY],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      conditions: ['development'],
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    assert.deepEqual(bundled.errors, []);
    assert.deepEqual(bundled.warnings, []);
    const inputs = Object.keys(bundled.metafile.inputs);
    assert.deepEqual(
      inputs.filter((input) => input.startsWith('node:') || !/\.(ts|js|mjs)$/.test(input)),
      [],
      'only TS/JS sources in the browser bundle',
    );
    assert.ok(inputs.some((input) => input.includes('@noble/hashes')));
    const bundle = bundled.outputFiles[0]!.contents;
    bundleBytes = bundle.length;

    // 2. The page's own origin: a separate HTTP server.
    site = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://x').pathname;
      if (path === '/' || path === '/index.html') {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        response.end(PAGE);
      } else if (path === '/cinnabar-core.js') {
        response.writeHead(200, {
          'content-type': 'text/javascript; charset=utf-8',
          'cache-control': 'no-store',
        });
        response.end(bundle);
      } else {
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('not found');
      }
    });
    await new Promise<void>((ready, fail) => {
      site!.once('error', fail);
      site!.listen(0, '127.0.0.1', ready);
    });
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;

    // 3. A node with SQLite in a temp data dir, and its first entries over real HTTP.
    dir = await mkdtemp(join(tmpdir(), 'cinnabar-browser-'));
    node = await startNode({ dataDir: join(dir, 'data'), origin: ORIGIN, port: 0 });
    token = (await loadDataDir(join(dir, 'data'))).appendToken;
    // A new ledger begins with the operator's genesis transaction; the raw appends follow it.
    entries.push(...(await node.storage.readEntries(0, 1)));
    assert.equal(entries.length, 1);
    assert.notEqual(new URL(node.url).origin, new URL(siteUrl).origin);
    await appendUpTo(FIRST);

    // 4. The browser, watched for any error, on the page.
    browser = await launchChromium();
    page = await browser.newPage();
    problems = watchPageProblems(page);
    const logUrl = node.logUrl;
    page.on('response', (response) => {
      if (!response.url().startsWith(logUrl)) return;
      const at = Date.now();
      pendingRequests.push(
        Promise.all([response.request().allHeaders(), response.allHeaders()]).then(([sent, received]) => ({
          path: response.url().slice(logUrl.length),
          at,
          status: response.status(),
          origin: sent.origin,
          acao: received['access-control-allow-origin'],
        })),
      );
    });
    await page.goto(siteUrl);
    await page.waitForFunction(() => 'cinnabar' in window);
  });

  after(async () => {
    const failures: unknown[] = [];
    const attempt = async (step: () => Promise<unknown>) => {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    };
    if (browser && !screenshot) {
      // A test failed before the summary screenshot: keep what the page showed.
      await attempt(async () => {
        const shotDir = await mkdtemp(join(tmpdir(), 'cinnabar-browser-shot-'));
        const path = join(shotDir, 'failure.png');
        await page.screenshot({ path, fullPage: true });
        console.log(`browser-verifier: failure screenshot at ${path}`);
      });
    }
    await attempt(async () => browser?.close());
    await attempt(async () => node?.close());
    await attempt(
      () =>
        new Promise<void>((done, fail) => {
          if (!site) return done();
          site.closeAllConnections();
          site.close((error) => (error ? fail(error) : done()));
        }),
    );
    if (dir) await attempt(() => rm(dir!, { recursive: true, force: true }));
    if (failures.length > 0) throw new AggregateError(failures, 'browser-verifier cleanup failed');
  });

  let firstNote: string;
  let secondNote: string;

  test('fetchCheckpoint, verifyInclusion and audit run in the page, cross-origin', async () => {
    const n = node!;
    const result = await page.evaluate(
      async ({ logUrl, vkey, indexes }) => {
        const w = window as unknown as PageGlobals;
        const { LogVerifier, hexEncode, utf8Decode } = w.cinnabar;
        w.verifier = new LogVerifier({ baseUrl: logUrl, vkey });
        const verified = await w.verifier.fetchCheckpoint();
        const inclusions = await Promise.all(
          indexes.map(async (index) => {
            const r = await w.verifier.verifyInclusion(index, verified);
            return { index: r.index, entry: utf8Decode(r.entry), proof: r.proof.map((h) => hexEncode(h)) };
          }),
        );
        const audit = await w.verifier.audit(verified);
        const lines = [
          `checkpoint: origin ${verified.checkpoint.origin}, size ${verified.checkpoint.size}, root ${hexEncode(verified.checkpoint.rootHash).slice(0, 16)}…, signature verified`,
          ...inclusions.map(
            (i) => `inclusion of entry ${i.index} "${i.entry}": ${i.proof.length}-hash proof verified`,
          ),
          `audit: ${audit.entries} entries and ${audit.tiles} tiles recomputed, root matches`,
        ];
        for (const line of lines) {
          const li = document.createElement('li');
          li.textContent = `✔ ${line}`;
          document.getElementById('results')!.append(li);
        }
        return {
          origin: verified.checkpoint.origin,
          size: verified.checkpoint.size,
          rootHash: hexEncode(verified.checkpoint.rootHash),
          note: verified.note,
          inclusions,
          audit: { ...audit, rootHash: hexEncode(audit.rootHash) },
        };
      },
      { logUrl: n.logUrl, vkey: n.vkey, indexes: [1, 255, 256, 599] },
    );

    // Checked again in Node, independently of the page.
    const root = merkleRoot(entries.map(leafHash));
    assert.equal(result.origin, ORIGIN);
    assert.equal(result.size, FIRST);
    assert.equal(result.rootHash, hexEncode(root));
    assert.equal(openCheckpoint(result.note, verifierFromKey(n.vkey), ORIGIN).checkpoint.size, FIRST);
    assert.deepEqual(
      result.inclusions.map((i) => [i.index, i.entry]),
      [1, 255, 256, 599].map((i) => [i, entryText(i)]),
    );
    for (const { index, proof } of result.inclusions) {
      // RFC 9162 path lengths in a tree of 600 = 512 + 64 + 16 + 8 leaves.
      assert.equal(proof.length, index === 599 ? 6 : 10, `proof of ${index}`);
      assert.ok(verifyInclusion(leafHash(entries[index]!), index, FIRST, proof.map(hexDecode), root));
    }
    // 3 entry bundles with their level-0 tiles, and the partial level-1 tile of width 2.
    assert.deepEqual(result.audit, { size: FIRST, entries: FIRST, tiles: 4, rootHash: hexEncode(root) });
    firstNote = result.note;

    // Every read was cross-origin (those that reached the node carry the page's Origin), and the node
    // allowed it: without its access-control-allow-origin the browser would have refused the body.
    const requests = await logRequests();
    const pageOrigin = new URL(siteUrl).origin;
    assert.ok(requests.length > 0);
    for (const r of requests) {
      assert.equal(r.status, 200, r.path);
      assert.equal(r.acao, '*', r.path);
      if (r.origin !== undefined) assert.equal(r.origin, pageOrigin, r.path);
    }
    assert.ok(requests.some((r) => r.origin === pageOrigin));
    const paths = new Set(requests.map((r) => r.path));
    for (const path of ['checkpoint', 'tile/0/000', 'tile/0/001', 'tile/0/002.p/88', 'tile/1/000.p/2'])
      assert.ok(paths.has(path), `the page fetched ${path} (fetched: ${[...paths].join(' ')})`);
    for (const path of ['tile/entries/000', 'tile/entries/001', 'tile/entries/002.p/88'])
      assert.ok(paths.has(path), `the page fetched ${path}`);
    problems.assertNone();
  });

  test('verifyConsistency in the page after the node appends more', async () => {
    await appendUpTo(FIRST + MORE);
    // The node sends the checkpoint with max-age=1; the verifier revalidates it (cache: 'no-cache'),
    // so the page sees the appends at once, where a cached copy would still say the old size.
    const result = await page.evaluate(
      async ({ previous }) => {
        const w = window as unknown as PageGlobals;
        const { hexEncode, utf8Decode } = w.cinnabar;
        const current = await w.verifier.fetchCheckpoint();
        const consistency = await w.verifier.verifyConsistency(previous, current);
        const last = await w.verifier.verifyInclusion(current.checkpoint.size - 1, current);
        const lines = [
          `consistency: size ${consistency.previousSize} → ${consistency.size}, ${consistency.proof.length}-hash proof verified (append-only)`,
          `inclusion of entry ${last.index} "${utf8Decode(last.entry)}" in the new tree verified`,
        ];
        for (const line of lines) {
          const li = document.createElement('li');
          li.textContent = `✔ ${line}`;
          document.getElementById('results')!.append(li);
        }
        return {
          note: current.note,
          previousSize: consistency.previousSize,
          size: consistency.size,
          previousRoot: hexEncode(consistency.previous.rootHash),
          root: hexEncode(consistency.checkpoint.rootHash),
          proof: consistency.proof.map((h) => hexEncode(h)),
          last: { index: last.index, entry: utf8Decode(last.entry) },
        };
      },
      { previous: firstNote },
    );
    const oldRoot = merkleRoot(entries.slice(0, FIRST).map(leafHash));
    const newRoot = merkleRoot(entries.map(leafHash));
    assert.equal(result.previousSize, FIRST);
    assert.equal(result.size, FIRST + MORE);
    assert.equal(result.previousRoot, hexEncode(oldRoot));
    assert.equal(result.root, hexEncode(newRoot));
    assert.ok(result.proof.length > 0);
    assert.ok(verifyConsistency(FIRST, FIRST + MORE, oldRoot, newRoot, result.proof.map(hexDecode)));
    assert.deepEqual(result.last, { index: FIRST + MORE - 1, entry: entryText(FIRST + MORE - 1) });
    secondNote = result.note;
    problems.assertNone();
  });

  test('failures in the page are CinnabarErrors with stable codes', async () => {
    const n = node!;
    const wrongVkey = generateSignerKey(ORIGIN).vkey; // same name, another key
    assert.notEqual(wrongVkey, n.vkey);
    const tampered = firstNote.replace(`\n${FIRST}\n`, `\n${FIRST + 1}\n`);
    assert.notEqual(tampered, firstNote);
    const outcomes = await page.evaluate(
      async ({ logUrl, wrongVkey, firstNote, secondNote, tampered, size }) => {
        const w = window as unknown as PageGlobals;
        const { CinnabarError, LogVerifier } = w.cinnabar;
        const cases: [string, Promise<unknown>][] = [
          ['wrong verifier key', new LogVerifier({ baseUrl: logUrl, vkey: wrongVkey }).fetchCheckpoint()],
          ['inclusion of entry = size', w.verifier.verifyInclusion(size, secondNote)],
          ['inclusion of entry 1,000,000', w.verifier.verifyInclusion(1_000_000)],
          [
            'consistency with a newer checkpoint (shrank)',
            w.verifier.verifyConsistency(secondNote, firstNote),
          ],
          ['checkpoint with a forged size', w.verifier.verifyConsistency(tampered)],
        ];
        const settled = await Promise.all(
          cases.map(([name, promise]) =>
            promise.then(
              () => ({ name, error: 'none', code: 'none', message: '' }),
              (error: unknown) => ({
                name,
                error: error instanceof CinnabarError ? 'CinnabarError' : String(error),
                code: error instanceof CinnabarError ? error.code : 'none',
                message: error instanceof Error ? error.message : '',
              }),
            ),
          ),
        );
        for (const s of settled) {
          const li = document.createElement('li');
          li.textContent = `✘ ${s.name}: rejected as expected, ${s.error} ${s.code}`;
          document.getElementById('results')!.append(li);
        }
        return settled;
      },
      { logUrl: n.logUrl, wrongVkey, firstNote, secondNote, tampered, size: FIRST + MORE },
    );
    assert.deepEqual(
      outcomes.map((o) => [o.name, o.error, o.code]),
      [
        ['wrong verifier key', 'CinnabarError', 'unverified_note'],
        ['inclusion of entry = size', 'CinnabarError', 'inclusion_failed'],
        ['inclusion of entry 1,000,000', 'CinnabarError', 'inclusion_failed'],
        ['consistency with a newer checkpoint (shrank)', 'CinnabarError', 'inconsistent_log'],
        ['checkpoint with a forged size', 'CinnabarError', 'invalid_signature'],
      ],
    );
    assert.match(outcomes[0]!.message, /no signature by a known key/);
    assert.match(outcomes[1]!.message, /beyond the checkpoint's tree size 750/);
    problems.assertNone();
  });

  test('a screenshot of the page shows the summary', async () => {
    const requests = await logRequests();
    const fromNetwork = requests.filter((r) => r.origin !== undefined).length;
    await page.evaluate(
      ({ total, fromNetwork, bundleBytes }) => {
        document.getElementById('status')!.textContent +=
          `; ${total} cross-origin GETs to the node (${fromNetwork} over the network, ${total - fromNetwork} from the HTTP cache); core bundle ${bundleBytes} bytes; ${navigator.userAgent}`;
      },
      { total: requests.length, fromNetwork, bundleBytes },
    );
    const shotDir = await mkdtemp(join(tmpdir(), 'cinnabar-browser-shot-'));
    const path = join(shotDir, 'browser-verifier.png');
    await page.screenshot({ path, fullPage: true });
    screenshot = path;
    const png = await readFile(path);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const text = (await page.locator('#results li').allTextContents()).join('\n');
    await writeFile(join(shotDir, 'summary.txt'), `${text}\n`);
    console.log(`browser-verifier: screenshot at ${path}\n${text}`);
    problems.assertNone();
  });
});
