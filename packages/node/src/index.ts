export {
  BLOB_STORE_DEFAULTS,
  BlobMismatchError,
  BlobStore,
  type BlobStoreOptions,
  BlobTooLargeError,
  type StagedBlob,
  type StoredBlob,
} from './blobs/blob-store.js';
export { useCompiledBodySchemas } from './compiled-schemas.js';
export {
  DATA_DIR_DEFAULTS,
  type DataDir,
  type DataDirOptions,
  initDataDir,
  loadDataDir,
} from './data-dir.js';
export { type DemoIdentity, type DemoWork, demoCollection } from './demo/catalogue.js';
export { type SeedResult, seedDemo } from './demo/seed.js';
export {
  ED25519_TABLES_ADDON_PATH,
  ed25519TablesUnavailable,
  useEd25519KeyTables,
} from './ed25519-tables.js';
export { type AppOptions, buildApp } from './http/app.js';
export {
  BLOB_ROUTES_DEFAULTS,
  type BlobRoutesLimits,
  type BlobRoutesOptions,
  blobRoutes,
  blobUploadRequestTimeout,
  requestBodyDeadline,
} from './http/blob-routes.js';
export { LogReader } from './http/log-reader.js';
export { PROBLEMS, type ProblemBody, type ProblemCode, ProblemError } from './http/problems.js';
export {
  type AcceptOptions,
  acceptTransaction,
  type SignatureCheck,
  storedBlobFacts,
} from './ledger/accept.js';
export {
  type LedgerResult,
  NodeLedger,
  type Submission,
  TransactionRejectedError,
} from './ledger/node-ledger.js';
export { VerifyPool, verifySignatureOffThread } from './ledger/verify-pool.js';
export { LogIntegrityError, loadLogState } from './log/log-state.js';
export { nodeNoteSigner } from './log/node-signer.js';
export {
  type BatchPlan,
  type LedgerHook,
  SEQUENCER_DEFAULTS,
  Sequencer,
  type SequencerOptions,
  SequencerUnavailableError,
} from './log/sequencer.js';
export * from './log/stored-tile.js';
export * from './media/inspect.js';
export { NODE_DEFAULTS, type NodeOptions, type RunningNode, startNode } from './node.js';
export { useNodeCrypto } from './node-crypto.js';
export {
  type AssetQuery,
  FenceError,
  type LedgerReads,
  type LogBatch,
  type LogStorage,
  type StateRow,
  StorageInUseError,
  type StoredCheckpoint,
} from './storage/log-storage.js';
export { openStorage, SQLITE_FILE } from './storage/open-storage.js';
export { PostgresStorage } from './storage/postgres-storage.js';
export { SqliteStorage } from './storage/sqlite-storage.js';
export { startWorker } from './worker-thread.js';
