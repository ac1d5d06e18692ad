import {
  HASH_SIZE,
  type HashReader,
  type NodeId,
  nodeHash,
  rootFromNodes,
  TILE_HEIGHT,
  TILE_WIDTH,
  treeRootNodes,
} from '@cinnabar/core';

/**
 * A stored tile keeps every node of the tile's eight levels, not only the bottom row that
 * C2SP tlog-tiles serves: row k holds floor(width / 2^k) hashes of tree level 8*L + k. Proofs then
 * read hashes instead of rehashing up to 255 nodes per tile, and the served tile is the first row.
 */

/** Number of hashes stored for a tile whose bottom row has `width` hashes. */
export function storedTileHashCount(width: number): number {
  let count = 0;
  for (let k = 0; k < TILE_HEIGHT; k++) count += Math.floor(width / 2 ** k);
  return count;
}

/** Offset (in hashes) of row k in a stored tile of the given width. */
function rowOffset(width: number, row: number): number {
  let offset = 0;
  for (let k = 0; k < row; k++) offset += Math.floor(width / 2 ** k);
  return offset;
}

/** Build the stored form of a tile from its bottom row (1..256 hashes). */
export function expandTile(bottomRow: readonly Uint8Array[]): Uint8Array {
  const width = bottomRow.length;
  if (width < 1 || width > TILE_WIDTH)
    throw new RangeError(`tile width ${width} is outside 1..${TILE_WIDTH}`);
  const out = new Uint8Array(storedTileHashCount(width) * HASH_SIZE);
  let row: readonly Uint8Array[] = bottomRow;
  let offset = 0;
  for (let k = 0; k < TILE_HEIGHT; k++) {
    for (const hash of row) {
      out.set(hash, offset);
      offset += HASH_SIZE;
    }
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < row.length; i += 2) next.push(nodeHash(row[i]!, row[i + 1]!));
    row = next;
  }
  return out;
}

/** The served (bottom-row) bytes of the first `width` hashes of a stored tile. */
export function servedTile(stored: Uint8Array, width: number): Uint8Array {
  return stored.subarray(0, width * HASH_SIZE);
}

/** Hash at `row`, `position` of a stored tile of `storedWidth`, or undefined if absent. */
export function storedTileHash(
  stored: Uint8Array,
  storedWidth: number,
  row: number,
  position: number,
): Uint8Array | undefined {
  if (position >= Math.floor(storedWidth / 2 ** row)) return undefined;
  const start = (rowOffset(storedWidth, row) + position) * HASH_SIZE;
  return stored.subarray(start, start + HASH_SIZE);
}

/** Where a perfect subtree's hash lives: which tile, which row, which position in the row. */
export function locateNode(node: NodeId): { level: number; index: number; row: number; position: number } {
  const level = Math.floor(node.level / TILE_HEIGHT);
  const row = node.level % TILE_HEIGHT;
  const perTile = 2 ** (TILE_HEIGHT - row);
  return { level, index: Math.floor(node.index / perTile), row, position: node.index % perTile };
}

/** Root of a full stored tile: the node one level above its top row (tree level 8*(L+1)). */
export function storedTileRoot(stored: Uint8Array): Uint8Array {
  const left = storedTileHash(stored, TILE_WIDTH, TILE_HEIGHT - 1, 0);
  const right = storedTileHash(stored, TILE_WIDTH, TILE_HEIGHT - 1, 1);
  if (!left || !right) throw new RangeError('only a full tile has a root');
  return nodeHash(left, right);
}

/**
 * Check that a stored tile's upper rows are the hashes of its bottom row. The last hash of a row of
 * odd length feeds no row above it, so only the tree's root (or, at level 0, the entry) checks it.
 */
export function verifyStoredTile(stored: Uint8Array, width: number): boolean {
  if (stored.length !== storedTileHashCount(width) * HASH_SIZE) return false;
  const bottom: Uint8Array[] = [];
  for (let i = 0; i < width; i++) bottom.push(stored.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  const expected = expandTile(bottom);
  for (let i = 0; i < expected.length; i++) if (expected[i] !== stored[i]) return false;
  return true;
}

/**
 * The right-edge tile of one tile level, kept expanded in memory so that appending a hash costs
 * about one more node hash (a frontier inside the tile) instead of re-hashing the whole tile.
 */
export class EdgeTile {
  private constructor(private readonly rows: Uint8Array[][]) {}

  static empty(): EdgeTile {
    return new EdgeTile(Array.from({ length: TILE_HEIGHT }, () => []));
  }

  /** From a stored tile's bytes (already checked with verifyStoredTile). */
  static fromStored(stored: Uint8Array, width: number): EdgeTile {
    const rows: Uint8Array[][] = [];
    let offset = 0;
    for (let k = 0; k < TILE_HEIGHT; k++) {
      const row: Uint8Array[] = [];
      for (let i = 0; i < Math.floor(width / 2 ** k); i++, offset += HASH_SIZE)
        row.push(stored.slice(offset, offset + HASH_SIZE));
      rows.push(row);
    }
    return new EdgeTile(rows);
  }

  get width(): number {
    return this.rows[0]!.length;
  }

  /** A copy that can be changed without touching this one (the rows' hashes are shared, never mutated). */
  clone(): EdgeTile {
    return new EdgeTile(this.rows.map((row) => row.slice()));
  }

  /** The hash at `row`, `position` of this tile, if it is there. */
  hashAt(row: number, position: number): Uint8Array | undefined {
    return this.rows[row]?.[position];
  }

  /** Add a hash to the bottom row; when that fills the tile, return the tile's root. */
  push(hash: Uint8Array): Uint8Array | undefined {
    this.rows[0]!.push(hash);
    for (let k = 0; k < TILE_HEIGHT; k++) {
      const row = this.rows[k]!;
      if (row.length % 2 !== 0) return undefined;
      const parent = nodeHash(row[row.length - 2]!, row[row.length - 1]!);
      if (k === TILE_HEIGHT - 1) return parent; // row 7 holds two hashes: the tile is full
      this.rows[k + 1]!.push(parent);
    }
    return undefined;
  }

  /** The stored form: every row, bottom first. */
  serialize(): Uint8Array {
    const out = new Uint8Array(storedTileHashCount(this.width) * HASH_SIZE);
    let offset = 0;
    for (const row of this.rows)
      for (const hash of row) {
        out.set(hash, offset);
        offset += HASH_SIZE;
      }
    return out;
  }
}

/**
 * The root of a tree of `size` leaves from its right-edge tiles alone: every perfect subtree of the
 * root's decomposition (RFC 9162 §2.1.1) lies in the edge tile of its tile level.
 */
export function rootFromEdgeTiles(size: number, edges: readonly EdgeTile[]): Uint8Array {
  return rootFromNodes(
    treeRootNodes(size).map((node) => {
      const { level, row, position } = locateNode(node);
      const hash = edges[level]?.hashAt(row, position);
      if (!hash) throw new Error(`node ${node.level}/${node.index} is not in the edge tiles of size ${size}`);
      return hash;
    }),
  );
}

export interface StoredTile {
  level: number;
  index: number;
  width: number;
  data: Uint8Array;
}

/** Reads perfect-subtree hashes from stored tiles, through a loader that fetches tiles by key. */
export interface StoredTileHashReaderOptions {
  /** Most tiles kept in memory (a full stored tile is 16 KiB); 0 keeps none. */
  cacheTiles: number;
}

export const STORED_TILE_HASH_READER_DEFAULTS: StoredTileHashReaderOptions = { cacheTiles: 1024 };

/**
 * Reads perfect-subtree hashes from stored tiles, through a loader that fetches tiles by key, in one
 * load per call. Tiles are cached (least recently used out): a stored node hash never changes once
 * written, so a cached tile answers for every node it holds; a node beyond its width reloads it.
 */
export class StoredTileHashReader implements HashReader {
  private readonly cache = new Map<string, StoredTile>();
  private readonly options: StoredTileHashReaderOptions;

  constructor(
    private readonly loadTiles: (
      keys: { level: number; index: number }[],
    ) => Promise<(StoredTile | undefined)[]>,
    options: Partial<StoredTileHashReaderOptions> = {},
  ) {
    this.options = { ...STORED_TILE_HASH_READER_DEFAULTS, ...options };
  }

  async readHashes(nodes: readonly NodeId[]): Promise<Uint8Array[]> {
    const located = nodes.map(locateNode);
    const found: (Uint8Array | undefined)[] = located.map((l) => this.cachedHash(l));
    const missing = new Map<string, { level: number; index: number }>();
    located.forEach((l, i) => {
      if (!found[i]) missing.set(`${l.level}/${l.index}`, { level: l.level, index: l.index });
    });
    if (missing.size > 0) {
      const keys = [...missing.values()];
      const tiles = await this.loadTiles(keys);
      const loaded = new Map<string, StoredTile>();
      for (const tile of tiles) {
        if (!tile) continue;
        loaded.set(`${tile.level}/${tile.index}`, tile);
        this.remember(tile);
      }
      located.forEach((l, i) => {
        const tile = loaded.get(`${l.level}/${l.index}`);
        found[i] ??= tile && storedTileHash(tile.data, tile.width, l.row, l.position);
      });
    }
    return found.map((hash, i) => {
      if (!hash) {
        const node = nodes[i]!;
        throw new Error(`hash of node level ${node.level} index ${node.index} is not in the stored tiles`);
      }
      return hash;
    });
  }

  private cachedHash(l: {
    level: number;
    index: number;
    row: number;
    position: number;
  }): Uint8Array | undefined {
    const key = `${l.level}/${l.index}`;
    const tile = this.cache.get(key);
    if (!tile) return undefined;
    this.cache.delete(key); // refresh its place as most recently used
    this.cache.set(key, tile);
    return storedTileHash(tile.data, tile.width, l.row, l.position);
  }

  private remember(tile: StoredTile): void {
    if (this.options.cacheTiles <= 0) return;
    const key = `${tile.level}/${tile.index}`;
    this.cache.delete(key);
    this.cache.set(key, tile);
    if (this.cache.size > this.options.cacheTiles) this.cache.delete(this.cache.keys().next().value!);
  }
}
