// The circulation commands beyond transfer and licences: custody (escrow), valuations, and the
// operator's market policy. Each signs one transaction with --key and submits it to --server.

import { readFile } from 'node:fs/promises';
import {
  CN_COLLECTIBLES_POLICY,
  DEFAULT_MARKET_POLICY,
  hexEncode,
  type JsonObject,
  MARKET_REGIMES,
  type MarketPolicy,
  SEALABLE_GRADES,
  sha256,
} from '@cinnabar/core';
import { Command, InvalidArgumentError, Option } from 'commander';
import { type CliIo, jsonOption } from '../program.js';
import { ID_DEFAULTS, loadKeyFile, passphraseFileOption } from './id.js';
import {
  clientFor,
  editionOption,
  itemFields,
  itemLabel,
  printable,
  serverOption,
  shortDid,
  signAndSubmit,
} from './node-api.js';

export interface SignOptions {
  key: string;
  passphraseFile?: string;
  server: string;
  json?: boolean;
}

export const signing = (command: Command, who = 'your key file') =>
  command
    .option('--key <file>', who, ID_DEFAULTS.keyFile)
    .addOption(passphraseFileOption())
    .addOption(serverOption())
    .addOption(jsonOption());

/** Sign `type` with the key in `options`, submit it, and print `line` (or the JSON answer). */
export async function act(
  io: CliIo,
  name: string,
  options: SignOptions,
  type: string,
  body: JsonObject,
  line: (index: number) => string,
): Promise<void> {
  const key = await loadKeyFile(options.key, options.passphraseFile);
  await signAndSubmit(io, name, options, key, type, body, (accepted) => {
    if (options.json) return io.out(JSON.stringify(accepted));
    io.out(printable(line(accepted.index)));
    io.out(accepted.txId);
  });
}

/** `cinnabar custody deposit|release`. */
export function custodyCommand(io: CliIo): Command {
  const command = new Command('custody').description('place a work with a custodian (escrow), or release it');
  command.addCommand(
    signing(
      new Command('deposit')
        .description('place a work you own with a custodian: it cannot change hands until released')
        .argument('<asset>', "the work's asset id")
        .requiredOption('--custodian <did>', 'a did:key holding the custodian role (or the operator)')
        .addOption(editionOption())
        .option('--note <text>', 'a note for the record'),
    ).action((asset: string, options: SignOptions & { custodian: string; edition?: number; note?: string }) =>
      act(
        io,
        'custody deposit',
        options,
        'custody.deposit',
        {
          ...itemFields(asset, options.edition),
          custodian: options.custodian,
          ...(options.note ? { note: options.note } : {}),
        },
        (index) =>
          `Deposited ${itemLabel(asset, options.edition)} with ${shortDid(options.custodian)} (entry ${index})`,
      ),
    ),
  );
  command.addCommand(
    signing(
      new Command('release')
        .description('as its custodian, release a work: to its owner, or to a buyer who then owns it')
        .argument('<asset>', "the work's asset id")
        .requiredOption('--to <did>', 'the owner, or the buyer')
        .addOption(editionOption())
        .option('--note <text>', 'a note for the record'),
      "the custodian's key file",
    ).action((asset: string, options: SignOptions & { to: string; edition?: number; note?: string }) =>
      act(
        io,
        'custody release',
        options,
        'custody.release',
        {
          ...itemFields(asset, options.edition),
          to: options.to,
          ...(options.note ? { note: options.note } : {}),
        },
        (index) =>
          `Released ${itemLabel(asset, options.edition)} to ${shortDid(options.to)} (entry ${index})`,
      ),
    ),
  );
  return command;
}

export function amount(value: string): string {
  if (!/^(0|[1-9][0-9]{0,15})(\.[0-9]{1,2})?$/.test(value))
    throw new InvalidArgumentError(`${value} is not an amount in CNY such as 125000.00`);
  return value;
}

/** `cinnabar value ASSET --method M --amount CNY --report FILE`: an appraiser attests a value. */
export function valueCommand(io: CliIo): Command {
  return signing(
    new Command('value')
      .description('as an appraiser, attest a value of a work on the record')
      .argument('<asset>', "the work's asset id")
      .addOption(
        new Option('--method <method>', 'the approach')
          .choices(['cost', 'market', 'income'])
          .makeOptionMandatory(),
      )
      .requiredOption('--amount <cny>', 'the value in CNY', amount)
      .option('--date <day>', 'the day the value holds for (default: today)')
      .requiredOption('--report <file>', 'the appraisal report (its SHA-256 goes on the record)'),
    "the appraiser's key file",
  ).action(
    async (
      asset: string,
      options: SignOptions & { method: string; amount: string; date?: string; report: string },
    ) => {
      const reportHash = hexEncode(sha256(new Uint8Array(await readFile(options.report))));
      const date = options.date ?? new Date().toISOString().slice(0, 10);
      await act(
        io,
        'value',
        options,
        'valuation.attest',
        { asset, method: options.method, amount: options.amount, date, reportHash },
        (index) => `Valued ${asset} at CNY ${options.amount} (${options.method}, ${date}; entry ${index})`,
      );
    },
  );
}

/** `cinnabar policy set`: the operator chooses the market regime. */
export function policyCommand(io: CliIo): Command {
  const command = new Command('policy').description("the ledger's policy (the operator's)");
  command.addCommand(
    signing(
      new Command('set')
        .description('set the policy, in full: the market regime and whether registering needs a real name')
        .addOption(
          new Option('--market <regime>', 'the market regime').choices(MARKET_REGIMES).default('open-market'),
        )
        .option('--acceptance', 'a transfer waits for the recipient to accept (cn-collectibles: always)')
        .option('--holding-days <days>', 'cn-collectibles: days held before a gift', (v) => whole(v, 3650))
        .option('--daily-gift-cap <n>', 'cn-collectibles: most gifts a day', (v) => whole(v, 100_000))
        .option('--real-name-to-register', 'registering a work needs a real-name credential')
        .option('--freeze-on-dispute', 'an open dispute freezes its item until it is resolved')
        .option(
          '--seal-descriptions <grades>',
          "seal the descriptions of these grades' works (important, core; comma-separated): kept off the log",
          sealableGrades,
        ),
      "the operator's key file",
    ).action(
      async (
        options: SignOptions & {
          market: MarketPolicy['regime'];
          acceptance?: boolean;
          holdingDays?: number;
          dailyGiftCap?: number;
          realNameToRegister?: boolean;
          freezeOnDispute?: boolean;
          sealDescriptions?: SealableGrade[];
        },
      ) => {
        const base = options.market === 'cn-collectibles' ? CN_COLLECTIBLES_POLICY : DEFAULT_MARKET_POLICY;
        const market: MarketPolicy = {
          ...base,
          transferNeedsAcceptance: base.transferNeedsAcceptance || options.acceptance === true,
          ...(options.holdingDays === undefined ? {} : { holdingPeriodDays: options.holdingDays }),
          ...(options.dailyGiftCap === undefined ? {} : { dailyGiftCap: options.dailyGiftCap }),
        };
        // The thresholds of the detection rules are kept: a policy.set replaces the whole policy.
        const current = await clientFor(options.server).ledger();
        const policy = {
          realNameToRegister: options.realNameToRegister === true,
          market,
          ...(current.policy.detection === undefined ? {} : { detection: current.policy.detection }),
          ...(options.freezeOnDispute ? { disputes: { freezeOnOpen: true } } : {}),
          ...(options.sealDescriptions ? { sealDescriptions: options.sealDescriptions } : {}),
        };
        await act(
          io,
          'policy set',
          options,
          'policy.set',
          { policy },
          (index) =>
            `Policy set (entry ${index}): ${market.regime}${market.transferNeedsAcceptance ? ', transfers accepted by their recipients' : ''}${market.regime === 'cn-collectibles' ? `, ${market.holdingPeriodDays} days' holding, ${market.dailyGiftCap} gifts a day` : ''}${policy.realNameToRegister ? ', real names to register' : ''}${options.freezeOnDispute ? ', disputes freeze their items' : ''}${options.sealDescriptions ? `, descriptions of ${options.sealDescriptions.join(' and ')} works sealed` : ''}`,
        );
      },
    ),
  );
  return command;
}

type SealableGrade = (typeof SEALABLE_GRADES)[number];

function sealableGrades(value: string): SealableGrade[] {
  const grades = [...new Set(value.split(',').map((grade) => grade.trim()))];
  const wrong = grades.find((grade) => !(SEALABLE_GRADES as readonly string[]).includes(grade));
  if (wrong !== undefined || grades.length === 0)
    throw new InvalidArgumentError(
      `${wrong ?? value} is not a grade whose descriptions can be sealed (important, core)`,
    );
  return grades as SealableGrade[];
}

function whole(value: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new InvalidArgumentError(`${value} is not a whole number from 0 to ${max}`);
  return n;
}
