import { join } from 'node:path';
import {
  encodeTransaction,
  identityKey,
  LEDGER_KEY,
  prepareTransaction,
  signTransaction,
  transactionId,
  verifierFromKey,
} from '@cinnabar/core';
import type { FastifyInstance } from 'fastify';
import { BLOB_STORE_DEFAULTS, BlobStore } from './blobs/blob-store.js';
import { useCompiledBodySchemas } from './compiled-schemas.js';
import { DATA_DIR_DEFAULTS, type DataDirOptions, initDataDir } from './data-dir.js';
import { buildApp } from './http/app.js';
import { LogReader } from './http/log-reader.js';
import { ProblemError } from './http/problems.js';
import { storedBlobFacts } from './ledger/accept.js';
import { NodeLedger } from './ledger/node-ledger.js';
import { verifySignatureOffThread } from './ledger/verify-pool.js';
import { loadLogState } from './log/log-state.js';
import { nodeNoteSigner } from './log/node-signer.js';
import { Sequencer, type SequencerOptions } from './log/sequencer.js';
import { useNodeCrypto } from './node-crypto.js';
import type { LogStorage } from './storage/log-storage.js';
import { openStorage } from './storage/open-storage.js';

export interface NodeOptions extends DataDirOptions {
  /** PostgreSQL URL; empty for the embedded SQLite database in the data directory. */
  databaseUrl: string | undefined;
  port: number;
  host: string;
  sequencer: Partial<SequencerOptions>;
  /** How often a node without the writer lock tries to take it (PostgreSQL fail-over), in ms. */
  writerRetryMs: number;
  logger: boolean;
  /** Largest blob accepted, in bytes. */
  maxBlobBytes: number;
  /** Farthest a transaction's time may be from this node's clock, in ms. */
  maxClockSkewMs: number;
  /** The built web app (a directory with index.html) to serve at `/`; none: API and log only. */
  webRoot: string | undefined;
}

export const NODE_DEFAULTS: NodeOptions = {
  ...DATA_DIR_DEFAULTS,
  databaseUrl: undefined,
  port: 7470,
  host: '127.0.0.1',
  sequencer: {},
  writerRetryMs: 2000,
  logger: false,
  maxBlobBytes: BLOB_STORE_DEFAULTS.maxBytes,
  maxClockSkewMs: 5 * 60 * 1000,
  webRoot: undefined,
};

export interface RunningNode {
  app: FastifyInstance;
  /** The log prefix URL, e.g. http://127.0.0.1:7470/log/ */
  logUrl: string;
  url: string;
  vkey: string;
  origin: string;
  storage: LogStorage;
  blobs: BlobStore;
  /** The operator's did:key (it signed the genesis transaction). */
  operator: string;
  /** The operator's key, for tools that act as the operator in this process (demo seeding). */
  operatorKey: { did: string; seed: Uint8Array };
  /** Whether this process currently holds the writer lock and sequences appends. */
  isSequencer(): boolean;
  close(): Promise<void>;
}

/**
 * Start a node: open (and on first use create) the data directory, open storage, take the writer
 * lock if free and recover the sequencer, then listen. A node that does not get the lock serves
 * reads and keeps trying to take over.
 */
export async function startNode(options: Partial<NodeOptions> = {}): Promise<RunningNode> {
  const opts: NodeOptions = { ...NODE_DEFAULTS, ...options };
  useNodeCrypto();
  useCompiledBodySchemas();
  const dataDir = await initDataDir({
    dataDir: opts.dataDir,
    ...(options.origin ? { origin: options.origin } : {}),
    operatorName: opts.operatorName,
    realNameToRegister: opts.realNameToRegister,
  });
  const origin = dataDir.config.origin;
  const storage = openStorage({ dataDir: opts.dataDir, databaseUrl: opts.databaseUrl });
  let sequencer: Sequencer | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let closing = false;
  try {
    await storage.init();
    const signer = nodeNoteSigner(dataDir.skey);
    const verifier = verifierFromKey(dataDir.vkey);

    const blobs = new BlobStore(join(opts.dataDir, 'blobs'), { maxBytes: opts.maxBlobBytes });
    await blobs.init();
    const reader = new LogReader(storage, () => sequencer);
    const running = (): Sequencer => {
      if (!sequencer) throw new ProblemError('not_sequencer', 'another process holds the writer lock');
      return sequencer;
    };
    const app = buildApp({
      reader,
      vkey: dataDir.vkey,
      appendToken: dataDir.appendToken,
      append: (entry) => running().append(entry),
      logger: opts.logger,
      ...(opts.webRoot === undefined ? {} : { web: { root: opts.webRoot } }),
      ledger: {
        tx: {
          submit: (entry, submission) => running().submit(entry, submission),
          blobFacts: storedBlobFacts(blobs),
          readBlob: (cid) => blobs.read(cid),
          // Ed25519 checks run on libuv's thread pool, off the event loop.
          verifySignature: verifySignatureOffThread,
          maxClockSkewMs: opts.maxClockSkewMs,
        },
        reads: storage,
        issuerSeed: dataDir.operator.seed,
        blobs: {
          blobs,
          maxBytes: opts.maxBlobBytes,
          isRegisteredIdentity: async (did) => (await storage.readState([identityKey(did)])).size > 0,
        },
      },
    });

    const scheduleRetry = (): void => {
      if (closing) return;
      retry = setTimeout(() => void tryToSequence(false), opts.writerRetryMs);
      retry.unref();
    };
    // Any failure gives the lock back, so that another process may take over. At start-up the
    // failure stops the node (a damaged log must not be served); later attempts log it and retry.
    const tryToSequence = async (atStart: boolean): Promise<void> => {
      if (closing || sequencer) return;
      try {
        if (!(await storage.tryAcquireWriterLock())) return scheduleRetry();
        const ledger = await NodeLedger.open(storage);
        const started = await Sequencer.start(storage, signer, verifier, origin, opts.sequencer, ledger);
        if (closing || !storage.holdsWriterLock()) {
          started.abort(new Error('the writer lock was lost while the sequencer started'));
          return scheduleRetry();
        }
        await ensureGenesis(started, storage, dataDir);
        sequencer = started;
      } catch (error) {
        await storage.releaseWriterLock().catch(() => {});
        if (atStart) throw error;
        app.log.error({ err: error }, 'could not become the sequencer; will retry');
        scheduleRetry();
      }
    };
    storage.onWriterLockLost((error) => {
      const lost = sequencer;
      sequencer = undefined;
      app.log.error({ err: error }, 'lost the writer lock; serving reads only');
      lost?.abort(error);
      scheduleRetry();
    });

    await tryToSequence(true);
    // A node that only reads checks the stored state too, before serving it.
    if (!sequencer) await loadLogState(storage, verifier, origin);
    await app.listen({ port: opts.port, host: opts.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : opts.port;
    const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}/`;
    return {
      app,
      url,
      logUrl: `${url}log/`,
      vkey: dataDir.vkey,
      origin,
      storage,
      blobs,
      operator: dataDir.operator.did,
      operatorKey: dataDir.operator,
      isSequencer: () => sequencer !== undefined,
      close: async () => {
        closing = true;
        if (retry) clearTimeout(retry);
        await app.close();
        await sequencer?.close();
        await storage.close();
      },
    };
  } catch (error) {
    closing = true;
    if (retry) clearTimeout(retry);
    await storage.close().catch(() => {});
    throw error;
  }
}

/**
 * A new ledger begins with the operator's genesis transaction: it names the operator (who issues
 * role credentials) and sets the policy from the data directory's configuration.
 */
async function ensureGenesis(
  sequencer: Sequencer,
  storage: LogStorage,
  dataDir: Awaited<ReturnType<typeof initDataDir>>,
): Promise<void> {
  if ((await storage.readState([LEDGER_KEY])).size > 0) return;
  const { did, seed } = dataDir.operator;
  const existing = (await storage.readState([identityKey(did)])).get(identityKey(did));
  const seq = existing === undefined ? 1 : (JSON.parse(existing) as { seq: number }).seq + 1;
  const tx = signTransaction(
    {
      v: 1,
      type: 'ledger.genesis',
      actor: did,
      seq,
      time: new Date().toISOString(),
      body: {
        name: dataDir.config.operatorName,
        policy: { realNameToRegister: dataDir.config.realNameToRegister },
      },
    },
    seed,
  );
  const prepared = prepareTransaction(tx);
  if (!prepared.ok) throw new Error(`the genesis transaction is invalid: ${prepared.message}`);
  const entry = encodeTransaction(tx);
  await sequencer.submit(entry, { prepared, txId: transactionId(entry) });
}
