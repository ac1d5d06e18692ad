import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createKeyFile,
  generateIdentity,
  generateSignerKey,
  openKeyFile,
  vkeyFromSkey,
} from '@cinnabar/core';

export interface DataDirOptions {
  /** Directory holding the log key, configuration and (embedded backend) the database. */
  dataDir: string;
  /** The log's origin line, also the checkpoint key's name (C2SP tlog-checkpoint). */
  origin: string;
  /** The operator's name, as its genesis transaction registers it. */
  operatorName: string;
  /** The policy the genesis transaction sets: must registrants hold a real-name credential? */
  realNameToRegister: boolean;
}

export const DATA_DIR_DEFAULTS: DataDirOptions = {
  dataDir: './cinnabar-data',
  origin: 'localhost/cinnabar',
  operatorName: 'Cinnabar node operator',
  realNameToRegister: false,
};

const CONFIG_FILE = 'config.json';
const LOG_KEY_FILE = 'log.key';
const LOG_VKEY_FILE = 'log.vkey';
const APPEND_TOKEN_FILE = 'append.token';
/** The operator's identity: a Cinnabar key file (plain; the directory is owner-only). */
export const OPERATOR_KEY_FILE = 'operator.key.json';

export interface NodeConfig {
  origin: string;
  operatorName: string;
  realNameToRegister: boolean;
}

export interface DataDir {
  dir: string;
  config: NodeConfig;
  /** The checkpoint signing key (C2SP signed-note private key text). */
  skey: string;
  /** Its verifier key, "name+id+key". */
  vkey: string;
  /** Bearer token that authorizes raw appends (operator only). */
  appendToken: string;
  /** The operator's did:key and Ed25519 seed: it signs the genesis and issues role credentials. */
  operator: { did: string; seed: Uint8Array };
}

/** Origins are printable ASCII without spaces or '+' (they are also the signed-note key name). */
export function checkOrigin(origin: string): void {
  if (!/^[\x21-\x2a\x2c-\x7e]{1,255}$/.test(origin))
    throw new Error(
      `origin ${JSON.stringify(origin)} must be 1-255 printable ASCII characters without spaces or '+'`,
    );
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Write a file whole or not at all: to a temporary name, flushed, then renamed over `path`.
 * Secrets are created owner-only (0600) from the start.
 */
async function writeFileAtomic(path: string, content: string, mode = 0o644): Promise<void> {
  const temporary = `${path}.tmp`;
  const handle = await open(temporary, 'w', mode);
  try {
    await handle.chmod(mode);
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
}

/**
 * Create the data directory and the log key on first use. Running it again on an initialized
 * directory changes nothing and returns what is there; asking for another origin is an error.
 */
export async function initDataDir(
  options: Partial<DataDirOptions> = {},
): Promise<DataDir & { created: boolean }> {
  const { dataDir, origin, operatorName, realNameToRegister } = { ...DATA_DIR_DEFAULTS, ...options };
  checkOrigin(origin);
  if (await exists(join(dataDir, CONFIG_FILE))) {
    // A directory from before operators existed gets its operator key now.
    if (!(await exists(join(dataDir, OPERATOR_KEY_FILE))))
      await writeFileAtomic(
        join(dataDir, OPERATOR_KEY_FILE),
        await createKeyFile({ seed: generateIdentity().seed, name: operatorName }),
        0o600,
      );
    const existing = await loadDataDir(dataDir);
    if (options.origin !== undefined && existing.config.origin !== origin)
      throw new Error(
        `${dataDir} already holds the log for origin ${existing.config.origin}, not ${origin}; choose another --data directory`,
      );
    return { ...existing, created: false };
  }
  // Only a directory made here is restricted; an existing one (say, --data .) keeps its mode.
  if ((await mkdir(dataDir, { recursive: true, mode: 0o700 })) !== undefined) await chmod(dataDir, 0o700);
  // Files left by an initialization that was interrupted (no config.json yet) were never used by a
  // node, so they are replaced. config.json is renamed into place last: it marks a complete init.
  const { skey, vkey } = generateSignerKey(origin);
  await writeFileAtomic(join(dataDir, LOG_KEY_FILE), `${skey}\n`, 0o600);
  await writeFileAtomic(join(dataDir, APPEND_TOKEN_FILE), `${randomBytes(32).toString('hex')}\n`, 0o600);
  await writeFileAtomic(join(dataDir, LOG_VKEY_FILE), `${vkey}\n`);
  const operator = generateIdentity();
  await writeFileAtomic(
    join(dataDir, OPERATOR_KEY_FILE),
    await createKeyFile({ seed: operator.seed, name: operatorName }),
    0o600,
  );
  await writeFileAtomic(
    join(dataDir, CONFIG_FILE),
    `${JSON.stringify({ origin, operatorName, realNameToRegister } satisfies NodeConfig, null, 2)}\n`,
  );
  return { ...(await loadDataDir(dataDir)), created: true };
}

/** Read an initialized data directory, checking that its files agree. */
export async function loadDataDir(dataDir: string): Promise<DataDir> {
  const read = async (name: string) => {
    try {
      return (await readFile(join(dataDir, name), 'utf8')).trim();
    } catch (cause) {
      throw new Error(
        `${join(dataDir, name)} is missing or unreadable; run \`cinnabar init --data ${dataDir}\``,
        {
          cause,
        },
      );
    }
  };
  const config = JSON.parse(await read(CONFIG_FILE)) as NodeConfig;
  if (typeof config.origin !== 'string') throw new Error(`${join(dataDir, CONFIG_FILE)} has no origin`);
  config.operatorName ??= DATA_DIR_DEFAULTS.operatorName;
  config.realNameToRegister ??= DATA_DIR_DEFAULTS.realNameToRegister;
  if (typeof config.operatorName !== 'string' || typeof config.realNameToRegister !== 'boolean')
    throw new Error(
      `${join(dataDir, CONFIG_FILE)}: operatorName must be a string, realNameToRegister a boolean`,
    );
  checkOrigin(config.origin);
  const skey = await read(LOG_KEY_FILE);
  const vkey = vkeyFromSkey(skey);
  if ((await read(LOG_VKEY_FILE)) !== vkey)
    throw new Error(`${join(dataDir, LOG_VKEY_FILE)} does not match ${join(dataDir, LOG_KEY_FILE)}`);
  if (!vkey.startsWith(`${config.origin}+`))
    throw new Error(`the log key's name is not the configured origin ${config.origin}`);
  const appendToken = await read(APPEND_TOKEN_FILE);
  // An empty or short token would let anyone append: refuse to run with one.
  if (!/^[0-9a-f]{64}$/.test(appendToken))
    throw new Error(
      `${join(dataDir, APPEND_TOKEN_FILE)} must hold 64 hex digits (it is created by cinnabar init)`,
    );
  const operator = await openKeyFile(await read(OPERATOR_KEY_FILE)).catch((cause: unknown) => {
    throw new Error(`${join(dataDir, OPERATOR_KEY_FILE)}: ${(cause as Error).message}`, { cause });
  });
  return {
    dir: dataDir,
    config,
    skey,
    vkey,
    appendToken,
    operator: { did: operator.did, seed: operator.seed },
  };
}
