// Crash safety of a real node: several clients append while the `cinnabar serve` process is
// SIGKILLed at random moments and restarted on the same data directory (or database), KILLS times
// per backend. After every restart:
//   1. every acknowledged append (201 {"index": n}) is in the log at exactly index n;
//   2. the new checkpoint is consistent with every distinct checkpoint note published before the
//      kill (each one the poller saw in that cycle, and the checkpoints of earlier cycles);
//   3. the verifier's full audit passes (run after EVERY restart: it is fast enough at this size);
//   4. the size never shrinks and no acknowledged index is ever handed out twice.
// The node must also restart with no manual step, as the sequencer, every time; a few more nodes
// are killed while they start up (STARTUP_KILL_CYCLES), and the last one must still append and stop
// cleanly on SIGTERM. A node's stdout and stderr are part of every failure message.
//
// The kill moments and entry sizes come from a seeded PRNG: the seed is printed, and
// CINNABAR_CRASH_SEED=<seed> replays the same schedule (thread timing still varies).
import assert from 'node:assert/strict';
import { watch } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  decodeEntryBundle,
  decodeTransaction,
  entryBundlePath,
  entryBundleWidth,
  LogVerifier,
  MAX_ENTRY_SIZE,
  parseTilePath,
  TILE_WIDTH,
  type VerifiedCheckpoint,
} from '@cinnabar/core';
import { type PostgresServer, startPostgres } from '../../node/test/support/postgres-server.js';
import { prng } from '../../node/test/support/prng.js';
import {
  findStablePort,
  type KilledStart,
  killAllNodeProcesses,
  NodeProcess,
} from './support/node-process.js';

/** SIGKILLs per backend. */
const KILLS = 20;
/**
 * Before the restart after these cycles' kills, one more node is started and SIGKILLed during its own
 * start-up (STARTUP_KILL_DELAY_MS after spawn: loading, opening and recovering the crashed storage,
 * or just listening), on top of the KILLS kills under load. Never on the very first start: a kill
 * while `serve` creates the data directory is not covered here (initDataDir writes log.key,
 * append.token, log.vkey and config.json one after the other, and a directory holding only some of
 * them is refused at the next start).
 */
const STARTUP_KILL_CYCLES = new Set([5, 10, 15, 20]);
const STARTUP_KILL_DELAY_MS = { min: 400, max: 1000 } as const;
/** Concurrent appending clients. */
const CLIENTS = 6;
/** The kill comes this long after the clients start (uniformly random in the range). */
const KILL_DELAY_MS = { min: 50, max: 600 } as const;
/** Pause between two checkpoint fetches of the poller. */
const POLL_INTERVAL_MS = 3;
/** A single append that takes longer than this fails the run (the node is local and idle otherwise). */
const REQUEST_TIMEOUT_MS = 15_000;
const TEST_TIMEOUT_MS = 240_000;

const SEED = process.env.CINNABAR_CRASH_SEED
  ? Number(process.env.CINNABAR_CRASH_SEED) >>> 0
  : Math.floor(Math.random() * 2 ** 32);
console.log(`crash-safety seed: ${SEED} (replay with CINNABAR_CRASH_SEED=${SEED})`);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Entries: unique, self-describing, of varied sizes, and checkable byte for byte
// ---------------------------------------------------------------------------------------------

const HEADER = /^crash c=(\d+) k=(\d+) s=(\d+) n=(\d+)\n/;

/** Mostly small entries, some of a few KiB, and now and then one at or near the 65,535-byte limit. */
function entrySize(random: () => number): number {
  const r = random();
  if (r < 0.6) return 40 + Math.floor(random() * 260);
  if (r < 0.9) return 300 + Math.floor(random() * 2_700);
  if (r < 0.98) return 3_000 + Math.floor(random() * 17_000);
  return random() < 0.4 ? MAX_ENTRY_SIZE : MAX_ENTRY_SIZE - Math.floor(random() * 600);
}

/** Entry `seq` of client `client` in cycle `cycle`: a header naming it, then filler derived from it. */
function makeEntry(cycle: number, client: number, seq: number, size: number): Uint8Array<ArrayBuffer> {
  const header = new TextEncoder().encode(`crash c=${cycle} k=${client} s=${seq} n=${size}\n`);
  const length = Math.max(size, header.length);
  const entry = new Uint8Array(length);
  entry.set(header);
  let x = (cycle * 7919 + client * 104_729 + seq * 31 + length) >>> 0;
  for (let i = header.length; i < length; i++) {
    x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
    entry[i] = x >>> 24;
  }
  return entry;
}

const entryKey = (cycle: number, client: number, seq: number) => `${cycle}/${client}/${seq}`;

/** The key of a well-formed test entry (its header and filler regenerate it exactly), or undefined. */
function parseEntry(entry: Uint8Array): string | undefined {
  const head = new TextDecoder().decode(entry.subarray(0, 64));
  const m = HEADER.exec(head);
  if (!m) return undefined;
  const [cycle, client, seq, size] = [m[1], m[2], m[3], m[4]].map(Number) as [number, number, number, number];
  const expected = makeEntry(cycle, client, seq, size);
  return Buffer.from(expected).equals(Buffer.from(entry)) ? entryKey(cycle, client, seq) : undefined;
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** Size of a signed checkpoint note (its second line). */
function noteSize(note: string): number {
  return Number(note.split('\n')[1]);
}

/** Run `fn` over `items` with at most `limit` in flight. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

// ---------------------------------------------------------------------------------------------
// The harness
// ---------------------------------------------------------------------------------------------

interface CycleRecord {
  cycle: number;
  /** Indices acknowledged in this cycle. */
  acked: number[];
  /** Every distinct checkpoint note the poller saw while this node ran. */
  notes: Set<string>;
  maxSeenSize: number;
  failedRequests: number;
}

interface Totals {
  kills: number;
  acked: number;
  /** Appends cut off by the kill (connection reset or refused): in flight, never answered. */
  cutOff: number;
  /** Acknowledged entries checked directly after the restart that followed their cycle's kill. */
  checkedDirect: number;
  /** Acknowledged entries checked again, through the audit's entry bundles, summed over restarts. */
  checkedByAudit: number;
  /** Appends that got no answer (the kill) but were committed anyway. */
  unackedInLog: number;
  consistencyProofs: number;
  /** Kills of a node still starting up: [before it listened, after]. */
  startupKills: [number, number];
  size: number;
  auditMs: number;
  startMs: number;
}

/** The state of one backend's run: what was acknowledged and seen, across all its cycles. */
class CrashHarness {
  /** Kill delays and entry sizes: the reproducible schedule. */
  readonly random: () => number;
  /** Which entries get an inclusion proof (drawn a timing-dependent number of times, so kept apart). */
  private readonly sampler: () => number;
  /** index → the acknowledged entry, over all cycles. */
  readonly acked = new Map<number, Uint8Array>();
  /** entry key → its acknowledged index. */
  readonly ackedKeys = new Map<string, number>();
  /** Keys of every entry ever sent. */
  readonly attempted = new Set<string>();
  /** Checkpoints from earlier cycles to check every later tree against (largest seen, post-restart). */
  readonly milestones = new Set<string>();
  /** Broken promises found while the load ran (they fail the run at the next check). */
  readonly violations: string[] = [];
  /** Non-201 HTTP answers to appends, by status and problem (a connection error is not an answer). */
  readonly refusals = new Map<string, number>();
  readonly totals: Totals = {
    kills: 0,
    acked: 0,
    cutOff: 0,
    checkedDirect: 0,
    checkedByAudit: 0,
    unackedInLog: 0,
    consistencyProofs: 0,
    startupKills: [0, 0],
    size: 0,
    auditMs: 0,
    startMs: 0,
  };
  /** Largest tree size seen in any checkpoint so far. */
  private highWater = 0;
  token = '';
  vkey = '';
  /** The last few node processes, newest last, for the failure report. */
  readonly recent: NodeProcess[] = [];

  constructor(
    readonly name: string,
    readonly dataDir: string,
    readonly port: number,
    readonly databaseUrl: string | undefined,
    seed: number,
  ) {
    this.random = prng(seed);
    this.sampler = prng(seed ^ 0x51a3);
  }

  async start(): Promise<NodeProcess> {
    const t0 = performance.now();
    const node = await NodeProcess.start({
      dataDir: this.dataDir,
      port: this.port,
      databaseUrl: this.databaseUrl,
    });
    this.totals.startMs += performance.now() - t0;
    this.recent.push(node);
    if (this.recent.length > 3) this.recent.shift();
    assert.equal(node.url, `http://127.0.0.1:${this.port}/`);
    assert.match(node.mode, /, sequencer$/, `the restarted node is not the sequencer: ${node.mode}`);
    if (!this.token) {
      this.token = (await readFile(join(this.dataDir, 'append.token'), 'utf8')).trim();
      this.vkey = (await readFile(join(this.dataDir, 'log.vkey'), 'utf8')).trim();
    }
    return node;
  }

  /** Start a node and SIGKILL it during start-up (see STARTUP_KILL_CYCLES). */
  async killDuringStart(): Promise<void> {
    const { min, max } = STARTUP_KILL_DELAY_MS;
    const delay = min + Math.floor(this.random() * (max - min));
    const options = { dataDir: this.dataDir, port: this.port, databaseUrl: this.databaseUrl };
    const { exit, listening, output } = await NodeProcess.killDuringStart(options, delay);
    assert.equal(exit.signal, 'SIGKILL', `the node did not live ${delay} ms into its start:\n${output}`);
    this.totals.startupKills[listening ? 1 : 0]++;
  }

  /** Appends from CLIENTS clients and a checkpoint poller, until the node is SIGKILLed after `delayMs`. */
  async loadAndKill(node: NodeProcess, cycle: number, delayMs: number): Promise<CycleRecord> {
    const record: CycleRecord = { cycle, acked: [], notes: new Set(), maxSeenSize: 0, failedRequests: 0 };
    let stop = false;
    const sizes = prng(this.random() * 2 ** 32);

    const client = async (k: number) => {
      for (let seq = 0; !stop; seq++) {
        const entry = makeEntry(cycle, k, seq, entrySize(sizes));
        const key = entryKey(cycle, k, seq);
        this.attempted.add(key);
        let status: number;
        let text: string;
        try {
          const response = await fetch(`${node.url}v1/log/entries`, {
            method: 'POST',
            headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/octet-stream' },
            body: entry,
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
          status = response.status;
          text = await response.text();
        } catch (error) {
          // Connection reset or refused by the kill: the append may or may not be in the log.
          record.failedRequests++;
          if (!stop && !node.hasExited && (error as Error).name === 'TimeoutError')
            this.violations.push(`cycle ${cycle}: append ${key} got no answer in ${REQUEST_TIMEOUT_MS} ms`);
          continue;
        }
        if (status !== 201) {
          const problem = /"code"\s*:\s*"([^"]+)"/.exec(text)?.[1] ?? text.slice(0, 80);
          const what = `${status} ${problem}`;
          this.refusals.set(what, (this.refusals.get(what) ?? 0) + 1);
          await sleep(5);
          continue;
        }
        let index: unknown;
        try {
          index = (JSON.parse(text) as { index: unknown }).index;
        } catch {
          index = undefined;
        }
        if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) {
          this.violations.push(`cycle ${cycle}: append ${key} acknowledged with a bad index: ${text}`);
          continue;
        }
        const holder = this.acked.get(index);
        if (holder) {
          this.violations.push(
            `cycle ${cycle}: index ${index} acknowledged twice: for ${key} and before for ${parseEntry(holder)}`,
          );
          continue;
        }
        this.acked.set(index, entry);
        this.ackedKeys.set(key, index);
        record.acked.push(index);
      }
    };

    const poller = async () => {
      let last = 0;
      while (!stop) {
        try {
          const response = await fetch(`${node.url}log/checkpoint`, {
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
          const note = await response.text();
          if (response.status === 200) {
            const size = noteSize(note);
            if (size < last)
              this.violations.push(`cycle ${cycle}: the served checkpoint went from size ${last} to ${size}`);
            last = Math.max(last, size);
            record.notes.add(note);
            record.maxSeenSize = Math.max(record.maxSeenSize, size);
          } else if (!stop) {
            this.violations.push(`cycle ${cycle}: GET /log/checkpoint answered ${response.status}: ${note}`);
          }
        } catch {
          // the kill
        }
        await sleep(POLL_INTERVAL_MS);
      }
    };

    const running = [poller(), ...Array.from({ length: CLIENTS }, (_, k) => client(k))];
    await sleep(delayMs);
    const stderrBefore = node.stderr;
    stop = true; // no new requests; the ones in flight stay in flight through the kill
    const exit = await node.kill('SIGKILL');
    this.totals.kills++;
    assert.equal(exit.signal, 'SIGKILL', `the node was not killed by SIGKILL: ${node.report()}`);
    await Promise.all(running);
    if (stderrBefore.trim()) console.log(`[${this.name}] cycle ${cycle}: node stderr:\n${stderrBefore}`);
    this.totals.acked += record.acked.length;
    this.totals.cutOff += record.failedRequests;
    return record;
  }

  /** Everything the issue asks for after a restart; `record` is the cycle that ended with the kill. */
  async checkAfterRestart(node: NodeProcess, record: CycleRecord | undefined): Promise<void> {
    assert.deepEqual(this.violations, [], 'broken promises seen while the load ran');
    const verifier = new LogVerifier({ baseUrl: node.logUrl, vkey: this.vkey });
    const current = await verifier.fetchCheckpoint();
    const size = current.checkpoint.size;
    const cycle = record ? `after the kill of cycle ${record.cycle}` : 'on the fresh log';

    // (4) The size never shrinks: not below any checkpoint seen, nor below an acknowledged index.
    assert.ok(
      size >= this.highWater,
      `${cycle}: the log shrank: size ${size} after a checkpoint of size ${this.highWater} was served`,
    );
    const maxAcked = record && record.acked.length > 0 ? Math.max(...record.acked) : -1;
    assert.ok(size > maxAcked, `${cycle}: size ${size} does not hold acknowledged index ${maxAcked}`);
    if (record) assert.ok(size >= record.maxSeenSize);
    this.highWater = size;
    this.totals.size = size;

    // (1) This cycle's acknowledged entries, byte for byte, fetching only the bundles holding them.
    if (record) await this.checkAcknowledged(node, current, record);

    // (2) Consistency with every distinct checkpoint published before the kill.
    const notes = [...(record?.notes ?? []), ...this.milestones];
    await eachLimited([...new Set(notes)], 4, async (note) => {
      try {
        await verifier.verifyConsistency(note, current);
      } catch (error) {
        throw new Error(
          `${cycle}: the tree of size ${size} is not consistent with the checkpoint of size ${noteSize(note)} published before: ${(error as Error).message}`,
          { cause: error },
        );
      }
    });
    this.totals.consistencyProofs += new Set(notes).size;
    // Later trees must extend this one and the largest checkpoint seen in this cycle.
    this.milestones.add(current.note);
    const largest = [...(record?.notes ?? [])].sort((a, b) => noteSize(b) - noteSize(a))[0];
    if (largest) this.milestones.add(largest);

    // A few inclusion proofs of this cycle's entries, through the verifier.
    const sample = (record?.acked ?? []).filter(() => this.sampler() < 0.02).slice(0, 5);
    for (const index of sample) {
      const proven = await verifier.verifyInclusion(index, current);
      assert.ok(sameBytes(proven.entry, this.acked.get(index)!), `${cycle}: entry ${index} differs`);
    }

    // (3) The full audit; its entry bundles also re-check every acknowledged entry of every cycle.
    await this.audit(node, current, cycle);
  }

  private async checkAcknowledged(
    node: NodeProcess,
    current: VerifiedCheckpoint,
    record: CycleRecord,
  ): Promise<void> {
    const size = current.checkpoint.size;
    const bundles = [...new Set(record.acked.map((i) => Math.floor(i / TILE_WIDTH)))].sort((a, b) => a - b);
    await eachLimited(bundles, 4, async (bundle) => {
      const width = entryBundleWidth(bundle, size);
      const url = `${node.logUrl}${entryBundlePath(bundle, width)}`;
      const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      assert.equal(response.status, 200, `GET ${url}`);
      const entries = decodeEntryBundle(new Uint8Array(await response.arrayBuffer()), width);
      entries.forEach((entry, i) => {
        const index = bundle * TILE_WIDTH + i;
        const expected = this.acked.get(index);
        if (expected)
          assert.ok(
            sameBytes(entry, expected),
            `after the kill of cycle ${record.cycle}: acknowledged entry ${index} (${parseEntry(expected)}) is not in the log at its index: found ${parseEntry(entry) ?? 'something else'}`,
          );
      });
    });
    this.totals.checkedDirect += record.acked.length;
  }

  /**
   * LogVerifier.audit of the current tree, through a fetch that also decodes every entry bundle the
   * audit reads: each index must hold the entry acknowledged for it (any cycle), or else an entry
   * that was sent but got no answer; and no entry may be in the log twice.
   */
  private async audit(node: NodeProcess, current: VerifiedCheckpoint, cycle: string): Promise<void> {
    const size = current.checkpoint.size;
    const seen = new Uint8Array(size);
    const where = new Map<string, number>();
    const problems: string[] = [];
    let unacked = 0;
    const onBundle = (bundle: number, width: number, bytes: Uint8Array) => {
      const entries = decodeEntryBundle(bytes, width);
      entries.forEach((entry, i) => {
        const index = bundle * TILE_WIDTH + i;
        if (index >= size || seen[index]) return;
        seen[index] = 1;
        const expected = this.acked.get(index);
        const key = parseEntry(entry);
        // A new ledger begins with the operator's genesis transaction.
        if (index === 0 && !expected && isGenesis(entry)) return;
        if (expected && !sameBytes(entry, expected))
          problems.push(`acknowledged entry ${index} (${parseEntry(expected)}) is now ${key ?? 'garbage'}`);
        if (!key) {
          problems.push(`entry ${index} is not an entry any client sent`);
          return;
        }
        if (!this.attempted.has(key)) problems.push(`entry ${index} (${key}) was never sent`);
        const other = where.get(key);
        if (other !== undefined) problems.push(`entry ${key} is in the log twice: at ${other} and ${index}`);
        where.set(key, index);
        const ackedAt = this.ackedKeys.get(key);
        if (ackedAt !== undefined && ackedAt !== index)
          problems.push(`entry ${key} was acknowledged at ${ackedAt} but is at ${index}`);
        if (!expected) unacked++;
      });
    };
    const recording: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const path = url.slice(node.logUrl.length);
      if (response.status !== 200 || !path.startsWith('tile/entries/')) return response;
      const bytes = new Uint8Array(await response.arrayBuffer());
      try {
        const parsed = parseTilePath(path);
        if (parsed.kind !== 'entries') throw new Error('not an entry bundle');
        onBundle(parsed.index, parsed.width, bytes);
      } catch (error) {
        problems.push(`${path}: ${(error as Error).message}`);
      }
      return new Response(bytes, { status: 200, headers: response.headers });
    };
    const verifier = new LogVerifier({ baseUrl: node.logUrl, vkey: this.vkey, fetch: recording });
    const t0 = performance.now();
    let result: Awaited<ReturnType<LogVerifier['audit']>>;
    try {
      result = await verifier.audit(current);
    } catch (error) {
      throw new Error(`${cycle}: the audit of size ${size} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.totals.auditMs += performance.now() - t0;
    assert.equal(result.entries, size);
    assert.deepEqual(problems.slice(0, 20), [], `${cycle}: ${problems.length} problems in the log's entries`);
    const missing = seen.indexOf(0);
    assert.equal(missing, -1, `${cycle}: the audit never read entry ${missing}`);
    for (const index of this.acked.keys())
      assert.ok(index < size, `${cycle}: acknowledged index ${index} is beyond size ${size}`);
    this.totals.checkedByAudit += this.acked.size;
    this.totals.unackedInLog = unacked;
  }

  /** What the last node processes wrote, for a failure message. */
  report(): string {
    return this.recent.map((node) => node.report()).join('\n\n');
  }
}

/** KILLS kill/restart cycles on one backend, then a last restart, check and clean stop. */
async function crashLoop(name: string, dataDir: string, databaseUrl: string | undefined, seed: number) {
  const started = performance.now();
  const port = await findStablePort(prng(seed ^ 0x5eed));
  const harness = new CrashHarness(name, dataDir, port, databaseUrl, seed);
  let node: NodeProcess | undefined;
  try {
    node = await harness.start();
    await harness.checkAfterRestart(node, undefined); // the fresh log: size 0, audit of nothing
    for (let cycle = 1; cycle <= KILLS; cycle++) {
      const delay =
        KILL_DELAY_MS.min + Math.floor(harness.random() * (KILL_DELAY_MS.max - KILL_DELAY_MS.min));
      const record = await harness.loadAndKill(node, cycle, delay);
      if (STARTUP_KILL_CYCLES.has(cycle)) await harness.killDuringStart();
      // A killed node restarts on the same data with no manual step, as the sequencer.
      node = await harness.start();
      await harness.checkAfterRestart(node, record);
    }
    // The survivor still appends, and stops cleanly on SIGTERM.
    const response = await fetch(`${node.url}v1/log/entries`, {
      method: 'POST',
      headers: { authorization: `Bearer ${harness.token}`, 'content-type': 'application/octet-stream' },
      body: makeEntry(KILLS + 1, 0, 0, 100),
    });
    const text = await response.text();
    assert.equal(response.status, 201, text);
    const { index } = JSON.parse(text) as { index: number };
    assert.equal(index, harness.totals.size, 'the first append after all restarts takes the next index');
    const exit = await node.stop();
    assert.equal(exit.code, 0, `the node did not stop cleanly on SIGTERM: ${node.report()}`);
  } catch (error) {
    if (node) await node.kill();
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(
      `[${name}] seed ${seed} (CINNABAR_CRASH_SEED=${seed}): ${message}\n\n--- the last node processes ---\n${harness.report()}`,
      { cause: error },
    );
  }
  const t = harness.totals;
  const refusals = [...harness.refusals].map(([what, n]) => `${n}× ${what}`).join(', ') || 'none';
  console.log(
    `[${name}] ${t.kills} kills, ${t.acked} acknowledged appends (each checked directly after its restart; ` +
      `${t.checkedByAudit} acknowledged-entry checks through the audits), final size ${t.size} ` +
      `(${t.cutOff} appends cut off by the kills, ${t.unackedInLog} of them committed anyway), ` +
      `${t.consistencyProofs} consistency proofs, ` +
      `${t.startupKills[0] + t.startupKills[1]} more kills during start-up (${t.startupKills[0]} before listening), ` +
      `refused appends: ${refusals}; node starts ${(t.startMs / 1000).toFixed(1)} s, audits ` +
      `${(t.auditMs / 1000).toFixed(1)} s, total ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  assert.equal(t.kills, KILLS);
  assert.equal(t.checkedDirect, t.acked);
  assert.ok(t.acked > 0, 'no append was ever acknowledged');
  return harness;
}

describe('crash safety: SIGKILL a real node while clients append', () => {
  const dirs: string[] = [];
  let postgres: PostgresServer | undefined;
  after(async () => {
    await killAllNodeProcesses();
    await postgres?.stop();
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  test(`SQLite: ${KILLS} kills and restarts lose no acknowledged append`, {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cinnabar-crash-sqlite-'));
    dirs.push(dir);
    await crashLoop('sqlite', join(dir, 'data'), undefined, SEED);
  });

  test(`PostgreSQL: ${KILLS} kills and restarts lose no acknowledged append`, {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    postgres = await startPostgres();
    const databaseUrl = await postgres.createDatabase('crash_safety');
    const dir = await mkdtemp(join(tmpdir(), 'cinnabar-crash-postgres-'));
    dirs.push(dir);
    await crashLoop('postgres', join(dir, 'data'), databaseUrl, (SEED + 1) >>> 0);
  });

  // A kill during the very first start, while `serve` writes the new data directory's files, must not
  // leave a directory the next start refuses (config.json, written last, marks a finished init).
  test('a node killed while it creates its data directory restarts with no manual step', {
    timeout: 60_000,
  }, async () => {
    const parent = await mkdtemp(join(tmpdir(), 'cinnabar-crash-init-'));
    dirs.push(parent);
    for (let attempt = 0; attempt < 3; attempt++) {
      const dataDir = join(parent, `data-${attempt}`);
      await mkdir(dataDir, { mode: 0o700 });
      // SIGKILL the node as soon as it creates log.key, its first file in the data directory (or after 30 s).
      const starting = NodeProcess.spawnToKill({ dataDir, port: 0 });
      const { exit, output } = await new Promise<KilledStart>((resolve) => {
        const kill = () => {
          watcher.close();
          clearTimeout(timer);
          resolve(starting.kill());
        };
        const watcher = watch(dataDir, (_event, file) => {
          if (file === 'log.key') kill();
        });
        const timer = setTimeout(kill, 30_000);
      });
      assert.equal(exit.signal, 'SIGKILL', output);
      const files = (await readdir(dataDir)).sort().join(', ');
      let node: NodeProcess;
      try {
        node = await NodeProcess.start({ dataDir, port: 0 });
      } catch (error) {
        throw new Error(
          `the node killed while it created its data directory (left holding: ${files || 'nothing'}) does not restart: ${(error as Error).message}`,
          { cause: error },
        );
      }
      const checkpoint = await fetch(`${node.logUrl}checkpoint`);
      assert.equal(checkpoint.status, 200, await checkpoint.text());
      await node.kill();
    }
  });
});

function isGenesis(entry: Uint8Array): boolean {
  try {
    return decodeTransaction(entry).type === 'ledger.genesis';
  } catch {
    return false;
  }
}
