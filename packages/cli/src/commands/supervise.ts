// Supervision and disputes on the record: `cinnabar supervise freeze|unfreeze|takedown|restore` (the
// regulator role) and `cinnabar dispute open|respond|resolve|show` (anyone; the other party; an arbitrator).

import { readFile } from 'node:fs/promises';
import {
  DISPUTE_OUTCOMES,
  type DisputeRecord,
  FREEZE_CATEGORIES,
  hexEncode,
  type JsonObject,
  sha256,
} from '@cinnabar/core';
import { Command, InvalidArgumentError, Option } from 'commander';
import { type CliIo, jsonOption } from '../program.js';
import { act, type SignOptions, signing } from './circulation.js';
import {
  clientFor,
  describeApiError,
  editionOption,
  itemFields,
  itemLabel,
  printable,
  serverOption,
  shortDid,
} from './node-api.js';

const TX_ID = /^[0-9a-f]{64}$/;

function txId(value: string): string {
  if (!TX_ID.test(value)) throw new InvalidArgumentError(`${value} is not a transaction id (64 hex digits)`);
  return value;
}

function entryIndex(value: string): number {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new InvalidArgumentError(`${value} is not a log index`);
  return Number(value);
}

/** ASSET or DID: what a freeze holds. */
function freezeTarget(target: string, edition: number | undefined): JsonObject {
  if (target.startsWith('did:')) {
    if (edition !== undefined)
      throw new InvalidArgumentError('--edition names an edition of a work, not of an identity');
    return { did: target };
  }
  return itemFields(target, edition);
}

const groundsOptions = (command: Command) =>
  command
    .addOption(
      new Option('--category <category>', 'the category of the grounds')
        .choices(FREEZE_CATEGORIES)
        .makeOptionMandatory(),
    )
    .requiredOption('--grounds <text>', 'the grounds, in words, for the record');

/** `cinnabar supervise …`: the regulator's acts, each on the record with its grounds. */
export function superviseCommand(io: CliIo): Command {
  const command = new Command('supervise').description(
    "a regulator's acts on the record: freeze and unfreeze, take content down and restore it",
  );
  command.addCommand(
    signing(
      groundsOptions(
        new Command('freeze')
          .description('freeze a work, an edition or an identity: nothing moves, it does not act')
          .argument('<target>', "the work's asset id, or an identity's did:key")
          .addOption(editionOption())
          .option('--until <time>', 'when the freeze ends by itself, e.g. 2027-01-01T00:00:00Z'),
      ),
      "the regulator's key file",
    ).action(
      (
        target: string,
        options: SignOptions & { edition?: number; category: string; grounds: string; until?: string },
      ) =>
        act(
          io,
          'supervise freeze',
          options,
          'supervision.freeze',
          {
            target: freezeTarget(target, options.edition),
            grounds: { category: options.category, text: options.grounds },
            ...(options.until === undefined ? {} : { until: options.until }),
          },
          (index) =>
            `Froze ${target.startsWith('did:') ? shortDid(target) : itemLabel(target, options.edition)} (entry ${index})`,
        ),
    ),
  );
  command.addCommand(
    signing(
      new Command('unfreeze')
        .description('lift a freeze')
        .argument('<target>', "the work's asset id, or an identity's did:key")
        .addOption(editionOption())
        .requiredOption('--freeze <id>', 'the freeze it lifts (the supervision.freeze transaction id)', txId)
        .option('--reason <text>', 'why, for the record'),
      "the regulator's key file",
    ).action((target: string, options: SignOptions & { edition?: number; freeze: string; reason?: string }) =>
      act(
        io,
        'supervise unfreeze',
        options,
        'supervision.unfreeze',
        {
          target: freezeTarget(target, options.edition),
          freeze: options.freeze,
          ...(options.reason === undefined ? {} : { reason: options.reason }),
        },
        (index) => `Lifted freeze ${options.freeze.slice(0, 12)}… (entry ${index})`,
      ),
    ),
  );
  command.addCommand(
    signing(
      groundsOptions(
        new Command('takedown')
          .description("take a work's content down: nodes stop serving its bytes (451); the record stays")
          .argument('<asset>', "the work's asset id"),
      ),
      "the regulator's key file",
    ).action((asset: string, options: SignOptions & { category: string; grounds: string }) =>
      act(
        io,
        'supervise takedown',
        options,
        'supervision.takedown',
        { asset, grounds: { category: options.category, text: options.grounds } },
        (index) => `Took down the content of ${asset} (entry ${index})`,
      ),
    ),
  );
  command.addCommand(
    signing(
      new Command('restore')
        .description("restore a work's content that was taken down")
        .argument('<asset>', "the work's asset id")
        .requiredOption('--takedown <id>', 'the takedown it reverses', txId)
        .option('--reason <text>', 'why, for the record'),
      "the regulator's key file",
    ).action((asset: string, options: SignOptions & { takedown: string; reason?: string }) =>
      act(
        io,
        'supervise restore',
        options,
        'supervision.restore',
        {
          asset,
          takedown: options.takedown,
          ...(options.reason === undefined ? {} : { reason: options.reason }),
        },
        (index) => `Restored the content of ${asset} (entry ${index})`,
      ),
    ),
  );
  return command;
}

/** SHA-256 (hex) of each evidence file: only the hashes go on the record. */
async function evidenceHashes(files: string[]): Promise<string[]> {
  const hashes = await Promise.all(files.map(async (file) => hexEncode(sha256(await readFile(file)))));
  return [...new Set(hashes)];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

const DISPUTE_HELP = `
The entry a dispute contests is the work's registration or an entry that gave the item to
someone (a transfer, a sale): its log index, as the work's history shows it (cinnabar show).
Evidence files stay with you; only their SHA-256 goes on the record. The last line printed is
the dispute's id.

Exit status: 0 done, 1 refused by the node, 2 bad arguments.`;

/** `cinnabar dispute open|respond|resolve|show`. */
export function disputeCommand(io: CliIo): Command {
  const command = new Command('dispute').description(
    'contest a registration or a transfer; answer; decide (arbitrators)',
  );
  command.addCommand(
    signing(
      new Command('open')
        .description("contest a work's registration, or a transfer of it, with a claim and evidence")
        .argument('<asset>', "the work's asset id")
        .addOption(editionOption())
        .requiredOption(
          '--entry <index>',
          'the log index of the registration or transfer contested',
          entryIndex,
        )
        .requiredOption('--claim <text>', 'the claim, in words')
        .option('--evidence <file>', 'a file of evidence (repeatable); its SHA-256 is recorded', collect)
        .option('--prior-work <asset>', 'the registered earlier work the claim rests on')
        .option('--prior-description <text>', 'the earlier work, described')
        .addHelpText('after', DISPUTE_HELP),
    ).action(
      async (
        asset: string,
        options: SignOptions & {
          edition?: number;
          entry: number;
          claim: string;
          evidence?: string[];
          priorWork?: string;
          priorDescription?: string;
        },
      ) => {
        const contested = await contestedEntry(io, options.server, asset, options.edition, options.entry);
        if (!contested) return;
        const priorWork = {
          ...(options.priorWork === undefined ? {} : { asset: options.priorWork }),
          ...(options.priorDescription === undefined ? {} : { description: options.priorDescription }),
        };
        await act(
          io,
          'dispute open',
          options,
          'dispute.open',
          {
            ...itemFields(asset, options.edition),
            contested,
            claim: options.claim,
            evidence: await evidenceHashes(options.evidence ?? []),
            ...(Object.keys(priorWork).length === 0 ? {} : { priorWork }),
          },
          (index) =>
            `Opened a dispute over entry ${options.entry} of ${itemLabel(asset, options.edition)} (entry ${index})`,
        );
      },
    ),
  );
  command.addCommand(
    signing(
      new Command('respond')
        .description('answer a dispute in which you are the other party (once)')
        .argument('<dispute>', "the dispute's id", txId)
        .requiredOption('--text <text>', 'the response, in words')
        .option('--evidence <file>', 'a file of evidence (repeatable); its SHA-256 is recorded', collect),
    ).action(async (dispute: string, options: SignOptions & { text: string; evidence?: string[] }) =>
      act(
        io,
        'dispute respond',
        options,
        'dispute.respond',
        { dispute, text: options.text, evidence: await evidenceHashes(options.evidence ?? []) },
        (index) => `Responded to dispute ${dispute.slice(0, 12)}… (entry ${index})`,
      ),
    ),
  );
  command.addCommand(
    signing(
      new Command('resolve')
        .description(
          'decide a dispute (the arbitrator role): dismiss it, or restore the item to the rightful party',
        )
        .argument('<dispute>', "the dispute's id", txId)
        .addOption(
          new Option('--outcome <outcome>', 'the decision').choices(DISPUTE_OUTCOMES).makeOptionMandatory(),
        )
        .requiredOption('--reasoning <text>', 'the reasons, for the record')
        .option('--restore-to <did>', 'correct: who gets the item (default: the claimant)'),
      "the arbitrator's key file",
    ).action(
      async (
        id: string,
        options: SignOptions & {
          outcome: (typeof DISPUTE_OUTCOMES)[number];
          reasoning: string;
          restoreTo?: string;
        },
      ) => {
        const dispute = await readDispute(io, options.server, id, 'dispute resolve');
        if (!dispute) return;
        const listing =
          options.outcome === 'correct' ? await openListing(options.server, dispute) : undefined;
        await act(
          io,
          'dispute resolve',
          options,
          'dispute.resolve',
          {
            dispute: id,
            ...itemFields(dispute.asset, dispute.edition),
            outcome: options.outcome,
            reasoning: options.reasoning,
            ...(options.restoreTo === undefined ? {} : { restoreTo: options.restoreTo }),
            ...(listing === undefined ? {} : { listing }),
          },
          (index) =>
            options.outcome === 'dismiss'
              ? `Dismissed dispute ${id.slice(0, 12)}… (entry ${index})`
              : `Corrected the record: ${itemLabel(dispute.asset, dispute.edition)} restored to ${shortDid(options.restoreTo ?? dispute.claimant)} (entry ${index})`,
        );
      },
    ),
  );
  command.addCommand(
    new Command('show')
      .description('a dispute: the claim, the response and the decision')
      .argument('<dispute>', "the dispute's id", txId)
      .addOption(serverOption())
      .addOption(jsonOption())
      .action(async (id: string, options: { server: string; json?: boolean }) => {
        const dispute = await readDispute(io, options.server, id, 'dispute show');
        if (!dispute) return;
        if (options.json) return io.out(JSON.stringify(dispute));
        const lines = [
          `Dispute ${dispute.id}`,
          `  over:       ${dispute.contested.type} at entry ${dispute.contested.index} of ${itemLabel(dispute.asset, dispute.edition)}`,
          `  claimant:   ${dispute.claimant}`,
          `  respondent: ${dispute.respondent}`,
          `  claim:      ${dispute.claim}`,
          `  evidence:   ${dispute.evidence.length} file(s)`,
          `  opened:     entry ${dispute.opened.index}${dispute.froze ? ' (the item frozen meanwhile)' : ''}`,
          dispute.response
            ? `  response:   ${dispute.response.text} (entry ${dispute.response.index})`
            : '  response:   none yet',
          dispute.resolution
            ? `  decision:   ${dispute.resolution.outcome} by ${dispute.resolution.arbitrator} (entry ${dispute.resolution.index}): ${dispute.resolution.reasoning}`
            : '  decision:   open',
        ];
        for (const line of lines) io.out(printable(line));
      }),
  );
  return command;
}

async function readDispute(
  io: CliIo,
  server: string,
  id: string,
  name: string,
): Promise<DisputeRecord | undefined> {
  try {
    const dispute = await clientFor(server).dispute(id);
    if (!dispute) {
      io.err(`cinnabar ${name}: there is no dispute ${id}`);
      io.exitCode = 1;
    }
    return dispute;
  } catch (error) {
    throw new Error(describeApiError(error as never, server));
  }
}

/** The item's open listing, which a correction must name to close. */
async function openListing(server: string, dispute: DisputeRecord): Promise<string | undefined> {
  const client = clientFor(server);
  if (dispute.edition === undefined) return (await client.asset(dispute.asset))?.listing?.id;
  return (await client.edition(dispute.asset, dispute.edition))?.listing?.id;
}

/** The index and transaction id of the contested entry, from the work's record and history. */
async function contestedEntry(
  io: CliIo,
  server: string,
  asset: string,
  edition: number | undefined,
  index: number,
): Promise<{ index: number; txId: string } | undefined> {
  const history = await clientFor(server).assetHistory(asset);
  if (!history) {
    io.err(`cinnabar dispute open: there is no asset ${asset}`);
    io.exitCode = 1;
    return undefined;
  }
  if (history.registered.index === index) return { index, txId: history.registered.txId };
  const event = history.events.find((e) => e.at.index === index && e.edition === edition);
  if (!event) {
    io.err(
      `cinnabar dispute open: entry ${index} is not in the history of ${itemLabel(asset, edition)}: name its registration or a transfer`,
    );
    io.exitCode = 2;
    return undefined;
  }
  return { index, txId: event.at.txId };
}
