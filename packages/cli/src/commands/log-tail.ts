import { setTimeout as sleep } from 'node:timers/promises';
import {
  CinnabarApiError,
  type CinnabarClient,
  decodeTransaction,
  type SignedTransaction,
  TILE_WIDTH,
  transactionId,
} from '@cinnabar/core';
import { Command } from 'commander';
import { type CliIo, jsonOption, processIo } from '../program.js';
import {
  checkpointSize,
  clientFor,
  describeApiError,
  printable,
  serverOption,
  shortDid,
  shortId,
} from './node-api.js';
import { parseInteger } from './serve.js';

export const LOG_TAIL_DEFAULTS = {
  /** Entries shown without --from. */
  count: 10,
  /** How often --follow polls the checkpoint. */
  intervalMs: 1000,
};

const LOG_TAIL_HELP = `
Each entry is one line: its index, its transaction type, the actor, and what it is about (an
asset's title, an identity's name…). Entries that are not transactions (raw operator appends)
show as "(raw entry, N bytes)". Entries are read from the log's tlog-tiles entry bundles and are
NOT verified here: \`cinnabar log verify URL --vkey KEY --audit\` checks them.`;

interface TailOptions {
  server: string;
  from?: number;
  count: number;
  follow?: boolean;
  interval: number;
  json?: boolean;
}

export function logTailCommand(io: CliIo): Command {
  return new Command('tail')
    .description('print the last entries of the log, one line each; --follow prints new ones as they come')
    .addOption(serverOption())
    .option(
      '--from <n>',
      'start at entry N (default: the last --count entries)',
      parseInteger(0, Number.MAX_SAFE_INTEGER),
    )
    .option(
      '-n, --count <n>',
      'how many of the last entries to show',
      parseInteger(0, 1_000_000),
      LOG_TAIL_DEFAULTS.count,
    )
    .option('-f, --follow', 'keep polling the checkpoint and print new entries until interrupted')
    .option(
      '--interval <ms>',
      'how often --follow polls',
      parseInteger(100, 3_600_000),
      LOG_TAIL_DEFAULTS.intervalMs,
    )
    .addOption(jsonOption())
    .addHelpText('after', LOG_TAIL_HELP)
    .action(async (options: TailOptions) => {
      if (io === processIo) exitQuietlyWhenStdoutCloses();
      try {
        await tail(io, options);
      } catch (error) {
        if (error instanceof CinnabarApiError) throw new Error(describeApiError(error, options.server));
        throw error;
      }
    });
}

let stdoutWatched = false;

/**
 * `cinnabar log tail -f | head -3`: the reader going away ends the command, without a stack trace.
 * The EPIPE comes asynchronously, possibly after the command has returned, so the listener stays.
 */
function exitQuietlyWhenStdoutCloses(): void {
  if (stdoutWatched) return;
  stdoutWatched = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

async function tail(io: CliIo, options: TailOptions): Promise<void> {
  const client = clientFor(options.server);
  let size = checkpointSize(await client.checkpoint());
  let next = options.from ?? Math.max(0, size - options.count);
  next = await printRange(io, client, next, size, options.json);
  if (!options.follow) return;

  const stop = new AbortController();
  const interrupt = () => stop.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  let failing = false;
  try {
    while (!stop.signal.aborted) {
      try {
        await sleep(options.interval, undefined, { signal: stop.signal });
      } catch {
        break; // interrupted
      }
      try {
        size = checkpointSize(await client.checkpoint());
        if (size < next) {
          io.err(
            `cinnabar log tail: the log at ${client.baseUrl} shrank from ${next} to ${size} entries: not the same log`,
          );
          io.exitCode = 1;
          return;
        }
        next = await printRange(io, client, next, size, options.json);
        if (failing) io.err('cinnabar log tail: the node answers again');
        failing = false;
      } catch (error) {
        if (!(error instanceof CinnabarApiError)) throw error;
        // A node restarting is not the end of following it: say so once, and keep polling.
        if (!failing) io.err(`cinnabar log tail: ${describeApiError(error, options.server)}; retrying`);
        failing = true;
      }
    }
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

/** Print entries from `start` up to `end` (exclusive), a bundle at a time; returns where it stopped. */
async function printRange(
  io: CliIo,
  client: CinnabarClient,
  start: number,
  end: number,
  json: boolean | undefined,
): Promise<number> {
  let at = start;
  while (at < end) {
    const stop = Math.min(end, (Math.floor(at / TILE_WIDTH) + 1) * TILE_WIDTH);
    const entries = await client.logEntries(at, stop, end);
    for (const entry of entries) {
      io.out(json ? JSON.stringify(entryJson(at, entry)) : entryLine(at, entry));
      at++;
    }
  }
  return at;
}

/** The transaction in an entry, or undefined for anything else (a raw append). */
function transactionIn(entry: Uint8Array): SignedTransaction | undefined {
  try {
    return decodeTransaction(entry);
  } catch {
    return undefined;
  }
}

function entryLine(index: number, entry: Uint8Array): string {
  const tx = transactionIn(entry);
  if (!tx) return `${index}  (raw entry, ${entry.length} bytes)`;
  const about = subjectOf(tx, transactionId(entry));
  return printable(`${index}  ${tx.type.padEnd(17)}  ${shortDid(tx.actor)}${about ? `  ${about}` : ''}`);
}

function entryJson(index: number, entry: Uint8Array): object {
  const tx = transactionIn(entry);
  if (!tx) return { index, raw: true, size: entry.length };
  const txId = transactionId(entry);
  return {
    index,
    txId,
    type: tx.type,
    actor: tx.actor,
    seq: tx.seq,
    time: tx.time,
    subject: subjectOf(tx, txId),
  };
}

/**
 * What a transaction is about, in a few words. The body is read defensively: an entry in the log
 * may be a transaction the ledger refused (an operator's raw append), so nothing in it is assumed.
 */
function subjectOf(tx: SignedTransaction, txId: string): string {
  const body = tx.body as Record<string, unknown>;
  const text = (name: string): string | undefined => {
    const value = body[name];
    return typeof value === 'string' ? value : undefined;
  };
  const quoted = (value: string | undefined) => (value === undefined ? '?' : JSON.stringify(value));
  switch (tx.type) {
    case 'ledger.genesis':
      return `ledger ${quoted(text('name'))}`;
    case 'identity.register':
      return `${text('kind') ?? 'identity'} ${quoted(text('name'))}${text('alias') ? ` alias ${text('alias')}` : ''}`;
    case 'asset.register': {
      const size = typeof body.size === 'number' ? `, ${body.size} bytes` : '';
      return `${quoted(text('title'))} (${text('mediaType') ?? '?'}${size}) asset ${shortId(txId)}`;
    }
    case 'asset.update': {
      const revision = typeof body.revision === 'number' ? ` revision ${body.revision}` : '';
      return `asset ${shortId(text('asset') ?? '?')}${revision} ${quoted(text('title'))}`;
    }
    case 'credential.issue': {
      const credential = (body.credential ?? {}) as { credentialSubject?: Record<string, unknown> };
      const subject = credential.credentialSubject ?? {};
      const kind = typeof subject.role === 'string' ? `${subject.role} role` : 'real-name';
      const to = typeof subject.id === 'string' ? ` for ${shortDid(subject.id)}` : '';
      return `${kind} credential${to}`;
    }
    case 'credential.revoke':
      return `credential ${text('id') ?? '?'}${text('subject') ? ` of ${shortDid(text('subject')!)}` : ''}`;
    default:
      return '';
  }
}
