/**
 * C2SP tlog-tiles (https://c2sp.org/tlog-tiles): tile and entry-bundle paths, hash tiles, entry
 * bundles, and a HashReader that computes (and authenticates) Merkle tree hashes from tiles.
 *
 * A hash tile at level L, index N holds up to 256 consecutive Merkle Tree Hashes of tree level 8·L:
 * hash i is MTH(D[(N·256 + i)·256^L : (N·256 + i + 1)·256^L]). A full tile is 256 hashes wide;
 * the right edge of a tree has at most one partial tile per level, of width
 * floor(size / 256^L) mod 256 (spec, "Partial Tiles").
 */
import { bytesEqual } from './bytes.js';
import { CinnabarError } from './errors.js';
import { HASH_SIZE } from './hash.js';
import { type HashReader, type NodeId, nodeHash, rootFromNodes, treeRootNodes } from './merkle.js';

/** Tile height: a tile spans 8 tree levels (tlog-tiles fixes it). */
export const TILE_HEIGHT = 8;
/** Hashes in a full tile, and entries in a full entry bundle: 2^TILE_HEIGHT. */
export const TILE_WIDTH = 256;
/** The largest entry an entry bundle can carry: its length prefix is a big-endian uint16. */
export const MAX_ENTRY_SIZE = 65535;
/** Tile levels are 0..63 (spec, "Merkle Tree"). */
export const MAX_TILE_LEVEL = 63;
/** Largest hash tile, in bytes: 256 hashes of 32 bytes. */
export const MAX_HASH_TILE_BYTES = TILE_WIDTH * HASH_SIZE;
/** Largest entry bundle, in bytes: 256 entries of 2 + 65,535 bytes. */
export const MAX_ENTRY_BUNDLE_BYTES = TILE_WIDTH * (2 + MAX_ENTRY_SIZE);

/** A hash tile: `width` (1..256; 256 = full) hashes of tree level 8·level, starting at hash index·256. */
export interface TileId {
  level: number;
  index: number;
  width: number;
}

/** A parsed tile path: a hash tile, or an entry bundle (tile/entries/...). */
export type TilePath = { kind: 'hash'; tile: TileId } | { kind: 'entries'; index: number; width: number };

function badPath(reason: string): CinnabarError {
  return new CinnabarError('malformed_tile_path', reason);
}

function checkIndex(index: number, what: string): void {
  if (!Number.isSafeInteger(index) || index < 0)
    throw new RangeError(`${what} ${index} is not a non-negative safe integer`);
}

function checkLevel(level: number): void {
  if (!Number.isInteger(level) || level < 0 || level > MAX_TILE_LEVEL)
    throw new RangeError(`tile level ${level} is outside 0..${MAX_TILE_LEVEL}`);
}

function checkWidth(width: number): void {
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH)
    throw new RangeError(`tile width ${width} is outside 1..${TILE_WIDTH}`);
}

// ---------------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------------

/**
 * Encode a tile index as tlog-tiles path elements: zero-padded groups of 3 digits, all but the last
 * prefixed with "x". 1234067 -> "x001/x234/067", 5 -> "005".
 */
export function formatTileIndex(n: number): string {
  checkIndex(n, 'tile index');
  let digits = String(n);
  digits = digits.padStart(Math.ceil(digits.length / 3) * 3, '0');
  const groups: string[] = [];
  for (let i = 0; i < digits.length; i += 3) groups.push(digits.slice(i, i + 3));
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

// MAX_SAFE_INTEGER has 16 digits: at most 6 groups of 3.
const MAX_INDEX_GROUPS = 6;

/**
 * Parse the <N> part of a tile path strictly: only the canonical encoding formatTileIndex produces
 * is accepted (no "x000" leading group, no missing "x", no short or long groups, nothing above
 * Number.MAX_SAFE_INTEGER). Throws CinnabarError('malformed_tile_path').
 */
export function parseTileIndex(s: string): number {
  if (s.length === 0) throw badPath('empty tile index');
  if (s.length > MAX_INDEX_GROUPS * 5) throw badPath('tile index is too long');
  const groups = s.split('/');
  if (groups.length > MAX_INDEX_GROUPS) throw badPath('tile index has too many path elements');
  let digits = '';
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i]!;
    const last = i === groups.length - 1;
    const pattern = last ? /^[0-9]{3}$/ : /^x[0-9]{3}$/;
    if (!pattern.test(group))
      throw badPath(
        last
          ? `tile index element "${printable(group)}" is not 3 digits`
          : `tile index element "${printable(group)}" is not "x" and 3 digits`,
      );
    digits += last ? group : group.slice(1);
  }
  if (groups.length > 1 && groups[0] === 'x000') throw badPath('tile index has a leading x000 element');
  const value = Number(digits);
  if (!Number.isSafeInteger(value) || BigInt(digits) !== BigInt(value))
    throw badPath('tile index is larger than the largest safe integer');
  return value;
}

/** Path of a hash tile, relative to the log prefix: "tile/<L>/<N>[.p/<W>]". */
export function tilePath(tile: TileId): string {
  checkLevel(tile.level);
  checkWidth(tile.width);
  return `tile/${tile.level}/${formatTileIndex(tile.index)}${tile.width < TILE_WIDTH ? `.p/${tile.width}` : ''}`;
}

/** Path of an entry bundle, relative to the log prefix: "tile/entries/<N>[.p/<W>]". */
export function entryBundlePath(index: number, width: number): string {
  checkWidth(width);
  return `tile/entries/${formatTileIndex(index)}${width < TILE_WIDTH ? `.p/${width}` : ''}`;
}

// Longest valid path: "tile/entries/" + 6 groups + ".p/255".
const MAX_TILE_PATH_LENGTH = 64;

/**
 * Parse a tile or entry-bundle path relative to the log prefix ("tile/..."), strictly: <L> is 0..63
 * without leading zeros, <N> as parseTileIndex, <W> is 1..255 without leading zeros (a full tile
 * has no ".p/" suffix). Throws CinnabarError('malformed_tile_path') naming the bad part.
 */
export function parseTilePath(path: string): TilePath {
  if (path.length > MAX_TILE_PATH_LENGTH) throw badPath('tile path is too long');
  if (!path.startsWith('tile/')) throw badPath('tile path does not start with "tile/"');
  const rest = path.slice('tile/'.length);
  const slash = rest.indexOf('/');
  if (slash < 0) throw badPath('tile path has no tile index');
  const head = rest.slice(0, slash);
  const { indexPart, width } = splitWidth(rest.slice(slash + 1));
  if (head === 'entries') {
    return { kind: 'entries', index: parseTileIndex(indexPart), width };
  }
  if (!/^(0|[1-9][0-9]?)$/.test(head))
    throw badPath(`tile level "${printable(head)}" is not a decimal 0..63`);
  const level = Number(head);
  if (level > MAX_TILE_LEVEL) throw badPath(`tile level ${level} is above ${MAX_TILE_LEVEL}`);
  return { kind: 'hash', tile: { level, index: parseTileIndex(indexPart), width } };
}

function splitWidth(s: string): { indexPart: string; width: number } {
  const dot = s.indexOf('.');
  if (dot < 0) return { indexPart: s, width: TILE_WIDTH };
  const suffix = s.slice(dot);
  if (!suffix.startsWith('.p/')) throw badPath(`tile path suffix "${printable(suffix)}" is not ".p/<W>"`);
  const w = suffix.slice(3);
  if (!/^[1-9][0-9]{0,2}$/.test(w))
    throw badPath(`partial tile width "${printable(w)}" is not a decimal 1..255`);
  const width = Number(w);
  if (width >= TILE_WIDTH) throw badPath(`partial tile width ${width} is not below ${TILE_WIDTH}`);
  return { indexPart: s.slice(0, dot), width };
}

/** A short, printable rendering of untrusted path text for error messages. */
function printable(s: string): string {
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 24 ? `${clean.slice(0, 24)}...` : clean;
}

// ---------------------------------------------------------------------------------------------
// Which tiles exist
// ---------------------------------------------------------------------------------------------

/** Number of hashes of tree level 8·level in a tree of `size` leaves: floor(size / 256^level). */
export function hashesAtLevel(level: number, size: number): number {
  checkLevel(level);
  checkIndex(size, 'tree size');
  // Division by a power of two is exact in binary floating point, so floor() is exact.
  return Math.floor(size / 2 ** (TILE_HEIGHT * level));
}

/**
 * Width of tile (level, index) in a tree of `size` leaves: 256 if full, 1..255 if it is the
 * partial right-edge tile of that level, 0 if the tree has no such tile yet.
 */
export function tileWidthAt(level: number, index: number, size: number): number {
  checkIndex(index, 'tile index');
  const n = hashesAtLevel(level, size) - index * TILE_WIDTH;
  return n <= 0 ? 0 : Math.min(n, TILE_WIDTH);
}

/** Width of entry bundle `index` in a tree of `size` leaves (0 if none): the level-0 tile's width. */
export function entryBundleWidth(index: number, size: number): number {
  return tileWidthAt(0, index, size);
}

/** Number of tiles (full and partial) at `level` in a tree of `size` leaves. */
export function tileCount(level: number, size: number): number {
  return Math.ceil(hashesAtLevel(level, size) / TILE_WIDTH);
}

/** Number of tile levels a tree of `size` leaves has (0 for the empty tree). */
export function tileLevels(size: number): number {
  let levels = 0;
  while (levels <= MAX_TILE_LEVEL && hashesAtLevel(levels, size) > 0) levels++;
  return levels;
}

/** The partial right-edge tiles of a tree of `size` leaves, one per level at most, from level 0 up. */
export function edgeTiles(size: number): TileId[] {
  const tiles: TileId[] = [];
  for (let level = 0; level < tileLevels(size); level++) {
    const n = hashesAtLevel(level, size);
    const width = n % TILE_WIDTH;
    if (width > 0) tiles.push({ level, index: Math.floor(n / TILE_WIDTH), width });
  }
  return tiles;
}

/**
 * Every hash tile of a tree of `size` leaves, full and partial, level by level from level 0.
 * Lazy: a big log has many tiles. E.g. size 70,000: 273 full + one 112-wide tile at level 0, one
 * full + one 17-wide at level 1, one 1-wide at level 2 (the spec's example).
 */
export function* tilesForSize(size: number): Generator<TileId> {
  for (let level = 0; level < tileLevels(size); level++) {
    const count = tileCount(level, size);
    for (let index = 0; index < count; index++)
      yield { level, index, width: tileWidthAt(level, index, size) };
  }
}

// ---------------------------------------------------------------------------------------------
// Entry bundles and hash tiles
// ---------------------------------------------------------------------------------------------

/**
 * Encode an entry bundle: each entry as a big-endian uint16 length and its bytes. An entry over
 * 65,535 bytes cannot be represented and throws CinnabarError('entry_too_large'); nothing is truncated.
 */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length > TILE_WIDTH)
    throw new RangeError(`an entry bundle holds at most ${TILE_WIDTH} entries, not ${entries.length}`);
  let total = 0;
  for (let i = 0; i < entries.length; i++) {
    const length = entries[i]!.length;
    if (length > MAX_ENTRY_SIZE)
      throw new CinnabarError(
        'entry_too_large',
        `entry ${i} of the bundle is ${length} bytes; an entry bundle holds entries of at most ${MAX_ENTRY_SIZE} bytes`,
      );
    total += 2 + length;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const entry of entries) {
    out[offset] = entry.length >>> 8;
    out[offset + 1] = entry.length & 0xff;
    out.set(entry, offset + 2);
    offset += 2 + entry.length;
  }
  return out;
}

/**
 * Decode an entry bundle strictly: a truncated length or entry, more than 256 entries, or (if
 * `expectedCount` is given) another number of entries throws CinnabarError('malformed_tile').
 * The entries are views into `bytes`.
 */
export function decodeEntryBundle(bytes: Uint8Array, expectedCount?: number): Uint8Array[] {
  const entries: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (entries.length === TILE_WIDTH)
      throw new CinnabarError('malformed_tile', `entry bundle has bytes after its ${TILE_WIDTH}th entry`);
    if (offset + 2 > bytes.length)
      throw new CinnabarError(
        'malformed_tile',
        `entry bundle is truncated in the length of entry ${entries.length}`,
      );
    const length = (bytes[offset]! << 8) | bytes[offset + 1]!;
    offset += 2;
    if (offset + length > bytes.length)
      throw new CinnabarError(
        'malformed_tile',
        `entry bundle is truncated: entry ${entries.length} has length ${length} but ${bytes.length - offset} bytes remain`,
      );
    entries.push(bytes.subarray(offset, offset + length));
    offset += length;
  }
  if (expectedCount !== undefined && entries.length !== expectedCount)
    throw new CinnabarError(
      'malformed_tile',
      `entry bundle has ${entries.length} entries, expected ${expectedCount}`,
    );
  return entries;
}

/** Concatenate hashes into a hash tile (1..256 hashes of 32 bytes). */
export function encodeHashTile(hashes: readonly Uint8Array[]): Uint8Array {
  checkWidth(hashes.length);
  const out = new Uint8Array(hashes.length * HASH_SIZE);
  hashes.forEach((hash, i) => {
    if (hash.length !== HASH_SIZE)
      throw new RangeError(`hash ${i} is ${hash.length} bytes, not ${HASH_SIZE}`);
    out.set(hash, i * HASH_SIZE);
  });
  return out;
}

/**
 * Decode a hash tile of `width` hashes strictly: it must be exactly width·32 bytes, else
 * CinnabarError('malformed_tile'). The hashes are views into `bytes`.
 */
export function decodeHashTile(bytes: Uint8Array, width: number): Uint8Array[] {
  checkWidth(width);
  if (bytes.length !== width * HASH_SIZE)
    throw new CinnabarError(
      'malformed_tile',
      `hash tile is ${bytes.length} bytes, expected ${width * HASH_SIZE} (${width} hashes)`,
    );
  const hashes: Uint8Array[] = [];
  for (let i = 0; i < width; i++) hashes.push(bytes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  return hashes;
}

/**
 * The rows of the subtree a tile spans: rows[k] holds floor(width / 2^k) hashes of tree level
 * 8·L + k, concatenated (rows[0] is the tile itself). A full tile has rows[8] = its tile hash,
 * the hash its parent tile holds (spec: "each hash in a tile is the Merkle Tree Hash of a full
 * tile at the level below").
 */
export function tileRows(tile: Uint8Array): Uint8Array[] {
  if (tile.length % HASH_SIZE !== 0 || tile.length === 0 || tile.length > MAX_HASH_TILE_BYTES)
    throw new RangeError(`a tile of ${tile.length} bytes is not 1..${TILE_WIDTH} hashes`);
  const rows: Uint8Array[] = [tile];
  let row = tile;
  while (row.length >= 2 * HASH_SIZE) {
    const count = Math.floor(row.length / HASH_SIZE / 2);
    const next = new Uint8Array(count * HASH_SIZE);
    for (let j = 0; j < count; j++) {
      const left = row.subarray(2 * j * HASH_SIZE, (2 * j + 1) * HASH_SIZE);
      const right = row.subarray((2 * j + 1) * HASH_SIZE, (2 * j + 2) * HASH_SIZE);
      next.set(nodeHash(left, right), j * HASH_SIZE);
    }
    rows.push(next);
    row = next;
  }
  return rows;
}

/** The hash of a full tile: the Merkle Tree Hash of its 256 hashes (what its parent tile holds). */
export function tileHash(tile: Uint8Array): Uint8Array {
  if (tile.length !== MAX_HASH_TILE_BYTES) throw new RangeError('only a full tile has a tile hash');
  return tileRows(tile)[TILE_HEIGHT]!.slice();
}

// ---------------------------------------------------------------------------------------------
// Reading tree hashes from tiles
// ---------------------------------------------------------------------------------------------

/** Fetches the bytes of a hash tile (at the width given); TileHashReader checks them. */
export type TileFetcher = (tile: TileId) => Promise<Uint8Array>;

/** A tile whose hashes are authenticated against the reader's root, with its rows precomputed. */
interface VerifiedTile {
  tile: TileId;
  rows: Uint8Array[];
}

/** Where a node's hash lives: tile (level, index), row k, position j in the row. */
interface NodeLocation {
  level: number;
  index: number;
  row: number;
  position: number;
}

function locate(node: NodeId): NodeLocation {
  const level = Math.floor(node.level / TILE_HEIGHT);
  const row = node.level % TILE_HEIGHT;
  const perTile = 2 ** (TILE_HEIGHT - row); // nodes of tree level node.level per tile
  const index = Math.floor(node.index / perTile);
  return { level, index, row, position: node.index - index * perTile };
}

const key = (level: number, index: number) => `${level}/${index}`;

export interface TileHashReaderOptions {
  /** How many verified full tiles to keep (default 64, about 1 MiB). Right-edge tiles are always kept. */
  cacheSize?: number;
}

/**
 * A HashReader over the tiles of a tree of `size` leaves whose root is `rootHash` (from a verified
 * checkpoint), in the manner of Go's tlog.TileHashReader. Every tile it uses is authenticated
 * before any hash from it is returned:
 *  - the partial right-edge tiles (one per level) must combine to `rootHash`: together they hold
 *    exactly the subtrees of the root's decomposition (RFC 9162 §2.1);
 *  - a full tile must hash to its entry in its parent tile at the level above, itself authenticated
 *    the same way, up to an edge tile.
 * A tile that does not match throws CinnabarError('inconsistent_log'); one of the wrong length,
 * CinnabarError('malformed_tile'). Each tile is fetched once per readHashes call, at the width it
 * has at `size`; verified tiles are cached.
 */
export class TileHashReader implements HashReader {
  readonly size: number;
  readonly rootHash: Uint8Array;
  private readonly fetchTile: TileFetcher;
  private readonly cacheSize: number;
  private edge: Promise<Map<string, VerifiedTile>> | undefined;
  /** LRU of verified full tiles (Map keeps insertion order). */
  private readonly cache = new Map<string, VerifiedTile>();

  constructor(
    size: number,
    rootHash: Uint8Array,
    fetchTile: TileFetcher,
    options: TileHashReaderOptions = {},
  ) {
    checkIndex(size, 'tree size');
    if (rootHash.length !== HASH_SIZE)
      throw new RangeError(`root hash is ${rootHash.length} bytes, not ${HASH_SIZE}`);
    this.size = size;
    this.rootHash = rootHash.slice();
    this.fetchTile = fetchTile;
    this.cacheSize = options.cacheSize ?? 64;
  }

  async readHashes(nodes: readonly NodeId[]): Promise<Uint8Array[]> {
    const locations = nodes.map((node) => this.locateInTree(node));
    const edge = await this.edgeTiles();
    // The tiles these nodes need, plus the ancestors that authenticate them, fetched once each.
    const batch = new Map<string, VerifiedTile>();
    const toFetch = new Map<string, TileId>();
    for (const loc of locations) {
      let level = loc.level;
      let index = loc.index;
      for (;;) {
        const k = key(level, index);
        if (edge.has(k) || batch.has(k) || toFetch.has(k)) break;
        const cached = this.cache.get(k);
        if (cached) {
          this.cache.delete(k); // refresh its LRU position
          this.cache.set(k, cached);
          batch.set(k, cached);
          break;
        }
        // Not an edge tile, so it is full and its parent holds its hash.
        toFetch.set(k, { level, index, width: TILE_WIDTH });
        level += 1;
        index = Math.floor(index / TILE_WIDTH);
      }
    }
    const fetched = await Promise.all([...toFetch.values()].map(async (tile) => this.fetchChecked(tile)));
    // Authenticate from the top down: a parent is verified before its children.
    fetched.sort((a, b) => b.tile.level - a.tile.level);
    for (const t of fetched) {
      const { level, index } = t.tile;
      const parentKey = key(level + 1, Math.floor(index / TILE_WIDTH));
      const parent = edge.get(parentKey) ?? batch.get(parentKey);
      if (!parent) throw new Error(`internal: parent of tile ${level}/${index} was not fetched`);
      const position = index % TILE_WIDTH;
      const expected = parent.rows[0]!.subarray(position * HASH_SIZE, (position + 1) * HASH_SIZE);
      if (!bytesEqual(t.rows[TILE_HEIGHT]!, expected))
        throw new CinnabarError(
          'inconsistent_log',
          `tile ${tilePath(t.tile)} does not hash to entry ${position} of tile ${tilePath(parent.tile)} in the tree of size ${this.size}`,
        );
      batch.set(key(level, index), t);
    }
    for (const [k, t] of batch) {
      this.cache.delete(k);
      this.cache.set(k, t);
    }
    while (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);

    return locations.map((loc) => {
      const k = key(loc.level, loc.index);
      const t = edge.get(k) ?? batch.get(k)!;
      const row = t.rows[loc.row]!;
      return row.slice(loc.position * HASH_SIZE, (loc.position + 1) * HASH_SIZE);
    });
  }

  /** Where `node` lives, checking that it is a complete subtree of the tree of this.size leaves. */
  private locateInTree(node: NodeId): NodeLocation {
    if (!Number.isInteger(node.level) || node.level < 0 || node.level >= TILE_HEIGHT * (MAX_TILE_LEVEL + 1))
      throw new RangeError(`node level ${node.level} is out of range`);
    checkIndex(node.index, 'node index');
    const loc = locate(node);
    const width = loc.level <= MAX_TILE_LEVEL ? tileWidthAt(loc.level, loc.index, this.size) : 0;
    // The node spans hashes [position·2^row, (position+1)·2^row) of its tile.
    if ((loc.position + 1) * 2 ** loc.row > width)
      throw new RangeError(
        `node ${node.level}/${node.index} is not a complete subtree of a tree of size ${this.size}`,
      );
    return loc;
  }

  /** The right-edge tiles, fetched and checked against the root once. */
  private edgeTiles(): Promise<Map<string, VerifiedTile>> {
    if (!this.edge) {
      this.edge = this.loadEdge();
      // A failed fetch may be retried by a later call; a mismatch will simply fail again.
      this.edge.catch(() => {
        this.edge = undefined;
      });
    }
    return this.edge;
  }

  private async loadEdge(): Promise<Map<string, VerifiedTile>> {
    const tiles = await Promise.all(edgeTiles(this.size).map(async (tile) => this.fetchChecked(tile)));
    const byKey = new Map(tiles.map((t) => [key(t.tile.level, t.tile.index), t] as const));
    // The root's subtrees (RFC 9162 §2.1 decomposition of size) all lie in the edge tiles.
    const rootNodes = treeRootNodes(this.size).map((node) => {
      const loc = locate(node);
      const t = byKey.get(key(loc.level, loc.index));
      if (!t) throw new Error(`internal: root node ${node.level}/${node.index} is not in an edge tile`);
      return t.rows[loc.row]!.subarray(loc.position * HASH_SIZE, (loc.position + 1) * HASH_SIZE);
    });
    if (!bytesEqual(rootFromNodes(rootNodes), this.rootHash)) {
      const names = tiles.map((t) => tilePath(t.tile)).join(', ');
      throw new CinnabarError(
        'inconsistent_log',
        `the right-edge tiles (${names || 'none'}) do not hash to the root of the tree of size ${this.size}`,
      );
    }
    return byKey;
  }

  private async fetchChecked(tile: TileId): Promise<VerifiedTile> {
    const bytes = await this.fetchTile(tile);
    if (bytes.length !== tile.width * HASH_SIZE)
      throw new CinnabarError(
        'malformed_tile',
        `tile ${tilePath(tile)} is ${bytes.length} bytes, expected ${tile.width * HASH_SIZE} (${tile.width} hashes)`,
      );
    return { tile, rows: tileRows(bytes.slice()) };
  }
}
