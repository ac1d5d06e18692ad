// Merkle tree of RFC 9162 §2.1 (same hashing as RFC 6962 §2.1). Pure and browser-safe.
//
// Sizes and indexes are JS numbers (safe integers up to 2^53), so all "bit" arithmetic here is done
// with division and multiplication: 32-bit bitwise operators would truncate above 2^31.
import { HASH_SIZE, sha256 } from './hash.js';

/** Perfect subtree of height `level` covering leaves [index*2^level, (index+1)*2^level). */
export interface NodeId {
  level: number;
  index: number;
}

/** Source of perfect-subtree hashes (storage, tiles, memory). Returns hashes in the order asked; may throw. */
export interface HashReader {
  readHashes(nodes: readonly NodeId[]): Promise<Uint8Array[]>;
}

// One reusable buffer for the prefixed hash inputs: allocating a fresh one per hash costs more than
// hashing a short input. sha256 is synchronous and keeps no reference, so reuse is safe.
let scratch = new Uint8Array(1024);

function prefixed(prefix: number, length: number): Uint8Array {
  if (scratch.length < length) scratch = new Uint8Array(Math.max(length, scratch.length * 2));
  scratch[0] = prefix;
  return scratch.subarray(0, length);
}

/** Leaf hash, RFC 9162 §2.1.1: SHA-256(0x00 || entry). */
export function leafHash(entry: Uint8Array): Uint8Array {
  const buf = prefixed(0, 1 + entry.length);
  buf.set(entry, 1);
  return sha256(buf);
}

/** Interior node hash, RFC 9162 §2.1.1: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = prefixed(1, 1 + left.length + right.length);
  buf.set(left, 1);
  buf.set(right, 1 + left.length);
  return sha256(buf);
}

/** MTH({}) = SHA-256(""), RFC 9162 §2.1.1. Treat as read-only; functions here return copies. */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

/** 2^i for i in 0..53. */
const POW2: readonly number[] = Array.from({ length: 54 }, (_, i) => 2 ** i);

function pow2(level: number): number {
  return POW2[level]!;
}

function half(x: number): number {
  return Math.floor(x / 2);
}

function isOdd(x: number): boolean {
  return x % 2 === 1;
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function isHash(h: unknown): h is Uint8Array {
  return h instanceof Uint8Array && h.length === HASH_SIZE;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function checkCount(name: string, x: number): void {
  if (!isCount(x)) throw new RangeError(`${name} must be a non-negative safe integer, got ${x}`);
}

/** MTH over a list of leaf hashes (RFC 9162 §2.1.1), iteratively: pairing a row and carrying an odd last
 * node up unchanged yields exactly the "largest power of two smaller than n" split. O(n) hashes. */
export function merkleRoot(leafHashes: readonly Uint8Array[]): Uint8Array {
  const n = leafHashes.length;
  if (n === 0) return EMPTY_ROOT.slice();
  if (n === 1) return leafHashes[0]!.slice();
  const row: Uint8Array[] = new Array(Math.ceil(n / 2));
  let src: readonly Uint8Array[] = leafHashes;
  let len = n;
  while (len > 1) {
    let j = 0;
    for (let i = 0; i + 1 < len; i += 2) row[j++] = nodeHash(src[i]!, src[i + 1]!);
    if (isOdd(len)) row[j++] = src[len - 1]!;
    src = row;
    len = j;
  }
  return row[0]!;
}

/** MTH over a row of sibling hashes (same as merkleRoot). */
export function subtreeRoot(nodes: readonly Uint8Array[]): Uint8Array {
  return merkleRoot(nodes);
}

/** Perfect subtrees covering [begin, end), largest first, where begin is a multiple of the largest power
 * of two not above end - begin (true for a whole tree and for any right-edge subtree). */
function rangeNodes(begin: number, end: number, out: NodeId[]): void {
  let rest = end - begin;
  let level = 0;
  while (level < 53 && pow2(level + 1) <= rest) level++;
  let pos = begin;
  for (; rest > 0; level--) {
    const w = pow2(level);
    if (rest >= w) {
      out.push({ level, index: pos / w });
      pos += w;
      rest -= w;
    }
  }
}

/** The perfect subtrees whose hashes fold into the root of a tree of `size` leaves, left to right. */
export function treeRootNodes(size: number): NodeId[] {
  checkCount('size', size);
  const out: NodeId[] = [];
  rangeNodes(0, size, out);
  return out;
}

/** Folds the hashes of treeRootNodes(size) right to left into MTH; EMPTY_ROOT for []. */
export function rootFromNodes(hashes: readonly Uint8Array[]): Uint8Array {
  const n = hashes.length;
  if (n === 0) return EMPTY_ROOT.slice();
  let h = hashes[n - 1]!;
  for (let i = n - 2; i >= 0; i--) h = nodeHash(hashes[i]!, h);
  return n === 1 ? h.slice() : h;
}

/** Perfect subtrees making up a proof; nodes[begin:end] (if longer than one) fold into one proof hash. */
interface ProofPlan {
  nodes: NodeId[];
  begin: number;
  end: number;
}

/** Audit path from the perfect subtree (level, index) up to the root of a tree of `size` leaves, ordered
 * bottom-up (RFC 9162 §2.1.3.1 PATH, generalised from leaves to subtrees). At most one sibling, the one
 * just below where the path meets the tree's right edge, is an incomplete subtree: it is emitted as its
 * perfect subtrees and marked for folding. */
function pathPlan(level: number, index: number, size: number): ProofPlan {
  const nodes: NodeId[] = [];
  let begin = 0;
  let end = 0;
  let idx = index;
  let last = Math.floor((size - 1) / pow2(level));
  let l = level;
  // Below the meeting point every sibling is complete except the right one at the top.
  while (idx !== last) {
    if (half(idx) === half(last)) {
      begin = nodes.length;
      rangeNodes((idx + 1) * pow2(l), size, nodes);
      end = nodes.length;
    } else {
      nodes.push({ level: l, index: isOdd(idx) ? idx - 1 : idx + 1 });
    }
    idx = half(idx);
    last = half(last);
    l++;
  }
  // On the right edge only left siblings exist, all complete.
  for (; idx > 0; idx = half(idx), l++) {
    if (isOdd(idx)) nodes.push({ level: l, index: idx - 1 });
  }
  return { nodes, begin, end };
}

function inclusionPlan(index: number, size: number): ProofPlan {
  checkCount('index', index);
  checkCount('size', size);
  if (index >= size) throw new RangeError(`index ${index} out of range for tree size ${size}`);
  return pathPlan(0, index, size);
}

/** RFC 9162 §2.1.4.1: the proof is the audit path, in the new tree, of the largest perfect subtree ending
 * at oldSize, preceded by that subtree's hash unless oldSize is a power of two (then it is the old root). */
function consistencyPlan(oldSize: number, newSize: number): ProofPlan {
  checkCount('oldSize', oldSize);
  checkCount('newSize', newSize);
  if (oldSize === 0 || oldSize > newSize) {
    throw new RangeError(`consistency needs 0 < oldSize <= newSize, got ${oldSize}, ${newSize}`);
  }
  if (oldSize === newSize) return { nodes: [], begin: 0, end: 0 };
  let level = 0;
  while (!isOdd(oldSize / pow2(level))) level++;
  const index = oldSize / pow2(level) - 1;
  const plan = pathPlan(level, index, newSize);
  if (index !== 0) {
    plan.nodes.unshift({ level, index });
    plan.begin++;
    plan.end++;
  }
  return plan;
}

/** Every perfect-subtree hash needed to build the inclusion proof of leaf `index` in a tree of `size`. */
export function inclusionProofNodes(index: number, size: number): NodeId[] {
  return inclusionPlan(index, size).nodes;
}

/** Every perfect-subtree hash needed to build the consistency proof from oldSize to newSize. */
export function consistencyProofNodes(oldSize: number, newSize: number): NodeId[] {
  return consistencyPlan(oldSize, newSize).nodes;
}

/** One readHashes call for all nodes (none if there are none), checking the answer's shape. */
async function readAll(reader: HashReader, nodes: readonly NodeId[]): Promise<Uint8Array[]> {
  if (nodes.length === 0) return [];
  const hashes = await reader.readHashes(nodes);
  if (!Array.isArray(hashes) || hashes.length !== nodes.length) {
    throw new Error(`HashReader returned ${hashes?.length} hashes for ${nodes.length} nodes`);
  }
  for (const h of hashes) {
    if (!isHash(h)) throw new Error(`HashReader returned a hash that is not ${HASH_SIZE} bytes`);
  }
  return hashes;
}

async function prove(plan: ProofPlan, reader: HashReader): Promise<Uint8Array[]> {
  const hashes = await readAll(reader, plan.nodes);
  const { begin, end } = plan;
  if (end - begin <= 1) return hashes;
  const folded = rootFromNodes(hashes.slice(begin, end));
  return [...hashes.slice(0, begin), folded, ...hashes.slice(end)];
}

/** MTH of the first `size` leaves, from the hashes of treeRootNodes(size). */
export async function treeRoot(size: number, reader: HashReader): Promise<Uint8Array> {
  return rootFromNodes(await readAll(reader, treeRootNodes(size)));
}

/** Inclusion proof, RFC 9162 §2.1.3.1 PATH(index, D[size]), ordered from leaf to root. */
export async function proveInclusion(index: number, size: number, reader: HashReader): Promise<Uint8Array[]> {
  return prove(inclusionPlan(index, size), reader);
}

/** Consistency proof, RFC 9162 §2.1.4.1 PROOF(oldSize, D[newSize]); 0 < oldSize <= newSize. */
export async function proveConsistency(
  oldSize: number,
  newSize: number,
  reader: HashReader,
): Promise<Uint8Array[]> {
  return prove(consistencyPlan(oldSize, newSize), reader);
}

/** RFC 9162 §2.1.3.2. False for any malformed input. */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isCount(index) || !isCount(size) || index >= size) return false;
  if (!isHash(leafHash) || !isHash(root) || !Array.isArray(proof)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0 || !isHash(p)) return false;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && bytesEqual(r, root);
}

/** RFC 9162 §2.1.4.2. Equal sizes need an empty proof and equal roots; the empty tree (oldRoot must be
 * EMPTY_ROOT) is consistent with every tree via an empty proof. False for any malformed input. */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!isCount(oldSize) || !isCount(newSize) || oldSize > newSize) return false;
  if (!isHash(oldRoot) || !isHash(newRoot) || !Array.isArray(proof)) return false;
  if (oldSize === 0) {
    return (
      proof.length === 0 &&
      bytesEqual(oldRoot, EMPTY_ROOT) &&
      (newSize > 0 || bytesEqual(newRoot, EMPTY_ROOT))
    );
  }
  if (oldSize === newSize) return proof.length === 0 && bytesEqual(oldRoot, newRoot);
  if (proof.length === 0 || !proof.every(isHash)) return false;
  // Step 2: a power-of-two old tree is itself a node of the new tree; its root starts the path.
  let isPow2 = true;
  for (let x = oldSize; x > 1; x = half(x)) if (isOdd(x)) isPow2 = false;
  const path = isPow2 ? [oldRoot, ...proof] : proof;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = fr;
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && bytesEqual(fr, oldRoot) && bytesEqual(sr, newRoot);
}

/** Compact range of the tree's right edge: the hashes of treeRootNodes(size), O(log n) memory. */
export class MerkleFrontier {
  #size: number;
  #nodes: Uint8Array[];

  /** Restores from `size` and the hashes of treeRootNodes(size) (default: the empty tree). */
  constructor(size = 0, nodes: readonly Uint8Array[] = []) {
    checkCount('size', size);
    let expected = 0;
    for (let x = size; x > 0; x = half(x)) if (isOdd(x)) expected++;
    if (nodes.length !== expected) {
      throw new RangeError(`a tree of size ${size} has ${expected} frontier nodes, got ${nodes.length}`);
    }
    if (!nodes.every(isHash)) throw new RangeError(`frontier hashes must be ${HASH_SIZE} bytes`);
    this.#size = size;
    this.#nodes = nodes.map((h) => h.slice());
  }

  get size(): number {
    return this.#size;
  }

  /** Appends one leaf hash; returns every perfect subtree it completes, level 0 (the leaf) first. */
  append(leafHash: Uint8Array): { node: NodeId; hash: Uint8Array }[] {
    if (!isHash(leafHash)) throw new RangeError(`leaf hash must be ${HASH_SIZE} bytes`);
    if (this.#size >= Number.MAX_SAFE_INTEGER) throw new RangeError('tree size limit reached');
    let hash: Uint8Array = leafHash.slice();
    let index = this.#size;
    let level = 0;
    const done = [{ node: { level, index }, hash }];
    // Each set low bit of the old size is a left sibling waiting on the right edge.
    while (isOdd(index)) {
      hash = nodeHash(this.#nodes.pop()!, hash);
      index = half(index);
      level++;
      done.push({ node: { level, index }, hash });
    }
    this.#nodes.push(hash.slice());
    this.#size++;
    return done;
  }

  root(): Uint8Array {
    return rootFromNodes(this.#nodes);
  }

  /** Hashes of treeRootNodes(size), left to right (copies). */
  nodes(): Uint8Array[] {
    return this.#nodes.map((h) => h.slice());
  }
}
