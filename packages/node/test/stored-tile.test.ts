import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  generateSignerKey,
  leafHash,
  merkleRoot,
  proveConsistency,
  proveInclusion,
  signerFromKey,
  verifierFromKey,
  verifyConsistency,
  verifyInclusion,
} from '@cinnabar/core';
import {
  EdgeTile,
  expandTile,
  openStorage,
  Sequencer,
  StoredTileHashReader,
  storedTileRoot,
  verifyStoredTile,
} from '../src/index.js';
import { createBackend } from './support/backends.js';

const hashes = (n: number) =>
  Array.from({ length: n }, (_, i) => leafHash(new Uint8Array([i & 255, i >> 8])));

describe('stored tiles', () => {
  test('the incremental edge tile stores exactly what expanding its bottom row gives, at every width', () => {
    const row = hashes(256);
    const edge = EdgeTile.empty();
    for (let width = 1; width <= 256; width++) {
      const root = edge.push(row[width - 1]!);
      if (width < 256) {
        assert.equal(root, undefined);
        assert.deepEqual(edge.serialize(), expandTile(row.slice(0, width)));
        assert.deepEqual(EdgeTile.fromStored(edge.serialize(), width).serialize(), edge.serialize());
      } else {
        assert.deepEqual(root, merkleRoot(row));
        assert.deepEqual(storedTileRoot(expandTile(row)), root);
      }
    }
  });

  test('verifyStoredTile finds a flipped byte in any hash that feeds a row above, and a wrong length', () => {
    const stored = expandTile(hashes(37));
    assert.equal(verifyStoredTile(stored, 37), true);
    assert.equal(verifyStoredTile(stored, 36), false);
    // Hash 36 of the bottom row is unpaired: it feeds no row above, so the root checks it, not this.
    for (const offset of [0, 32 * 36 - 1, 32 * 37, stored.length - 1]) {
      const damaged = stored.slice();
      damaged[offset]! ^= 0x80;
      assert.equal(verifyStoredTile(damaged, 37), false, `offset ${offset}`);
    }
  });

  test('a caching reader keeps proving correctly while the log grows past what it cached', async () => {
    const fixture = await createBackend('sqlite');
    const storage = openStorage({ dataDir: fixture.dataDir, databaseUrl: undefined });
    await storage.init();
    const keys = generateSignerKey('tiles.test/log');
    const sequencer = await Sequencer.start(
      storage,
      signerFromKey(keys.skey),
      verifierFromKey(keys.vkey),
      'tiles.test/log',
    );
    let loads = 0;
    for (const cacheTiles of [1024, 1, 0]) {
      const reader = new StoredTileHashReader(
        (k) => {
          loads++;
          return storage.readTiles(k);
        },
        { cacheTiles },
      );
      let previous = sequencer.checkpoint;
      for (let round = 0; round < 3; round++) {
        await Promise.all(
          Array.from({ length: 300 }, (_, i) => sequencer.append(new Uint8Array([round, i & 255, i >> 8]))),
        );
        const { size, rootHash } = sequencer.checkpoint;
        for (const index of [0, 255, 256, size - 1]) {
          const [entry] = await storage.readEntries(index, 1);
          const proof = await proveInclusion(index, size, reader);
          assert.ok(
            verifyInclusion(leafHash(entry!), index, size, proof, rootHash),
            `inclusion ${index}/${size}`,
          );
        }
        if (previous.size > 0) {
          const proof = await proveConsistency(previous.size, size, reader);
          assert.ok(verifyConsistency(previous.size, size, previous.rootHash, rootHash, proof));
        }
        previous = sequencer.checkpoint;
      }
    }
    assert.ok(loads > 0);
    await sequencer.close();
    await storage.close();
    await fixture.cleanup();
  });
});
