import { proveInclusion } from '@cinnabar/core';
import type { Sequencer } from '../log/sequencer.js';
import { type StoredTile, StoredTileHashReader } from '../log/stored-tile.js';
import type { LogStorage, StoredCheckpoint } from '../storage/log-storage.js';

/** Reads the published log for the HTTP API, from the sequencer's memory when this node writes. */
export class LogReader {
  private cached: { checkpoint: StoredCheckpoint; at: number } | undefined;
  /** Reads node hashes for proofs from the stored tiles, with a cache of recently used tiles. */
  readonly hashes: StoredTileHashReader;

  constructor(
    private readonly storage: LogStorage,
    private readonly sequencer?: () => Sequencer | undefined,
    /** How long a node that does not sequence reuses the checkpoint it read (ms). */
    private readonly checkpointTtlMs = 500,
  ) {
    this.hashes = new StoredTileHashReader((keys) => storage.readTiles(keys));
  }

  async checkpoint(): Promise<StoredCheckpoint> {
    const sequencer = this.sequencer?.();
    if (sequencer) return sequencer.checkpoint;
    const now = Date.now();
    if (this.cached && now - this.cached.at < this.checkpointTtlMs) return this.cached.checkpoint;
    const checkpoint = await this.storage.latestCheckpoint();
    if (!checkpoint)
      throw new Error('the log has no checkpoint yet: has a sequencer started on this database?');
    this.cached = { checkpoint, at: now };
    return checkpoint;
  }

  /**
   * How many entries may be served as tiles: on the sequencing node, no more than its published
   * checkpoint covers (storage may already hold a batch a failure could still make it refuse).
   * Other nodes serve what storage holds: committed batches, which a checkpoint covers.
   */
  servableSize(): number {
    return this.sequencer?.()?.checkpoint.size ?? Number.POSITIVE_INFINITY;
  }

  /** The RFC 9162 inclusion proof of leaf `index` in the tree of `size` leaves. */
  inclusionProof(index: number, size: number): Promise<Uint8Array[]> {
    return proveInclusion(index, size, this.hashes);
  }

  entries(start: number, count: number): Promise<Uint8Array[]> {
    return this.storage.readEntries(start, count);
  }

  async tile(level: number, index: number): Promise<StoredTile | undefined> {
    const [tile] = await this.storage.readTiles([{ level, index }]);
    return tile;
  }
}
