import { readFile } from 'node:fs/promises';
import {
  base64Decode,
  CinnabarApiError,
  checkLicenceEvidence,
  hexEncode,
  LICENCE_USES,
  type LicenceRecord,
  type LicenceTerms,
  type LicenceUse,
  licencePermits,
  makeReceipt,
  type Receipt,
  sha256,
  verifierFromKey,
} from '@cinnabar/core';
import { Command, InvalidArgumentError, Option } from 'commander';
import { type CliIo, jsonOption } from '../program.js';
import { ID_DEFAULTS, loadKeyFile, passphraseFileOption } from './id.js';
import {
  clientFor,
  describeApiError,
  printable,
  serverOption,
  shortDid,
  signAndSubmit,
  UsageError,
} from './node-api.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function day(value: string): string {
  if (!DAY.test(value)) throw new InvalidArgumentError(`${value} is not a day such as 2027-01-31`);
  return value;
}

function uses(value: string): LicenceUse[] {
  const list = value.split(',').map((u) => u.trim());
  for (const use of list)
    if (!(LICENCE_USES as readonly string[]).includes(use))
      throw new InvalidArgumentError(`${use} is not a use; the uses are ${LICENCE_USES.join(', ')}`);
  return [...new Set(list)] as LicenceUse[];
}

function territory(value: string): LicenceTerms['territory'] {
  if (value === 'worldwide') return 'worldwide';
  const codes = [...new Set(value.split(',').map((c) => c.trim().toUpperCase()))];
  for (const code of codes)
    if (!/^[A-Z]{2}$/.test(code))
      throw new InvalidArgumentError(`${code} is not an ISO 3166-1 alpha-2 code such as CN`);
  return codes;
}

function percent(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 100 || Math.round(n * 100) !== n * 100)
    throw new InvalidArgumentError(`${value} is not a percentage from 0 to 100 with at most two decimals`);
  return Math.round(n * 100);
}

interface GrantOptions {
  to: string;
  use: LicenceUse[];
  territory: LicenceTerms['territory'];
  from?: string;
  until?: string;
  exclusive?: boolean;
  sublicensable?: boolean;
  attribution?: string;
  royalty: number;
  legalText?: string;
  legalTextHash?: string;
  under?: string;
  key: string;
  passphraseFile?: string;
  server: string;
  json?: boolean;
}

interface CheckOptions {
  licensee: string;
  use: LicenceUse;
  at?: string;
  territory?: string;
  vkey?: string;
  server: string;
  json?: boolean;
}

const KEY_OPTIONS = (command: Command) =>
  command
    .option('--key <file>', 'your key file', ID_DEFAULTS.keyFile)
    .addOption(passphraseFileOption())
    .addOption(serverOption())
    .addOption(jsonOption());

const CHECK_HELP = `
For each of the licensee's licences of the work, the check fetches the entries that granted (and
revoked) it, with their inclusion proofs, and verifies them here: the signature, the proof, the
checkpoint signed by the log key (--vkey to pin it; otherwise the node's own key is used, and the
output says so). Then it reads the licence's terms: the use, the day (--at, default now), the
place (--territory). A sublicence holds only while the licence above it does, and is checked with it.
What it cannot show from entries alone: that the licence was not revoked in an entry the node did
not list (an audit of the whole log can: cinnabar log verify).

Exit status: 0 yes, 1 no, 2 bad arguments.`;

/** `cinnabar licence grant|revoke|check`. */
export function licenceCommand(io: CliIo): Command {
  const command = new Command('licence').description('grant, revoke and check licences of a work');
  command.addCommand(
    KEY_OPTIONS(
      new Command('grant')
        .description('license a work you own (or sublicense, --under a sublicensable licence you hold)')
        .argument('<asset>', "the work's asset id")
        .requiredOption('--to <did>', "the licensee's did:key")
        .requiredOption('--use <uses>', `what it allows, comma-separated: ${LICENCE_USES.join(', ')}`, uses)
        .option(
          '--territory <codes>',
          'worldwide, or ISO 3166-1 codes, comma-separated',
          territory,
          'worldwide',
        )
        .option('--from <day>', 'its first day (default: today, UTC)', day)
        .option('--until <day>', 'its last day (default: no end)', day)
        .option('--exclusive', 'no other licence may overlap it')
        .option('--sublicensable', 'the licensee may sublicense within it')
        .option('--attribution <text>', 'the credit line the licensee must show')
        .option('--royalty <percent>', "the grantor's share of the licensee's revenue", percent, 0)
        .option('--legal-text <file>', 'the full legal text (its SHA-256 goes on the record)')
        .option('--legal-text-hash <hex>', 'the SHA-256 of the legal text, if you have it already')
        .option('--under <licence>', 'sublicense under this licence of yours'),
    ).action(async (asset: string, options: GrantOptions) => {
      if ((options.legalText === undefined) === (options.legalTextHash === undefined)) {
        io.err('cinnabar licence grant: give exactly one of --legal-text FILE and --legal-text-hash HEX');
        io.exitCode = 2;
        return;
      }
      const legalTextHash =
        options.legalTextHash ?? hexEncode(sha256(new Uint8Array(await readFile(options.legalText!))));
      const terms: LicenceTerms = {
        uses: options.use,
        territory: options.territory,
        start: options.from ?? new Date().toISOString().slice(0, 10),
        ...(options.until === undefined ? {} : { end: options.until }),
        exclusive: options.exclusive === true,
        sublicensable: options.sublicensable === true,
        ...(options.attribution === undefined ? {} : { attribution: options.attribution }),
        royaltyBasisPoints: options.royalty,
        legalTextHash,
      };
      const key = await loadKeyFile(options.key, options.passphraseFile);
      const body = { asset, licensee: options.to, terms, ...(options.under ? { under: options.under } : {}) };
      await signAndSubmit(io, 'licence grant', options, key, 'licence.grant', body, (accepted) => {
        if (options.json) return io.out(JSON.stringify(accepted));
        io.out(
          printable(
            `Licensed ${asset} to ${shortDid(options.to)}: ${termsText(terms)}${terms.exclusive ? ', exclusive' : ''} (entry ${accepted.index})`,
          ),
        );
        io.out(accepted.txId);
      });
    }),
  );
  command.addCommand(
    KEY_OPTIONS(
      new Command('revoke')
        .description('revoke a licence you granted, or one of a work you own')
        .argument('<asset>', "the work's asset id")
        .argument('<licence>', "the licence's id")
        .option('--reason <text>', 'why, for the record'),
    ).action(async (asset: string, licence: string, options: { reason?: string } & GrantOptions) => {
      const key = await loadKeyFile(options.key, options.passphraseFile);
      const body = { asset, licence, ...(options.reason ? { reason: options.reason } : {}) };
      await signAndSubmit(io, 'licence revoke', options, key, 'licence.revoke', body, (accepted) => {
        if (options.json) io.out(JSON.stringify(accepted));
        else io.out(printable(`Revoked licence ${licence} (entry ${accepted.index})`));
      });
    }),
  );
  command.addCommand(
    new Command('check')
      .description(
        'may this identity make this use of the work? yes or no, and why, from verified log entries',
      )
      .argument('<asset>', "the work's asset id")
      .requiredOption('--licensee <did>', 'who would use it')
      .addOption(new Option('--use <use>', 'the use').choices(LICENCE_USES).makeOptionMandatory())
      .option('--at <time>', 'when (default: now)')
      .option('--territory <code>', 'where (ISO 3166-1 alpha-2)')
      .option('--vkey <vkey>', 'the log verifier key to pin (name+id+key)')
      .addOption(serverOption())
      .addOption(jsonOption())
      .addHelpText('after', CHECK_HELP)
      .action(async (asset: string, options: CheckOptions) => {
        try {
          const answer = await check(asset, options);
          if (options.json) io.out(JSON.stringify(answer));
          else {
            io.out(printable(`${answer.permitted ? 'yes' : 'no'}: ${answer.reason}`));
            for (const line of answer.licences)
              io.out(printable(`  ${line.id}  ${line.permitted ? 'permits' : 'does not'}: ${line.reason}`));
            if (!answer.pinned)
              io.out(`  (checked with the node's own log key ${answer.vkey}; pin one with --vkey)`);
          }
          if (!answer.permitted) io.exitCode = 1;
        } catch (error) {
          if (error instanceof UsageError) {
            io.err(`cinnabar licence check: ${error.message}`);
            io.exitCode = 2;
            return;
          }
          if (error instanceof CinnabarApiError) {
            io.err(printable(`cinnabar licence check: ${describeApiError(error, options.server)}`));
            io.exitCode = error.status >= 400 && error.status < 500 ? 1 : 2;
            return;
          }
          throw error;
        }
      }),
  );
  return command;
}

interface CheckAnswer {
  permitted: boolean;
  reason: string;
  asset: string;
  licensee: string;
  use: LicenceUse;
  at: string;
  territory?: string;
  vkey: string;
  pinned: boolean;
  licences: { id: string; permitted: boolean; reason: string }[];
}

async function check(asset: string, options: CheckOptions): Promise<CheckAnswer> {
  const at = options.at ?? new Date().toISOString();
  if (Number.isNaN(Date.parse(at)))
    throw new UsageError(`--at ${at} is not a time such as 2027-01-31T12:00:00Z`);
  if (options.territory !== undefined && !/^[A-Z]{2}$/.test(options.territory))
    throw new UsageError(`--territory ${options.territory} is not an ISO 3166-1 alpha-2 code such as CN`);
  const client = clientFor(options.server);
  let vkey = options.vkey;
  if (vkey !== undefined) {
    try {
      verifierFromKey(vkey);
    } catch (error) {
      throw new UsageError(`--vkey is not a verifier key: ${(error as Error).message}`);
    }
  }
  const pinned = vkey !== undefined;
  vkey ??= await client.vkey();
  const listing = await client.assetLicences(asset);
  if (!listing) throw new UsageError(`there is no asset ${asset}`);
  const byId = new Map(listing.licences.map((l) => [l.id, l]));
  const receipts = new Map<number, Receipt>();
  const receipt = async (index: number): Promise<Receipt> => {
    let found = receipts.get(index);
    if (!found) {
      const view = await client.entry(index);
      found = makeReceipt({
        index,
        entry: base64Decode(view.entry),
        checkpoint: view.checkpoint,
        proof: view.proof.map(base64Decode),
        vkey: vkey!,
      });
      receipts.set(index, found);
    }
    return found;
  };
  /** Whether `licence` (and every licence above it) permits the use, from verified entries. */
  const verdict = async (licence: LicenceRecord, depth = 0): Promise<{ ok: boolean; reason: string }> => {
    const evidence = checkLicenceEvidence(
      {
        licence,
        grant: await receipt(licence.granted.index),
        ...(licence.revoked ? { revoke: await receipt(licence.revoked.index) } : {}),
      },
      { vkey: vkey! },
    );
    if (!evidence.ok) return { ok: false, reason: `its log entries do not back it: ${evidence.reason}` };
    const permits = licencePermits(licence, options.use, at, options.territory);
    if (!permits.ok) return { ok: false, reason: permits.reason };
    if (licence.under === undefined) return { ok: true, reason: describe(licence) };
    const parent = byId.get(licence.under);
    if (!parent || depth > 16)
      return { ok: false, reason: `the licence it is granted under, ${licence.under}, is not listed` };
    const above = await verdict(parent, depth + 1);
    return above.ok
      ? { ok: true, reason: `${describe(licence)}, under ${parent.id}` }
      : { ok: false, reason: `the licence it is granted under does not hold: ${above.reason}` };
  };
  const licences: CheckAnswer['licences'] = [];
  for (const licence of listing.licences.filter((l) => l.licensee === options.licensee)) {
    const v = await verdict(licence);
    licences.push({ id: licence.id, permitted: v.ok, reason: v.reason });
  }
  const yes = licences.find((l) => l.permitted);
  const reason = yes
    ? `licence ${yes.id} permits ${options.use} of ${asset} by ${options.licensee} at ${at}`
    : licences.length === 0
      ? `${options.licensee} holds no licence of ${asset}`
      : `none of ${options.licensee}'s ${licences.length} licence(s) of ${asset} permits ${options.use} at ${at}`;
  return {
    permitted: yes !== undefined,
    reason,
    asset,
    licensee: options.licensee,
    use: options.use,
    at,
    ...(options.territory ? { territory: options.territory } : {}),
    vkey,
    pinned,
    licences,
  };
}

function describe(licence: LicenceRecord): string {
  return `granted by ${shortDid(licence.grantor)} at entry ${licence.granted.index}: ${termsText(licence.terms)}`;
}

/** Uses, places and days of a licence, for one line of output. */
function termsText(t: LicenceTerms): string {
  const place = t.territory === 'worldwide' ? 'worldwide' : t.territory.join(', ');
  return `${t.uses.join(', ')}, ${place}, from ${t.start}${t.end ? ` to ${t.end}` : ''}`;
}
