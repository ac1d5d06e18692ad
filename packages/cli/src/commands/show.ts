import {
  type AssetView,
  CinnabarApiError,
  type CinnabarClient,
  type IdentityView,
  isTransactionId,
  type LogRef,
  parseCid,
} from '@cinnabar/core';
import { Command } from 'commander';
import { type CliIo, jsonOption } from '../program.js';
import { clientFor, describeApiError, printable, serverOption, UsageError } from './node-api.js';
import { describeMark } from './register.js';

interface ShowOptions {
  server: string;
  json?: boolean;
}

const SHOW_HELP = `
ID is an asset id (64 hex digits, as \`cinnabar register\` prints it), the CID of registered bytes
(bafkrei…), or a did:key (shows the identity).

Exit status: 0 shown, 1 not found on the node (or the node failed), 2 not an id, CID or did:key.`;

export function showCommand(io: CliIo): Command {
  return new Command('show')
    .description('show a registered asset (by asset id or CID) or an identity (by did:key)')
    .argument('<id>', 'asset id, CID or did:key')
    .addOption(serverOption())
    .addOption(jsonOption())
    .addHelpText('after', SHOW_HELP)
    .action(async (id: string, options: ShowOptions) => {
      try {
        await show(io, id, options);
      } catch (error) {
        if (error instanceof UsageError) {
          io.err(`cinnabar show: ${error.message}`);
          io.exitCode = 2;
          return;
        }
        if (error instanceof CinnabarApiError) throw new Error(describeApiError(error, options.server));
        throw error;
      }
    });
}

async function show(io: CliIo, id: string, options: ShowOptions): Promise<void> {
  const client = clientFor(options.server);
  const notFound = (what: string) => {
    io.err(printable(`cinnabar show: ${what} is not registered on ${client.baseUrl}`));
    io.exitCode = 1;
  };
  if (id.startsWith('did:')) {
    if (!id.startsWith('did:key:')) throw new UsageError(`only did:key identities can be shown, not ${id}`);
    const identity = await client.identity(id);
    if (!identity) return notFound(`the identity ${id}`);
    if (options.json) io.out(JSON.stringify(identity));
    else printIdentity(io, identity);
    return;
  }
  let asset: AssetView | undefined;
  if (isTransactionId(id)) {
    asset = await client.asset(id);
    if (!asset) return notFound(`asset ${id}`);
  } else if (id.startsWith('b')) {
    try {
      parseCid(id);
    } catch (error) {
      throw new UsageError(`${id} is not a CID of registered bytes: ${(error as Error).message}`);
    }
    asset = await client.assetByCid(id);
    if (!asset) return notFound(`CID ${id}`);
  } else {
    throw new UsageError(
      `${printable(id.slice(0, 80))} is neither an asset id (64 hex digits), a CID (bafkrei…) nor a did:key`,
    );
  }
  if (options.json) {
    io.out(JSON.stringify(asset));
    return;
  }
  printAsset(io, asset, await names(client, [asset.owner, asset.registrant]), client.blobUrl(asset.cid));
}

/** The registered names of these identities, for display; lookups that fail are left out. */
async function names(client: CinnabarClient, dids: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const did of new Set(dids)) {
    const identity = await client.identity(did).catch(() => undefined);
    if (identity) found.set(did, identity.name);
  }
  return found;
}

const at = (ref: LogRef) => `entry ${ref.index}, ${ref.time} (tx ${ref.txId})`;

function rows(io: CliIo): (name: string, value: string) => void {
  return (name, value) => {
    const [first = '', ...rest] = value.split('\n');
    io.out(printable(`${name.padEnd(12)}${first}`));
    for (const line of rest) io.out(printable(`${' '.repeat(12)}${line}`));
  };
}

function printAsset(io: CliIo, asset: AssetView, known: Map<string, string>, blobUrl: string): void {
  const row = rows(io);
  const who = (did: string) => (known.has(did) ? `${did} (${known.get(did)})` : did);
  const m = asset.metadata;
  row('Asset', asset.id);
  row('Title', m.title);
  if (m.description !== undefined) row('Description', m.description);
  row('Owner', who(asset.owner));
  row('Registrant', asset.registrant === asset.owner ? 'the owner' : who(asset.registrant));
  row('CID', asset.cid);
  row('Size', `${asset.size} bytes`);
  row('Media type', asset.mediaType);
  row('Licence', m.licence);
  row('Grade', m.grade);
  row('Creators', m.creators.map((c) => (c.role ? `${c.name} (${c.role})` : c.name)).join('; '));
  if (m.created !== undefined) row('Created', m.created);
  if (m.derivedFrom) row('Derived from', m.derivedFrom.join('\n'));
  row('Registered', at(asset.registered));
  row(
    'Revision',
    asset.revision === 0 ? '0 (as registered)' : `${asset.revision}, last updated at ${at(asset.updated)}`,
  );
  row('Bytes', blobUrl);
  if (asset.possiblePriorWork.length === 0) io.out('Possible prior work: none');
  else {
    io.out('Possible prior work (registered works that look or are shaped like this one):');
    for (const mark of asset.possiblePriorWork) io.out(printable(`  ${describeMark(mark)}`));
  }
}

function printIdentity(io: CliIo, identity: IdentityView): void {
  const row = rows(io);
  row('Identity', identity.did);
  row('Name', identity.name);
  row('Kind', identity.type);
  if (identity.alias !== undefined) row('Alias', identity.alias);
  if (identity.isOperator) row('Operator', 'yes: this identity runs the ledger');
  row('Roles', identity.roles.map((r) => `${r.role} (${r.credential})`).join('\n') || 'none');
  row(
    'Real name',
    identity.realName.length === 0
      ? 'no credential'
      : identity.realName
          .map((r) => (r.validUntil ? `${r.credential} until ${r.validUntil}` : r.credential))
          .join('\n'),
  );
  row('Registered', at(identity.registered));
  row('Last tx', `${at(identity.lastTx)}, seq ${identity.seq}`);
}
