import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import {
  createCidHasher,
  MAX_RECEIPT_SIZE,
  parseJsonStrict,
  parseReceipt,
  RECEIPT_CHECKS,
  type Receipt,
  type ReceiptFacts,
  type ReceiptVerification,
  type RightsCredential,
  type RightsVerification,
  verifierFromKey,
  verifyReceipt,
  verifyRightsCredential,
} from '@cinnabar/core';
import { Command } from 'commander';
import { type CliIo, jsonOption } from '../program.js';
import { readVkey } from './log-verify.js';

/** Chunk size for hashing FILE: the file is streamed, never held in memory. */
const READ_CHUNK = 1024 * 1024;

const VERIFY_HELP = `
Everything is checked offline, in this order, stopping at the first failure:
  receipt     the entry decodes as a canonical signed transaction and txId is its SHA-256
  file        FILE's CID and size are the ones the transaction registers (only with FILE)
  signature   the actor's Ed25519 signature on the transaction
  inclusion   the RFC 9162 inclusion proof of the entry at its index in the checkpoint's tree
  checkpoint  the checkpoint's signature by the log key: --vkey if given (pinned), else the
              key in the receipt, which proves nothing about WHICH log signed it
  tlog-proof  the C2SP tlog-proof text in the receipt is the same proof

Exit status: 0 all checks passed, 1 a check failed, 2 bad arguments (missing or unreadable files).`;

class UsageError extends Error {}

/** Control characters and bidirectional overrides, which a hostile receipt could use to rewrite the terminal. */
const UNPRINTABLE = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The receipt file's bytes, at most one more than MAX_RECEIPT_SIZE (parseReceipt refuses more). */
async function readReceiptFile(path: string): Promise<Uint8Array> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new UsageError(`cannot read the receipt ${path}: ${reason(error)}`);
  }
  try {
    const buffer = new Uint8Array(MAX_RECEIPT_SIZE + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return buffer.subarray(0, length);
  } catch (error) {
    throw new UsageError(`cannot read the receipt ${path}: ${reason(error)}`);
  } finally {
    await handle.close();
  }
}

async function checkFile(path: string): Promise<void> {
  const info = await stat(path).catch((error: unknown) => {
    throw new UsageError(`cannot read ${path}: ${reason(error)}`);
  });
  if (!info.isFile()) throw new UsageError(`${path} is not a regular file`);
}

/** The CID and size of FILE, streamed through the CID hasher. */
async function hashFile(path: string): Promise<{ cid: string; size: number }> {
  const hasher = createCidHasher();
  let size = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK })) {
      hasher.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${reason(error)}`);
  }
  return { cid: hasher.digest(), size };
}

async function pinnedVkey(value: string): Promise<string> {
  const vkey = await readVkey(value);
  try {
    verifierFromKey(vkey);
  } catch (error) {
    throw new UsageError(
      `--vkey is neither a verifier key (name+id+key) nor a file holding one: ${reason(error)}`,
    );
  }
  return vkey;
}

export function verifyCommand(io: CliIo): Command {
  return new Command('verify')
    .description(
      "verify a transaction receipt offline: the transaction, its signature, its inclusion in the log and the log's signed checkpoint, and that FILE is the registered file",
    )
    .argument('[file]', 'the registered file (streamed; its CID and size must match the registration)')
    .option('--receipt <file>', 'the receipt (JSON) the node returned for the transaction')
    .option(
      '--credential <file>',
      'a rights certificate (the JSON credential from cinnabar certificate) instead of a receipt',
    )
    .option(
      '--vkey <vkey>',
      "the log verifier key (name+id+key), or a file holding it, to pin; without it the receipt's own key is used and nothing says which log signed",
    )
    .addOption(jsonOption())
    .addHelpText('after', VERIFY_HELP)
    .action(async (path: string | undefined, options: VerifyOptions) => {
      if ((options.receipt === undefined) === (options.credential === undefined)) {
        io.err('cinnabar verify: give --receipt FILE, or --credential FILE');
        io.exitCode = 2;
        return;
      }
      if (options.credential !== undefined) return verifyCredentialFile(io, options.credential, options);
      let result: ReceiptVerification;
      try {
        result = await verify(path, options);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        io.err(`cinnabar verify: ${error.message}`);
        io.exitCode = 2;
        return;
      }
      if (options.json) io.out(JSON.stringify(result));
      else printResult(io, result, path);
      if (!result.ok) io.exitCode = 1;
    });
}

interface VerifyOptions {
  receipt?: string;
  credential?: string;
  vkey?: string;
  json?: boolean;
}

/** Reads the arguments (UsageError if they cannot be read) and verifies; FILE is hashed only for a parsed receipt. */
async function verify(path: string | undefined, options: VerifyOptions): Promise<ReceiptVerification> {
  const bytes = await readReceiptFile(options.receipt!);
  const vkey = options.vkey === undefined ? undefined : await pinnedVkey(options.vkey);
  if (path !== undefined) await checkFile(path);
  let receipt: Receipt;
  try {
    receipt = parseReceipt(bytes);
  } catch (error) {
    return unreadable(reason(error), path !== undefined);
  }
  const file = path === undefined ? undefined : await hashFile(path);
  return verifyReceipt(receipt, {
    ...(vkey === undefined ? {} : { vkey }),
    ...(file === undefined ? {} : { file }),
  });
}

/** `cinnabar verify --credential FILE`: a rights certificate, checked offline. */
async function verifyCredentialFile(io: CliIo, path: string, options: VerifyOptions): Promise<void> {
  let result: RightsVerification | undefined;
  let credential: unknown;
  try {
    const bytes = await readReceiptFile(path);
    const vkey = options.vkey === undefined ? undefined : await pinnedVkey(options.vkey);
    try {
      credential = parseJsonStrict(bytes, { maxBytes: MAX_RECEIPT_SIZE, maxDepth: 12 });
    } catch (error) {
      credential = undefined;
      result = {
        ok: false,
        checks: [{ name: 'credential', ok: false, detail: reason(error) }],
        failed: 'credential',
      };
    }
    result ??= verifyRightsCredential(credential, vkey === undefined ? {} : { vkey });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`cinnabar verify: ${error.message.replace('the receipt', 'the credential')}`);
    io.exitCode = 2;
    return;
  }
  if (options.json) io.out(JSON.stringify(result));
  else {
    for (const check of result.checks)
      io.out(printable(`${check.ok ? 'ok    ' : 'FAILED'}  ${check.name.padEnd(10)}  ${check.detail}`));
    if (result.ok) {
      const subject = (credential as RightsCredential).credentialSubject;
      const what = subject.licence
        ? `licensee of ${subject.asset.id} (licence ${subject.licence.id})`
        : subject.edition
          ? `holder of edition ${subject.edition.number} of ${subject.edition.supply} of ${subject.asset.id}`
          : `owner of ${subject.asset.id}`;
      io.out('');
      io.out(printable(`verified: ${subject.id} became the ${what}, ${JSON.stringify(subject.asset.title)}`));
    } else io.err(printable(`FAILED at the ${result.failed} check: ${result.checks.at(-1)!.detail}`));
  }
  if (!result.ok) io.exitCode = 1;
}

/** The result for a receipt that does not even parse: its receipt check failed, nothing else ran. */
function unreadable(detail: string, withFile: boolean): ReceiptVerification {
  return {
    ok: false,
    checks: [{ name: 'receipt', ok: false, detail }],
    failed: 'receipt',
    notRun: RECEIPT_CHECKS.filter((name) => name !== 'receipt' && (withFile || name !== 'file')),
  };
}

function printResult(io: CliIo, result: ReceiptVerification, path: string | undefined): void {
  const out = (line: string) => io.out(printable(line));
  for (const name of RECEIPT_CHECKS) {
    const check = result.checks.find((c) => c.name === name);
    const label = name.padEnd(10);
    if (check) out(`${check.ok ? 'ok    ' : 'FAILED'}  ${label}  ${check.detail}`);
    else if (result.notRun.includes(name)) out(`-       ${label}  not run: an earlier check failed`);
    else if (name === 'file') out(`-       ${label}  not checked: no FILE given`);
  }
  const failed = result.checks.find((c) => !c.ok);
  if (failed) {
    io.err(printable(`FAILED at the ${failed.name} check: ${failed.detail}`));
    return;
  }
  out('');
  printFacts(out, result.facts!, path);
}

function printFacts(out: (line: string) => void, facts: ReceiptFacts, path: string | undefined): void {
  const row = (name: string, value: string) => out(`  ${name.padEnd(8)}  ${value}`);
  out(`verified: ${facts.type} by ${facts.actor}`);
  if (facts.asset) {
    row('cid', `${facts.asset.cid}${path === undefined ? '' : ` (${path})`}`);
    if (facts.asset.size !== undefined) row('size', `${facts.asset.size} bytes`);
    if (facts.asset.title !== undefined) row('title', JSON.stringify(facts.asset.title));
  }
  row('time', `${facts.time} (seq ${facts.seq})`);
  row('txId', facts.txId);
  row('log', `${facts.origin}, entry ${facts.index} of ${facts.treeSize}`);
  row(
    'log key',
    facts.pinned
      ? `${facts.vkey} (pinned with --vkey)`
      : `${facts.vkey} (taken from the receipt, NOT pinned: pass --vkey with the log's key)`,
  );
}
