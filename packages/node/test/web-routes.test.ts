// The web app served at `/`: index.html for the app's paths (deep links), hashed assets cached for
// good, a 404 for a missing asset, and the API's and the log's own 404s left alone.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RunningNode, startNode } from '../src/index.js';

describe('web app routes', () => {
  let dir: string;
  let node: RunningNode;
  const get = (url: string) => node.app.inject({ method: 'GET', url });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cinnabar-web-'));
    const web = join(dir, 'web');
    await mkdir(join(web, 'static'), { recursive: true });
    await writeFile(join(web, 'index.html'), '<!doctype html><title>app</title>');
    await writeFile(join(web, 'static', 'index-abc123.js'), 'console.log(1)');
    await writeFile(join(dir, 'secret.txt'), 'not to be served');
    node = await startNode({ dataDir: join(dir, 'data'), port: 0, webRoot: web });
  });
  after(async () => {
    await node.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the app at / and at every app path, with a strict content security policy', async () => {
    for (const path of ['/', `/assets/${'ab'.repeat(32)}`, '/halls/abc', '/identities/did:key:z6Mk?x=1']) {
      const res = await get(path);
      assert.equal(res.statusCode, 200, path);
      assert.equal(res.headers['content-type'], 'text/html; charset=utf-8', path);
      assert.equal(res.body, '<!doctype html><title>app</title>');
      assert.equal(res.headers['cache-control'], 'no-cache');
      assert.match(String(res.headers['content-security-policy']), /script-src 'self';/);
    }
  });

  test('hashed assets are immutable; a missing one is a 404, not the app', async () => {
    const js = await get('/static/index-abc123.js');
    assert.equal(js.statusCode, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(js.body, 'console.log(1)');
    assert.equal((await get('/static/index-old999.js')).statusCode, 404);
    assert.equal((await get('/static/nothing')).statusCode, 404);
  });

  test('nothing outside the app directory; the API and the log keep their 404s', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/static/..%2f..%2fsecret.txt']) {
      const res = await get(path);
      assert.notEqual(res.body, 'not to be served', path);
    }
    assert.equal((await get('/%E0%A4%A')).statusCode, 400);
    for (const path of ['/v1/nothing', '/log/nothing', '/docs/nothing']) {
      const res = await get(path);
      assert.equal(res.statusCode, 404, path);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/, path);
    }
    assert.equal((await get('/v1/ledger')).statusCode, 200);
  });
});
