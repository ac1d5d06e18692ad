import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  createKeyFile,
  generateIdentity,
  inspectKeyFile,
  MAX_KEY_FILE_BYTES,
  type OpenedKeyFile,
  openKeyFile,
} from '@cinnabar/core';
import { Command, Option } from 'commander';
import { type CliIo, jsonOption } from '../program.js';

export const ID_DEFAULTS = {
  /** Where `id new` writes and `id show` reads the identity key file. */
  keyFile: join(homedir(), '.cinnabar', 'key.json'),
  /** The environment variable holding the passphrase when --passphrase-file is not given. */
  passphraseEnv: 'CINNABAR_PASSPHRASE',
} as const;

/** Largest accepted passphrase file. */
const MAX_PASSPHRASE_FILE_BYTES = 64 * 1024;

const PASSPHRASE_HELP = `
The passphrase is read from --passphrase-file FILE or from the environment variable
${ID_DEFAULTS.passphraseEnv}, never from a command-line argument: arguments are visible to every
user of the machine (ps, /proc/PID/cmdline) and are kept in shell history. A single final newline
in the passphrase file is ignored.`;

export const passphraseFileOption = () =>
  new Option(
    '--passphrase-file <file>',
    `read the passphrase from FILE (else from $${ID_DEFAULTS.passphraseEnv}; there is no --passphrase, see below)`,
  );

/** The passphrase from --passphrase-file or the environment, or undefined if neither is given. */
async function readPassphrase(file: string | undefined): Promise<string | undefined> {
  if (file === undefined) {
    const value = process.env[ID_DEFAULTS.passphraseEnv];
    if (value === undefined) return undefined;
    if (value === '') throw new Error(`${ID_DEFAULTS.passphraseEnv} is set but empty`);
    return value;
  }
  const info = await stat(file);
  if (info.size > MAX_PASSPHRASE_FILE_BYTES) {
    throw new Error(`passphrase file ${file} is ${info.size} bytes, more than ${MAX_PASSPHRASE_FILE_BYTES}`);
  }
  const text = (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
  if (text === '') throw new Error(`passphrase file ${file} is empty`);
  return text;
}

/**
 * Opens the identity key file at `path`; an encrypted one with the passphrase from
 * --passphrase-file (`passphraseFile`) or the environment. Says what to do when it cannot.
 */
export async function loadKeyFile(
  path: string,
  passphraseFile: string | undefined,
): Promise<OpenedKeyFile & { file: string }> {
  const file = resolve(path);
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new Error(
      error.code === 'ENOENT'
        ? `there is no key file ${file}: create one with \`cinnabar id new --name NAME\`, or choose one with --key`
        : `cannot read the key file ${file}: ${error.message}`,
    );
  });
  if (info.size > MAX_KEY_FILE_BYTES) {
    throw new Error(`${file} is ${info.size} bytes, too large for a key file`);
  }
  const text = await readFile(file);
  const encrypted = inspectKeyFile(text).encrypted;
  const passphrase = encrypted ? await readPassphrase(passphraseFile) : undefined;
  if (encrypted && passphrase === undefined) {
    throw new Error(
      `the key file ${file} is encrypted: give its passphrase with --passphrase-file FILE or $${ID_DEFAULTS.passphraseEnv}`,
    );
  }
  return { ...(await openKeyFile(text, passphrase)), file };
}

/**
 * Writes `text` to `path` with mode 0600, never replacing an existing file: the text goes to a
 * temporary file in the same directory, is synced, then hard-linked to `path` (link fails if `path`
 * exists, atomically), so `path` is never seen half-written. The directory is created 0700.
 */
async function writeNewOwnerOnlyFile(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  const created = await mkdir(dir, { recursive: true, mode: 0o700 });
  if (created !== undefined) await chmod(dir, 0o700);
  const temp = join(dir, `.${randomBytes(8).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    try {
      await handle.chmod(0o600);
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(temp, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new Error(`${path} already exists; not overwriting it (choose another file with --out)`);
      }
      throw error;
    }
  } finally {
    await unlink(temp).catch(() => {});
  }
  const dirHandle = await open(dir, 'r');
  try {
    await dirHandle.sync();
  } catch {
    // Not every platform can sync a directory.
  } finally {
    await dirHandle.close();
  }
}

function idNewCommand(io: CliIo): Command {
  return new Command('new')
    .description('create a new identity (an Ed25519 did:key) and write its key file; prints the DID last')
    .option('--out <file>', 'key file to write (never overwritten)', ID_DEFAULTS.keyFile)
    .option('--name <name>', 'a label for the identity, stored in the key file')
    .addOption(passphraseFileOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `${PASSPHRASE_HELP}
Without a passphrase the private key is stored unencrypted; the file is owner-only (0600) either way.`,
    )
    .action(async (options: { out: string; name?: string; passphraseFile?: string; json?: boolean }) => {
      const out = resolve(options.out);
      if (
        await stat(out).then(
          () => true,
          () => false,
        )
      ) {
        throw new Error(`${out} already exists; not overwriting it (choose another file with --out)`);
      }
      const passphrase = await readPassphrase(options.passphraseFile);
      const { did, seed } = generateIdentity();
      const text = await createKeyFile({
        seed,
        ...(options.name === undefined ? {} : { name: options.name }),
        ...(passphrase === undefined ? {} : { passphrase }),
      });
      seed.fill(0);
      await writeNewOwnerOnlyFile(out, text);
      if (options.json) {
        io.out(JSON.stringify({ did, file: out, encrypted: passphrase !== undefined }));
        return;
      }
      io.out(`Wrote ${passphrase === undefined ? 'unencrypted' : 'encrypted'} key file ${out} (mode 0600).`);
      if (passphrase === undefined) {
        io.out('The private key is not encrypted: keep the file private, or use --passphrase-file.');
      }
      io.out(did);
    });
}

function idShowCommand(io: CliIo): Command {
  return new Command('show')
    .description(
      'show the identity in a key file: DID, name, creation time, whether encrypted (never the key)',
    )
    .option('--key <file>', 'key file to read', ID_DEFAULTS.keyFile)
    .addOption(jsonOption())
    .action(async (options: { key: string; json?: boolean }) => {
      const file = resolve(options.key);
      const info = await stat(file);
      if (info.size > MAX_KEY_FILE_BYTES) {
        throw new Error(`${file} is ${info.size} bytes, too large for a key file`);
      }
      const text = await readFile(file);
      const header = inspectKeyFile(text);
      // A plain file is opened, which proves its key is the DID's; an encrypted file's DID is read
      // from its header, without the passphrase.
      if (!header.encrypted) (await openKeyFile(text)).seed.fill(0);
      if (options.json) {
        io.out(
          JSON.stringify({
            did: header.did,
            ...(header.name === undefined ? {} : { name: header.name }),
            created: header.created,
            encrypted: header.encrypted,
            file,
          }),
        );
        return;
      }
      io.out(`DID:       ${header.did}`);
      if (header.name !== undefined) io.out(`Name:      ${header.name}`);
      io.out(`Created:   ${header.created}`);
      io.out(
        `Encrypted: ${
          header.scrypt
            ? `yes (scrypt N=${header.scrypt.N} r=${header.scrypt.r} p=${header.scrypt.p}, AES-256-GCM)`
            : 'no'
        }`,
      );
      io.out(`File:      ${file}`);
    });
}

/** `cinnabar id`: identity key files. */
export function idCommand(io: CliIo): Command {
  const id = new Command('id').description('identities: did:key Ed25519 key files');
  id.addCommand(idNewCommand(io));
  id.addCommand(idShowCommand(io));
  return id;
}
