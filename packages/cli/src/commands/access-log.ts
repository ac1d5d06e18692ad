// `cinnabar access-log ASSET`: who read the content of a graded work (GB/T 43697-2024), signed
// with your key; the node shows it to the work's owner, the operator and regulators.
import { CinnabarApiError, isTransactionId, readSigner } from '@cinnabar/core';
import { Command, InvalidArgumentError } from 'commander';
import { type CliIo, jsonOption } from '../program.js';
import { ID_DEFAULTS, loadKeyFile, passphraseFileOption } from './id.js';
import { clientFor, describeApiError, printable, serverOption, UsageError } from './node-api.js';

export const ACCESS_LOG_DEFAULTS = {
  /** Entries a page; the node takes 1 to 100. */
  limit: 50,
} as const;

interface AccessLogOptions {
  server: string;
  key: string;
  passphraseFile?: string;
  json?: boolean;
  limit: number;
  cursor?: string;
}

const ACCESS_LOG_HELP = `
Every signed read of the work's content while it is graded \`important\` or \`core\`, allowed or
refused, newest first: when, who, what, and why it was allowed (owner, edition-owner, licensee,
operator, regulator). The node keeps it (not on the log) and shows it only to the work's owner,
the operator and regulators; the request is signed with --key. See docs/data-grades.md.

Exit status: 0 shown, 1 refused or not found on the node, 2 not an asset id.`;

function limit(value: string): number {
  const n = Number(value);
  if (!/^[1-9][0-9]{0,2}$/.test(value) || n > 100)
    throw new InvalidArgumentError('a page is 1 to 100 entries');
  return n;
}

export function accessLogCommand(io: CliIo): Command {
  return new Command('access-log')
    .description("show who read a graded work's content (its owner, the operator and regulators only)")
    .argument('<asset>', 'asset id (64 hex digits)')
    .addOption(serverOption())
    .option('--key <file>', 'your key file', ID_DEFAULTS.keyFile)
    .addOption(passphraseFileOption())
    .option('--limit <n>', 'entries to show, 1 to 100', limit, ACCESS_LOG_DEFAULTS.limit)
    .option('--cursor <cursor>', 'continue from the cursor an earlier page printed')
    .addOption(jsonOption())
    .addHelpText('after', ACCESS_LOG_HELP)
    .action(async (asset: string, options: AccessLogOptions) => {
      try {
        if (!isTransactionId(asset))
          throw new UsageError(`${printable(asset.slice(0, 80))} is not an asset id`);
        const key = await loadKeyFile(options.key, options.passphraseFile);
        const client = clientFor(options.server);
        const page = await client.accessLog(asset, readSigner(key), {
          limit: options.limit,
          ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
        });
        if (!page) {
          io.err(printable(`cinnabar access-log: asset ${asset} is not registered on ${client.baseUrl}`));
          io.exitCode = 1;
          return;
        }
        if (options.json) {
          io.out(JSON.stringify(page));
          return;
        }
        if (page.items.length === 0) io.out('No reads recorded.');
        for (const e of page.items)
          io.out(
            printable(
              `${e.time}  ${e.outcome === 'allowed' ? `allowed (${e.basis ?? '?'})` : 'REFUSED'}  ${e.did}  ${e.target}${e.range ? `  ${e.range}` : ''}`,
            ),
          );
        if (page.nextCursor !== null) io.out(`More: --cursor ${page.nextCursor}`);
      } catch (error) {
        if (error instanceof UsageError) {
          io.err(`cinnabar access-log: ${error.message}`);
          io.exitCode = 2;
          return;
        }
        if (error instanceof CinnabarApiError && error.status >= 400 && error.status < 500) {
          io.err(printable(`cinnabar access-log: refused: ${describeApiError(error, options.server)}`));
          io.exitCode = 1;
          return;
        }
        if (error instanceof CinnabarApiError) throw new Error(describeApiError(error, options.server));
        throw error;
      }
    });
}
