import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifierFromKey, verifyReceipt } from '@cinnabar/core';
import {
  BlobStore,
  initDataDir,
  LogReader,
  type LogStorage,
  NODE_DEFAULTS,
  NodeLedger,
  nodeNoteSigner,
  openStorage,
  ProblemError,
  Sequencer,
  type SequencerOptions,
} from '@cinnabar/node';
import {
  type AcceptOptions,
  acceptTransaction,
  storedBlobFacts,
} from '../../packages/node/src/ledger/accept.js';
import { verifySignatureOffThread } from '../../packages/node/src/ledger/verify-pool.js';
import { nowMs, summarize } from '../support.js';
import { cpuPer, cpuTimeMs } from './cpu-time.js';
import {
  BenchIdentity,
  benchIdentities,
  identityEntries,
  type Registration,
  registrationEntries,
  writeBlobs,
} from './fixtures.js';

export interface RegistrationOptions {
  backend: 'sqlite' | 'postgres';
  databaseUrl?: string;
  /** Registrations in flight at once, one identity each (each identity's are sent in order). */
  concurrency: number;
  seconds: number;
  /**
   * Registrations per second to prepare for: `seconds` times this many are signed (and their blobs
   * stored) before the clock starts. A run that uses them all up ends early, and says so.
   */
  expectedPerSecond: number;
  /** Give every blob a geometry fingerprint, as real GLB uploads have (runs the near-duplicate search). */
  fingerprints: boolean;
  sequencer?: Partial<SequencerOptions>;
  /** Check signatures off the main thread (verify-pool.ts). In-process only. */
  offThreadVerify: boolean;
}

export const REGISTRATION_DEFAULTS: Omit<RegistrationOptions, 'backend'> = {
  concurrency: 64,
  seconds: 10,
  expectedPerSecond: 15_000,
  fingerprints: true,
  offThreadVerify: false,
};

export interface RegistrationResult {
  mode: 'in-process' | 'http';
  backend: string;
  concurrency: number;
  seconds: number;
  registrations: number;
  perSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** Bytes of the transaction log entries (the signed envelope with its metadata), on average. */
  entryBytes: number;
  /** Bytes of title, description and creators as JSON, on average. */
  metadataBytes: number;
  /** Refused or failed registrations, by problem code (none in a good run). */
  errors: Record<string, number>;
  /** Whether every prepared registration was sent before `seconds` were up (the run ended early). */
  exhausted: boolean;
  /**
   * CPU time per registration, in ms, from /proc (Linux): the node's process (all its threads), its
   * main thread (the event loop, which runs HTTP, the rules and SQLite), and the load generator
   * (autocannon; HTTP only). Not inflated by other load on the machine, unlike the rates.
   */
  cpuMsPerRegistration: { process?: number; mainThread?: number; client?: number };
  meanBatch?: number;
  fingerprints: boolean;
  offThreadVerify?: boolean;
}

/** What both benchmarks prepare: identities, their registrations, the blobs in a store directory. */
export async function prepareRegistrations(
  blobDir: string,
  options: Pick<RegistrationOptions, 'concurrency' | 'seconds' | 'expectedPerSecond' | 'fingerprints'>,
): Promise<{
  identities: BenchIdentity[];
  identityRegistrations: Uint8Array[];
  queues: Registration[][];
  metadataBytes: number;
  entryBytes: number;
}> {
  const identities = benchIdentities(`cinnabar-bench-${process.pid}-${Date.now()}`, options.concurrency);
  const identityRegistrations = identityEntries(identities);
  const perIdentity = Math.ceil((options.seconds * options.expectedPerSecond) / options.concurrency);
  // One time for all, two minutes ahead: registrations signed at the start of a long setup are
  // still within the node's five minutes of clock skew when they are sent.
  const time = new Date(Date.now() + 2 * 60_000).toISOString();
  const { queues, blobs, metadataBytes } = registrationEntries(
    identities,
    perIdentity,
    identities[0]!.did,
    time,
  );
  await writeBlobs(blobDir, blobs, options.fingerprints);
  const entries = queues.flat();
  const entryBytes = entries.reduce((sum, r) => sum + r.entry.length, 0) / entries.length;
  return { identities, identityRegistrations, queues, metadataBytes, entryBytes };
}

/**
 * Signed registrations through a real node's pipeline without HTTP: the same acceptTransaction
 * POST /v1/tx runs (decode, signature, time, rules, blob facts, sequencer with the ledger hook,
 * durable commit, receipt), with `concurrency` registrations in flight, for `seconds`.
 */
export async function registrationInProcess(
  options: Partial<RegistrationOptions> & Pick<RegistrationOptions, 'backend'>,
): Promise<RegistrationResult> {
  const opts: RegistrationOptions = { ...REGISTRATION_DEFAULTS, ...options };
  const dataDir = await mkdtemp(join(tmpdir(), 'cinnabar-bench-register-'));
  const storage: LogStorage = openStorage({ dataDir, databaseUrl: opts.databaseUrl });
  let sequencer: Sequencer | undefined;
  try {
    // The pieces startNode puts together, minus Fastify.
    const dir = await initDataDir({ dataDir });
    await storage.init();
    if (!(await storage.tryAcquireWriterLock())) throw new Error('could not take the writer lock');
    const ledger = await NodeLedger.open(storage);
    const origin = dir.config.origin;
    sequencer = await Sequencer.start(
      storage,
      nodeNoteSigner(dir.skey),
      verifierFromKey(dir.vkey),
      origin,
      opts.sequencer,
      ledger,
    );
    const running = sequencer;
    const blobs = new BlobStore(join(dataDir, 'blobs'));
    await blobs.init();
    const accept: AcceptOptions = {
      reader: new LogReader(storage, () => running),
      vkey: dir.vkey,
      submit: (entry, submission) => running.submit(entry, submission),
      blobFacts: storedBlobFacts(blobs),
      readBlob: (cid) => blobs.read(cid),
      maxClockSkewMs: NODE_DEFAULTS.maxClockSkewMs,
      ...(opts.offThreadVerify ? { verifySignature: verifySignatureOffThread } : {}),
    };

    const prepared = await prepareRegistrations(blobs.dir, opts);
    const operator = new BenchIdentity(dir.operator.seed);
    await acceptTransaction(
      operator.sign('ledger.genesis', {
        name: dir.config.operatorName,
        policy: { realNameToRegister: dir.config.realNameToRegister },
      }),
      accept,
    );
    await Promise.all(prepared.identityRegistrations.map((entry) => acceptTransaction(entry, accept)));

    const before = running.stats;
    const result = await drive(prepared.queues, opts.seconds, (entry) => acceptTransaction(entry, accept));
    const last = result.lastReceipt;
    if (last) {
      const verdict = verifyReceipt(last, { vkey: dir.vkey });
      if (!verdict.ok) throw new Error(`a receipt does not verify: ${JSON.stringify(verdict)}`);
    }
    const { batches, entries } = running.stats;
    const meanBatch = (entries - before.entries) / Math.max(1, batches - before.batches);
    return {
      mode: 'in-process',
      backend: opts.backend,
      concurrency: opts.concurrency,
      seconds: result.seconds,
      registrations: result.latencies.length,
      perSecond: result.latencies.length / result.seconds,
      latencyMs: pick(summarize(result.latencies)),
      entryBytes: Math.round(prepared.entryBytes),
      metadataBytes: Math.round(prepared.metadataBytes),
      errors: result.errors,
      exhausted: result.exhausted,
      cpuMsPerRegistration: result.cpu,
      meanBatch,
      fingerprints: opts.fingerprints,
      offThreadVerify: opts.offThreadVerify,
    };
  } finally {
    await sequencer?.close();
    await storage.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const pick = ({ p50, p99, max }: { p50: number; p99: number; max: number }) => ({ p50, p99, max });

/**
 * One loop per queue, each sending its registrations in order and awaiting each answer, until
 * `seconds` are up or the queues are empty.
 */
async function drive(
  queues: Registration[][],
  seconds: number,
  send: (entry: Uint8Array) => Promise<{ receipt: Parameters<typeof verifyReceipt>[0] }>,
): Promise<{
  seconds: number;
  latencies: number[];
  errors: Record<string, number>;
  exhausted: boolean;
  cpu: { process?: number; mainThread?: number };
  lastReceipt: Parameters<typeof verifyReceipt>[0] | undefined;
}> {
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let exhausted = false;
  let lastReceipt: Parameters<typeof verifyReceipt>[0] | undefined;
  const process0 = cpuTimeMs(process.pid);
  const main0 = cpuTimeMs(process.pid, process.pid);
  const start = nowMs();
  const end = start + seconds * 1000;
  await Promise.all(
    queues.map(async (queue) => {
      for (const { entry } of queue) {
        if (nowMs() >= end) return;
        const t0 = nowMs();
        try {
          lastReceipt = (await send(entry)).receipt;
          latencies.push(nowMs() - t0);
        } catch (error) {
          const code = error instanceof ProblemError ? error.code : (error as Error).name;
          errors[code] = (errors[code] ?? 0) + 1;
          // The identity's later registrations would all be out of sequence.
          if (error instanceof ProblemError) return;
        }
      }
      exhausted = true;
    }),
  );
  const elapsed = (nowMs() - start) / 1000;
  const cpu = {
    process: cpuPer(process0, cpuTimeMs(process.pid), latencies.length),
    mainThread: cpuPer(main0, cpuTimeMs(process.pid, process.pid), latencies.length),
  };
  return { seconds: elapsed, latencies, errors, exhausted, cpu, lastReceipt };
}
