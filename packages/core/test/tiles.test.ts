import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { CinnabarError } from '../src/errors.js';
import { leafHash, merkleRoot, type NodeId, nodeHash } from '../src/merkle.js';
import { generateSignerKey, signerFromKey } from '../src/note.js';
import {
  decodeEntryBundle,
  decodeHashTile,
  edgeTiles,
  encodeEntryBundle,
  encodeHashTile,
  entryBundlePath,
  entryBundleWidth,
  formatTileIndex,
  MAX_ENTRY_SIZE,
  parseTileIndex,
  parseTilePath,
  TILE_HEIGHT,
  TILE_WIDTH,
  TileHashReader,
  type TileId,
  tileCount,
  tileHash,
  tilePath,
  tilesForSize,
  tileWidthAt,
} from '../src/tiles.js';
import { rejectsCode } from './support/cinnabar-error.js';
import { entry, hashTilePath, MemoryLog } from './support/memory-log.js';

function throwsCode(fn: () => unknown, code: string, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof CinnabarError, `expected a CinnabarError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (message) assert.match(error.message, message);
    return true;
  });
}

describe('tile index encoding (tlog-tiles <N>)', () => {
  const examples: [number, string][] = [
    [0, '000'],
    [5, '005'],
    [67, '067'],
    [999, '999'],
    [1000, 'x001/000'],
    [1234, 'x001/234'],
    [1234067, 'x001/x234/067'], // the spec's example
    [1000000, 'x001/x000/000'],
    [Number.MAX_SAFE_INTEGER, 'x009/x007/x199/x254/x740/991'],
  ];
  for (const [n, s] of examples) {
    test(`${n} <-> ${s}`, () => {
      assert.equal(formatTileIndex(n), s);
      assert.equal(parseTileIndex(s), n);
    });
  }

  const hostile = [
    '',
    '1',
    '01',
    '0000',
    '1234',
    'x001',
    'x001/',
    '/001',
    'x000/001', // not canonical: leading zero group
    'x000/x001/000',
    'x01/001',
    'X001/001',
    'y001/001',
    'x001/01',
    'x001/0001',
    '001/001',
    'x001/x234',
    'x001//234',
    '-01',
    '+01',
    '1e3',
    ' 01',
    '01 ',
    '0x1',
    '１２３', // fullwidth digits
    'x009/x007/x199/x254/x740/992', // MAX_SAFE_INTEGER + 1
    'x999/x999/x999/x999/x999/999',
    'x001/x001/x001/x001/x001/x001/001', // 7 groups
    `${'x999/'.repeat(30)}999`,
  ];
  for (const s of hostile) {
    test(`parseTileIndex rejects ${JSON.stringify(s)}`, () =>
      throwsCode(() => parseTileIndex(s), 'malformed_tile_path'));
  }

  test('formatTileIndex refuses what is not a safe non-negative integer', () => {
    for (const n of [-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1, Number.POSITIVE_INFINITY])
      assert.throws(() => formatTileIndex(n), RangeError);
  });

  test('property: parse(format(n)) = n, and the encoding is canonical', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        const s = formatTileIndex(n);
        assert.equal(parseTileIndex(s), n);
        assert.match(s, /^(x\d{3}\/)*\d{3}$/);
        assert.ok(!s.startsWith('x000'));
      }),
      { numRuns: 500 },
    );
  });
});

describe('tile paths', () => {
  test('hash tiles and entry bundles, full and partial', () => {
    assert.equal(tilePath({ level: 0, index: 1234067, width: 256 }), 'tile/0/x001/x234/067');
    assert.equal(tilePath({ level: 1, index: 0, width: 1 }), 'tile/1/000.p/1');
    assert.equal(tilePath({ level: 63, index: 5, width: 255 }), 'tile/63/005.p/255');
    assert.equal(entryBundlePath(1234067, 256), 'tile/entries/x001/x234/067');
    assert.equal(entryBundlePath(1, 44), 'tile/entries/001.p/44');
  });

  test('tilePath refuses bad levels and widths', () => {
    for (const tile of [
      { level: -1, index: 0, width: 1 },
      { level: 64, index: 0, width: 1 },
      { level: 0, index: 0, width: 0 },
      { level: 0, index: 0, width: 257 },
      { level: 0, index: -1, width: 256 },
    ])
      assert.throws(() => tilePath(tile), RangeError);
    assert.throws(() => entryBundlePath(0, 0), RangeError);
  });

  const valid: [string, ReturnType<typeof parseTilePath>][] = [
    ['tile/0/000', { kind: 'hash', tile: { level: 0, index: 0, width: 256 } }],
    ['tile/0/x001/x234/067', { kind: 'hash', tile: { level: 0, index: 1234067, width: 256 } }],
    ['tile/1/000.p/1', { kind: 'hash', tile: { level: 1, index: 0, width: 1 } }],
    ['tile/63/999.p/255', { kind: 'hash', tile: { level: 63, index: 999, width: 255 } }],
    ['tile/10/x001/000', { kind: 'hash', tile: { level: 10, index: 1000, width: 256 } }],
    ['tile/entries/000', { kind: 'entries', index: 0, width: 256 }],
    ['tile/entries/001.p/44', { kind: 'entries', index: 1, width: 44 }],
    ['tile/entries/x001/x234/067.p/3', { kind: 'entries', index: 1234067, width: 3 }],
  ];
  for (const [path, parsed] of valid) {
    test(`parses ${path}`, () => assert.deepEqual(parseTilePath(path), parsed));
  }

  // Hostile paths: every one is malformed_tile_path with a reason, never another error.
  const hostile = [
    '',
    'tile',
    'tile/',
    'tile/0',
    'tile/0/',
    '/tile/0/000',
    'tiles/0/000',
    'TILE/0/000',
    'tile//000',
    'tile/0/x001',
    'tile/0/1',
    'tile/0/0000',
    'tile/0/x000/001',
    'tile/0/000/',
    'tile/abc/000',
    'tile/-1/000',
    'tile/+1/000',
    'tile/00/000',
    'tile/01/000',
    'tile/64/000',
    'tile/99/000',
    'tile/100/000',
    'tile/1e1/000',
    'tile/0/000.p/0',
    'tile/0/000.p/00',
    'tile/0/000.p/01',
    'tile/0/000.p/256',
    'tile/0/000.p/257',
    'tile/0/000.p/300',
    'tile/0/000.p/',
    'tile/0/000.p',
    'tile/0/000.p/1/',
    'tile/0/000.p/1/2',
    'tile/0/000.x/5',
    'tile/0/000.P/5',
    'tile/0/000..p/5',
    'tile/0/000.p/5.p/5',
    'tile/0/000.p/-1',
    'tile/0/000.p/ 5',
    'tile/0/.p/5',
    'tile/entries/',
    'tile/entries',
    'tile/entries/000.p/300',
    'tile/entries/000.p/256',
    'tile/entries/0/000',
    'tile/entries/x000/000',
    'tile/0/../../etc/passwd',
    'tile/0/..%2f..%2fetc',
    'tile/0/%30%30%30',
    'tile/0/\u0000',
    'tile/0/000\u0000',
    'tile/0/000?x=1',
    'tile/0/000#f',
    'tile/0/000\n',
    `tile/0/${'x999/'.repeat(30)}999`,
    'tile/0/x999/x999/x999/x999/x999/x999/999',
    'tile/0/x009/x007/x199/x254/x740/992',
    `tile/0/${'0'.repeat(10000)}`,
  ];
  for (const path of hostile) {
    test(`rejects ${JSON.stringify(path.slice(0, 60))}`, () =>
      throwsCode(() => parseTilePath(path), 'malformed_tile_path'));
  }

  test('property: parseTilePath(tilePath(t)) = t for every tile, and entry bundles likewise', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 63 }),
        fc.maxSafeNat(),
        fc.integer({ min: 1, max: 256 }),
        (level, index, width) => {
          assert.deepEqual(parseTilePath(tilePath({ level, index, width })), {
            kind: 'hash',
            tile: { level, index, width },
          });
          assert.deepEqual(parseTilePath(entryBundlePath(index, width)), { kind: 'entries', index, width });
        },
      ),
      { numRuns: 500 },
    );
  });

  test('property: arbitrary strings never throw anything but malformed_tile_path', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `tile/${s}`),
          fc.stringMatching(/^tile\/(entries|[0-9]{1,3})\/(x[0-9]{1,4}\/){0,7}[0-9]{1,4}(\.p\/[0-9]{0,4})?$/),
        ),
        (path) => {
          try {
            const parsed = parseTilePath(path);
            // Anything accepted is the canonical form.
            const again =
              parsed.kind === 'hash' ? tilePath(parsed.tile) : entryBundlePath(parsed.index, parsed.width);
            assert.equal(again, path);
          } catch (error) {
            assert.ok(error instanceof CinnabarError && error.code === 'malformed_tile_path', String(error));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('which tiles a tree has', () => {
  function widths(size: number): Map<number, number[]> {
    const out = new Map<number, number[]>();
    for (const t of tilesForSize(size)) {
      const list = out.get(t.level) ?? [];
      list.push(t.width);
      out.set(t.level, list);
    }
    return out;
  }

  test("the spec's example: size 70,000", () => {
    const w = widths(70000);
    assert.deepEqual([...w.keys()], [0, 1, 2]);
    const level0 = w.get(0)!;
    assert.equal(level0.length, 274);
    assert.equal(level0.filter((x) => x === 256).length, 273);
    assert.equal(level0.at(-1), 112);
    assert.deepEqual(w.get(1), [256, 17]);
    assert.deepEqual(w.get(2), [1]);
    assert.deepEqual(edgeTiles(70000), [
      { level: 0, index: 273, width: 112 },
      { level: 1, index: 1, width: 17 },
      { level: 2, index: 0, width: 1 },
    ]);
  });

  test('a tree of size 256 has a full level-0 tile and a level-1 tile of width 1 (spec)', () => {
    assert.deepEqual(
      [...tilesForSize(256)],
      [
        { level: 0, index: 0, width: 256 },
        { level: 1, index: 0, width: 1 },
      ],
    );
    assert.deepEqual(edgeTiles(256), [{ level: 1, index: 0, width: 1 }]);
  });

  test('small and edge sizes', () => {
    assert.deepEqual([...tilesForSize(0)], []);
    assert.deepEqual([...tilesForSize(1)], [{ level: 0, index: 0, width: 1 }]);
    assert.deepEqual([...tilesForSize(255)], [{ level: 0, index: 0, width: 255 }]);
    assert.deepEqual(
      [...tilesForSize(257)],
      [
        { level: 0, index: 0, width: 256 },
        { level: 0, index: 1, width: 1 },
        { level: 1, index: 0, width: 1 },
      ],
    );
    assert.deepEqual(
      widths(65536),
      new Map([
        [0, Array(256).fill(256)],
        [1, [256]],
        [2, [1]],
      ]),
    );
    assert.equal(tileWidthAt(0, 0, 0), 0);
    assert.equal(tileWidthAt(0, 1, 256), 0);
    assert.equal(tileWidthAt(0, 1, 300), 44);
    assert.equal(tileWidthAt(1, 0, 300), 1);
    assert.equal(tileWidthAt(2, 0, 300), 0);
    assert.equal(tileWidthAt(6, 0, Number.MAX_SAFE_INTEGER), 31); // floor((2^53-1) / 2^48) = 31
    assert.equal(tileWidthAt(7, 0, Number.MAX_SAFE_INTEGER), 0);
    assert.equal(tileWidthAt(63, 0, Number.MAX_SAFE_INTEGER), 0);
    assert.equal(entryBundleWidth(1, 300), 44);
    assert.equal(entryBundleWidth(0, 300), 256);
    assert.equal(entryBundleWidth(2, 300), 0);
    assert.equal(tileCount(0, Number.MAX_SAFE_INTEGER), 2 ** 45);
  });

  test('property: widths at each level add up to floor(size / 256^level), partial only at the right edge', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (size) => {
        for (let level = 0; level < 8; level++) {
          const n = Math.floor(size / 256 ** level);
          const count = tileCount(level, size);
          assert.equal(count, Math.ceil(n / 256));
          if (count > 0) {
            assert.equal(tileWidthAt(level, count - 1, size), n - (count - 1) * 256);
            if (count > 1) assert.equal(tileWidthAt(level, count - 2, size), 256);
          }
          assert.equal(tileWidthAt(level, count, size), 0);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('entry bundles', () => {
  test('round trip, including empty and maximal entries', () => {
    const entries = [
      new Uint8Array(0),
      Uint8Array.of(1, 2, 3),
      new Uint8Array(MAX_ENTRY_SIZE).fill(7),
      new Uint8Array(300),
    ];
    const bytes = encodeEntryBundle(entries);
    assert.equal(bytes.length, 2 * 4 + 3 + MAX_ENTRY_SIZE + 300);
    assert.deepEqual(bytes.subarray(0, 7), Uint8Array.of(0, 0, 0, 3, 1, 2, 3));
    assert.deepEqual(bytes.subarray(7, 9), Uint8Array.of(0xff, 0xff));
    assert.deepEqual(decodeEntryBundle(bytes, 4), entries);
    assert.deepEqual(decodeEntryBundle(encodeEntryBundle([])), []);
  });

  test('an entry of 65,536 bytes is refused with entry_too_large naming its size, never truncated', () => {
    throwsCode(
      () => encodeEntryBundle([Uint8Array.of(1), new Uint8Array(65536)]),
      'entry_too_large',
      /65536 bytes/,
    );
    throwsCode(() => encodeEntryBundle([new Uint8Array(1 << 20)]), 'entry_too_large', /1048576/);
  });

  test('more than 256 entries is not a bundle', () => {
    assert.throws(() => encodeEntryBundle(Array.from({ length: 257 }, () => new Uint8Array(0))), RangeError);
    const bytes = new Uint8Array(2 * 257); // 257 empty entries
    throwsCode(() => decodeEntryBundle(bytes), 'malformed_tile');
    assert.equal(decodeEntryBundle(bytes.subarray(0, 512), 256).length, 256);
  });

  const malformed: [string, Uint8Array, number | undefined][] = [
    ['a truncated length', Uint8Array.of(0), undefined],
    ['a truncated length after an entry', Uint8Array.of(0, 1, 9, 0), undefined],
    ['a truncated entry', Uint8Array.of(0, 5, 1, 2), undefined],
    ['a length of 65,535 with nothing after it', Uint8Array.of(0xff, 0xff), undefined],
    ['trailing bytes (a byte after the last entry)', Uint8Array.of(0, 1, 9, 7), 1],
    ['fewer entries than expected', Uint8Array.of(0, 1, 9), 2],
    ['more entries than expected', Uint8Array.of(0, 1, 9, 0, 0), 1],
    ['no entries when one is expected', new Uint8Array(0), 1],
  ];
  for (const [name, bytes, count] of malformed) {
    test(`decode refuses ${name}`, () => throwsCode(() => decodeEntryBundle(bytes, count), 'malformed_tile'));
  }

  test('property: decode(encode(entries)) = entries', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 256 }), (entries) => {
        assert.deepEqual(decodeEntryBundle(encodeEntryBundle(entries), entries.length), entries);
      }),
      { numRuns: 100 },
    );
  });
});

describe('hash tiles', () => {
  const hashes = Array.from({ length: 256 }, (_, i) => leafHash(entry(i)));

  test('round trip and strict length', () => {
    const tile = encodeHashTile(hashes.slice(0, 3));
    assert.equal(tile.length, 96);
    assert.deepEqual(decodeHashTile(tile, 3), hashes.slice(0, 3));
    throwsCode(() => decodeHashTile(tile, 2), 'malformed_tile', /96 bytes, expected 64/);
    throwsCode(() => decodeHashTile(tile.subarray(0, 95), 3), 'malformed_tile');
    throwsCode(() => decodeHashTile(new Uint8Array(0), 1), 'malformed_tile');
    assert.throws(() => decodeHashTile(new Uint8Array(0), 0), RangeError);
    assert.throws(() => decodeHashTile(new Uint8Array(257 * 32), 257), RangeError);
  });

  test("a full tile's hash is the Merkle Tree Hash of its 256 hashes", () => {
    assert.deepEqual(tileHash(encodeHashTile(hashes)), merkleRoot(hashes));
    assert.throws(() => tileHash(encodeHashTile(hashes.slice(0, 255))), RangeError);
  });
});

describe('TileHashReader', () => {
  const keys = generateSignerKey('tiles.test/log');
  const signer = signerFromKey(keys.skey);

  const built = new Map<number, MemoryLog>();
  const roots = new Map<number, Uint8Array>();
  /** A log of `size` entries (built once per size) whose files each test may tamper with. */
  function setup(size: number) {
    let base = built.get(size);
    if (!base) {
      base = new MemoryLog('tiles.test/log', signer);
      for (let i = 0; i < size; i++) base.append(entry(i));
      base.publish();
      built.set(size, base);
      roots.set(size, merkleRoot(base.leafHashes));
    }
    const log = new MemoryLog('tiles.test/log', signer);
    log.entries.push(...base.entries);
    log.leafHashes.push(...base.leafHashes);
    for (const [path, bytes] of base.files) log.files.set(path, bytes);
    const fetched: string[] = [];
    const fetchTile = async (t: TileId) => {
      const path = hashTilePath(t.level, t.index, t.width);
      fetched.push(path);
      const bytes = log.files.get(path);
      if (!bytes) throw new Error(`no tile ${path}`);
      return bytes;
    };
    const reader = new TileHashReader(size, roots.get(size)!, fetchTile);
    return { log, reader, fetched };
  }

  /** Expected hash of a node, straight from the leaves. */
  function expected(log: MemoryLog, node: NodeId): Uint8Array {
    const span = 2 ** node.level;
    return merkleRoot(log.leafHashes.slice(node.index * span, (node.index + 1) * span));
  }

  test('reads every node of a 70,000-leaf tree at tile boundaries, across levels', async () => {
    const { log, reader } = setup(70000);
    const nodes: NodeId[] = [];
    for (let level = 0; level <= 16; level++) {
      const count = Math.floor(70000 / 2 ** level);
      for (const index of new Set([0, 1, 127, 128, 255, 256, 257, count - 2, count - 1]))
        if (index >= 0 && index < count) nodes.push({ level, index });
    }
    const hashes = await reader.readHashes(nodes);
    for (const [i, node] of nodes.entries())
      assert.deepEqual(hashes[i], expected(log, node), `node ${node.level}/${node.index}`);
  });

  test('fetches each tile once per call, caches verified tiles, and checks the edge against the root', async () => {
    const { reader, fetched } = setup(70000);
    await reader.readHashes([
      { level: 0, index: 5 },
      { level: 0, index: 6 },
      { level: 3, index: 1 },
    ]);
    // Tile 0/0, its parent 1/0 (full), then the edge 0/273.p/112, 1/1.p/17, 2/0.p/1.
    assert.deepEqual([...fetched].sort(), [
      'tile/0/000',
      'tile/0/273.p/112',
      'tile/1/000',
      'tile/1/001.p/17',
      'tile/2/000.p/1',
    ]);
    fetched.length = 0;
    await reader.readHashes([{ level: 7, index: 0 }]);
    assert.deepEqual(fetched, []);
    await reader.readHashes([{ level: 0, index: 300 }]);
    assert.deepEqual(fetched, ['tile/0/001']);
  });

  test('a node outside the tree is a RangeError', async () => {
    const { reader } = setup(300);
    await assert.rejects(reader.readHashes([{ level: 0, index: 300 }]), RangeError);
    await assert.rejects(reader.readHashes([{ level: 2, index: 75 }]), RangeError); // leaves 300..303
    await assert.rejects(reader.readHashes([{ level: 9, index: 0 }]), RangeError);
    assert.equal((await reader.readHashes([{ level: 8, index: 0 }])).length, 1);
  });

  test('a flipped byte in a full tile, an edge tile or a parent tile is inconsistent_log', async () => {
    for (const [path, node] of [
      ['tile/0/000', { level: 0, index: 0 }],
      ['tile/0/273.p/112', { level: 0, index: 273 * 256 }],
      ['tile/1/000', { level: 0, index: 0 }],
      ['tile/1/001.p/17', { level: 0, index: 0 }],
      ['tile/2/000.p/1', { level: 0, index: 0 }],
    ] as const) {
      for (const offset of [5, 37, 8191]) {
        const { log, reader } = setup(70000);
        if (offset >= log.files.get(path)!.length) continue;
        log.flip(path, offset);
        await rejectsCode(reader.readHashes([node]), 'inconsistent_log', /tile/);
      }
    }
  });

  test('a tile of the wrong length is malformed_tile', async () => {
    const { log, reader } = setup(300);
    log.files.set('tile/0/000', log.files.get('tile/0/000')!.subarray(0, 8160));
    await rejectsCode(reader.readHashes([{ level: 0, index: 0 }]), 'malformed_tile');
  });

  test('a wrong root is inconsistent_log; the empty tree has no tiles', async () => {
    const { log } = setup(5);
    const wrong = new TileHashReader(
      5,
      nodeHash(log.leafHashes[0]!, log.leafHashes[1]!),
      async (t) => log.files.get(hashTilePath(t.level, t.index, t.width))!,
    );
    await rejectsCode(wrong.readHashes([{ level: 0, index: 0 }]), 'inconsistent_log');
    const empty = new TileHashReader(0, merkleRoot([]), () => Promise.reject(new Error('no tiles')));
    assert.deepEqual(await empty.readHashes([]), []);
    await assert.rejects(empty.readHashes([{ level: 0, index: 0 }]), RangeError);
  });

  test('property: any node of any tree reads as the Merkle Tree Hash of its leaves', async () => {
    const leaves = Array.from({ length: 2100 }, (_, i) => leafHash(entry(i)));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2100 }), fc.nat(), fc.nat(), async (size, a, b) => {
        const log = new MemoryLog('tiles.test/log', signer);
        log.entries.push(...Array.from({ length: size }, (_, i) => entry(i)));
        log.leafHashes.push(...leaves.slice(0, size));
        log.publish();
        const reader = new TileHashReader(
          size,
          merkleRoot(log.leafHashes),
          async (t) => log.files.get(hashTilePath(t.level, t.index, t.width))!,
        );
        const level = a % (Math.floor(Math.log2(size)) + 1);
        const index = b % Math.floor(size / 2 ** level);
        const [hash] = await reader.readHashes([{ level, index }]);
        assert.deepEqual(hash, expected(log, { level, index }));
        assert.ok(TILE_HEIGHT === 8 && TILE_WIDTH === 256);
      }),
      { numRuns: 60 },
    );
  });
});
