// RFC 6962 reference vectors (via transparency-dev/merkle; see vectors/rfc6962.json "source").
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  consistencyProofNodes,
  EMPTY_ROOT,
  type HashReader,
  inclusionProofNodes,
  leafHash,
  MerkleFrontier,
  merkleRoot,
  type NodeId,
  nodeHash,
  proveConsistency,
  proveInclusion,
  rootFromNodes,
  treeRoot,
  treeRootNodes,
  verifyConsistency,
  verifyInclusion,
} from '../src/merkle.js';

interface Vectors {
  leaves: string[];
  nodeHashes: string[][];
  roots: string[];
  compactTrees: [number, number][][];
  inclusionProofs: { leafIndex: number; treeSize: number; proof: string[] }[];
  consistencyProofs: { oldSize: number; newSize: number; proof: string[] }[];
  inclusionNodes: { index: number; size: number; nodes: [number, number][] }[];
  consistencyNodes: { oldSize: number; newSize: number; nodes: [number, number][] }[];
}

const v = JSON.parse(readFileSync(new URL('./vectors/rfc6962.json', import.meta.url), 'utf8')) as Vectors;

const fromHex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const hexes = (bs: readonly Uint8Array[]): string[] => bs.map(toHex);

const leaves = v.leaves.map(fromHex);
const leafHashes = leaves.map(leafHash);

/** Serves the published NodeHashes table, counting calls. */
function publishedReader(): HashReader & { calls: number } {
  return {
    calls: 0,
    async readHashes(nodes: readonly NodeId[]) {
      this.calls++;
      return nodes.map(({ level, index }) => {
        const h = v.nodeHashes[level]?.[index];
        if (h === undefined) throw new Error(`no published hash for (${level}, ${index})`);
        return fromHex(h);
      });
    },
  };
}

const sortedIds = (ids: readonly NodeId[]): string[] => ids.map((n) => `${n.level}:${n.index}`).sort();
const sortedPairs = (pairs: readonly [number, number][]): string[] =>
  pairs.map(([l, i]) => `${l}:${i}`).sort();

describe('RFC 6962 vectors: hashes and roots', () => {
  test('leaf hashes and interior nodes match NodeHashes', () => {
    assert.deepEqual(hexes(leafHashes), v.nodeHashes[0]);
    for (let level = 1; level < v.nodeHashes.length; level++) {
      const below = v.nodeHashes[level - 1]!;
      v.nodeHashes[level]!.forEach((h, i) => {
        assert.equal(toHex(nodeHash(fromHex(below[2 * i]!), fromHex(below[2 * i + 1]!))), h);
      });
    }
  });

  test('EMPTY_ROOT is SHA-256 of the empty string', () => {
    assert.equal(toHex(EMPTY_ROOT), v.roots[0]);
  });

  for (let size = 0; size <= 8; size++) {
    test(`root of tree size ${size}`, async () => {
      const want = v.roots[size]!;
      assert.equal(toHex(merkleRoot(leafHashes.slice(0, size))), want);
      const reader = publishedReader();
      assert.equal(toHex(await treeRoot(size, reader)), want);
      assert.ok(reader.calls <= 1);
      const coords = treeRootNodes(size).map(({ level, index }): [number, number] => [level, index]);
      assert.deepEqual(coords, v.compactTrees[size]);
      const frontier = new MerkleFrontier();
      for (const h of leafHashes.slice(0, size)) frontier.append(h);
      assert.deepEqual(
        hexes(frontier.nodes()),
        coords.map(([l, i]) => v.nodeHashes[l]![i]!),
      );
      assert.equal(toHex(frontier.root()), want);
      assert.equal(toHex(rootFromNodes(frontier.nodes())), want);
    });
  }
});

describe('RFC 6962 vectors: inclusion proofs', () => {
  for (const { leafIndex, treeSize, proof } of v.inclusionProofs) {
    test(`leaf ${leafIndex} in tree size ${treeSize}`, async () => {
      const reader = publishedReader();
      const got = await proveInclusion(leafIndex, treeSize, reader);
      assert.deepEqual(hexes(got), proof);
      assert.ok(reader.calls <= 1);
      const root = fromHex(v.roots[treeSize]!);
      const leaf = leafHashes[leafIndex]!;
      const p = proof.map(fromHex);
      assert.equal(verifyInclusion(leaf, leafIndex, treeSize, p, root), true);
      // Corruptions in the style of transparency-dev's corruptInclusionProof.
      const bad: [number, number, Uint8Array[], Uint8Array, Uint8Array][] = [
        [leafIndex - 1, treeSize, p, root, leaf],
        [leafIndex + 1, treeSize, p, root, leaf],
        [leafIndex ^ 2, treeSize, p, root, leaf],
        [leafIndex, treeSize * 2, p, root, leaf],
        [leafIndex, Math.floor(treeSize / 2), p, root, leaf],
        [leafIndex, treeSize, p, root, leafHash(new TextEncoder().encode('WrongLeaf'))],
        [leafIndex, treeSize, p, EMPTY_ROOT, leaf],
        [leafIndex, treeSize, [...p, new Uint8Array(0)], root, leaf],
        [leafIndex, treeSize, [...p, root], root, leaf],
        [leafIndex, treeSize, [new Uint8Array(0), ...p], root, leaf],
        [leafIndex, treeSize, [root, ...p], root, leaf],
      ];
      if (p.length > 0) bad.push([leafIndex, treeSize, p.slice(0, -1), root, leaf]);
      for (let i = 0; i < p.length; i++) {
        const q = p.map((h) => h.slice());
        q[i]![0]! ^= 8;
        bad.push([leafIndex, treeSize, q, root, leaf]);
      }
      for (const [i, n, q, r, l] of bad) {
        assert.equal(verifyInclusion(l, i, n, q, r), false, `index ${i} size ${n}`);
      }
    });
  }

  for (const { index, size, nodes } of v.inclusionNodes) {
    test(`inclusion proof nodes for leaf ${index} in tree size ${size}`, () => {
      assert.deepEqual(sortedIds(inclusionProofNodes(index, size)), sortedPairs(nodes));
    });
  }
});

describe('RFC 6962 vectors: consistency proofs', () => {
  for (const { oldSize, newSize, proof } of v.consistencyProofs) {
    test(`tree size ${oldSize} to ${newSize}`, async () => {
      const reader = publishedReader();
      const got = await proveConsistency(oldSize, newSize, reader);
      assert.deepEqual(hexes(got), proof);
      assert.ok(reader.calls <= 1);
      const r1 = fromHex(v.roots[oldSize]!);
      const r2 = fromHex(v.roots[newSize]!);
      const p = proof.map(fromHex);
      assert.equal(verifyConsistency(oldSize, newSize, r1, r2, p), true);
      if (p.length === 0) return;
      // Corruptions in the style of transparency-dev's corruptConsistencyProof.
      const bad: [number, number, Uint8Array, Uint8Array, Uint8Array[]][] = [
        [oldSize - 1, newSize, r1, r2, p],
        [oldSize + 1, newSize, r1, r2, p],
        [oldSize ^ 2, newSize, r1, r2, p],
        [oldSize, newSize * 2, r1, r2, p],
        [oldSize, Math.floor(newSize / 2), r1, r2, p],
        [oldSize, newSize, EMPTY_ROOT, r2, p],
        [oldSize, newSize, r1, EMPTY_ROOT, p],
        [oldSize, newSize, r2, r1, p],
        [oldSize, newSize, r1, r2, []],
        [oldSize, newSize, r1, r2, [...p, new Uint8Array(0)]],
        [oldSize, newSize, r1, r2, [...p, r1]],
        [oldSize, newSize, r1, r2, [...p, r2]],
        [oldSize, newSize, r1, r2, [new Uint8Array(0), ...p]],
        [oldSize, newSize, r1, r2, [r1, ...p]],
        [oldSize, newSize, r1, r2, [r2, ...p]],
        [oldSize, newSize, r1, r2, [p[0]!, ...p]],
        [oldSize, newSize, r1, r2, p.slice(0, -1)],
      ];
      for (let i = 0; i < p.length; i++) {
        const q = p.map((h) => h.slice());
        q[i]![0]! ^= 16;
        bad.push([oldSize, newSize, r1, r2, q]);
      }
      for (const [m, n, a, b, q] of bad) {
        assert.equal(verifyConsistency(m, n, a, b, q), false, `sizes ${m}, ${n}`);
      }
    });
  }

  for (const { oldSize, newSize, nodes } of v.consistencyNodes) {
    test(`consistency proof nodes from tree size ${oldSize} to ${newSize}`, () => {
      assert.deepEqual(sortedIds(consistencyProofNodes(oldSize, newSize)), sortedPairs(nodes));
    });
  }

  test('trivial cases of RFC 9162 §2.1.4.2', () => {
    const r1 = fromHex(v.roots[1]!);
    const r2 = fromHex(v.roots[2]!);
    assert.equal(verifyConsistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, []), true);
    assert.equal(verifyConsistency(0, 2, EMPTY_ROOT, r2, []), true);
    assert.equal(verifyConsistency(0, 2, EMPTY_ROOT, r2, [EMPTY_ROOT]), false);
    assert.equal(verifyConsistency(1, 1, r1, r1, []), true);
    assert.equal(verifyConsistency(1, 1, r1, r2, []), false);
    assert.equal(verifyConsistency(1, 1, r1, r1, [EMPTY_ROOT]), false);
    assert.equal(verifyConsistency(2, 1, r2, r1, []), false);
    assert.equal(verifyConsistency(1, 2, r1, r2, []), false);
  });
});
