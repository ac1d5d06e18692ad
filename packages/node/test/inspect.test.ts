import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { Document, NodeIO } from '@gltf-transform/core';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import {
  hammingDistance,
  INSPECT_DEFAULTS,
  inspectMedia,
  type MediaInspection,
  PHASH_NEAR_DUPLICATE_DISTANCE,
} from '../src/index.js';
import { prng } from './support/prng.js';

// ---------------------------------------------------------------------------------------------
// Fixtures

/** A cube of 24 vertices (4 per face) and 36 indices, optionally scaled, with one material. */
async function cubeGlb(
  options: { scale?: number; color?: [number, number, number, number]; name?: string } = {},
) {
  const s = options.scale ?? 1;
  const doc = new Document();
  const buffer = doc.createBuffer();
  const positions: number[] = [];
  const indices: number[] = [];
  // Each face: a fixed axis and sign, and the two other axes spanning it.
  const faces: [number, number, number, number][] = [
    [0, 1, 1, 2],
    [0, -1, 2, 1],
    [1, 1, 2, 0],
    [1, -1, 0, 2],
    [2, 1, 0, 1],
    [2, -1, 1, 0],
  ];
  for (const [axis, sign, a, b] of faces) {
    const base = positions.length / 3;
    for (const [u, v] of [
      [-1, -1],
      [1, -1],
      [1, 1],
      [-1, 1],
    ] as const) {
      const p = [0, 0, 0];
      p[axis] = sign * s;
      p[a] = u * s;
      p[b] = v * s;
      positions.push(...p);
    }
    indices.push(base, base + 1, base + 2, base, base + 2, base + 3);
  }
  const position = doc
    .createAccessor('positions')
    .setType('VEC3')
    .setArray(new Float32Array(positions))
    .setBuffer(buffer);
  const index = doc.createAccessor().setType('SCALAR').setArray(new Uint16Array(indices)).setBuffer(buffer);
  const material = doc
    .createMaterial(options.name ?? 'paint')
    .setBaseColorFactor(options.color ?? [1, 0, 0, 1]);
  const prim = doc
    .createPrimitive()
    .setAttribute('POSITION', position)
    .setIndices(index)
    .setMaterial(material);
  const mesh = doc.createMesh(options.name ?? 'cube').addPrimitive(prim);
  doc.createScene().addChild(doc.createNode(options.name ?? 'cube').setMesh(mesh));
  return new NodeIO().writeBinary(doc);
}

function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

type Shade = (u: number, v: number) => number; // u, v in [0, 1) → gray 0..255

/** A smooth but structured picture: a diagonal gradient plus a few low-frequency waves. */
const scene: Shade = (u, v) =>
  40 +
  120 * u * (1 - v) +
  50 * Math.sin(2 * Math.PI * 1.3 * u) * Math.cos(2 * Math.PI * 0.8 * v) +
  30 * v * v;
const checkerboard: Shade = (u, v) => ((Math.floor(u * 8) + Math.floor(v * 6)) % 2 === 0 ? 20 : 235);

function rgba(width: number, height: number, shade: Shade, noise = 0, seed = 1): Uint8Array {
  const random = prng(seed);
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const g = shade((x + 0.5) / width, (y + 0.5) / height) + (random() * 2 - 1) * noise;
      const value = Math.max(0, Math.min(255, Math.round(g)));
      const p = (y * width + x) * 4;
      data[p] = value;
      data[p + 1] = value;
      data[p + 2] = value;
      data[p + 3] = 255;
    }
  }
  return data;
}

function pngBytes(width: number, height: number, shade: Shade, noise = 0): Uint8Array {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba(width, height, shade, noise));
  return new Uint8Array(PNG.sync.write(png));
}

function jpegBytes(width: number, height: number, shade: Shade): Uint8Array {
  return new Uint8Array(jpeg.encode({ width, height, data: rgba(width, height, shade) }, 90).data);
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A PNG whose IHDR claims width × height, followed by a tiny IDAT and IEND (a "bomb" header). */
function pngHeaderOnly(width: number, height: number): Uint8Array {
  const chunk = (type: string, data: Uint8Array) => {
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(data, 8);
    view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
    return out;
  };
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', new Uint8Array([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk('IEND', new Uint8Array(0)),
  ];
  return Buffer.concat(parts);
}

function assertRefused(result: MediaInspection, maxIssues = INSPECT_DEFAULTS.maxIssues) {
  assert.equal(result.ok, false, JSON.stringify(result));
  assert.ok(result.errors.length > 0);
  assert.ok(result.errors.length <= maxIssues);
  for (const error of result.errors) {
    assert.equal(typeof error.code, 'string');
    assert.equal(typeof error.message, 'string');
  }
}

// ---------------------------------------------------------------------------------------------
// Models

test('a GLB cube is validated and summarized', async () => {
  const result = await inspectMedia(await cubeGlb());
  assert.equal(result.ok, true, JSON.stringify(result.errors));
  assert.equal(result.mediaType, 'model/gltf-binary');
  assert.equal(result.kind, 'model');
  assert.deepEqual(result.errors, []);
  const model = result.model;
  assert.ok(model);
  assert.equal(model.meshes, 1);
  assert.equal(model.primitives, 1);
  assert.equal(model.triangles, 12);
  assert.equal(model.vertices, 24);
  assert.equal(model.materials, 1);
  assert.equal(model.textures, 0);
  assert.deepEqual(model.bounds, { min: [-1, -1, -1], max: [1, 1, 1] });
  assert.match(model.geometryHash, /^[0-9a-f]{64}$/);
  assert.equal(result.image, undefined);
});

test('geometryHash ignores materials and names but not geometry', async () => {
  const red = await inspectMedia(await cubeGlb({ color: [1, 0, 0, 1], name: 'red' }));
  const blue = await inspectMedia(await cubeGlb({ color: [0, 0, 1, 1], name: 'blue' }));
  const big = await inspectMedia(await cubeGlb({ scale: 2 }));
  assert.ok(red.model && blue.model && big.model);
  assert.equal(red.model.geometryHash, blue.model.geometryHash);
  assert.notEqual(red.model.geometryHash, big.model.geometryHash);
  assert.deepEqual(big.model.bounds, { min: [-2, -2, -2], max: [2, 2, 2] });
});

test('a glTF JSON asset with an embedded (data: URI) buffer is recognized by parsing', async () => {
  const glb = await cubeGlb();
  const io = new NodeIO();
  const doc = await io.readBinary(glb);
  const { json, resources } = await io.writeJSON(doc, { format: 'GLTF' as never, basename: 'cube' });
  const gltfBuffer = json.buffers?.[0];
  assert.ok(gltfBuffer?.uri);
  const data = resources[gltfBuffer.uri];
  assert.ok(data);
  gltfBuffer.uri = `data:application/octet-stream;base64,${Buffer.from(data).toString('base64')}`;
  const result = await inspectMedia(encodeJson(json));
  assert.equal(result.ok, true, JSON.stringify(result.errors));
  assert.equal(result.mediaType, 'model/gltf+json');
  assert.equal(result.model?.triangles, 12);
  assert.equal(result.model?.geometryHash, (await inspectMedia(glb)).model?.geometryHash);
});

test('a truncated GLB is refused with the validator errors', async () => {
  const glb = await cubeGlb();
  for (const length of [glb.length - 7, 40, 13]) {
    const result = await inspectMedia(glb.slice(0, length));
    assertRefused(result);
    assert.equal(result.kind, 'model');
    assert.match(result.errors[0]!.code, /^GLB_/, JSON.stringify(result.errors));
    assert.equal(result.model, undefined);
  }
});

test('a GLB with a bad JSON chunk is refused with INVALID_JSON', async () => {
  const glb = await cubeGlb();
  const bad = new Uint8Array(glb);
  bad.set(new TextEncoder().encode('{{{!'), 20); // start of the JSON chunk's data
  const result = await inspectMedia(bad);
  assertRefused(result);
  assert.equal(result.errors[0]!.code, 'INVALID_JSON');
});

test('validator issues are bounded by maxIssues', async () => {
  const accessors = Array.from({ length: 60 }, () => ({ componentType: 9999, count: 0, type: 'WAT' }));
  const bytes = encodeJson({ asset: { version: '2.0' }, accessors });
  const result = await inspectMedia(bytes, { maxIssues: 3 });
  assertRefused(result, 3);
  assert.equal(result.errors.length, 3);
  const defaults = await inspectMedia(bytes);
  assert.equal(defaults.errors.length, INSPECT_DEFAULTS.maxIssues);
});

test('a validator report cut short before any error is refused as incomplete', async () => {
  // Many unused objects: infos that use up the validator's budget before anything else is checked.
  const nodes = Array.from({ length: 30 }, (_, i) => ({ name: `n${i}` }));
  const bytes = encodeJson({ asset: { version: '2.0' }, nodes });
  assert.equal((await inspectMedia(bytes)).ok, true);
  const result = await inspectMedia(bytes, { validatorMaxIssues: 5 });
  assertRefused(result);
  assert.equal(result.errors[0]!.code, 'VALIDATION_INCOMPLETE');
});

test('external URIs are refused and never fetched or read', async () => {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests++;
    res.end('x'.repeat(16));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const bytes = encodeJson({
      asset: { version: '2.0' },
      buffers: [
        { uri: `http://127.0.0.1:${port}/geometry.bin`, byteLength: 16 },
        { uri: 'package.json', byteLength: 16 },
      ],
      images: [{ uri: '/etc/passwd' }],
    });
    const result = await inspectMedia(bytes);
    assertRefused(result);
    assert.equal(result.kind, 'model');
    const external = result.errors.filter((e) => e.code === 'EXTERNAL_RESOURCE');
    assert.equal(external.length, 3, JSON.stringify(result.errors));
    assert.ok(result.errors.some((e) => e.code === 'IO_ERROR' && e.pointer === '/buffers/1/uri'));
    assert.equal(requests, 0);

    // The same inside a GLB: an image referenced by URI (the texture is unused, which is only an info).
    const { json, resources } = await new NodeIO().writeJSON(await new NodeIO().readBinary(await cubeGlb()), {
      format: 'GLB' as never,
    });
    json.images = [{ uri: 'texture.png' }];
    json.textures = [{ source: 0 }];
    const bin = Object.values(resources)[0]!;
    const jsonBytes = new TextEncoder().encode(
      JSON.stringify(json).padEnd(Math.ceil(JSON.stringify(json).length / 4) * 4),
    );
    const glb = new Uint8Array(12 + 8 + jsonBytes.length + 8 + bin.length);
    const view = new DataView(glb.buffer);
    view.setUint32(0, 0x46546c67, true);
    view.setUint32(4, 2, true);
    view.setUint32(8, glb.length, true);
    view.setUint32(12, jsonBytes.length, true);
    view.setUint32(16, 0x4e4f534a, true);
    glb.set(jsonBytes, 20);
    view.setUint32(20 + jsonBytes.length, bin.length, true);
    view.setUint32(24 + jsonBytes.length, 0x004e4942, true);
    glb.set(bin, 28 + jsonBytes.length);
    const fromGlb = await inspectMedia(glb);
    assertRefused(fromGlb);
    assert.ok(
      fromGlb.errors.some((e) => e.code === 'EXTERNAL_RESOURCE' && e.message.includes('texture.png')),
    );
  } finally {
    server.close();
  }
});

// ---------------------------------------------------------------------------------------------
// Images

test('PNG: dimensions and a perceptual hash; near duplicates are close, different images far', async () => {
  const base = await inspectMedia(pngBytes(64, 48, scene));
  assert.equal(base.ok, true, JSON.stringify(base.errors));
  assert.equal(base.mediaType, 'image/png');
  assert.equal(base.kind, 'image');
  assert.equal(base.image?.width, 64);
  assert.equal(base.image?.height, 48);
  const hash = base.image?.perceptualHash;
  assert.ok(hash);
  assert.match(hash, /^[0-9a-f]{16}$/);

  const again = await inspectMedia(pngBytes(64, 48, scene));
  assert.equal(again.image?.perceptualHash, hash);

  const scaled = await inspectMedia(pngBytes(160, 120, scene));
  const noisy = await inspectMedia(pngBytes(64, 48, scene, 3));
  const small = await inspectMedia(pngBytes(24, 18, scene));
  const other = await inspectMedia(pngBytes(64, 48, checkerboard));
  const distance = (r: MediaInspection) => hammingDistance(hash, r.image?.perceptualHash ?? '');
  assert.ok(distance(scaled) < PHASH_NEAR_DUPLICATE_DISTANCE, `scaled: ${distance(scaled)}`);
  assert.ok(distance(noisy) < PHASH_NEAR_DUPLICATE_DISTANCE, `noisy: ${distance(noisy)}`);
  assert.ok(distance(small) < PHASH_NEAR_DUPLICATE_DISTANCE, `small: ${distance(small)}`);
  assert.ok(distance(other) > 20, `different: ${distance(other)}`);
});

test('JPEG: decoded, and its hash is close to the PNG of the same picture', async () => {
  const result = await inspectMedia(jpegBytes(64, 48, scene));
  assert.equal(result.ok, true, JSON.stringify(result.errors));
  assert.equal(result.mediaType, 'image/jpeg');
  assert.equal(result.image?.width, 64);
  assert.equal(result.image?.height, 48);
  const png = await inspectMedia(pngBytes(64, 48, scene));
  const d = hammingDistance(result.image?.perceptualHash ?? '', png.image?.perceptualHash ?? '');
  assert.ok(d < PHASH_NEAR_DUPLICATE_DISTANCE, `jpeg vs png: ${d}`);
});

test('a decompression-bomb header is refused before decoding', async () => {
  const started = performance.now();
  const result = await inspectMedia(pngHeaderOnly(100_000, 100_000));
  assertRefused(result);
  assert.equal(result.mediaType, 'image/png');
  assert.equal(result.errors[0]!.code, 'IMAGE_TOO_LARGE');
  assert.ok(performance.now() - started < 1_000);

  const limited = await inspectMedia(pngBytes(64, 48, scene), { maxImagePixels: 1_000 });
  assert.equal(limited.errors[0]?.code, 'IMAGE_TOO_LARGE');
  const jpegLimited = await inspectMedia(jpegBytes(64, 48, scene), { maxImagePixels: 1_000 });
  assert.equal(jpegLimited.errors[0]?.code, 'IMAGE_TOO_LARGE');
});

test('files are typed by their bytes: text is other, empty input is refused', async () => {
  const text = await inspectMedia(new TextEncoder().encode('definitely not a picture.png\n'));
  assert.equal(text.ok, true);
  assert.equal(text.kind, 'other');
  assert.equal(text.mediaType, 'application/octet-stream');

  const json = await inspectMedia(encodeJson({ asset: { version: '1.0' }, hello: 'world' }));
  assert.equal(json.kind, 'other');
  assert.equal(json.mediaType, 'application/json');

  const empty = await inspectMedia(new Uint8Array(0));
  assertRefused(empty);
  assert.equal(empty.errors[0]!.code, 'EMPTY_INPUT');

  // A GIF: dimensions from the header, not decoded.
  const gif = new Uint8Array([...Buffer.from('GIF89a'), 10, 0, 20, 0, 0, 0, 0, 0x3b]);
  const gifResult = await inspectMedia(gif);
  assert.equal(gifResult.kind, 'image');
  assert.deepEqual(gifResult.image, { width: 10, height: 20 });
  assert.equal(gifResult.warnings[0]?.code, 'IMAGE_NOT_DECODED');
});

test('hostile inputs never throw out of inspectMedia', async () => {
  const random = prng(42);
  const noise = Uint8Array.from({ length: 4096 }, () => Math.floor(random() * 256));
  const glb = await cubeGlb();
  const png = pngBytes(64, 48, scene);
  const jpg = jpegBytes(64, 48, scene);
  const corruptedPng = new Uint8Array(png);
  corruptedPng.fill(0xaa, 40, 80);
  const corruptedJpeg = new Uint8Array(jpg);
  corruptedJpeg.fill(0x00, 200, 400);
  const glbHugeCount = encodeJson({
    asset: { version: '2.0' },
    buffers: [{ byteLength: 4 }],
    bufferViews: [{ buffer: 0, byteLength: 4 }],
    accessors: [{ bufferView: 0, componentType: 5126, count: 1e9, type: 'VEC3' }],
    meshes: [{ primitives: [{ attributes: { POSITION: 0 } }] }],
  });
  const glbHeader = (version: number, length: number) => {
    const b = new Uint8Array(12);
    const v = new DataView(b.buffer);
    v.setUint32(0, 0x46546c67, true);
    v.setUint32(4, version, true);
    v.setUint32(8, length, true);
    return b;
  };
  const cases: [string, Uint8Array][] = [
    ['random bytes', noise],
    ['single byte', new Uint8Array([0])],
    ['glTF magic only', new TextEncoder().encode('glTF')],
    ['GLB version 1', glbHeader(1, 12)],
    ['GLB header claiming 4 GB', glbHeader(2, 0xffffffff)],
    ['GLB header then noise', Buffer.concat([glbHeader(2, 12 + noise.length), noise])],
    ['GLB with a zeroed middle', new Uint8Array(glb).fill(0, 30, 200)],
    ['glTF JSON with absurd accessor count', glbHugeCount],
    [
      'glTF JSON of the wrong shape',
      encodeJson({ asset: { version: '2.0' }, meshes: 'lots', nodes: [{ children: [0] }] }),
    ],
    ['truncated JSON', new TextEncoder().encode('{"asset":{"version":"2.0"},"meshes":[')],
    ['deeply nested JSON', new TextEncoder().encode(`{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)],
    ['invalid UTF-8 JSON', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])],
    ['PNG signature only', png.slice(0, 8)],
    ['PNG header only', png.slice(0, 33)],
    ['PNG with zero width', pngHeaderOnly(0, 10)],
    ['PNG with corrupted data', corruptedPng],
    ['truncated PNG', png.slice(0, png.length / 2)],
    ['JPEG SOI only', new Uint8Array([0xff, 0xd8, 0xff])],
    ['truncated JPEG', jpg.slice(0, 300)],
    ['corrupted JPEG', corruptedJpeg],
    ['JPEG claiming 65535x65535', jpegClaiming(65535, 65535)],
    ['GIF header only', new TextEncoder().encode('GIF89a')],
  ];
  for (const [name, bytes] of cases) {
    let result: MediaInspection;
    try {
      result = await inspectMedia(bytes, { maxIssues: 5 });
    } catch (error) {
      assert.fail(`${name}: threw ${String(error)}`);
    }
    assert.equal(typeof result.ok, 'boolean', name);
    assert.equal(typeof result.mediaType, 'string', name);
    assert.ok(result.errors.length <= 5 && result.warnings.length <= 5, name);
    if (!result.ok) assert.ok(result.errors.length > 0 && typeof result.errors[0]?.code === 'string', name);
  }
  // The ones that must be refused.
  for (const name of [
    'glTF magic only',
    'GLB version 1',
    'GLB header claiming 4 GB',
    'GLB header then noise',
    'GLB with a zeroed middle',
    'glTF JSON with absurd accessor count',
    'glTF JSON of the wrong shape',
    'PNG header only',
    'PNG with zero width',
    'truncated PNG',
    'JPEG SOI only',
    'truncated JPEG',
    'JPEG claiming 65535x65535',
  ]) {
    const bytes = cases.find(([n]) => n === name)?.[1];
    assert.ok(bytes);
    assert.equal((await inspectMedia(bytes, { maxImagePixels: 1_000_000 })).ok, false, name);
  }
});

/** A JPEG prefix whose SOF0 frame header claims the given size, then nothing. */
function jpegClaiming(width: number, height: number): Uint8Array {
  return new Uint8Array([
    0xff,
    0xd8,
    0xff,
    0xe0,
    0x00,
    0x10,
    0x4a,
    0x46,
    0x49,
    0x46,
    0x00,
    0x01,
    0x01,
    0x00,
    0x00,
    0x01,
    0x00,
    0x01,
    0x00,
    0x00,
    0xff,
    0xc0,
    0x00,
    0x11,
    0x08,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    0x03,
    0x01,
    0x22,
    0x00,
    0x02,
    0x11,
    0x01,
    0x03,
    0x11,
    0x01,
  ]);
}

test('programmer errors throw', async () => {
  await assert.rejects(inspectMedia('bytes' as unknown as Uint8Array), TypeError);
  await assert.rejects(inspectMedia(new Uint8Array(1), { maxIssues: 0 }), RangeError);
  await assert.rejects(inspectMedia(new Uint8Array(1), { maxImagePixels: Number.NaN }), RangeError);
  assert.throws(() => hammingDistance('xyz', '0000000000000000'), TypeError);
  assert.equal(hammingDistance('0000000000000000', 'ffffffffffffffff'), 64);
  assert.equal(hammingDistance('0f00000000000001', '0000000000000000'), 5);
});
