/**
 * LogVerifier: checks a C2SP tlog-tiles log (https://c2sp.org/tlog-tiles) from its URL prefix, with
 * nothing but `fetch`, so it runs in browsers and in Node: the checkpoint's signature
 * (c2sp.org/tlog-checkpoint), an entry's inclusion, consistency with a checkpoint seen before, and a
 * full audit that recomputes every tile and the root from the entries.
 */
import { bytesEqual, utf8Decode } from './bytes.js';
import { type Checkpoint, openCheckpoint } from './checkpoint.js';
import { CinnabarError, type CoreErrorCode } from './errors.js';
import { HASH_SIZE } from './hash.js';
import {
  EMPTY_ROOT,
  leafHash,
  proveConsistency,
  proveInclusion,
  rootFromNodes,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';
import { MAX_NOTE_SIZE, type NoteVerifier, verifierFromKey } from './note.js';
import { readAtMost } from './read-bounded.js';
import {
  decodeEntryBundle,
  entryBundlePath,
  entryBundleWidth,
  MAX_ENTRY_SIZE,
  MAX_HASH_TILE_BYTES,
  TILE_HEIGHT,
  TILE_WIDTH,
  TileHashReader,
  type TileId,
  tilePath,
  tileRows,
} from './tiles.js';

export interface LogVerifierOptions {
  /** The log prefix URL, e.g. http://host:7470/log/ (a missing trailing slash is added). */
  baseUrl: string;
  /** The log's verifier key, "name+keyid+base64". */
  vkey: string;
  /** The checkpoint origin; defaults to the key's name (tlog-checkpoint: the log key is named after it). */
  origin?: string;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
  /** Most requests in flight at once (default 8). */
  concurrency?: number;
}

/** A checkpoint whose signature was verified, and the signed note it came from. */
export interface VerifiedCheckpoint {
  checkpoint: Checkpoint;
  note: string;
}

/**
 * Which checkpoint to check against: one returned by fetchCheckpoint (trusted as is), a Checkpoint
 * the caller already verified, or signed note text (verified here).
 */
export type CheckpointInput = VerifiedCheckpoint | Checkpoint | string;

export interface InclusionResult {
  index: number;
  entry: Uint8Array;
  leafHash: Uint8Array;
  /** RFC 9162 §2.1.3.1 inclusion proof, leaf to root. */
  proof: Uint8Array[];
  checkpoint: Checkpoint;
}

export interface ConsistencyResult {
  /** RFC 9162 §2.1.4.1 consistency proof from previous to checkpoint (empty if the sizes are equal). */
  proof: Uint8Array[];
  previous: Checkpoint;
  checkpoint: Checkpoint;
  previousSize: number;
  size: number;
}

export interface AuditProgress {
  size: number;
  /** Entries fetched and checked so far. */
  entries: number;
  /** Hash tiles fetched and checked so far. */
  tiles: number;
}

export interface AuditResult {
  size: number;
  entries: number;
  tiles: number;
  rootHash: Uint8Array;
}

const DEFAULT_CONCURRENCY = 8;
/** Largest entry bundle of `width` entries: each a 2-byte length and at most 65,535 bytes. */
const bundleLimit = (width: number) => width * (2 + MAX_ENTRY_SIZE);

export class LogVerifier {
  readonly baseUrl: string;
  readonly origin: string;
  private readonly verifier: NoteVerifier;
  private readonly fetchFn: typeof fetch;
  private readonly concurrency: number;
  private readonly limiter: Limiter;
  private reader: TileHashReader | undefined;

  constructor(options: LogVerifierOptions) {
    this.verifier = verifierFromKey(options.vkey);
    this.origin = options.origin ?? this.verifier.name;
    const base = new URL(options.baseUrl); // throws a TypeError on a malformed URL
    if (base.search || base.hash) throw new TypeError('the log prefix URL must not have a query or fragment');
    this.baseUrl = base.href.endsWith('/') ? base.href : `${base.href}/`;
    const given = options.fetch;
    // Call the global fetch unbound from `this` (browsers reject fetch called on another object).
    this.fetchFn = given ?? ((input, init) => globalThis.fetch(input, init));
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new RangeError('concurrency must be a positive integer');
    this.concurrency = concurrency;
    this.limiter = new Limiter(concurrency);
  }

  /** GET <prefix>checkpoint and verify its signature by the log key and its origin. */
  async fetchCheckpoint(): Promise<VerifiedCheckpoint> {
    const url = this.url('checkpoint');
    // The checkpoint changes with every batch: revalidate rather than take a browser-cached copy.
    const bytes = await this.get(url, MAX_NOTE_SIZE, 'malformed_checkpoint', undefined, 'no-cache');
    if (!bytes) throw notFound(url);
    let note: string;
    try {
      note = utf8Decode(bytes);
    } catch (error) {
      throw new CinnabarError('malformed_checkpoint', `${url} is not valid UTF-8`, { cause: error });
    }
    return { checkpoint: this.open(note), note };
  }

  /**
   * Fetch entry `index` and prove it is in the tree of the checkpoint (fetched if not given): the
   * proof is computed from tiles authenticated against the checkpoint's root, then checked with the
   * entry's leaf hash. An entry beyond the tree or one that does not verify: 'inclusion_failed'.
   */
  async verifyInclusion(index: number, input?: CheckpointInput): Promise<InclusionResult> {
    if (!Number.isSafeInteger(index) || index < 0)
      throw new RangeError(`entry index ${index} is not a non-negative integer`);
    const checkpoint = await this.resolve(input);
    const { size, rootHash } = checkpoint;
    if (index >= size)
      throw new CinnabarError(
        'inclusion_failed',
        `entry ${index} is beyond the checkpoint's tree size ${size}`,
      );
    const bundle = Math.floor(index / TILE_WIDTH);
    const width = entryBundleWidth(bundle, size);
    const [entries, proof] = await Promise.all([
      this.fetchEntryBundle(bundle, width),
      proveInclusion(index, size, this.readerFor(checkpoint)),
    ]);
    const entry = entries[index % TILE_WIDTH]!.slice();
    const hash = leafHash(entry);
    if (!verifyInclusion(hash, index, size, proof, rootHash))
      throw new CinnabarError(
        'inclusion_failed',
        `entry ${index} served in ${this.url(entryBundlePath(bundle, width))} is not the entry the tree of size ${size} holds (its inclusion proof does not verify)`,
      );
    return { index, entry, leafHash: hash, proof, checkpoint };
  }

  /**
   * Prove that the log is append-only between a checkpoint seen before (note text, whose signature
   * is verified again) and the current one (fetched if not given). A smaller current size, another
   * root at the same size, or a proof that does not verify (history rewritten): 'inconsistent_log'.
   */
  async verifyConsistency(previousNote: string, current?: CheckpointInput): Promise<ConsistencyResult> {
    const previous = this.open(previousNote);
    const checkpoint = await this.resolve(current);
    const result = (proof: Uint8Array[]): ConsistencyResult => ({
      proof,
      previous,
      checkpoint,
      previousSize: previous.size,
      size: checkpoint.size,
    });
    if (checkpoint.size < previous.size)
      throw new CinnabarError(
        'inconsistent_log',
        `the log shrank: the checkpoint seen before has size ${previous.size}, the current one ${checkpoint.size}`,
      );
    if (checkpoint.size === previous.size) {
      if (!bytesEqual(checkpoint.rootHash, previous.rootHash))
        throw new CinnabarError(
          'inconsistent_log',
          `two checkpoints of size ${checkpoint.size} have different root hashes: the log forked`,
        );
      return result([]);
    }
    if (previous.size === 0) {
      if (!bytesEqual(previous.rootHash, EMPTY_ROOT))
        throw new CinnabarError(
          'inconsistent_log',
          'the checkpoint seen before has size 0 but not the empty root',
        );
      return result([]);
    }
    const proof = await proveConsistency(previous.size, checkpoint.size, this.readerFor(checkpoint));
    if (!verifyConsistency(previous.size, checkpoint.size, previous.rootHash, checkpoint.rootHash, proof))
      throw new CinnabarError(
        'inconsistent_log',
        `the tree of size ${checkpoint.size} does not extend the tree of size ${previous.size} seen before: history was rewritten`,
      );
    return result(proof);
  }

  /**
   * Fetch every entry bundle and every hash tile of the checkpoint's tree (fetched if not given) and
   * recompute everything from the entries: each leaf hash, each tile from the level below (a level
   * L+1 hash is the Merkle Tree Hash of a full level L tile), and the root. Any difference:
   * 'inconsistent_log' naming the first bad entry or tile. Memory stays bounded whatever the size:
   * one row of up to 256 hashes per level, and `concurrency` fetches in flight.
   */
  async audit(input?: CheckpointInput, onProgress?: (progress: AuditProgress) => void): Promise<AuditResult> {
    const checkpoint = await this.resolve(input);
    const { size } = checkpoint;
    const controller = new AbortController();
    const signal = controller.signal;
    const rows: AuditRow[] = []; // rows[l]: the level-l tile being filled (l >= 1)
    const checks: Promise<Settled<void>>[] = []; // upper-level tiles being fetched and compared
    const window: Promise<Settled<Uint8Array>>[] = []; // level 0, in order
    let entries = 0;
    let tiles = 0;
    let edge0: Uint8Array | undefined; // the partial level-0 row, if any

    const check = (tile: TileId, expected: Uint8Array) => {
      checks.push(settle(this.auditTile(tile, expected, signal)));
      tiles++;
    };
    // Append a hash to the row at `level`; a completed row is a full tile to check, and its hash
    // goes up a level.
    const push = (level: number, hash: Uint8Array) => {
      let row = rows[level];
      if (!row) {
        row = { bytes: new Uint8Array(MAX_HASH_TILE_BYTES), count: 0, index: 0 };
        rows[level] = row;
      }
      row.bytes.set(hash, row.count * HASH_SIZE);
      row.count++;
      if (row.count === TILE_WIDTH) {
        const full = row.bytes;
        check({ level, index: row.index, width: TILE_WIDTH }, full);
        row.bytes = new Uint8Array(MAX_HASH_TILE_BYTES);
        row.count = 0;
        row.index++;
        push(level + 1, tileRows(full)[TILE_HEIGHT]!);
      }
    };

    try {
      const bundles = Math.ceil(size / TILE_WIDTH);
      let next = 0;
      for (let b = 0; b < bundles; b++) {
        while (next < bundles && window.length < this.concurrency) {
          window.push(settle(this.auditBundle(next, size, signal)));
          next++;
        }
        const leaves = unwrap(await window.shift()!);
        entries += leaves.length / HASH_SIZE;
        tiles++;
        if (leaves.length === MAX_HASH_TILE_BYTES) push(1, tileRows(leaves)[TILE_HEIGHT]!);
        else edge0 = leaves;
        while (checks.length > this.concurrency) unwrap(await checks.shift()!);
        onProgress?.({ size, entries, tiles });
      }
      // The partial right-edge tiles above level 0.
      rows.forEach((row, level) => {
        if (row.count > 0)
          check({ level, index: row.index, width: row.count }, row.bytes.subarray(0, row.count * HASH_SIZE));
      });
      while (checks.length > 0) unwrap(await checks.shift()!);
      if (onProgress && rows.length > 0) onProgress({ size, entries, tiles });

      // The root: the subtrees of the partial rows, highest level first, each row's largest first
      // (RFC 9162 §2.1 decomposition of the size), folded right to left.
      const nodes: Uint8Array[] = [];
      const partial = [edge0, ...rows.slice(1).map((row) => row?.bytes.subarray(0, row.count * HASH_SIZE))];
      for (let level = partial.length - 1; level >= 0; level--) {
        const row = partial[level];
        if (!row || row.length === 0) continue;
        const sub = tileRows(row);
        const count = row.length / HASH_SIZE;
        let position = 0;
        for (let k = TILE_HEIGHT - 1; k >= 0; k--) {
          const span = 2 ** k;
          if (count - position >= span) {
            const j = position / span;
            nodes.push(sub[k]!.subarray(j * HASH_SIZE, (j + 1) * HASH_SIZE));
            position += span;
          }
        }
      }
      const rootHash = rootFromNodes(nodes);
      if (!bytesEqual(rootHash, checkpoint.rootHash))
        throw new CinnabarError(
          'inconsistent_log',
          `the root recomputed from all ${size} entries does not match the checkpoint's root hash`,
        );
      return { size, entries, tiles, rootHash };
    } finally {
      controller.abort(); // stop whatever is still in flight after a failure
    }
  }

  // -------------------------------------------------------------------------------------------

  /** Fetch entry bundle `bundle` and level-0 tile `bundle` (width at `size`); check one against the other. */
  private async auditBundle(bundle: number, size: number, signal: AbortSignal): Promise<Uint8Array> {
    const width = entryBundleWidth(bundle, size);
    const tile: TileId = { level: 0, index: bundle, width };
    const [entries, served] = await Promise.all([
      this.fetchEntryBundle(bundle, width, signal),
      this.fetchHashTile(tile, signal),
    ]);
    const leaves = new Uint8Array(width * HASH_SIZE);
    entries.forEach((entry, i) => {
      leaves.set(leafHash(entry), i * HASH_SIZE);
    });
    const bad = firstDifference(leaves, served);
    if (bad >= 0)
      throw new CinnabarError(
        'inconsistent_log',
        `entry ${bundle * TILE_WIDTH + bad} (${this.url(entryBundlePath(bundle, width))}) does not hash to hash ${bad} of tile ${this.url(tilePath(tile))}`,
      );
    return leaves;
  }

  /** Fetch a tile above level 0 and compare it with the hashes recomputed from the level below. */
  private async auditTile(tile: TileId, expected: Uint8Array, signal: AbortSignal): Promise<void> {
    const served = await this.fetchHashTile(tile, signal);
    const bad = firstDifference(expected, served);
    if (bad >= 0)
      throw new CinnabarError(
        'inconsistent_log',
        `hash ${bad} of tile ${this.url(tilePath(tile))} does not match tile ${tile.level - 1}/${tile.index * TILE_WIDTH + bad} recomputed from the entries`,
      );
  }

  /** Open note text as a checkpoint of this log. */
  private open(note: string): Checkpoint {
    return openCheckpoint(note, this.verifier, this.origin).checkpoint;
  }

  private async resolve(input: CheckpointInput | undefined): Promise<Checkpoint> {
    if (input === undefined) return (await this.fetchCheckpoint()).checkpoint;
    if (typeof input === 'string') return this.open(input);
    const checkpoint = 'checkpoint' in input ? input.checkpoint : input;
    if (checkpoint.origin !== this.origin)
      throw new CinnabarError(
        'origin_mismatch',
        `checkpoint origin ${JSON.stringify(checkpoint.origin)} is not this log's ${JSON.stringify(this.origin)}`,
      );
    return checkpoint;
  }

  /** A tile reader for the checkpoint's tree, kept while the same tree is asked about (its cache). */
  private readerFor(checkpoint: Checkpoint): TileHashReader {
    const r = this.reader;
    if (r && r.size === checkpoint.size && bytesEqual(r.rootHash, checkpoint.rootHash)) return r;
    this.reader = new TileHashReader(checkpoint.size, checkpoint.rootHash, (tile) =>
      this.fetchHashTile(tile),
    );
    return this.reader;
  }

  /**
   * The bytes of a hash tile, not yet checked. A partial tile the log no longer serves (tlog-tiles
   * lets it delete one once the full tile exists) is read from the start of the full tile.
   */
  private async fetchHashTile(tile: TileId, signal?: AbortSignal): Promise<Uint8Array> {
    const url = this.url(tilePath(tile));
    const bytes = await this.get(url, tile.width * HASH_SIZE, 'malformed_tile', signal);
    if (bytes) return bytes;
    if (tile.width === TILE_WIDTH) throw notFound(url);
    const full = await this.get(
      this.url(tilePath({ ...tile, width: TILE_WIDTH })),
      MAX_HASH_TILE_BYTES,
      'malformed_tile',
      signal,
    );
    if (!full) throw notFound(url);
    if (full.length !== MAX_HASH_TILE_BYTES)
      throw new CinnabarError(
        'malformed_tile',
        `full tile ${tilePath({ ...tile, width: TILE_WIDTH })} is ${full.length} bytes`,
      );
    return full.subarray(0, tile.width * HASH_SIZE);
  }

  /** Entry bundle `index` of `width` entries, decoded strictly; falls back to the full bundle like tiles. */
  private async fetchEntryBundle(index: number, width: number, signal?: AbortSignal): Promise<Uint8Array[]> {
    const url = this.url(entryBundlePath(index, width));
    const bytes = await this.get(url, bundleLimit(width), 'malformed_tile', signal);
    if (bytes) return decodeWithUrl(bytes, width, url);
    if (width === TILE_WIDTH) throw notFound(url);
    const fullUrl = this.url(entryBundlePath(index, TILE_WIDTH));
    const full = await this.get(fullUrl, bundleLimit(TILE_WIDTH), 'malformed_tile', signal);
    if (!full) throw notFound(url);
    return decodeWithUrl(full, TILE_WIDTH, fullUrl).slice(0, width);
  }

  private url(path: string): string {
    return this.baseUrl + path;
  }

  /**
   * GET `url` and read at most `limit` bytes of its body (a longer body throws `oversize`). Null on
   * 404; other failures throw 'fetch_failed' with the URL and status.
   */
  private get(
    url: string,
    limit: number,
    oversize: CoreErrorCode,
    signal?: AbortSignal,
    cache?: RequestCache,
  ): Promise<Uint8Array | null> {
    return this.limiter.run(async () => {
      let response: Response;
      const init: RequestInit = { ...(signal ? { signal } : {}), ...(cache ? { cache } : {}) };
      try {
        response = await this.fetchFn(url, init);
      } catch (error) {
        throw new CinnabarError('fetch_failed', `GET ${url} failed: ${messageOf(error)}`, { cause: error });
      }
      if (response.status === 404) {
        await response.body?.cancel().catch(() => {});
        return null;
      }
      if (!response.ok) {
        await response.body?.cancel().catch(() => {});
        throw new CinnabarError(
          'fetch_failed',
          `GET ${url}: HTTP ${response.status} ${response.statusText}`.trimEnd(),
        );
      }
      try {
        return await readBounded(response, limit, url, oversize);
      } catch (error) {
        if (error instanceof CinnabarError) throw error;
        throw new CinnabarError('fetch_failed', `GET ${url}: reading the body failed: ${messageOf(error)}`, {
          cause: error,
        });
      }
    });
  }
}

interface AuditRow {
  bytes: Uint8Array;
  count: number;
  index: number;
}

function notFound(url: string): CinnabarError {
  return new CinnabarError('fetch_failed', `GET ${url}: HTTP 404 Not Found`);
}

function decodeWithUrl(bytes: Uint8Array, width: number, url: string): Uint8Array[] {
  try {
    return decodeEntryBundle(bytes, width);
  } catch (error) {
    if (error instanceof CinnabarError)
      throw new CinnabarError(error.code, `${url}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** The body of `response`, refusing (with `code`) one longer than `limit` bytes without reading it all. */
function readBounded(
  response: Response,
  limit: number,
  url: string,
  code: CoreErrorCode,
): Promise<Uint8Array> {
  return readAtMost(
    response,
    limit,
    () => new CinnabarError(code, `${url} is longer than the ${limit} bytes it can be`),
  );
}

/** Index of the first 32-byte hash where `expected` and `served` differ, or -1; a wrong length throws. */
function firstDifference(expected: Uint8Array, served: Uint8Array): number {
  if (served.length !== expected.length)
    throw new CinnabarError('malformed_tile', `tile is ${served.length} bytes, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) if (expected[i] !== served[i]) return Math.floor(i / HASH_SIZE);
  return -1;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A promise that never rejects, so work started ahead of time cannot become an unhandled rejection. */
function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

function unwrap<T>(settled: Settled<T>): T {
  if (!settled.ok) throw settled.error;
  return settled.value;
}

/** Runs at most `max` tasks at once, in the order they were asked for. */
class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    }
  }
}
