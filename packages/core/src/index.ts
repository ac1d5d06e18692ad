// @cinnabar/core: browser-safe. Nothing here may import node:* (Biome enforces it).

export * from './base32.js';
export * from './base58.js';
export * from './base64.js';
export * from './bytes.js';
export * from './checkpoint.js';
export * from './cid.js';
export * from './did-key.js';
export * from './errors.js';
export * from './hash.js';
export * from './jcs.js';
export * from './key-file.js';
export * from './ledger/credentials.js';
export * from './ledger/memory-ledger.js';
export * from './ledger/records.js';
export * from './ledger/rules.js';
export * from './ledger/schemas.js';
export * from './merkle.js';
export * from './note.js';
export * from './receipt.js';
export * from './tiles.js';
export * from './tlog-proof.js';
export * from './tx/transaction.js';
export * from './upload-auth.js';
export * from './vc/eddsa-jcs-2022.js';
export * from './verifier.js';
