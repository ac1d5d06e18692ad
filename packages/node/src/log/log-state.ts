import {
  bytesEqual,
  HASH_SIZE,
  hashesAtLevel,
  leafHash,
  type NoteVerifier,
  openCheckpoint,
  TILE_HEIGHT,
  TILE_WIDTH,
  treeRoot,
} from '@cinnabar/core';
import type { LogReads, LogStorage, StoredCheckpoint } from '../storage/log-storage.js';
import {
  EdgeTile,
  rootFromEdgeTiles,
  StoredTileHashReader,
  storedTileRoot,
  verifyStoredTile,
} from './stored-tile.js';

/** The log's durable state failed a check at start-up: the node must not serve or append. */
export class LogIntegrityError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LogIntegrityError';
  }
}

/** What a sequencer keeps in memory: O(log n), whatever the size of the log. */
export interface LogState {
  checkpoint: StoredCheckpoint;
  /** The right-edge (partial) tile at each tile level; empty where the edge is full. */
  edgeTiles: EdgeTile[];
}

/**
 * Load the last durable state and check it before trusting it: the checkpoint verifies under the
 * log's key and matches its stored columns; the entry count is the checkpoint's size; the right-edge
 * tiles are internally consistent, match the last entries and their children; and the root computed
 * from the stored tiles is the checkpoint's root. Older full tiles are checked by an audit.
 */
export function loadLogState(
  storage: LogStorage,
  verifier: NoteVerifier,
  origin: string,
): Promise<LogState | undefined> {
  // One snapshot: a reader node starting while the writer commits must not see half of each.
  return storage.snapshot((reads) => checkLogState(reads, verifier, origin));
}

async function checkLogState(
  storage: LogReads,
  verifier: NoteVerifier,
  origin: string,
): Promise<LogState | undefined> {
  const checkpoint = await storage.latestCheckpoint();
  const entryCount = await storage.countEntries();
  if (!checkpoint) {
    if (entryCount !== 0)
      throw new LogIntegrityError(`storage holds ${entryCount} entries but no checkpoint`);
    return undefined;
  }
  let opened: ReturnType<typeof openCheckpoint>;
  try {
    opened = openCheckpoint(checkpoint.note, verifier, origin);
  } catch (cause) {
    throw new LogIntegrityError(
      `the latest stored checkpoint (size ${checkpoint.size}) does not verify with the log key for ${origin}: ${(cause as Error).message}`,
      { cause },
    );
  }
  const size = checkpoint.size;
  if (opened.checkpoint.size !== size || !bytesEqual(opened.checkpoint.rootHash, checkpoint.rootHash))
    throw new LogIntegrityError(
      `the stored checkpoint's note does not match its size/root columns at size ${size}`,
    );
  if (entryCount !== size)
    throw new LogIntegrityError(`the checkpoint has size ${size} but storage holds ${entryCount} entries`);

  const edgeTiles: EdgeTile[] = [];
  for (let level = 0; hashesAtLevel(level, size) > 0; level++) {
    const width = hashesAtLevel(level, size) % TILE_WIDTH;
    const index = Math.floor(hashesAtLevel(level, size) / TILE_WIDTH);
    let edge = EdgeTile.empty();
    if (width > 0) {
      const [tile] = await storage.readTiles([{ level, index }]);
      if (!tile || tile.width !== width)
        throw new LogIntegrityError(
          `tile ${level}/${index} should have width ${width} at size ${size} but has ${tile ? tile.width : 'none'}`,
        );
      if (!verifyStoredTile(tile.data, tile.width))
        throw new LogIntegrityError(`tile ${level}/${index} is damaged`);
      edge = EdgeTile.fromStored(tile.data, width);
      if (level === 0) {
        await checkEntriesMatchTile(storage, index, tile.data, width);
      }
    }
    edgeTiles.push(edge);
  }

  const reader = new StoredTileHashReader((keys) => storage.readTiles(keys));
  // The newest full tile at each level must hash to its entry in the level above.
  for (let level = 0; hashesAtLevel(level + 1, size) > 0; level++) {
    const index = hashesAtLevel(level + 1, size) - 1;
    const [child] = await storage.readTiles([{ level, index }]);
    if (!child || child.width !== TILE_WIDTH || !verifyStoredTile(child.data, TILE_WIDTH))
      throw new LogIntegrityError(`full tile ${level}/${index} is missing or damaged`);
    // The last entries are checked even when they exactly fill their tile.
    if (level === 0) await checkEntriesMatchTile(storage, index, child.data, TILE_WIDTH);
    const [parentHash] = await reader.readHashes([{ level: TILE_HEIGHT * (level + 1), index }]);
    if (!bytesEqual(storedTileRoot(child.data), parentHash!))
      throw new LogIntegrityError(`full tile ${level}/${index} does not match its hash in the tile above`);
  }
  if (!bytesEqual(rootFromEdgeTiles(size, edgeTiles), checkpoint.rootHash))
    throw new LogIntegrityError(
      `the root computed from the edge tiles does not match the checkpoint at size ${size}`,
    );
  // Cross-check: the same root read from storage through the proof machinery.
  let stored: Uint8Array;
  try {
    stored = await treeRoot(size, reader);
  } catch (cause) {
    throw new LogIntegrityError(`the stored tiles cannot rebuild the tree of size ${size}`, { cause });
  }
  if (!bytesEqual(stored, checkpoint.rootHash))
    throw new LogIntegrityError(
      `the root computed from the stored tiles does not match the checkpoint at size ${size}`,
    );
  return { checkpoint, edgeTiles };
}

/** The entries of level-0 tile `index` must hash to the tile's bottom row. */
async function checkEntriesMatchTile(
  storage: LogReads,
  index: number,
  tile: Uint8Array,
  width: number,
): Promise<void> {
  const entries = await storage.readEntries(index * TILE_WIDTH, width);
  entries.forEach((entry, i) => {
    if (!bytesEqual(leafHash(entry), tile.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE)))
      throw new LogIntegrityError(
        `entry ${index * TILE_WIDTH + i} does not match its hash in tile 0/${index}`,
      );
  });
}
