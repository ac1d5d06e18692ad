import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import {
  type AssetDescription,
  type AssetView,
  CinnabarApiError,
  type CinnabarClient,
  createCidHasher,
  type IdentityView,
  isTransactionId,
  type LogRef,
  parseCid,
  type ReadAuthorizer,
  readSigner,
} from '@cinnabar/core';
import { Command } from 'commander';
import { type CliIo, jsonOption } from '../program.js';
import { ID_DEFAULTS, loadKeyFile, passphraseFileOption } from './id.js';
import { clientFor, describeApiError, printable, serverOption, UsageError } from './node-api.js';
import { describeMark } from './register.js';

interface ShowOptions {
  server: string;
  json?: boolean;
  download?: string;
  unseal?: boolean;
  key: string;
  passphraseFile?: string;
}

const SHOW_HELP = `
ID is an asset id (64 hex digits, as \`cinnabar register\` prints it), the CID of registered bytes
(bafkrei…), or a did:key (shows the identity).

With --download FILE the asset's bytes are saved to FILE as well. The bytes of a work graded
\`important\` or \`core\` (GB/T 43697-2024) are served only to its owner, the owners of its editions,
its licensees, the operator and regulators: when the node asks, the read is signed with --key, and
the node records it in the work's access log (\`cinnabar access-log\`). A work taken down by a
regulator is not served at all (HTTP 451).

Where the policy seals the descriptions of a grade (docs/sealed-descriptions.md), the log holds
only the CID of a sealed document with the title, creators and the rest. --unseal reads it, signed
with --key, under the same rules as the bytes (and recorded in the same access log).

Exit status: 0 shown, 1 not found on the node, refused, or the node failed, 2 not an id, CID or
did:key.`;

export function showCommand(io: CliIo): Command {
  return new Command('show')
    .description('show a registered asset (by asset id or CID) or an identity (by did:key)')
    .argument('<id>', 'asset id, CID or did:key')
    .addOption(serverOption())
    .addOption(jsonOption())
    .option('--download <file>', "also save the asset's bytes to FILE")
    .option('--unseal', "read the work's sealed description (signed with --key)")
    .option('--key <file>', 'your key file, to sign reads of graded works', ID_DEFAULTS.keyFile)
    .addOption(passphraseFileOption())
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
        if (error instanceof CinnabarApiError && error.status >= 400 && error.status < 500) {
          io.err(printable(`cinnabar show: refused: ${describeApiError(error, options.server)}`));
          io.exitCode = 1;
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
  // Graded works are read with a signature; others without, so the reader is not named needlessly.
  const signer = async () => readSigner(await loadKeyFile(options.key, options.passphraseFile));
  let unsealed: AssetDescription | undefined;
  if (options.unseal) {
    const sealed = asset.metadata.sealed;
    if (sealed === undefined) throw new UsageError(`the description of asset ${asset.id} is not sealed`);
    unsealed = await client.sealedDescription(sealed, await signer());
  }
  if (options.json) io.out(JSON.stringify(unsealed ? { ...asset, unsealed } : asset));
  else
    printAsset(
      io,
      asset,
      await names(client, [asset.owner, asset.registrant]),
      client.blobUrl(asset.cid),
      unsealed,
    );
  if (options.download !== undefined) {
    const authorize = asset.metadata.grade === 'general' ? undefined : await signer();
    const size = await download(client, asset.cid, options.download, authorize);
    if (!options.json) io.out(printable(`Saved ${size} bytes to ${options.download}`));
  }
}

/**
 * Save the bytes of `cid` to `file` (through FILE.part, renamed when complete). The bytes must be
 * the CID's, unless the node says it wrote an AI label into them (Cinnabar-AI-Label: written).
 */
async function download(
  client: CinnabarClient,
  cid: string,
  file: string,
  authorize: ReadAuthorizer | undefined,
): Promise<number> {
  const response = await client.openBlob(cid, authorize ? { authorize } : {});
  if (!response.body) throw new Error(`GET ${client.blobUrl(cid)}: the answer has no body`);
  const hasher = createCidHasher();
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hasher.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const part = `${file}.part`;
  try {
    await pipeline(Readable.fromWeb(response.body as NodeReadableStream), count, createWriteStream(part));
    const labelled = response.headers.get('cinnabar-ai-label') === 'written';
    if (!labelled && hasher.digest() !== cid)
      throw new Error(`the node sent bytes that are not ${cid}; nothing was saved`);
    await rename(part, file);
  } catch (error) {
    await rm(part, { force: true });
    throw error;
  }
  return size;
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

function printAsset(
  io: CliIo,
  asset: AssetView,
  known: Map<string, string>,
  blobUrl: string,
  unsealed: AssetDescription | undefined,
): void {
  const row = rows(io);
  const who = (did: string) => (known.has(did) ? `${did} (${known.get(did)})` : did);
  const m = asset.metadata;
  // A sealed description, once read, is shown where a public one would be.
  const d = unsealed ?? m;
  row('Asset', asset.id);
  if (m.sealed !== undefined)
    row('Sealed', `${m.sealed}${unsealed ? ' (read and checked)' : ' (read it with --unseal)'}`);
  if (d.title !== undefined) row('Title', d.title);
  if (d.description !== undefined) row('Description', d.description);
  row('Owner', who(asset.owner));
  row('Registrant', asset.registrant === asset.owner ? 'the owner' : who(asset.registrant));
  row('CID', asset.cid);
  row('Size', `${asset.size} bytes`);
  row('Media type', asset.mediaType);
  row('Licence', m.licence);
  row('Grade', m.grade);
  if (d.creators)
    row('Creators', d.creators.map((c) => (c.role ? `${c.name} (${c.role})` : c.name)).join('; '));
  if (d.created !== undefined) row('Created', d.created);
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
