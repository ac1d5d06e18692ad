import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * The native Ed25519 verifier with per-key tables (native/ed25519_tables.c, built by `npm run
 * build`): about five times faster than OpenSSL on a key it has a table for. Optional: where it is
 * not built, or is turned off, node-crypto.ts verifies with OpenSSL alone.
 */
interface Ed25519TablesAddon {
  /** The table of a point's multiples (tableBytes bytes, the point's encoding first), or null if the bytes are not a point. */
  buildTable(point: Uint8Array): Uint8Array | null;
  /**
   * Whether the encoding of [S]B - [k]A is R (OpenSSL's equation); S must be below L, and tableA
   * publicKey's table (a TypeError otherwise).
   */
  verify(
    tableB: Uint8Array,
    tableA: Uint8Array,
    signature: Uint8Array,
    publicKey: Uint8Array,
    message: Uint8Array,
  ): boolean;
  readonly tableBytes: number;
}

/** Where `npm run build` puts the addon (scripts/build-native.mjs), from src/ and from dist/ alike. */
export const ED25519_TABLES_ADDON_PATH = fileURLToPath(
  new URL('../native/build/ed25519_tables.node', import.meta.url),
);

/** The base point's encoding (RFC 8032 §5.1: y = 4/5, x even). */
const BASE_POINT = Uint8Array.from([0x58, ...new Array<number>(31).fill(0x66)]);

function load(): { addon: Ed25519TablesAddon; baseTable: Uint8Array } | { error: string } {
  try {
    const addon = createRequire(import.meta.url)(ED25519_TABLES_ADDON_PATH) as Ed25519TablesAddon;
    const baseTable = addon.buildTable(BASE_POINT);
    if (!baseTable) return { error: 'the addon does not decode the base point' };
    return { addon, baseTable };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

const loaded = load();
/** Off: OpenSSL alone (CINNABAR_ED25519_TABLES=off, or useEd25519KeyTables(false)). */
let enabled = process.env.CINNABAR_ED25519_TABLES !== 'off';

/** Whether signatures are checked with per-key tables in this thread. */
export function keyTablesInUse(): boolean {
  return enabled && !('error' in loaded);
}

/** Why the native verifier is not in use, or undefined if it is. */
export function ed25519TablesUnavailable(): string | undefined {
  if ('error' in loaded) return `the native Ed25519 verifier did not load: ${loaded.error}`;
  if (!enabled) return 'the native Ed25519 verifier is turned off';
  return undefined;
}

/**
 * Turn the per-key tables on or off in this thread, and in signature threads started after this
 * (they read CINNABAR_ED25519_TABLES). Off, every signature goes to OpenSSL: for comparing the two.
 */
export function useEd25519KeyTables(on: boolean): void {
  enabled = on;
  process.env.CINNABAR_ED25519_TABLES = on ? 'on' : 'off';
}

/** The table of a public key's point, or undefined without the addon (or if it is not a point). */
export function buildKeyTable(publicKey: Uint8Array): Uint8Array | undefined {
  if ('error' in loaded) return undefined;
  return loaded.addon.buildTable(publicKey) ?? undefined;
}

/**
 * OpenSSL's verdict (cofactorless: the encoding of [S]B - [k]A is R), computed with the key's
 * table. The caller has checked the sizes and that S < L.
 */
export function verifyWithKeyTable(
  table: Uint8Array,
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if ('error' in loaded) throw new Error(ed25519TablesUnavailable());
  return loaded.addon.verify(loaded.baseTable, table, signature, publicKey, message);
}
