/**
 * An audit of a node from the outside: its log downloaded through the C2SP tlog-tiles entry bundles,
 * every entry hashed into the tree and the root compared with the signed checkpoint, every
 * transaction's signature checked and the transaction replayed through core's rules, and the state
 * so rebuilt compared with what the node's API says. The state is saved, so the next run proves the
 * new checkpoint consistent with the one verified now and replays only what was appended since.
 */
import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import {
  base64Encode,
  bytesEqual,
  CinnabarError,
  decodeEntryBundle,
  entryBundlePath,
  LogVerifier,
  MAX_ENTRY_SIZE,
  TILE_WIDTH,
} from '@cinnabar/core';
import { useCompiledBodySchemas, useNodeCrypto } from '@cinnabar/node';
import { auditStateFile, loadAuditState, saveAuditState } from './audit-state.js';
import { type CompareOptions, type CompareResult, compareWithNode, type Divergence } from './compare.js';
import { checkOnThisThread, EntryCheckPool } from './entry-pool.js';
import { readBounded } from './read-bounded.js';
import { type FetchBundle, LogReplay, type RejectedEntry } from './replay.js';

export interface AuditOptions {
  /** The node's base URL; its log is at <url>/log/. */
  url: string;
  /** The log's verifier key text ("name+keyid+base64"): the trust anchor. */
  vkey: string;
  /** Where the audit state of each log is saved between runs. */
  stateDir: string;
  /**
   * Worker threads that check entries (hash, decode, signature, body) beside this one, which
   * applies them in order and checks too whenever it would otherwise wait; 0: all on this thread.
   */
  threads: number;
  /** Compare the replayed state with the node's API (false: verify and replay only). */
  compare: boolean;
  /** Ignore any saved state and audit from entry 0. */
  restart: boolean;
  /** Entries replayed so far, and the tree size they are going to. */
  onProgress?: (replayed: number, toReplay: number) => void;
  fetch?: typeof fetch;
  compareOptions?: Partial<CompareOptions>;
}

export const AUDIT_DEFAULTS = {
  stateDir: join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'cinnabar', 'audit'),
  /**
   * A checking thread for each core but this thread's: this one applies, and checks entries when
   * ahead (measured on 2 cores: 1 worker gave more than 2, which left 3 threads on 2 cores).
   */
  threads: Math.max(1, availableParallelism() - 1),
};

export interface AuditReport {
  /** No divergence, and every logged entry a valid transaction. */
  ok: boolean;
  origin: string;
  size: number;
  rootHash: string;
  /** The tree size of the saved state this run went on from (null: from entry 0). */
  resumedFrom: number | null;
  entries: { replayed: number; total: number; rejected: number };
  /** Logged entries that are not valid transactions at their place (the first ones). */
  rejected: RejectedEntry[];
  seconds: { replay: number; compare: number; total: number };
  /** Entries fetched, hashed, signature-checked and replayed per second, this run. */
  entriesPerSecond: number;
  stateFile: string;
  records: number;
  compared?: CompareResult['compared'] & { requests: number };
  divergences: Divergence[];
  divergenceCount: number;
}

/**
 * Audit the node at `options.url`. A failed verification of the log (signature, consistency with the
 * saved checkpoint, the root of the entries) throws CinnabarError; a saved state that cannot be
 * used throws AuditError('audit_state_invalid'); a divergence is in the report (ok: false).
 */
export async function auditNode(options: AuditOptions): Promise<AuditReport> {
  useNodeCrypto();
  useCompiledBodySchemas();
  const started = performance.now();
  const base = new URL(options.url);
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new TypeError(`the node URL must be http: or https:, not ${base.protocol}`);
  const nodeUrl = base.href.endsWith('/') ? base.href : `${base.href}/`;
  const logUrl = new URL('log/', nodeUrl).href;
  const fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const verifier = new LogVerifier({ baseUrl: logUrl, vkey: options.vkey, fetch: fetchFn });
  // The checking threads load while the checkpoint and the saved state are read.
  const pool = options.threads > 0 ? new EntryCheckPool(options.threads) : undefined;
  let replayed: number;
  let replayStart: number;
  let current: Awaited<ReturnType<LogVerifier['fetchCheckpoint']>>;
  let saved: Awaited<ReturnType<typeof loadAuditState>>;
  let replay: LogReplay;
  let from: number;
  const file = auditStateFile(options.stateDir, options.vkey);
  try {
    const ready = pool?.ready();
    ready?.catch(() => {}); // awaited below; if the audit fails first, the pool is closed and it fails too
    current = await verifier.fetchCheckpoint();
    saved = options.restart ? undefined : await loadAuditState(file, options.vkey);
    // RFC 9162 §2.1.4: the tree verified last time is a prefix of this one (the log only grew).
    if (saved) await verifier.verifyConsistency(saved.note, current);
    replay = saved?.replay ?? new LogReplay();
    from = replay.size;
    await ready;
    replayStart = performance.now();
    replayed = await replay.extend(
      bundleFetcher(logUrl, fetchFn),
      current.checkpoint.size,
      pool ?? checkOnThisThread,
      options.onProgress && ((n) => options.onProgress!(n, current.checkpoint.size - from)),
    );
  } finally {
    await pool?.close();
  }
  const { size, rootHash } = current.checkpoint;
  if (!bytesEqual(replay.root(), rootHash))
    throw new CinnabarError(
      'inconsistent_log',
      from === 0
        ? `the ${size} entries served do not hash to the checkpoint's root: the entries are not the log the checkpoint signs`
        : `entries ${from} to ${size - 1} served, after the ${from} verified before, do not hash to the checkpoint's root: they are not the log the checkpoint signs`,
    );
  const replaySeconds = (performance.now() - replayStart) / 1000;
  await saveAuditState(file, options.stateDir, { vkey: options.vkey, note: current.note, replay });

  let comparison: CompareResult | undefined;
  const compareStart = performance.now();
  if (options.compare)
    comparison = await compareWithNode(replay, nodeUrl, { ...options.compareOptions, fetch: fetchFn });
  const compareSeconds = (performance.now() - compareStart) / 1000;

  const divergenceCount = comparison?.divergenceCount ?? 0;
  return {
    ok: divergenceCount === 0 && replay.rejectedCount === 0,
    origin: verifier.origin,
    size,
    rootHash: base64Encode(rootHash),
    resumedFrom: saved ? saved.checkpoint.size : null,
    entries: { replayed, total: replay.size, rejected: replay.rejectedCount },
    rejected: replay.rejected,
    seconds: {
      replay: replaySeconds,
      compare: comparison ? compareSeconds : 0,
      total: (performance.now() - started) / 1000,
    },
    entriesPerSecond: replaySeconds > 0 ? replayed / replaySeconds : 0,
    stateFile: file,
    records: replay.ledger.size,
    ...(comparison ? { compared: { ...comparison.compared, requests: comparison.requests } } : {}),
    divergences: comparison?.divergences ?? [],
    divergenceCount,
  };
}

/** Largest entry bundle of `width` entries: each a 2-byte length and at most 65,535 bytes. */
const bundleLimit = (width: number) => width * (2 + MAX_ENTRY_SIZE);

/**
 * Fetches entry bundles (c2sp.org/tlog-tiles), bounded in size and decoded strictly; a partial
 * bundle the log no longer serves is read from the full one, as tlog-tiles allows.
 */
export function bundleFetcher(logUrl: string, fetchFn: typeof fetch): FetchBundle {
  const get = async (path: string, width: number): Promise<Uint8Array[] | undefined> => {
    const url = logUrl + path;
    let response: Response;
    try {
      response = await fetchFn(url);
    } catch (error) {
      throw new CinnabarError('fetch_failed', `GET ${url} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (response.status === 404) {
      await response.body?.cancel().catch(() => {});
      return undefined;
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      throw new CinnabarError('fetch_failed', `GET ${url}: HTTP ${response.status}`);
    }
    const limit = bundleLimit(width);
    const bytes = await readBounded(
      response,
      limit,
      () => new CinnabarError('malformed_tile', `${url} is longer than the ${limit} bytes it can be`),
      (error) =>
        new CinnabarError(
          'fetch_failed',
          `GET ${url}: reading the body failed: ${(error as Error).message}`,
          {
            cause: error,
          },
        ),
    );
    try {
      return decodeEntryBundle(bytes, width);
    } catch (error) {
      if (error instanceof CinnabarError)
        throw new CinnabarError(error.code, `${url}: ${error.message}`, { cause: error });
      throw error;
    }
  };
  return async (index, width) => {
    const bundle = await get(entryBundlePath(index, width), width);
    if (bundle) return bundle;
    const full = width < TILE_WIDTH ? await get(entryBundlePath(index, TILE_WIDTH), TILE_WIDTH) : undefined;
    if (!full)
      throw new CinnabarError('fetch_failed', `GET ${logUrl}${entryBundlePath(index, width)}: HTTP 404`);
    return full.slice(0, width);
  };
}
