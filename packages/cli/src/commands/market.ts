// Editions, listings, sales and rights certificates: `cinnabar edition issue`, `cinnabar list`,
// `cinnabar sell` and `cinnabar certificate`.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CinnabarApiError, hexEncode, sha256, utf8Encode } from '@cinnabar/core';
import { Command, InvalidArgumentError } from 'commander';
import type { CliIo } from '../program.js';
import { act, amount, type SignOptions, signing } from './circulation.js';
import {
  describeApiError,
  editionOption,
  itemFields,
  itemLabel,
  printable,
  serverOption,
  shortDid,
} from './node-api.js';

function supply(value: string): number {
  const n = Number(value);
  if (!/^[1-9][0-9]{0,4}$/.test(value) || n > 10_000)
    throw new InvalidArgumentError(`${value} is not a number of editions from 1 to 10000`);
  return n;
}

/** `cinnabar edition issue ASSET --supply N`. */
export function editionCommand(io: CliIo): Command {
  const command = new Command('edition').description('numbered editions of a work');
  command.addCommand(
    signing(
      new Command('issue')
        .description('issue N numbered editions of a work you own, once: the supply never grows')
        .argument('<asset>', "the work's asset id")
        .requiredOption('--supply <n>', 'how many editions, 1 to 10000', supply),
    ).action((asset: string, options: SignOptions & { supply: number }) =>
      act(
        io,
        'edition issue',
        options,
        'edition.issue',
        { asset, supply: options.supply },
        (index) => `Issued editions 1 to ${options.supply} of ${asset} (entry ${index}); you hold them all`,
      ),
    ),
  );
  return command;
}

const LIST_HELP = `
While listed, the item is not given away; the sale is settled with cinnabar sell. The last line
printed is the listing's id.

Exit status: 0 listed or cancelled, 1 refused by the node, 2 bad arguments.`;

/** `cinnabar list ASSET --price CNY [--edition N]`, or `--cancel LISTING`. */
export function listCommand(io: CliIo): Command {
  return signing(
    new Command('list')
      .description('offer a work or an edition you own for sale at a price, or cancel a listing')
      .argument('<asset>', "the work's asset id")
      .addOption(editionOption())
      .option('--price <cny>', 'the asking price in CNY, e.g. 99.00', amount)
      .option('--cancel <listing>', 'cancel this listing (its id) instead')
      .addHelpText('after', LIST_HELP),
  ).action(
    async (asset: string, options: SignOptions & { edition?: number; price?: string; cancel?: string }) => {
      const label = itemLabel(asset, options.edition);
      if ((options.price === undefined) === (options.cancel === undefined)) {
        io.err('cinnabar list: give --price to list, or --cancel LISTING to cancel a listing');
        io.exitCode = 2;
        return;
      }
      if (options.cancel !== undefined)
        return act(
          io,
          'list',
          options,
          'listing.cancel',
          { ...itemFields(asset, options.edition), listing: options.cancel },
          (index) => `Cancelled listing ${options.cancel} of ${label} (entry ${index})`,
        );
      await act(
        io,
        'list',
        options,
        'listing.create',
        { ...itemFields(asset, options.edition), price: options.price! },
        (index) =>
          `Listed ${label} at CNY ${options.price} (entry ${index}); settle with: cinnabar sell ${asset} ...`,
      );
    },
  );
}

const SELL_HELP = `
The seller (or the custodian holding the item) confirms the payment: the buyer then owns it, and
the node's rules record the split (creator's royalty on a resale, the platform's fee). Only the
SHA-256 of --payment goes on the record.

Exit status: 0 sold, 1 refused by the node, 2 bad arguments.`;

/** `cinnabar sell ASSET --listing ID --to DID --price CNY --payment REF [--edition N]`. */
export function sellCommand(io: CliIo): Command {
  return signing(
    new Command('sell')
      .description('settle the sale of a listed work or edition, once paid')
      .argument('<asset>', "the work's asset id")
      .addOption(editionOption())
      .requiredOption('--listing <id>', "the listing's id")
      .requiredOption('--to <did>', "the buyer's did:key")
      .requiredOption('--price <cny>', "the listing's price in CNY", amount)
      .requiredOption(
        '--payment <reference>',
        'the payment reference (kept off the log: only its SHA-256 is recorded)',
      )
      .addHelpText('after', SELL_HELP),
    "the seller's (or custodian's) key file",
  ).action(
    (
      asset: string,
      options: SignOptions & {
        edition?: number;
        listing: string;
        to: string;
        price: string;
        payment: string;
      },
    ) =>
      act(
        io,
        'sell',
        options,
        'sale.settle',
        {
          ...itemFields(asset, options.edition),
          listing: options.listing,
          buyer: options.to,
          price: options.price,
          paymentHash: hexEncode(sha256(utf8Encode(options.payment))),
        },
        (index) =>
          `Sold ${itemLabel(asset, options.edition)} to ${shortDid(options.to)} for CNY ${options.price} (entry ${index})`,
      ),
  );
}

const CERTIFICATE_HELP = `
Writes <out>/<name>.json (the W3C Verifiable Credential, which cinnabar verify checks offline),
<name>.pdf and <name>.png (printable, with a QR code). The node issues it only to the current
holder of the right.

Exit status: 0 written, 1 refused by the node, 2 bad arguments.`;

/** `cinnabar certificate ASSET --holder DID [--edition N | --licence ID] [--out DIR]`. */
export function certificateCommand(io: CliIo): Command {
  return new Command('certificate')
    .description(
      'fetch a rights certificate (credential, PDF and PNG) for an owner, edition holder or licensee',
    )
    .argument('<asset>', "the work's asset id")
    .requiredOption('--holder <did>', "the holder's did:key")
    .addOption(editionOption())
    .option('--licence <id>', 'a licence held (its id)')
    .option('--out <dir>', 'where to write the files', '.')
    .addOption(serverOption())
    .addHelpText('after', CERTIFICATE_HELP)
    .action(
      async (
        asset: string,
        options: { holder: string; edition?: number; licence?: string; out: string; server: string },
      ) => {
        const params = new URLSearchParams({ holder: options.holder });
        if (options.edition !== undefined) params.set('edition', String(options.edition));
        if (options.licence !== undefined) params.set('licence', options.licence);
        const name = `certificate-${asset.slice(0, 12)}${options.edition ? `-edition-${options.edition}` : ''}${options.licence ? `-licence-${options.licence.slice(0, 12)}` : ''}`;
        const files: [string, string][] = [
          ['json', `${name}.json`],
          ['pdf', `${name}.pdf`],
          ['png', `${name}.png`],
        ];
        const fetched: [string, Uint8Array][] = [];
        for (const [format, file] of files) {
          params.set('format', format);
          const url = new URL(
            `v1/assets/${encodeURIComponent(asset)}/certificate?${params}`,
            `${options.server.replace(/\/?$/, '/')}`,
          );
          let response: Response;
          try {
            response = await fetch(url);
          } catch (error) {
            io.err(
              printable(`cinnabar certificate: cannot reach ${options.server}: ${(error as Error).message}`),
            );
            io.exitCode = 1;
            return;
          }
          const bytes = new Uint8Array(await response.arrayBuffer());
          if (!response.ok) {
            let problem: { code?: string; detail?: string } = {};
            try {
              problem = JSON.parse(new TextDecoder().decode(bytes)) as typeof problem;
            } catch {
              // not problem+json: the status says enough
            }
            const error = new CinnabarApiError({
              status: response.status,
              code: problem.code ?? 'unknown',
              message: problem.detail ?? `HTTP ${response.status}`,
              ...(problem.detail === undefined ? {} : { detail: problem.detail }),
            });
            io.err(printable(`cinnabar certificate: ${describeApiError(error, options.server)}`));
            io.exitCode = 1;
            return;
          }
          fetched.push([file, bytes]);
        }
        await mkdir(options.out, { recursive: true });
        for (const [file, bytes] of fetched) await writeFile(join(options.out, file), bytes);
        io.out(printable(`Wrote ${fetched.map(([file]) => join(options.out, file)).join(', ')}`));
        io.out(
          printable(
            `Check it offline: cinnabar verify ${join(options.out, `${name}.json`)} --vkey <the log's key>`,
          ),
        );
      },
    );
}
