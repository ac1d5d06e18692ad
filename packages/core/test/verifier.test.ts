import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { merkleRoot, proveInclusion, verifyInclusion } from '../src/merkle.js';
import { generateSignerKey, signerFromKey } from '../src/note.js';
import { TileHashReader, tileCount, tileLevels, tilesForSize } from '../src/tiles.js';
import { LogVerifier } from '../src/verifier.js';
import { rejectsCode } from './support/cinnabar-error.js';
import { entry, hashTilePath, MemoryLog } from './support/memory-log.js';

const ORIGIN = 'verifier.test/log';
const BASE = 'https://log.example/prefix/';
const keys = generateSignerKey(ORIGIN);
const signer = signerFromKey(keys.skey);

function newLog(size: number, make: (i: number) => Uint8Array = (i) => entry(i)): MemoryLog {
  const log = new MemoryLog(ORIGIN, signer);
  for (let i = 0; i < size; i++) log.append(make(i));
  return log;
}

function verifierFor(
  log: MemoryLog,
  options: { concurrency?: number; fetch?: typeof fetch } = {},
): LogVerifier {
  return new LogVerifier({
    baseUrl: BASE,
    vkey: keys.vkey,
    fetch: options.fetch ?? log.fetch(BASE),
    ...options,
  });
}

/** Hash tiles of a tree: the sum over levels of ceil(floor(size / 256^l) / 256). */
function totalTiles(size: number): number {
  let total = 0;
  for (let level = 0; level < tileLevels(size); level++) total += tileCount(level, size);
  return total;
}

describe('LogVerifier on honest logs', () => {
  for (const size of [1, 2, 255, 256, 257, 511, 300]) {
    test(`size ${size}: checkpoint, inclusion of every entry, audit`, async () => {
      const log = newLog(size);
      log.publish();
      const verifier = verifierFor(log);
      const current = await verifier.fetchCheckpoint();
      assert.equal(current.checkpoint.size, size);
      assert.equal(current.checkpoint.origin, ORIGIN);
      assert.deepEqual(current.checkpoint.rootHash, merkleRoot(log.leafHashes));
      for (let i = 0; i < size; i++) {
        const result = await verifier.verifyInclusion(i, current);
        assert.deepEqual(result.entry, log.entries[i]);
        assert.deepEqual(result.leafHash, log.leafHashes[i]);
      }
      const audit = await verifier.audit(current);
      assert.deepEqual(
        { size: audit.size, entries: audit.entries, tiles: audit.tiles },
        { size, entries: size, tiles: totalTiles(size) },
      );
      assert.deepEqual(audit.rootHash, current.checkpoint.rootHash);
    });
  }

  test('size 65,539 (three tile levels): inclusion of every entry, audit, bounded concurrency', async () => {
    const size = 65536 + 3;
    const log = newLog(size, (i) => entry(i, 4));
    log.publish();
    let inFlight = 0;
    let maxInFlight = 0;
    const serve = log.fetch(BASE);
    const counting = (async (input: string | URL | Request) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await new Promise((resolve) => setImmediate(resolve));
        return await serve(input);
      } finally {
        inFlight--;
      }
    }) as typeof fetch;
    const verifier = verifierFor(log, { fetch: counting, concurrency: 4 });
    const current = await verifier.fetchCheckpoint();
    const { size: n, rootHash } = current.checkpoint;
    // Every index: the proof from the served tiles (authenticated against the root) verifies.
    const reader = new TileHashReader(
      n,
      rootHash,
      async (t) => log.files.get(hashTilePath(t.level, t.index, t.width))!,
    );
    for (let i = 0; i < size; i++) {
      const proof = await proveInclusion(i, n, reader);
      if (!verifyInclusion(log.leafHashes[i]!, i, n, proof, rootHash)) assert.fail(`entry ${i}`);
    }
    // Through LogVerifier (which also fetches the entry bundle, ~0.3 ms each): every entry of the
    // first, second, last full and partial bundles, and a stride through the rest.
    log.requests.length = 0;
    const indexes = new Set<number>();
    for (const bundle of [0, 1, 255, 256])
      for (let i = 0; i < 256 && bundle * 256 + i < size; i++) indexes.add(bundle * 256 + i);
    for (let i = 0; i < size; i += 61) indexes.add(i);
    for (const i of indexes) {
      const { entry: got } = await verifier.verifyInclusion(i, current);
      if (got.length !== 4 || new DataView(got.buffer, got.byteOffset).getUint32(0) !== i)
        assert.fail(`entry ${i}`);
    }
    // Tiles are verified once and cached: one bundle fetch per entry, few tile fetches.
    const tileFetches = log.requests.filter((p) => !p.startsWith('tile/entries/')).length;
    assert.ok(tileFetches <= 2 * totalTiles(size), `${tileFetches} tile fetches`);
    const progress: number[] = [];
    const audit = await verifier.audit(current, (p) => progress.push(p.entries));
    // 256 full + one 3-wide tile at level 0, one full at level 1, one 1-wide at level 2.
    assert.deepEqual([audit.entries, audit.tiles], [size, 259]);
    assert.equal(totalTiles(size), 259);
    assert.equal(progress.at(-1), size);
    assert.ok(progress.every((n, i) => i === 0 || n >= progress[i - 1]!));
    assert.ok(maxInFlight <= 4, `max in flight ${maxInFlight}`);
    assert.ok(maxInFlight >= 2, 'the audit fetches in parallel');
  });

  test('the empty log: size 0 audits, has no entry 0, and is consistent with later trees', async () => {
    const log = newLog(0);
    const empty = log.publish();
    const verifier = verifierFor(log);
    const current = await verifier.fetchCheckpoint();
    assert.equal(current.checkpoint.size, 0);
    assert.deepEqual(await verifier.audit(current).then((a) => [a.entries, a.tiles]), [0, 0]);
    await rejectsCode(verifier.verifyInclusion(0, current), 'inclusion_failed', /beyond/);
    log.append(entry(0));
    log.publish();
    const result = await verifier.verifyConsistency(empty);
    assert.deepEqual([result.previousSize, result.size, result.proof.length], [0, 1, 0]);
  });

  test('consistency between every pair of published sizes', async () => {
    const sizes = [1, 2, 3, 7, 8, 255, 256, 257, 300, 511, 512, 513, 1000, 65536, 65537];
    const log = newLog(0);
    const notes: string[] = [];
    for (const size of sizes) {
      while (log.size < size) log.append(entry(log.size, 2));
      notes.push(log.publish());
    }
    const verifier = verifierFor(log);
    for (let a = 0; a < notes.length; a++)
      for (let b = a; b < notes.length; b++) {
        const result = await verifier.verifyConsistency(notes[a]!, notes[b]!);
        assert.equal(result.previousSize, sizes[a]);
        assert.equal(result.size, sizes[b]);
        assert.equal(result.proof.length === 0, a === b);
      }
    // Against the served checkpoint, by default.
    const latest = await verifier.verifyConsistency(notes[0]!);
    assert.equal(latest.size, 65537);
  });

  test('inclusion against an older checkpoint whose partial tiles the log has since deleted', async () => {
    const log = newLog(300);
    const old = log.publish();
    while (log.size < 600) log.append(entry(log.size));
    log.publish();
    // tlog-tiles lets a log delete a partial tile once the full tile exists.
    for (const path of ['tile/entries/001.p/44', 'tile/0/001.p/44']) assert.ok(log.files.delete(path));
    const verifier = verifierFor(log);
    const { entry: got } = await verifier.verifyInclusion(299, old);
    assert.deepEqual(got, log.entries[299]);
    assert.deepEqual((await verifier.audit(old)).entries, 300);
  });

  test('a base URL without a trailing slash works; checkpoints may be passed as text or objects', async () => {
    const log = newLog(10);
    const note = log.publish();
    const verifier = new LogVerifier({ baseUrl: BASE.slice(0, -1), vkey: keys.vkey, fetch: log.fetch(BASE) });
    assert.equal(verifier.baseUrl, BASE);
    assert.deepEqual((await verifier.verifyInclusion(3, note)).entry, log.entries[3]);
    assert.deepEqual((await verifier.verifyInclusion(4, log.checkpoint())).entry, log.entries[4]);
    assert.deepEqual((await verifier.verifyInclusion(5)).entry, log.entries[5]);
  });
});

describe('LogVerifier on dishonest or broken logs', () => {
  test('a flipped byte in a hash tile: inclusion and audit fail with inconsistent_log naming the tile', async () => {
    for (const [path, index] of [
      ['tile/0/000', 5], // full level-0 tile, proven by its parent
      ['tile/0/001.p/44', 260], // right-edge tile, proven by the root
      ['tile/1/000.p/1', 5], // level-1 edge tile holding the hash of tile 0/000
    ] as const) {
      const log = newLog(300);
      log.publish();
      log.flip(path, 3);
      const verifier = verifierFor(log);
      await rejectsCode(verifier.verifyInclusion(index), 'inconsistent_log', /tile/);
      const error = await rejectsCode(verifier.audit(), 'inconsistent_log');
      assert.ok(error.message.includes(path) || error.message.includes('root'), error.message);
    }
  });

  test('a flipped byte in an upper full tile is caught by inclusion and by the audit', async () => {
    const log = newLog(65536 + 3, (i) => entry(i, 4));
    log.publish();
    log.flip('tile/1/000', 32 * 7 + 1);
    const verifier = verifierFor(log);
    await rejectsCode(verifier.verifyInclusion(7 * 256 + 3), 'inconsistent_log', /tile\/1\/000/);
    await rejectsCode(verifier.audit(), 'inconsistent_log', /hash 7 of tile .*tile\/1\/000 /);
  });

  test('a flipped byte in an entry bundle: inclusion_failed, and the audit names the entry', async () => {
    const log = newLog(300);
    log.publish();
    log.flip('tile/entries/001.p/44', 2 + 8 + 2 + 1); // the second entry of bundle 1: entry 257
    const verifier = verifierFor(log);
    await rejectsCode(verifier.verifyInclusion(257), 'inclusion_failed', /entry 257/);
    assert.deepEqual((await verifier.verifyInclusion(256)).entry, log.entries[256]);
    await rejectsCode(verifier.audit(), 'inconsistent_log', /entry 257 /);
  });

  test('an entry bundle with a wrong length prefix or trailing bytes is malformed_tile', async () => {
    const log = newLog(300);
    log.publish();
    const bytes = log.files.get('tile/entries/000')!;
    log.files.set('tile/entries/000', new Uint8Array([...bytes, 0]));
    const verifier = verifierFor(log);
    await rejectsCode(verifier.verifyInclusion(3), 'malformed_tile', /tile\/entries\/000/);
    log.files.set('tile/entries/000', bytes.subarray(0, bytes.length - 1));
    await rejectsCode(verifier.audit(), 'malformed_tile');
  });

  test('a checkpoint signed by another key of the same name is unverified_note; an edited one invalid_signature', async () => {
    const log = newLog(10);
    log.publish(signerFromKey(generateSignerKey(ORIGIN).skey));
    await rejectsCode(verifierFor(log).fetchCheckpoint(), 'unverified_note');
    const note = newLog(10).publish();
    log.files.set('checkpoint', new TextEncoder().encode(note.replace(`${ORIGIN}\n10\n`, `${ORIGIN}\n11\n`)));
    await rejectsCode(verifierFor(log).fetchCheckpoint(), 'invalid_signature');
    await rejectsCode(
      verifierFor(log).verifyConsistency(note.replace('\n10\n', '\n11\n')),
      'invalid_signature',
    );
  });

  test('a log that rewrote history between two checkpoints is inconsistent_log', async () => {
    const honest = newLog(300);
    const seen = honest.publish();
    // Same key, entry 5 replaced, then grown: every tile is self-consistent, but not with `seen`.
    const forked = newLog(400, (i) => (i === 5 ? entry(99999) : entry(i)));
    forked.publish();
    const verifier = verifierFor(forked);
    await rejectsCode(verifier.verifyConsistency(seen), 'inconsistent_log', /rewritten/);
    // The forked log audits fine on its own: only consistency catches it.
    assert.equal((await verifier.audit()).entries, 400);
    // A fork at the same size.
    const sameSize = newLog(300, (i) => (i === 299 ? entry(-1) : entry(i)));
    sameSize.publish();
    await rejectsCode(verifierFor(sameSize).verifyConsistency(seen), 'inconsistent_log', /forked/);
  });

  test('a shrunk size is inconsistent_log', async () => {
    const log = newLog(200);
    const small = log.publish();
    while (log.size < 300) log.append(entry(log.size));
    const big = log.publish();
    log.files.set('checkpoint', new TextEncoder().encode(small));
    await rejectsCode(verifierFor(log).verifyConsistency(big), 'inconsistent_log', /shrank.*300.*200/);
  });

  test('a checkpoint from the right key but for another origin is refused', async () => {
    const log = newLog(3);
    log.publish();
    const verifier = new LogVerifier({
      baseUrl: BASE,
      vkey: keys.vkey,
      origin: 'other/log',
      fetch: log.fetch(BASE),
    });
    await rejectsCode(verifier.fetchCheckpoint(), 'origin_mismatch');
  });

  test('HTTP errors, network errors and missing tiles are fetch_failed with the URL and status', async () => {
    const log = newLog(300);
    log.publish();
    const failing = (status: number) =>
      (async (input: string | URL | Request) => {
        if (String(input).includes('tile/0/000')) return new Response('boom', { status, statusText: 'Oops' });
        return log.fetch(BASE)(input);
      }) as typeof fetch;
    await rejectsCode(
      verifierFor(log, { fetch: failing(500) }).verifyInclusion(3),
      'fetch_failed',
      /https:\/\/log\.example\/prefix\/tile\/0\/000: HTTP 500 Oops/,
    );
    await rejectsCode(
      verifierFor(log, { fetch: failing(404) }).audit(),
      'fetch_failed',
      /tile\/0\/000: HTTP 404/,
    );
    const down = (async () => {
      throw new TypeError('connection refused');
    }) as typeof fetch;
    await rejectsCode(
      verifierFor(log, { fetch: down }).fetchCheckpoint(),
      'fetch_failed',
      /GET https:\/\/log\.example\/prefix\/checkpoint failed: connection refused/,
    );
    log.files.delete('checkpoint');
    await rejectsCode(verifierFor(log).fetchCheckpoint(), 'fetch_failed', /checkpoint: HTTP 404/);
  });

  test('responses are bounded: an endless or oversized body is refused without reading it all', async () => {
    const log = newLog(300);
    log.publish();
    let pulled = 0;
    const endless = (path: string) =>
      (async (input: string | URL | Request) => {
        if (String(input) !== BASE + path) return log.fetch(BASE)(input);
        const stream = new ReadableStream<Uint8Array>({
          pull(controller) {
            pulled += 65536;
            controller.enqueue(new Uint8Array(65536));
          },
        });
        return new Response(stream, { status: 200 });
      }) as typeof fetch;
    await rejectsCode(
      verifierFor(log, { fetch: endless('checkpoint') }).fetchCheckpoint(),
      'malformed_checkpoint',
    );
    assert.ok(pulled <= (1 << 20) + 3 * 65536, `read ${pulled} bytes`);
    pulled = 0;
    await rejectsCode(
      verifierFor(log, { fetch: endless('tile/0/000') }).verifyInclusion(0),
      'malformed_tile',
    );
    assert.ok(pulled <= 3 * 65536, `read ${pulled} bytes`);
    pulled = 0;
    await rejectsCode(
      verifierFor(log, { fetch: endless('tile/entries/001.p/44') }).audit(),
      'malformed_tile',
    );
    assert.ok(pulled <= 44 * 65537 + 3 * 65536, `read ${pulled} bytes`);
    // A tile one hash too long.
    log.files.set('tile/0/001.p/44', new Uint8Array(45 * 32));
    await rejectsCode(verifierFor(log).verifyInclusion(260), 'malformed_tile');
  });

  test('a checkpoint that is not UTF-8 is malformed_checkpoint', async () => {
    const log = newLog(1);
    log.publish();
    log.files.set('checkpoint', Uint8Array.of(0xff, 0xfe, 0x0a));
    await rejectsCode(verifierFor(log).fetchCheckpoint(), 'malformed_checkpoint');
  });

  test('an entry index beyond the tree is inclusion_failed; a bad index a RangeError', async () => {
    const log = newLog(5);
    log.publish();
    const verifier = verifierFor(log);
    await rejectsCode(verifier.verifyInclusion(5), 'inclusion_failed', /beyond the checkpoint's tree size 5/);
    await assert.rejects(verifier.verifyInclusion(-1), RangeError);
    await assert.rejects(verifier.verifyInclusion(1.5), RangeError);
  });
});

describe('LogVerifier properties', () => {
  test('random sizes: inclusion of a random entry, consistency from a random earlier size, audit', async () => {
    // One growing log, checkpoints published at the sizes drawn.
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3000 }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        async (size, x, y) => {
          const log = newLog(0);
          const oldSize = Math.max(1, Math.floor(y * size));
          while (log.size < oldSize) log.append(entry(log.size, 1 + (log.size % 5)));
          const previous = log.publish();
          while (log.size < size) log.append(entry(log.size, 1 + (log.size % 5)));
          log.publish();
          const verifier = verifierFor(log, { concurrency: 3 });
          const current = await verifier.fetchCheckpoint();
          const index = Math.floor(x * size);
          assert.deepEqual((await verifier.verifyInclusion(index, current)).entry, log.entries[index]);
          const consistency = await verifier.verifyConsistency(previous, current);
          assert.equal(consistency.previousSize, oldSize);
          const audit = await verifier.audit(current);
          assert.equal(audit.tiles, totalTiles(size));
          // And any single flipped byte in a tile the inclusion proof or the audit reads is caught.
          const paths = [...log.files.keys()].filter(
            (p) => p.startsWith('tile/') && !p.startsWith('tile/entries/'),
          );
          const path = paths[Math.floor(x * paths.length)]!;
          const served = new Set([...tilesForSize(size)].map((t) => hashTilePath(t.level, t.index, t.width)));
          if (served.has(path)) {
            log.flip(path, Math.floor(y * (log.files.get(path)!.length - 1)));
            await rejectsCode(verifierFor(log).audit(current), 'inconsistent_log');
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
