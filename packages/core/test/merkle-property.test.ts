// Property tests of the RFC 9162 §2.1 Merkle tree against recursive transcriptions of the RFC definitions.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
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
  subtreeRoot,
  treeRoot,
  treeRootNodes,
  verifyConsistency,
  verifyInclusion,
} from '../src/merkle.js';

const MAX = 4100; // crosses 4096, so trees up to 13 levels with every shape of right edge
const SEED = Number(process.env.FC_SEED ?? 20240613);

const entry = (i: number): Uint8Array => new TextEncoder().encode(`entry ${i}`);
const LEAVES: Uint8Array[] = Array.from({ length: MAX }, (_, i) => leafHash(entry(i)));

/** PYRAMID[level][index]: hash of every perfect subtree of LEAVES, by pairing rows. */
const PYRAMID: Uint8Array[][] = [LEAVES];
for (let row = LEAVES; row.length > 1; ) {
  const next: Uint8Array[] = [];
  for (let i = 0; i + 1 < row.length; i += 2) next.push(nodeHash(row[i]!, row[i + 1]!));
  PYRAMID.push(next);
  row = next;
}

function largestPow2Below(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPow2(n: number): boolean {
  return n >= 1 && largestPow2Below(n + 1) === n;
}

const equalHashes = (a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean =>
  a.length === b.length && a.every((h, i) => Buffer.from(h).equals(b[i]!));

const hex = (hs: readonly Uint8Array[]): string[] => hs.map((h) => Buffer.from(h).toString('hex'));

/** RFC 9162 §2.1.1 MTH, recursively, straight from the definition. O(n). */
function refMTH(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return EMPTY_ROOT;
  if (hashes.length === 1) return hashes[0]!;
  const k = largestPow2Below(hashes.length);
  return nodeHash(refMTH(hashes.slice(0, k)), refMTH(hashes.slice(k)));
}

/** MTH(LEAVES[lo:hi]) by the same recursion, taking perfect subtrees from PYRAMID. O(log^2 n). */
function mth(lo: number, hi: number): Uint8Array {
  const n = hi - lo;
  if (n === 0) return EMPTY_ROOT;
  if (isPow2(n) && lo % n === 0) return PYRAMID[Math.log2(n)]![lo / n]!;
  const k = largestPow2Below(n);
  return nodeHash(mth(lo, lo + k), mth(lo + k, hi));
}

/** RFC 9162 §2.1.3.1 PATH(m, D[lo:hi]). */
function refPath(m: number, lo: number, hi: number): Uint8Array[] {
  if (hi - lo === 1) return [];
  const k = largestPow2Below(hi - lo);
  if (m < k) return [...refPath(m, lo, lo + k), mth(lo + k, hi)];
  return [...refPath(m - k, lo + k, hi), mth(lo, lo + k)];
}

/** RFC 9162 §2.1.4.1 SUBPROOF(m, D[lo:hi], b); PROOF(m, D[n]) = SUBPROOF(m, D[0:n], true). */
function refSubproof(m: number, lo: number, hi: number, b: boolean): Uint8Array[] {
  if (m === hi - lo) return b ? [] : [mth(lo, hi)];
  const k = largestPow2Below(hi - lo);
  if (m <= k) return [...refSubproof(m, lo, lo + k, b), mth(lo + k, hi)];
  return [...refSubproof(m - k, lo + k, hi, false), mth(lo, lo + k)];
}

/** Root implied by an inclusion proof, rebuilding PATH's recursion (outermost sibling last); null if the
 * proof has the wrong length. Works for any size up to 2^53. */
function refInclusionRoot(leaf: Uint8Array, m: number, n: number, proof: readonly Uint8Array[]) {
  const rest = [...proof];
  const go = (m: number, n: number): Uint8Array | undefined => {
    if (n === 1) return leaf;
    const k = largestPow2Below(n);
    const sibling = rest.pop();
    if (sibling === undefined) return undefined;
    const inner = m < k ? go(m, k) : go(m - k, n - k);
    if (inner === undefined) return undefined;
    return m < k ? nodeHash(inner, sibling) : nodeHash(sibling, inner);
  };
  const root = go(m, n);
  return root !== undefined && rest.length === 0 ? root : null;
}

function refVerifyInclusion(
  leaf: Uint8Array,
  m: number,
  n: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
) {
  if (m < 0 || m >= n) return false;
  const got = refInclusionRoot(leaf, m, n, proof);
  return got !== null && equalHashes([got], [root]);
}

/** Old and new roots implied by a consistency proof (0 < m < n), rebuilding SUBPROOF's recursion. */
function refConsistencyRoots(m: number, n: number, oldRoot: Uint8Array, proof: readonly Uint8Array[]) {
  const rest = [...proof];
  type Roots = { old: Uint8Array; new: Uint8Array } | undefined;
  const go = (m: number, n: number, b: boolean): Roots => {
    if (m === n) {
      if (b) return { old: oldRoot, new: oldRoot };
      const x = rest.pop();
      return x && { old: x, new: x };
    }
    const k = largestPow2Below(n);
    const x = rest.pop();
    if (x === undefined) return undefined;
    if (m <= k) {
      const r = go(m, k, b);
      return r && { old: r.old, new: nodeHash(r.new, x) };
    }
    const r = go(m - k, n - k, false);
    return r && { old: nodeHash(x, r.old), new: nodeHash(x, r.new) };
  };
  const roots = go(m, n, true);
  return roots !== undefined && rest.length === 0 ? roots : null;
}

function refVerifyConsistency(
  m: number,
  n: number,
  r1: Uint8Array,
  r2: Uint8Array,
  proof: readonly Uint8Array[],
) {
  if (m < 0 || m > n) return false;
  if (m === 0) return proof.length === 0 && equalHashes([r1], [EMPTY_ROOT]);
  if (m === n) return proof.length === 0 && equalHashes([r1], [r2]);
  const got = refConsistencyRoots(m, n, r1, proof);
  return got !== null && equalHashes([got.old, got.new], [r1, r2]);
}

/** In-memory reader over PYRAMID for a tree of `size`: refuses anything but perfect subtrees inside it. */
function readerFor(size: number): HashReader & { calls: number } {
  return {
    calls: 0,
    async readHashes(nodes: readonly NodeId[]) {
      this.calls++;
      return nodes.map(({ level, index }) => {
        const h = PYRAMID[level]?.[index];
        if (h === undefined || (index + 1) * 2 ** level > size) {
          throw new Error(`(${level}, ${index}) is not a perfect subtree of a tree of size ${size}`);
        }
        return h;
      });
    },
  };
}

/** Reader with arbitrary (but fixed) hashes per node, for trees too big to hash. */
const fakeHash = (level: number, index: number): Uint8Array =>
  leafHash(new TextEncoder().encode(`${level}/${index}`));
const fakeReader: HashReader = {
  async readHashes(nodes) {
    return nodes.map(({ level, index }) => fakeHash(level, index));
  },
};

function flip(h: Uint8Array, byte: number, mask: number): Uint8Array {
  const out = h.slice();
  out[byte % out.length]! ^= mask;
  return out;
}

/** Asserts the perfect subtrees `nodes` (plus `also`) tile [0, size) exactly. */
function assertTiles(nodes: readonly NodeId[], size: number, also: [number, number][] = []): void {
  const ranges = [
    ...nodes.map(({ level, index }): [number, number] => {
      assert.ok(Number.isSafeInteger(index) && index >= 0 && level >= 0 && level <= 53);
      return [index * 2 ** level, (index + 1) * 2 ** level];
    }),
    ...also,
  ].sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [lo, hi] of ranges) {
    assert.equal(lo, at, 'gap or overlap');
    at = hi;
  }
  assert.equal(at, size);
}

const mask = fc.integer({ min: 1, max: 255 });
const byte = fc.nat({ max: 31 });

describe('merkleRoot', () => {
  test('matches the recursive MTH definition for sizes 0..130', () => {
    for (let n = 0; n <= 130; n++) {
      const want = refMTH(LEAVES.slice(0, n));
      assert.deepEqual(merkleRoot(LEAVES.slice(0, n)), want);
      assert.deepEqual(subtreeRoot(LEAVES.slice(0, n)), want);
      assert.deepEqual(mth(0, n), want);
    }
  });

  test('matches the recursive MTH definition for sampled sizes up to MAX', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX }), (n) => {
        const want = refMTH(LEAVES.slice(0, n));
        assert.deepEqual(merkleRoot(LEAVES.slice(0, n)), want);
        assert.deepEqual(mth(0, n), want);
      }),
      { numRuns: 40, seed: SEED },
    );
  });

  test('empty tree, and results are copies', () => {
    assert.deepEqual(merkleRoot([]), EMPTY_ROOT);
    assert.deepEqual(rootFromNodes([]), EMPTY_ROOT);
    assert.notEqual(merkleRoot([]), EMPTY_ROOT);
    assert.notEqual(merkleRoot([LEAVES[0]!]), LEAVES[0]);
  });
});

describe('inclusion proofs', () => {
  test('every leaf of every tree up to 64 leaves: equals RFC PATH and verifies', async () => {
    for (let n = 1; n <= 64; n++) {
      const root = merkleRoot(LEAVES.slice(0, n));
      for (let i = 0; i < n; i++) {
        const reader = readerFor(n);
        const proof = await proveInclusion(i, n, reader);
        assert.equal(reader.calls, inclusionProofNodes(i, n).length > 0 ? 1 : 0);
        assert.deepEqual(hex(proof), hex(refPath(i, 0, n)), `leaf ${i} of ${n}`);
        assert.equal(verifyInclusion(LEAVES[i]!, i, n, proof, root), true);
        assertTiles(inclusionProofNodes(i, n), n, [[i, i + 1]]);
      }
    }
  });

  test('sampled trees up to MAX leaves: verifies, and any change makes it fail', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: MAX }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1, max: MAX }),
        byte,
        mask,
        async (size, rawIndex, rawOther, otherSize, b, m) => {
          const index = rawIndex % size;
          const leaf = LEAVES[index]!;
          const root = merkleRoot(LEAVES.slice(0, size));
          const reader = readerFor(size);
          const proof = await proveInclusion(index, size, reader);
          assert.ok(reader.calls <= 1);
          assert.deepEqual(hex(proof), hex(refPath(index, 0, size)));
          assert.equal(verifyInclusion(leaf, index, size, proof, root), true);

          // Any byte of any proof hash, the leaf or the root.
          proof.forEach((_, i) => {
            const bad = proof.map((h, j) => (j === i ? flip(h, b + i, m) : h));
            assert.equal(verifyInclusion(leaf, index, size, bad, root), false);
          });
          assert.equal(verifyInclusion(flip(leaf, b, m), index, size, proof, root), false);
          assert.equal(verifyInclusion(leaf, index, size, proof, flip(root, b, m)), false);
          // Proof shape.
          if (proof.length > 0) assert.equal(verifyInclusion(leaf, index, size, proof.slice(1), root), false);
          assert.equal(verifyInclusion(leaf, index, size, [...proof, root], root), false);
          assert.equal(verifyInclusion(leaf, index, size, [root, ...proof], root), false);
          assert.equal(verifyInclusion(leaf, index, size, [...proof, new Uint8Array(0)], root), false);
          assert.equal(verifyInclusion(leaf.subarray(1), index, size, proof, root.subarray(1)), false);
          // The index: any other leaf position has another path.
          for (const j of [
            index - 1,
            index + 1,
            index ^ 1,
            rawOther % size,
            size,
            -1,
            index + 0.5,
            Number.NaN,
          ]) {
            if (j !== index) assert.equal(verifyInclusion(leaf, j, size, proof, root), false, `index ${j}`);
          }
          // The size: RFC proofs bind the size only through the root (a signed checkpoint binds both), so a
          // proof also passes under another size whose PATH has the same shape. It must agree with the
          // recursive reference, and must fail against the other size's own root unless it is that proof.
          for (const s of [otherSize, size + 1, size - 1, size * 2, Math.floor(size / 2)]) {
            if (s === size) continue;
            const got = verifyInclusion(leaf, index, s, proof, root);
            assert.equal(got, refVerifyInclusion(leaf, index, s, proof, root), `size ${s}`);
            if (s >= 1 && s <= MAX && index < s) {
              const same = equalHashes(proof, refPath(index, 0, s));
              assert.equal(verifyInclusion(leaf, index, s, proof, mth(0, s)), same, `size ${s}, own root`);
            }
          }
        },
      ),
      { numRuns: 150, seed: SEED },
    );
  });

  test('trees up to 2^53 - 1: proof nodes tile the tree and the proof verifies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        async (size, f) => {
          const index = Math.min(size - 1, Math.floor(f * size));
          assertTiles(inclusionProofNodes(index, size), size, [[index, index + 1]]);
          const leaf = fakeHash(0, index);
          const proof = await proveInclusion(index, size, fakeReader);
          const root = refInclusionRoot(leaf, index, size, proof);
          assert.ok(root !== null, 'proof length');
          assert.equal(verifyInclusion(leaf, index, size, proof, root), true);
          if (index > 0) assert.equal(verifyInclusion(leaf, index - 1, size, proof, root), false);
        },
      ),
      { numRuns: 200, seed: SEED },
    );
  });

  test('bad arguments', async () => {
    assert.throws(() => inclusionProofNodes(0, 0), RangeError);
    assert.throws(() => inclusionProofNodes(5, 5), RangeError);
    assert.throws(() => inclusionProofNodes(-1, 5), RangeError);
    assert.throws(() => inclusionProofNodes(0.5, 5), RangeError);
    await assert.rejects(proveInclusion(3, 2, readerFor(2)), RangeError);
    const short: HashReader = { readHashes: async (nodes) => nodes.slice(1).map(() => LEAVES[0]!) };
    await assert.rejects(proveInclusion(0, 4, short));
    const failing: HashReader = {
      readHashes: async () => {
        throw new Error('storage down');
      },
    };
    await assert.rejects(proveInclusion(0, 4, failing), /storage down/);
    assert.equal(verifyInclusion(LEAVES[0]!, 0, 1, [], LEAVES[0]!), true);
    assert.equal(verifyInclusion(LEAVES[0]!, 0, 0, [], EMPTY_ROOT), false);
  });
});

describe('consistency proofs', () => {
  test('every pair of sizes up to 64: equals RFC PROOF and verifies', async () => {
    for (let n = 1; n <= 64; n++) {
      const newRoot = merkleRoot(LEAVES.slice(0, n));
      for (let m = 1; m <= n; m++) {
        const reader = readerFor(n);
        const proof = await proveConsistency(m, n, reader);
        assert.equal(reader.calls, m < n ? 1 : 0);
        assert.deepEqual(hex(proof), hex(refSubproof(m, 0, n, true)), `${m} to ${n}`);
        assert.equal(verifyConsistency(m, n, merkleRoot(LEAVES.slice(0, m)), newRoot, proof), true);
        if (m < n) assertTiles(consistencyProofNodes(m, n), n, isPow2(m) ? [[0, m]] : []);
      }
    }
  });

  test('sampled sizes up to MAX: verifies, and any change makes it fail', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: MAX }),
        fc.nat(),
        fc.integer({ min: 1, max: MAX }),
        fc.integer({ min: 1, max: MAX }),
        byte,
        mask,
        async (newSize, rawOld, other1, other2, b, m) => {
          const oldSize = 1 + (rawOld % newSize);
          const r1 = merkleRoot(LEAVES.slice(0, oldSize));
          const r2 = merkleRoot(LEAVES.slice(0, newSize));
          const reader = readerFor(newSize);
          const proof = await proveConsistency(oldSize, newSize, reader);
          assert.ok(reader.calls <= 1);
          assert.deepEqual(hex(proof), hex(refSubproof(oldSize, 0, newSize, true)));
          assert.equal(verifyConsistency(oldSize, newSize, r1, r2, proof), true);

          proof.forEach((_, i) => {
            const bad = proof.map((h, j) => (j === i ? flip(h, b + i, m) : h));
            assert.equal(verifyConsistency(oldSize, newSize, r1, r2, bad), false);
          });
          assert.equal(verifyConsistency(oldSize, newSize, flip(r1, b, m), r2, proof), false);
          assert.equal(verifyConsistency(oldSize, newSize, r1, flip(r2, b, m), proof), false);
          if (proof.length > 0) {
            assert.equal(verifyConsistency(oldSize, newSize, r1, r2, proof.slice(0, -1)), false);
            assert.equal(verifyConsistency(oldSize, newSize, r1, r2, proof.slice(1)), false);
            assert.equal(verifyConsistency(oldSize, newSize, r2, r1, proof), false);
          }
          assert.equal(verifyConsistency(oldSize, newSize, r1, r2, [...proof, r2]), false);
          assert.equal(verifyConsistency(oldSize, newSize, r1, r2, [r1, ...proof]), false);
          assert.equal(verifyConsistency(oldSize, newSize, r1, r2, [...proof, new Uint8Array(0)]), false);
          // Sizes: as for inclusion, agree with the recursive reference; fail against the other sizes' own
          // roots unless the proof is also theirs.
          const pairs: [number, number][] = [
            [other1, newSize],
            [oldSize, other2],
            [Math.min(other1, other2), Math.max(other1, other2)],
            [oldSize - 1, newSize],
            [oldSize + 1, newSize],
            [oldSize, newSize + 1],
            [oldSize, newSize - 1],
            [newSize, oldSize],
          ];
          for (const [s1, s2] of pairs) {
            if (s1 === oldSize && s2 === newSize) continue;
            const got = verifyConsistency(s1, s2, r1, r2, proof);
            assert.equal(got, refVerifyConsistency(s1, s2, r1, r2, proof), `sizes ${s1}, ${s2}`);
            if (s1 >= 1 && s1 <= s2 && s2 <= MAX) {
              const same = equalHashes(proof, refSubproof(s1, 0, s2, true));
              const own = verifyConsistency(s1, s2, mth(0, s1), mth(0, s2), proof);
              assert.equal(own, same, `sizes ${s1}, ${s2}, own roots`);
            }
          }
        },
      ),
      { numRuns: 150, seed: SEED },
    );
  });

  test('trees up to 2^53 - 1: proof nodes tile the tree and the proof verifies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: Number.MAX_SAFE_INTEGER }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        async (newSize, f) => {
          const oldSize = Math.min(newSize - 1, 1 + Math.floor(f * newSize));
          assertTiles(
            consistencyProofNodes(oldSize, newSize),
            newSize,
            isPow2(oldSize) ? [[0, oldSize]] : [],
          );
          const proof = await proveConsistency(oldSize, newSize, fakeReader);
          // A power-of-two old tree is one perfect subtree; otherwise its root comes out of the proof.
          const oldRoot = fakeHash(Math.log2(largestPow2Below(oldSize + 1)), 0);
          const roots = refConsistencyRoots(oldSize, newSize, oldRoot, proof);
          assert.ok(roots !== null, 'proof length');
          assert.equal(verifyConsistency(oldSize, newSize, roots.old, roots.new, proof), true);
          assert.equal(verifyConsistency(oldSize, newSize, roots.new, roots.old, proof), false);
        },
      ),
      { numRuns: 200, seed: SEED },
    );
  });

  test('bad arguments', async () => {
    assert.throws(() => consistencyProofNodes(0, 5), RangeError);
    assert.throws(() => consistencyProofNodes(6, 5), RangeError);
    assert.throws(() => consistencyProofNodes(1, Number.MAX_SAFE_INTEGER + 2), RangeError);
    await assert.rejects(proveConsistency(0, 1, readerFor(1)), RangeError);
    assert.deepEqual(await proveConsistency(7, 7, readerFor(7)), []);
    const r = mth(0, 7);
    assert.equal(verifyConsistency(7, 7, r, r, []), true);
    assert.equal(verifyConsistency(7, 7, r, r.subarray(1), []), false);
    assert.equal(verifyConsistency(-1, 7, r, r, []), false);
    assert.equal(verifyConsistency(0, 7, EMPTY_ROOT, r, []), true);
    assert.equal(verifyConsistency(0, 7, r, r, []), false);
  });
});

describe('treeRoot and treeRootNodes', () => {
  test('trees up to 2^53 - 1: root nodes tile the tree, largest first', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (size) => {
        const nodes = treeRootNodes(size);
        assertTiles(nodes, size);
        for (let i = 1; i < nodes.length; i++) assert.ok(nodes[i]!.level < nodes[i - 1]!.level);
      }),
      { numRuns: 300, seed: SEED },
    );
  });
});

describe('MerkleFrontier', () => {
  test('root equals merkleRoot at every size, and append returns the completed subtrees', async () => {
    const frontier = new MerkleFrontier();
    assert.equal(frontier.size, 0);
    assert.deepEqual(frontier.root(), EMPTY_ROOT);
    for (let size = 1; size <= MAX; size++) {
      const done = frontier.append(LEAVES[size - 1]!);
      // Completed: the leaf, then each perfect subtree now ending at `size`, level by level.
      const want: NodeId[] = [];
      for (let level = 0; size % 2 ** level === 0; level++)
        want.push({ level, index: size / 2 ** level - 1 });
      assert.deepEqual(
        done.map((d) => d.node),
        want,
      );
      for (const { node, hash } of done) assert.deepEqual(hash, PYRAMID[node.level]![node.index]);
      assert.equal(frontier.size, size);
      const root = frontier.root();
      assert.deepEqual(root, mth(0, size));
      assert.deepEqual(root, await treeRoot(size, readerFor(size)));
      assert.deepEqual(
        frontier.nodes(),
        treeRootNodes(size).map(({ level, index }) => PYRAMID[level]![index]),
      );
      // The direct O(n) check at every size up to 512 and every 61st size beyond.
      if (size <= 512 || size % 61 === 0) assert.deepEqual(root, merkleRoot(LEAVES.slice(0, size)));
    }
  });

  test('restored from size and nodes, it continues identically', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX - 40 }), (size) => {
        const restored = new MerkleFrontier(
          size,
          treeRootNodes(size).map(({ level, index }) => PYRAMID[level]![index]!),
        );
        assert.deepEqual(restored.root(), mth(0, size));
        for (let s = size + 1; s <= size + 40; s++) {
          restored.append(LEAVES[s - 1]!);
          assert.deepEqual(restored.root(), mth(0, s));
        }
      }),
      { numRuns: 60, seed: SEED },
    );
  });

  test('rejects inconsistent state and bad leaves; does not share its buffers', () => {
    assert.throws(() => new MerkleFrontier(3, [LEAVES[0]!]), RangeError);
    assert.throws(() => new MerkleFrontier(1, [new Uint8Array(31)]), RangeError);
    assert.throws(() => new MerkleFrontier(-1), RangeError);
    const f = new MerkleFrontier();
    assert.throws(() => f.append(new Uint8Array(0)), RangeError);
    const leaf = LEAVES[0]!.slice();
    const [first] = f.append(leaf);
    leaf[0]! ^= 1;
    first!.hash[0]! ^= 1;
    f.nodes()[0]![0]! ^= 1;
    f.root()[0]! ^= 1;
    assert.deepEqual(f.root(), LEAVES[0]);
  });
});
