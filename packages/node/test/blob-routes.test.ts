import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { cidFromBytes, didKeyFromPublicKey, signUploadAuthorization } from '@cinnabar/core';
import { ed25519 } from '@noble/curves/ed25519.js';
import type { FastifyInstance } from 'fastify';
import { PNG } from 'pngjs';
import { BlobStore } from '../src/blobs/blob-store.js';
import { buildApp } from '../src/http/app.js';
import {
  BLOB_ROUTES_DEFAULTS,
  type BlobRoutesOptions,
  blobRoutes,
  blobUploadRequestTimeout,
  requestBodyDeadline,
} from '../src/http/blob-routes.js';
import { LogReader } from '../src/http/log-reader.js';
import type { MediaInspection } from '../src/media/inspect.js';
import type { LogStorage } from '../src/storage/log-storage.js';
import { gridGlb } from './support/ledger-fixture.js';
import { prng } from './support/prng.js';

// ---------------------------------------------------------------------------------------------
// Fixtures

const seed = new Uint8Array(32).fill(3);
const did = didKeyFromPublicKey(ed25519.getPublicKey(seed));
const strangerSeed = new Uint8Array(32).fill(4);
const stranger = didKeyFromPublicKey(ed25519.getPublicKey(strangerSeed));
const SIGNED_AT = '2026-11-21T06:00:00Z';
const NOW = new Date('2026-11-21T06:01:00Z');
const MAX_BYTES = 8 * 1024 * 1024;

function pngBytes(width: number, height: number): Uint8Array {
  const png = new PNG({ width, height });
  for (let p = 0; p < width * height * 4; p += 4) png.data.set([p % 251, (p * 7) % 253, 90, 255], p);
  return new Uint8Array(PNG.sync.write(png));
}

function randomBytes(length: number, seedValue: number): Uint8Array {
  const random = prng(seedValue);
  return Uint8Array.from({ length }, () => Math.floor(random() * 256));
}

const utf8 = (text: string) => new TextEncoder().encode(text);

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

function authorize(
  bytes: Uint8Array,
  overrides: Partial<{ did: string; seed: Uint8Array; cid: string; size: number; time: string }> = {},
): string {
  return signUploadAuthorization({
    did,
    seed,
    cid: cidFromBytes(bytes),
    size: bytes.length,
    time: SIGNED_AT,
    ...overrides,
  });
}

/** Every file under `dir`, with its size: what a refused request must leave unchanged. */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      out.push(`${entry.name}/`, ...(await listFiles(path)).map((p) => `${entry.name}/${p}`));
    else out.push(`${entry.name} ${(await stat(path)).size}`);
  }
  return out.sort();
}

interface UploadResult {
  cid: string;
  size: number;
  mediaType: string;
  inspection: MediaInspection;
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Everything the server sent until it closed the connection. */
  all: string;
}

function parseResponse(all: string): RawResponse | undefined {
  const end = all.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = all.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const body = all.slice(end + 4);
  if (body.length < length) return undefined;
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body: body.slice(0, length), all };
}

/**
 * One request written byte for byte on a real socket (so Content-Length can lie, bodies can
 * stall); resolves with the first whole response, or with what came before the server closed.
 */
function rawRequest(
  port: number,
  head: string,
  body: (Uint8Array | number)[] = [],
  timeoutMs = 10_000,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    const all = () => Buffer.concat(received).toString('latin1');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no response within ${timeoutMs} ms; got ${all()}`));
    }, timeoutMs);
    socket.on('data', (chunk) => {
      received.push(chunk);
      const response = parseResponse(all());
      if (!response) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(response);
    });
    socket.on('error', () => {}); // a reset after the response is fine; close reports the rest
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseResponse(all()) ?? { status: 0, headers: {}, body: '', all: all() });
    });
    socket.on('connect', async () => {
      socket.write(head.replaceAll('\n', '\r\n'));
      for (const part of body) {
        if (typeof part === 'number') await sleep(part);
        else if (!socket.destroyed) socket.write(part);
      }
    });
  });
}

function putHead(headers: Record<string, string | number>, connection = 'close'): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return `PUT /v1/blobs HTTP/1.1\nHost: localhost\nConnection: ${connection}\n${lines.join('\n')}\n\n`;
}

// ---------------------------------------------------------------------------------------------

describe('blob upload and download over HTTP', () => {
  let dir: string;
  let store: BlobStore;
  let app: FastifyInstance;
  let url: string;
  let port: number;
  let glb: Uint8Array;
  let bigGlb: Uint8Array;

  async function makeApp(overrides: Partial<BlobRoutesOptions> = {}, deadlineMs?: number) {
    // The log routes are not used here; their reader is never called.
    const built = buildApp({
      reader: new LogReader({} as LogStorage),
      vkey: 'blob.test+00000000+AA==',
      appendToken: 'token',
      append: async () => 0,
    });
    if (deadlineMs !== undefined) built.addHook('onRequest', requestBodyDeadline(deadlineMs));
    built.register(blobRoutes, {
      blobs: store,
      isRegisteredIdentity: async (candidate) => candidate === did,
      maxBytes: MAX_BYTES,
      now: () => NOW,
      uploadIdleMs: 1000,
      ...overrides,
    });
    await built.ready();
    return built;
  }

  async function listen(instance: FastifyInstance): Promise<number> {
    await instance.listen({ port: 0, host: '127.0.0.1' });
    const address = instance.server.address();
    assert.ok(address && typeof address === 'object');
    return address.port;
  }

  function put(bytes: Uint8Array, authorization = authorize(bytes), headers: Record<string, string> = {}) {
    return app.inject({
      method: 'PUT',
      url: '/v1/blobs',
      headers: { authorization, 'content-type': 'application/octet-stream', ...headers },
      payload: Buffer.from(bytes),
    });
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cinnabar-blob-routes-'));
    store = new BlobStore(join(dir, 'blobs'), { maxBytes: MAX_BYTES });
    await store.init();
    glb = await gridGlb(4);
    bigGlb = await gridGlb(300); // about 3 MB: over the 1 MiB that is read for other types
    app = await makeApp();
    port = await listen(app);
    url = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a GLB uploaded over a socket is stored, inspected, and downloaded byte for byte', async () => {
    const upload = await fetch(`${url}/v1/blobs`, {
      method: 'PUT',
      headers: { authorization: authorize(bigGlb), 'content-type': 'model/gltf-binary' },
      body: bigGlb.slice(), // fetch's types want an ArrayBuffer-backed view
    });
    assert.equal(upload.status, 201, await upload.clone().text());
    const cid = cidFromBytes(bigGlb);
    assert.equal(upload.headers.get('location'), `/v1/blobs/${cid}`);
    const body = (await upload.json()) as UploadResult;
    assert.equal(body.cid, cid);
    assert.equal(body.size, bigGlb.length);
    assert.equal(body.mediaType, 'model/gltf-binary');
    assert.equal(body.inspection.ok, true);
    assert.equal(body.inspection.model!.triangles, 2 * 299 * 299);
    assert.equal(body.inspection.model!.vertices, 300 * 300);

    const download = await fetch(`${url}/v1/blobs/${cid}`);
    assert.equal(download.status, 200);
    assert.equal(download.headers.get('content-type'), 'model/gltf-binary');
    assert.equal(download.headers.get('content-length'), String(bigGlb.length));
    assert.equal(download.headers.get('etag'), `"${cid}"`);
    assert.equal(download.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(download.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(download.headers.get('content-security-policy'), 'sandbox');
    assert.equal(download.headers.get('content-disposition'), `inline; filename="${cid}"`);
    assert.equal(download.headers.get('accept-ranges'), 'bytes');
    assert.deepEqual(new Uint8Array(await download.arrayBuffer()), bigGlb);

    const inspection = await fetch(`${url}/v1/blobs/${cid}/inspection`);
    assert.equal(inspection.status, 200);
    assert.deepEqual(await inspection.json(), body.inspection);
    assert.deepEqual(await store.getInspection(cid), body.inspection);
  });

  test('a large non-media file streams in and out; only its head is inspected', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17, 42);
    const upload = await fetch(`${url}/v1/blobs`, {
      method: 'PUT',
      headers: { authorization: authorize(bytes) },
      body: bytes.slice(), // fetch's types want an ArrayBuffer-backed view
    });
    assert.equal(upload.status, 201);
    assert.equal(((await upload.json()) as { mediaType: string }).mediaType, 'application/octet-stream');
    const download = await fetch(`${url}/v1/blobs/${cidFromBytes(bytes)}`);
    assert.equal(
      download.headers.get('content-disposition'),
      `attachment; filename="${cidFromBytes(bytes)}"`,
    );
    assert.deepEqual(new Uint8Array(await download.arrayBuffer()), bytes);
  });

  test('the same bytes again: 200, stored once, same inspection', async () => {
    const first = await put(glb);
    assert.equal(first.statusCode, 201);
    const before = await listFiles(dir);
    const again = await put(glb);
    assert.equal(again.statusCode, 200);
    assert.equal(again.headers.location, `/v1/blobs/${cidFromBytes(glb)}`);
    assert.deepEqual(again.json().inspection, first.json().inspection);
    assert.deepEqual(await listFiles(dir), before);
  });

  test('a PNG is inspected with its dimensions and served inline', async () => {
    const png = pngBytes(40, 30);
    const res = await put(png);
    assert.equal(res.statusCode, 201);
    assert.equal(res.json().mediaType, 'image/png');
    assert.deepEqual(
      { width: res.json().inspection.image.width, height: res.json().inspection.image.height },
      { width: 40, height: 30 },
    );
    const get = await app.inject(`/v1/blobs/${cidFromBytes(png)}`);
    assert.equal(get.headers['content-type'], 'image/png');
    assert.equal(get.headers['content-disposition'], `inline; filename="${cidFromBytes(png)}"`);
  });

  describe('byte ranges (RFC 9110 §14) over a socket', () => {
    let cid: string;
    before(async () => {
      cid = cidFromBytes(bigGlb);
      if (!(await store.has(cid))) assert.equal((await put(bigGlb)).statusCode, 201);
    });
    const get = (headers: Record<string, string>) => fetch(`${url}/v1/blobs/${cid}`, { headers });

    const satisfiable: [string, number, number][] = [
      ['bytes=0-9', 0, 9],
      ['bytes=1000-1999', 1000, 1999],
      ['bytes=100-', 100, -1],
      ['bytes=-500', -500, -1],
      ['bytes=10-99999999', 10, -1],
      ['bytes=-99999999', 0, -1],
      ['BYTES=0-0', 0, 0],
    ];
    for (const [range, from, to] of satisfiable)
      test(`${range} → 206`, async () => {
        const size = bigGlb.length;
        const start = from < 0 ? size + from : from;
        const end = to < 0 ? size + to : to;
        const res = await get({ range });
        assert.equal(res.status, 206);
        assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${size}`);
        assert.equal(res.headers.get('content-length'), String(end - start + 1));
        assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bigGlb.subarray(start, end + 1));
      });

    test('a range at or past the end → 416 with the size', async () => {
      for (const range of [
        `bytes=${bigGlb.length}-`,
        `bytes=${bigGlb.length + 5}-${bigGlb.length + 9}`,
        'bytes=-0',
      ]) {
        const res = await get({ range });
        assert.equal(res.status, 416, range);
        assert.equal(res.headers.get('content-range'), `bytes */${bigGlb.length}`);
        assert.equal(((await res.json()) as { code: string }).code, 'range_not_satisfiable');
        assert.equal(res.headers.get('cache-control'), null, 'a 416 is not cached as immutable');
      }
    });

    test('several ranges, other units, backwards or malformed ranges are ignored: the whole blob', async () => {
      for (const range of [
        'bytes=0-1,5-6',
        'items=0-1',
        'bytes=9-3',
        'bytes=-',
        'bytes=a-b',
        'bytes 0-1',
        'bytes=1-2-3',
      ]) {
        const res = await get({ range });
        assert.equal(res.status, 200, range);
        assert.equal((await res.arrayBuffer()).byteLength, bigGlb.length);
      }
    });

    test('If-Range: the range only while the ETag matches', async () => {
      const matching = await get({ range: 'bytes=0-3', 'if-range': `"${cid}"` });
      assert.equal(matching.status, 206);
      await matching.arrayBuffer();
      for (const ifRange of ['"other"', `W/"${cid}"`, 'Sat, 21 Nov 2026 06:00:00 GMT']) {
        const res = await get({ range: 'bytes=0-3', 'if-range': ifRange });
        assert.equal(res.status, 200, ifRange);
        await res.arrayBuffer();
      }
    });

    test('HEAD: the headers of GET, with Content-Length, without a body', async () => {
      const whole = await fetch(`${url}/v1/blobs/${cid}`, { method: 'HEAD' });
      assert.equal(whole.status, 200);
      assert.equal(whole.headers.get('content-length'), String(bigGlb.length));
      assert.equal(whole.headers.get('content-type'), 'model/gltf-binary');
      assert.equal(whole.headers.get('etag'), `"${cid}"`);
      const part = await fetch(`${url}/v1/blobs/${cid}`, { method: 'HEAD', headers: { range: 'bytes=5-9' } });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get('content-length'), '5');
      assert.equal(part.headers.get('content-range'), `bytes 5-9/${bigGlb.length}`);
      const missing = await fetch(`${url}/v1/blobs/${cidFromBytes(utf8('absent'))}`, { method: 'HEAD' });
      assert.equal(missing.status, 404);
    });

    test('If-None-Match → 304 with the ETag, weak or in a list or *', async () => {
      for (const tag of [`"${cid}"`, `W/"${cid}"`, `"x", "${cid}"`, '*']) {
        const res = await get({ 'if-none-match': tag });
        assert.equal(res.status, 304, tag);
        assert.equal(res.headers.get('etag'), `"${cid}"`);
        assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
        assert.equal((await res.arrayBuffer()).byteLength, 0);
      }
      const other = await get({ 'if-none-match': '"something-else"' });
      assert.equal(other.status, 200);
      await other.arrayBuffer();
    });
  });

  describe('malformed media is refused (422) and nothing is stored', () => {
    const truncated = () => glb.slice(0, glb.length - 20);
    const manyErrors = () =>
      utf8(
        JSON.stringify({
          asset: { version: '2.0' },
          accessors: Array.from({ length: 40 }, () => ({ componentType: 1, count: 0, type: 'BOGUS' })),
        }),
      );
    const corruptPng = () => {
      const png = pngBytes(64, 64);
      png.fill(0xaa, 40, 90);
      return png;
    };
    const cases: [string, () => Uint8Array, RegExp][] = [
      ['a truncated GLB', truncated, /^GLB_/],
      ['a glTF with 40 bad accessors', manyErrors, /./],
      ['a corrupt PNG', corruptPng, /^IMAGE_/],
      ['an empty file', () => new Uint8Array(0), /^EMPTY_INPUT$/],
    ];
    for (const [name, make, firstCode] of cases)
      test(name, async () => {
        const bytes = make();
        const before = await listFiles(dir);
        const res = await put(bytes);
        assert.equal(res.statusCode, 422, res.body);
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
        const problem = res.json();
        assert.equal(problem.code, 'malformed_media');
        assert.equal(problem.status, 422);
        assert.ok(Array.isArray(problem.errors) && problem.errors.length >= 1);
        assert.ok(problem.errors.length <= 10);
        assert.match(problem.errors[0].code, firstCode);
        for (const issue of problem.errors) assert.equal(typeof issue.message, 'string');
        assert.deepEqual(await listFiles(dir), before);
        assert.equal(await store.has(cidFromBytes(bytes)), false);
        assert.equal((await app.inject(`/v1/blobs/${cidFromBytes(bytes)}`)).statusCode, 404);
      });

    test('the error list is bounded at 10', async () => {
      assert.equal((await put(manyErrors())).json().errors.length, 10);
    });

    test('over a socket too', async () => {
      const bytes = truncated();
      const before = await listFiles(dir);
      const res = await fetch(`${url}/v1/blobs`, {
        method: 'PUT',
        headers: { authorization: authorize(bytes) },
        body: bytes.slice(), // fetch's types want an ArrayBuffer-backed view
      });
      assert.equal(res.status, 422);
      assert.equal(((await res.json()) as { code: string }).code, 'malformed_media');
      assert.deepEqual(await listFiles(dir), before);
    });
  });

  describe('active content never runs on the node origin', () => {
    test('HTML, SVG and XML uploads are served as attachments of type application/octet-stream', async () => {
      for (const text of [
        '<!doctype html><html><script>alert(document.domain)</script></html>',
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>',
      ]) {
        const bytes = utf8(text);
        assert.ok([200, 201].includes((await put(bytes)).statusCode));
        const res = await app.inject(`/v1/blobs/${cidFromBytes(bytes)}`);
        assert.equal(res.headers['content-type'], 'application/octet-stream', text);
        assert.match(String(res.headers['content-disposition']), /^attachment;/);
        assert.equal(res.headers['content-security-policy'], 'sandbox');
        assert.equal(res.headers['x-content-type-options'], 'nosniff');
      }
    });

    test('even if an inspection record said text/html or image/svg+xml', async () => {
      const bytes = utf8('<p>hello</p>');
      const { cid } = await store.put(once(bytes));
      for (const mediaType of [
        'text/html',
        'image/svg+xml',
        'application/xhtml+xml',
        'text/javascript',
        'TEXT/HTML',
        'text/html; charset=utf-8',
        'application/pdf',
      ]) {
        await store.putInspection(cid, { mediaType, kind: 'other', ok: true, errors: [], warnings: [] });
        const res = await app.inject(`/v1/blobs/${cid}`);
        assert.equal(res.headers['content-type'], 'application/octet-stream', mediaType);
        assert.match(String(res.headers['content-disposition']), /^attachment;/, mediaType);
      }
    });
  });

  describe('inspection records', () => {
    test('a blob stored without one: 404 inspection_not_found, until the same bytes are uploaded', async () => {
      const bytes = pngBytes(8, 8);
      const { cid } = await store.put(once(bytes));
      const missing = await app.inject(`/v1/blobs/${cid}/inspection`);
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().code, 'inspection_not_found');
      // Served as application/octet-stream while it has no inspection.
      assert.equal(
        (await app.inject(`/v1/blobs/${cid}`)).headers['content-type'],
        'application/octet-stream',
      );
      const res = await put(bytes);
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().mediaType, 'image/png');
      assert.equal((await app.inject(`/v1/blobs/${cid}/inspection`)).json().mediaType, 'image/png');
      assert.equal((await app.inject(`/v1/blobs/${cid}`)).headers['content-type'], 'image/png');
    });

    test('of a blob that is not stored: 404 blob_not_found', async () => {
      const res = await app.inject(`/v1/blobs/${cidFromBytes(utf8('nothing'))}/inspection`);
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().code, 'blob_not_found');
    });
  });

  describe('hostile uploads get their 4xx and leave the store unchanged', () => {
    const bytes = utf8('{"hello":"world"}');
    const other = utf8('{"hello":"there"}');
    const cases: [string, () => ReturnType<typeof put>, number, string][] = [
      ['no Authorization', () => put(bytes, ''), 401, 'unauthorized'],
      ['a bearer token', () => put(bytes, 'Bearer token'), 400, 'malformed_upload_authorization'],
      ['header garbage', () => put(bytes, '\u0001\u0002garbage'), 400, 'malformed_upload_authorization'],
      ['scheme only', () => put(bytes, 'Cinnabar-Upload'), 400, 'malformed_upload_authorization'],
      [
        'a field missing',
        () => put(bytes, authorize(bytes).replace(/, sig="[^"]*"/, '')),
        400,
        'malformed_upload_authorization',
      ],
      [
        'a field twice',
        () => put(bytes, `${authorize(bytes)}, size="17"`),
        400,
        'malformed_upload_authorization',
      ],
      [
        'a huge header',
        () => put(bytes, `Cinnabar-Upload did="${'z'.repeat(5000)}"`),
        400,
        'malformed_upload_authorization',
      ],
      [
        'did of another method',
        () => put(bytes, authorize(bytes).replace(did, 'did:web:evil.example')),
        400,
        'malformed_upload_authorization',
      ],
      [
        'an expired time',
        () => put(bytes, authorize(bytes, { time: '2026-11-21T05:50:00Z' })),
        401,
        'bad_upload_signature',
      ],
      [
        'a time in the future',
        () => put(bytes, authorize(bytes, { time: '2026-11-21T06:30:00Z' })),
        401,
        'bad_upload_signature',
      ],
      [
        'signed by another key',
        () => put(bytes, authorize(bytes, { seed: strangerSeed, did: stranger }).replace(stranger, did)),
        401,
        'bad_upload_signature',
      ],
      [
        'a signature over other fields',
        () => put(bytes, authorize(bytes).replace(/sig="[^"]*"/, authorize(other).match(/sig="[^"]*"/)![0])),
        401,
        'bad_upload_signature',
      ],
      [
        'an unregistered DID',
        () => put(bytes, authorize(bytes, { seed: strangerSeed, did: stranger })),
        403,
        'unknown_identity',
      ],
      [
        'the wrong cid',
        () => put(bytes, authorize(bytes, { cid: cidFromBytes(other) })),
        400,
        'blob_mismatch',
      ],
      [
        'a body bigger than the signed size',
        () => put(bytes, authorize(bytes, { size: bytes.length - 1 })),
        400,
        'blob_mismatch',
      ],
      [
        'a body smaller than the signed size',
        () => put(bytes, authorize(bytes, { size: bytes.length + 1 })),
        400,
        'blob_mismatch',
      ],
      [
        'no body at all',
        () => app.inject({ method: 'PUT', url: '/v1/blobs', headers: { authorization: authorize(bytes) } }),
        411,
        'length_required',
      ],
      [
        'a Content-Length over the limit',
        () => put(bytes, authorize(bytes), { 'content-length': String(MAX_BYTES + 1) }),
        413,
        'blob_too_large',
      ],
    ];
    for (const [name, send, status, code] of cases)
      test(`${name} → ${status} ${code}`, async () => {
        const before = await listFiles(dir);
        const res = await send();
        assert.equal(res.statusCode, status, res.body);
        assert.equal(res.json().code, code);
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
        if (status === 401) assert.equal(res.headers['www-authenticate'], 'Cinnabar-Upload');
        assert.deepEqual(await listFiles(dir), before);
      });
  });

  describe('hostile uploads on a real socket', () => {
    const bytes = utf8('0123456789abcdefghij'); // 20 bytes
    const first10 = bytes.subarray(0, 10);
    const cases: [string, () => Promise<RawResponse>, number, string | undefined][] = [
      [
        'chunked, without Content-Length',
        () =>
          rawRequest(port, putHead({ authorization: authorize(bytes), 'transfer-encoding': 'chunked' }), [
            utf8(`14\r\n${'0123456789abcdefghij'}\r\n0\r\n\r\n`),
          ]),
        411,
        'length_required',
      ],
      [
        'a Content-Length over the limit, answered before any body',
        () => rawRequest(port, putHead({ authorization: authorize(bytes), 'content-length': MAX_BYTES + 1 })),
        413,
        'blob_too_large',
      ],
      [
        'a 1 GB Content-Length with a body that keeps coming',
        () =>
          rawRequest(port, putHead({ authorization: authorize(bytes), 'content-length': 2 ** 30 }), [
            new Uint8Array(64 * 1024),
            50,
            new Uint8Array(64 * 1024),
          ]),
        413,
        'blob_too_large',
      ],
      [
        'a Content-Length shorter than the body (signed for the long body)',
        () => {
          // The bytes past Content-Length are the start of the next request, not part of the blob.
          // (Kept alive and well-formed so far: Node drops the connection on a bad next request.)
          const long = utf8('0123456789GET / HTTP');
          return rawRequest(
            port,
            putHead({ authorization: authorize(long, { size: 10 }), 'content-length': 10 }, 'keep-alive'),
            [long],
          );
        },
        400,
        'blob_mismatch',
      ],
      [
        'a Content-Length longer than the body: the upload stalls',
        () =>
          rawRequest(port, putHead({ authorization: authorize(bytes, { size: 30 }), 'content-length': 30 }), [
            bytes,
          ]),
        408,
        'upload_timeout',
      ],
      [
        'a Content-Length that is not the signed size',
        () => rawRequest(port, putHead({ authorization: authorize(first10), 'content-length': 20 }), [bytes]),
        400,
        'blob_mismatch',
      ],
      [
        'a Content-Length that is not a number',
        () => rawRequest(port, putHead({ authorization: authorize(bytes), 'content-length': '2O' }), [bytes]),
        400,
        undefined, // Node's parser refuses it before any route
      ],
      [
        'both Content-Length and Transfer-Encoding (request smuggling)',
        () =>
          rawRequest(
            port,
            putHead({
              authorization: authorize(bytes),
              'content-length': 20,
              'transfer-encoding': 'chunked',
            }),
            [utf8('14\r\n0123456789abcdefghij\r\n0\r\n\r\n')],
          ),
        400,
        undefined,
      ],
      [
        'two different Content-Lengths',
        () =>
          rawRequest(
            port,
            `PUT /v1/blobs HTTP/1.1\nHost: x\nConnection: close\nAuthorization: ${authorize(bytes)}\nContent-Length: 20\nContent-Length: 10\n\n`,
            [bytes],
          ),
        400,
        undefined,
      ],
    ];
    for (const [name, send, status, code] of cases)
      test(`${name} → ${status}${code ? ` ${code}` : ''}`, async () => {
        const before = await listFiles(dir);
        const res = await send();
        assert.equal(res.status, status, res.all.slice(0, 500));
        if (code) assert.equal(JSON.parse(res.body).code, code);
        // Refused before the body was read: the connection is closed, not drained.
        if (status === 411 || status === 413 || status === 408) assert.equal(res.headers.connection, 'close');
        assert.deepEqual(await listFiles(dir), before);
      });
  });

  describe('GET path tricks', () => {
    const cid = cidFromBytes(utf8('x'));
    const cases: [string, number, string | undefined][] = [
      ['/v1/blobs/..%2F..%2Fetc%2Fpasswd', 400, 'malformed_cid'],
      // inject resolves dot segments as a URL parser would: nothing matches /v1/.
      ['/v1/blobs/%2E%2E', 404, 'not_found'],
      ['/v1/blobs/..', 404, 'not_found'],
      ['/v1/blobs/', 400, 'malformed_cid'],
      [`/v1/blobs/${cid.toUpperCase()}`, 400, 'malformed_cid'],
      [`/v1/blobs/B${cid.slice(1)}`, 400, 'malformed_cid'],
      ['/v1/blobs/QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG', 400, 'malformed_cid'],
      ['/v1/blobs/bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi', 400, 'malformed_cid'],
      [`/v1/blobs/${cid}%00`, 400, 'malformed_cid'],
      [`/v1/blobs/${cid}%2F..`, 400, 'malformed_cid'],
      [`/v1/blobs/${cid.slice(0, -1)}`, 400, 'malformed_cid'],
      [`/v1/blobs/${cid}.json`, 400, 'malformed_cid'],
      ['/v1/blobs/%ZZ', 400, 'bad_request'],
      [`/v1/blobs/${'b'.repeat(300)}`, 414, 'uri_too_long'],
      [`/v1/blobs/${cid}/..%2Finspection`, 404, 'not_found'],
      [`/v1/blobs/${cid}`, 404, 'blob_not_found'],
      [`/v1/blobs/..%2F..%2Fetc%2Fpasswd/inspection`, 400, 'malformed_cid'],
    ];
    for (const [path, status, code] of cases)
      test(`${path.slice(0, 80)} → ${status}`, async () => {
        const before = await listFiles(dir);
        for (const method of ['GET', 'HEAD'] as const) {
          const res = await app.inject({ method, url: path });
          assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${method} ${path}: ${res.statusCode}`);
          if (path.endsWith('/inspection') && method === 'HEAD') continue;
          assert.equal(res.statusCode, status, `${method} ${path}: ${res.body}`);
          if (code && method === 'GET') assert.equal(res.json().code, code);
        }
        assert.deepEqual(await listFiles(dir), before);
      });
  });

  test('path tricks on a real socket reach the route unresolved and are refused', async () => {
    const before = await listFiles(dir);
    for (const path of [
      '/v1/blobs/..',
      '/v1/blobs/..%2F..%2Fetc%2Fpasswd',
      '/v1/blobs/%2e%2e%2f%2e%2e',
      '/v1/blobs/.%2E/x/inspection',
    ]) {
      const res = await rawRequest(port, `GET ${path} HTTP/1.1\nHost: x\nConnection: close\n\n`);
      assert.ok(res.status >= 400 && res.status < 500, `${path}: ${res.status}`);
      if (res.status === 400) assert.equal(JSON.parse(res.body).code, 'malformed_cid', path);
    }
    const plain = await rawRequest(port, 'GET /v1/blobs/.. HTTP/1.1\nHost: x\nConnection: close\n\n');
    assert.equal(plain.status, 400);
    assert.deepEqual(await listFiles(dir), before);
  });

  describe('time bounds', () => {
    test('an upload that goes slower than the minimum rate is cut off (408), nothing stored', async () => {
      const slow = await makeApp({ uploadIdleMs: 5_000, uploadGraceMs: 200, minUploadBytesPerSecond: 100 });
      const slowPort = await listen(slow);
      try {
        const bytes = utf8('x'.repeat(50)); // must be done in 0.2 + 0.5 s
        const before = await listFiles(dir);
        const parts: (Uint8Array | number)[] = [];
        for (let i = 0; i < 50; i += 5) parts.push(bytes.subarray(i, i + 5), 200);
        const started = Date.now();
        const res = await rawRequest(
          slowPort,
          putHead({ authorization: authorize(bytes), 'content-length': 50 }),
          parts,
        );
        assert.equal(res.status, 408);
        assert.equal(JSON.parse(res.body).code, 'upload_timeout');
        assert.match(JSON.parse(res.body).detail, /did not finish/);
        assert.ok(Date.now() - started < 1_900, 'refused before the client finished');
        assert.deepEqual(await listFiles(dir), before);
      } finally {
        await slow.close();
      }
    });

    test('requestBodyDeadline bounds other routes but not uploads', async () => {
      const bounded = await makeApp({}, 300);
      const boundedPort = await listen(bounded);
      try {
        // A slow-loris body on another route: 408 and closed at the deadline.
        const started = Date.now();
        const slowAppend = await rawRequest(
          boundedPort,
          'POST /v1/log/entries HTTP/1.1\nHost: x\nAuthorization: Bearer token\nContent-Type: application/octet-stream\nContent-Length: 10\n\n',
          [utf8('abc'), 2_000, utf8('defghij')],
        );
        assert.equal(slowAppend.status, 408);
        assert.ok(Date.now() - started < 1_500);
        // An upload may take longer than that, as long as it keeps sending.
        const bytes = utf8('{"slow":"but steady"}');
        const upload = await rawRequest(
          boundedPort,
          putHead({ authorization: authorize(bytes), 'content-length': bytes.length }),
          [bytes.subarray(0, 5), 400, bytes.subarray(5, 10), 400, bytes.subarray(10)],
        );
        assert.ok([200, 201].includes(upload.status), upload.all.slice(0, 300));
        // Quick requests are unaffected.
        assert.equal((await bounded.inject(`/v1/blobs/${cidFromBytes(bytes)}`)).statusCode, 200);
      } finally {
        await bounded.close();
      }
    });

    test('the server-wide backstop leaves room for the slowest allowed upload', () => {
      const defaults = BLOB_ROUTES_DEFAULTS;
      const ms = blobUploadRequestTimeout(512 * 1024 * 1024);
      assert.equal(
        ms,
        defaults.uploadGraceMs + (512 * 1024 * 1024 * 1000) / defaults.minUploadBytesPerSecond + 30_000,
      );
      assert.ok(ms > 2 * 3600 * 1000);
    });
  });

  test('never a 5xx for hostile input (random headers and bodies)', async () => {
    const random = prng(7);
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
    const headers = [
      '',
      'Cinnabar-Upload',
      authorize(utf8('a')),
      authorize(utf8('a')).replace('did=', 'DID='),
      `Cinnabar-Upload ${'a="b", '.repeat(50)}`,
      'Basic Zm9vOmJhcg==',
      `Cinnabar-Upload did="${did}", time="${SIGNED_AT}", cid="x", size="1", sig="AA=="`,
    ];
    const before = await listFiles(dir);
    for (let i = 0; i < 60; i++) {
      const body = randomBytes(Math.floor(random() * 64), i);
      const res = await app.inject({
        method: 'PUT',
        url: '/v1/blobs',
        headers: {
          authorization: pick(headers),
          'content-type': pick(['application/json', 'text/html', 'x/y', '']),
        },
        payload: Buffer.from(body),
      });
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${res.statusCode}: ${res.body}`);
    }
    assert.deepEqual(await listFiles(dir), before);
  });
});
