import { CinnabarApiError, type Holding } from '@cinnabar/core';
import { Command } from 'commander';
import { type CliIo, jsonOption } from '../program.js';
import { ID_DEFAULTS, loadKeyFile, passphraseFileOption } from './id.js';
import {
  clientFor,
  describeApiError,
  editionOption,
  itemFields,
  itemLabel,
  printable,
  serverOption,
  shortDid,
  signAndSubmit,
} from './node-api.js';

interface TransferOptions {
  to: string;
  edition?: number;
  note?: string;
  key: string;
  passphraseFile?: string;
  server: string;
  json?: boolean;
}

interface AcceptOptions {
  transfer?: string;
  edition?: number;
  key: string;
  passphraseFile?: string;
  server: string;
  json?: boolean;
}

const TRANSFER_HELP = `
Where the node's policy asks for it, the asset changes hands only once the recipient accepts
(cinnabar accept ASSET); until then a new transfer by the owner replaces the offer. The last line
printed is the transfer's transaction id.

Exit status: 0 transferred or offered, 1 refused by the node, 2 bad arguments.`;

/** `cinnabar transfer ASSET --to DID`: the owner gives an asset to another identity. */
export function transferCommand(io: CliIo): Command {
  return new Command('transfer')
    .description('give an asset you own to another registered identity')
    .argument('<asset>', "the asset's id")
    .requiredOption('--to <did>', "the recipient's did:key")
    .addOption(editionOption())
    .option('--note <text>', 'a note for the record (one line)')
    .option('--key <file>', 'your key file', ID_DEFAULTS.keyFile)
    .addOption(passphraseFileOption())
    .addOption(serverOption())
    .addOption(jsonOption())
    .addHelpText('after', TRANSFER_HELP)
    .action(async (asset: string, options: TransferOptions) => {
      const key = await loadKeyFile(options.key, options.passphraseFile);
      const body = {
        ...itemFields(asset, options.edition),
        to: options.to,
        ...(options.note === undefined ? {} : { note: options.note }),
      };
      const label = itemLabel(asset, options.edition);
      await signAndSubmit(io, 'transfer', options, key, 'asset.transfer', body, async (accepted) => {
        if (options.json) return io.out(JSON.stringify(accepted));
        const client = clientFor(options.server);
        const view = await (options.edition === undefined
          ? client.asset(asset)
          : client.edition(asset, options.edition));
        const pending = view?.pendingTransfer?.offer.txId === accepted.txId;
        if (pending) {
          io.out(
            printable(
              `Offered ${label} to ${shortDid(options.to)} (entry ${accepted.index}); it is theirs once they accept it:`,
            ),
          );
          io.out(
            printable(
              `  cinnabar accept ${asset}${options.edition === undefined ? '' : ` --edition ${options.edition}`}`,
            ),
          );
        } else io.out(printable(`Transferred ${label} to ${shortDid(options.to)} (entry ${accepted.index})`));
        io.out(accepted.txId);
      });
    });
}

/** `cinnabar accept ASSET`: the recipient of a pending transfer accepts it. */
export function acceptCommand(io: CliIo): Command {
  return new Command('accept')
    .description('accept an asset offered to you (where the policy asks for acceptance)')
    .argument('<asset>', "the asset's id")
    .option('--transfer <txid>', "the offer's transaction id (default: the asset's pending offer)")
    .addOption(editionOption())
    .option('--key <file>', 'your key file', ID_DEFAULTS.keyFile)
    .addOption(passphraseFileOption())
    .addOption(serverOption())
    .addOption(jsonOption())
    .action(async (asset: string, options: AcceptOptions) => {
      const key = await loadKeyFile(options.key, options.passphraseFile);
      let transfer = options.transfer;
      const label = itemLabel(asset, options.edition);
      if (transfer === undefined) {
        let view: Holding | undefined;
        try {
          const client = clientFor(options.server);
          view = await (options.edition === undefined
            ? client.asset(asset)
            : client.edition(asset, options.edition));
        } catch (error) {
          if (error instanceof CinnabarApiError && error.status >= 400 && error.status < 500) {
            io.err(printable(`cinnabar accept: ${describeApiError(error, options.server)}`));
            io.exitCode = 1;
            return;
          }
          throw error;
        }
        transfer = view?.pendingTransfer?.offer.txId;
        if (transfer === undefined) {
          io.err(
            printable(
              `cinnabar accept: ${view ? `${label} has no pending transfer` : `there is no ${options.edition === undefined ? 'asset' : 'edition'} ${label}`}`,
            ),
          );
          io.exitCode = 1;
          return;
        }
      }
      const body = { ...itemFields(asset, options.edition), transfer };
      await signAndSubmit(io, 'accept', options, key, 'asset.accept', body, (accepted) => {
        if (options.json) return io.out(JSON.stringify(accepted));
        io.out(printable(`Accepted ${label}: it is yours (entry ${accepted.index})`));
        io.out(accepted.txId);
      });
    });
}
