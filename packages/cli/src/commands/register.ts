import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import {
  type AssetDescription,
  type AssetRegister,
  base64Encode,
  CinnabarApiError,
  type CinnabarClient,
  cidFromBytes,
  createCidHasher,
  DATA_GRADES,
  type DataGrade,
  encodeTransaction,
  type JsonObject,
  type OpenedKeyFile,
  type PriorWorkView,
  prepareTransaction,
  type SignedTransaction,
  sealDescription,
  signTransaction,
  signUploadAuthorization,
  type TxAccepted,
  verifyReceipt,
} from '@cinnabar/core';
import { Command, Option } from 'commander';
import { type CliIo, jsonOption } from '../program.js';
import { ID_DEFAULTS, loadKeyFile, passphraseFileOption } from './id.js';
import { clientFor, describeApiError, printable, serverOption, shortDid, UsageError } from './node-api.js';

export const REGISTER_DEFAULTS = {
  /** Cinnabar's own terms: every right reserved to the owner. */
  licence: 'LicenseRef-Cinnabar-All-Rights-Reserved',
  grade: 'general' as DataGrade,
  /** The receipt is written next to FILE, as FILE + this suffix, unless --out says otherwise. */
  receiptSuffix: '.receipt.json',
  /** Upload progress is shown (on a terminal) at most this often, and only after this long. */
  progressIntervalMs: 500,
};

/** Chunk size for hashing and uploading FILE: it is streamed, never held in memory whole. */
const READ_CHUNK = 1024 * 1024;

const REGISTER_HELP = `
FILE is hashed (CIDv1, sha2-256) as a stream, uploaded to the node, which inspects it and says its
media type, and registered with an asset.register transaction signed with the key. If the key's
identity is not registered on the node yet, an identity.register (a person named after the key
file, or --name) is submitted first. The receipt the node returns is written to --out (default
FILE${REGISTER_DEFAULTS.receiptSuffix}); check it offline at any time with \`cinnabar verify FILE --receipt R\`.

Where the ledger's policy seals the descriptions of works of --grade (policy.sealDescriptions,
docs/sealed-descriptions.md), the title, description, creators, dates and place are not put on
the log: they go in a sealed document, uploaded to the node before the registration, which names
it by its CID. The node serves it only to those who may read the work (\`cinnabar show --unseal\`).

Exit status: 0 registered, 1 refused (e.g. the bytes are already registered, by whom is printed)
or failed, 2 bad arguments.`;

interface RegisterOptions {
  title: string;
  description?: string;
  creator: string[];
  licence: string;
  grade: DataGrade;
  created?: string;
  derivedFrom: string[];
  place?: string;
  placeBox?: string;
  level?: string;
  height?: string;
  placeName?: string;
  validFrom?: string;
  validUntil?: string;
  name?: string;
  key: string;
  passphraseFile?: string;
  server: string;
  out?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The place and time span the options give, as metadata fields (the rules check them). */
function placeOf(options: RegisterOptions): Pick<AssetRegister, 'place' | 'timeSpan'> {
  const fields: Pick<AssetRegister, 'place' | 'timeSpan'> = {};
  if (options.place !== undefined && options.placeBox !== undefined)
    throw new UsageError('give --place or --place-box, not both');
  const numbers = (text: string, count: number, name: string) => {
    const values = text.split(',').map((v) => Number(v.trim()));
    if (values.length !== count || values.some((v) => !Number.isFinite(v)))
      throw new UsageError(`${name} takes ${count} numbers separated by commas`);
    return values;
  };
  const level = options.level === undefined ? undefined : Number(options.level);
  const named = options.placeName === undefined ? {} : { name: options.placeName };
  if (options.place !== undefined) {
    if (/^[NSns][0-9]/.test(options.place)) fields.place = { grid: options.place, ...named };
    else {
      const [lat, lng] = numbers(options.place, 2, '--place');
      const height =
        options.height === undefined ? {} : { height: numbers(options.height, 1, '--height')[0]! };
      fields.place = {
        point: { lat: lat!, lng: lng!, ...height },
        ...(level === undefined ? {} : { level }),
        ...named,
      };
    }
  } else if (options.placeBox !== undefined) {
    const [south, west, north, east] = numbers(options.placeBox, 4, '--place-box');
    fields.place = {
      box: { south: south!, west: west!, north: north!, east: east! },
      ...(level === undefined ? {} : { level }),
      ...named,
    };
  } else if (options.level !== undefined || options.height !== undefined || options.placeName !== undefined)
    throw new UsageError('--level, --height and --place-name go with --place or --place-box');
  if (options.validFrom !== undefined)
    fields.timeSpan = {
      start: options.validFrom,
      ...(options.validUntil === undefined ? {} : { end: options.validUntil }),
    };
  else if (options.validUntil !== undefined) throw new UsageError('--valid-until goes with --valid-from');
  return fields;
}

export function registerCommand(io: CliIo): Command {
  return new Command('register')
    .description(
      'register a file: upload it to the node, sign its registration and save the receipt; prints the asset id last',
    )
    .argument('<file>', 'the file to register (streamed)')
    .requiredOption('--title <title>', 'the title of the work')
    .option('--description <text>', 'a description of the work')
    .option('--creator <name>', "a creator (repeat for several; default: the key's name)", collect, [])
    .option('--licence <spdx>', 'an SPDX licence id, or LicenseRef-…', REGISTER_DEFAULTS.licence)
    .addOption(
      new Option('--grade <grade>', 'data grade (GB/T 43697-2024)')
        .choices(DATA_GRADES)
        .default(REGISTER_DEFAULTS.grade),
    )
    .option('--created <date>', 'when the work was made: YYYY, YYYY-MM or YYYY-MM-DD')
    .option('--derived-from <asset>', 'an asset this work derives from (repeat for several)', collect, [])
    .option('--place <where>', 'where the work is: a Beidou grid code, or LAT,LNG (with --level)')
    .option('--place-box <box>', 'where the work is: SOUTH,WEST,NORTH,EAST (with --level)')
    .option('--level <n>', 'the grid level of --place LAT,LNG or --place-box, 1 to 10')
    .option('--height <metres>', 'with --place LAT,LNG: metres above the reference surface')
    .option('--place-name <name>', 'the name of the place')
    .option(
      '--valid-from <date>',
      'the first day the work holds for (a twin of a place): YYYY, YYYY-MM or YYYY-MM-DD',
    )
    .option('--valid-until <date>', 'the last day it holds for')
    .option(
      '--name <name>',
      "the name to register the key's identity under, if it is not registered yet (default: the key file's name)",
    )
    .option('--key <file>', 'identity key file', ID_DEFAULTS.keyFile)
    .addOption(passphraseFileOption())
    .addOption(serverOption())
    .option('--out <file>', `where to write the receipt (default: FILE${REGISTER_DEFAULTS.receiptSuffix})`)
    .addOption(jsonOption())
    .addHelpText('after', REGISTER_HELP)
    .action(async (path: string, options: RegisterOptions) => {
      try {
        await register(io, path, options);
      } catch (error) {
        if (error instanceof UsageError) {
          io.err(`cinnabar register: ${error.message}`);
          io.exitCode = 2;
          return;
        }
        if (error instanceof CinnabarApiError) throw new Error(describeApiError(error, options.server));
        throw error;
      }
    });
}

/** The registration that already holds these bytes. */
interface PriorRegistration {
  asset: string;
  registrant: string;
  index: number;
  title?: string;
}

async function register(io: CliIo, path: string, options: RegisterOptions): Promise<void> {
  const file = resolve(path);
  const info = await stat(file).catch((error: Error) => {
    throw new UsageError(`cannot read ${file}: ${error.message}`);
  });
  if (!info.isFile()) throw new UsageError(`${file} is not a regular file`);
  const out = resolve(options.out ?? `${path}${REGISTER_DEFAULTS.receiptSuffix}`);
  const client = clientFor(options.server);
  const key = await loadKeyFile(options.key, options.passphraseFile);
  try {
    await registerWithKey(io, { file, size: info.size, out }, client, key, options);
  } finally {
    key.seed.fill(0);
  }
}

async function registerWithKey(
  io: CliIo,
  target: { file: string; size: number; out: string },
  client: CinnabarClient,
  key: OpenedKeyFile & { file: string },
  options: RegisterOptions,
): Promise<void> {
  const { file, out } = target;
  const creators = options.creator.length > 0 ? options.creator : key.name ? [key.name] : [];

  // The description is checked before anything is hashed or sent, with a stand-in for the bytes.
  const description = (names: string[]): AssetDescription => ({
    title: options.title,
    ...(options.description === undefined ? {} : { description: options.description }),
    creators: names.map((name) => ({ name })),
    ...(options.created === undefined ? {} : { created: options.created }),
    ...placeOf(options),
  });
  const metadata = (
    facts: { cid: string; size: number; mediaType: string },
    described: AssetDescription | { sealed: string },
  ): AssetRegister => ({
    ...facts,
    ...described,
    licence: options.licence,
    grade: options.grade,
    ...(options.derivedFrom.length === 0 ? {} : { derivedFrom: options.derivedFrom }),
  });
  const sign = (type: string, body: object, seq: number): SignedTransaction =>
    signTransaction(
      { v: 1, type, actor: key.did, seq, time: new Date().toISOString(), body: body as JsonObject },
      key.seed,
    );
  const stand = { cid: cidFromBytes(new Uint8Array()), size: 0, mediaType: 'application/octet-stream' };
  const checked = prepareTransaction(
    sign('asset.register', metadata(stand, description(creators.length ? creators : ['x'])), 1),
  );
  if (!checked.ok) throw new UsageError(checked.message);
  const sealedGrades: readonly string[] = (await client.ledger()).policy.sealDescriptions ?? [];
  const seal = sealedGrades.includes(options.grade);

  const { cid, size } = await hashFile(file);
  if (size !== target.size) throw new Error(`${file} changed while it was read`);

  // The bytes may be registered already: say by whom before uploading them for nothing.
  const prior = await client.assetByCid(cid);
  if (prior) {
    const registration = { asset: prior.id, registrant: prior.registrant, index: prior.registered.index };
    reportPrior(io, { ...registration, title: prior.metadata.title }, key.did, options);
    return;
  }
  if (await exists(out))
    throw new UsageError(`${out} already exists; not overwriting a receipt (choose --out)`);
  if (!(await exists(dirname(out)))) throw new UsageError(`the directory of --out ${out} does not exist`);

  // The identity: registered first if the node does not know it.
  let identity = await client.identity(key.did);
  let identityIndex: number | undefined;
  if (!identity) {
    const name = options.name ?? key.name;
    if (name === undefined)
      throw new UsageError(
        `${key.did} is not registered on ${client.baseUrl}, and the key file ${key.file} has no name to register it under: pass --name NAME`,
      );
    const accepted = await client.submit(sign('identity.register', { kind: 'person', name }, 1));
    identityIndex = accepted.index;
    if (!options.json)
      io.out(printable(`Registered identity ${key.did} as "${name}" (entry ${accepted.index})`));
    identity = await client.identity(key.did);
    if (!identity)
      throw new Error(`${key.did} was registered at entry ${accepted.index} but the node does not show it`);
  }

  // Upload: the node inspects the bytes, and its media type is the one to register.
  const progress = uploadProgress(size);
  let uploaded: Awaited<ReturnType<CinnabarClient['uploadBlob']>>;
  try {
    uploaded = await client.uploadBlob({
      stream: Readable.toWeb(
        createReadStream(file, { highWaterMark: READ_CHUNK }),
      ) as ReadableStream<Uint8Array>,
      cid,
      size,
      authorization: signUploadAuthorization({ did: key.did, seed: key.seed, cid, size }),
      ...(progress ? { onProgress: progress.update } : {}),
    });
  } catch (error) {
    if (error instanceof CinnabarApiError && error.code === 'malformed_media')
      throw new Error(describeMalformed(error, file));
    throw error;
  } finally {
    progress?.done();
  }

  const names = creators.length > 0 ? creators : [identity.name];
  let described: AssetDescription | { sealed: string } = description(names);
  if (seal) {
    const sealed = sealDescription(described);
    await client.uploadBlob({
      bytes: sealed.bytes,
      cid: sealed.cid,
      size: sealed.bytes.length,
      authorization: signUploadAuthorization({
        did: key.did,
        seed: key.seed,
        cid: sealed.cid,
        size: sealed.bytes.length,
      }),
    });
    described = { sealed: sealed.cid };
  }
  const body = metadata({ cid, size, mediaType: uploaded.mediaType }, described);
  const signed = sign('asset.register', body, identity.seq + 1);
  let accepted: TxAccepted;
  try {
    accepted = await client.submit(signed);
  } catch (error) {
    const details = error instanceof CinnabarApiError ? error.problem?.details : undefined;
    if (
      error instanceof CinnabarApiError &&
      (error.code === 'rights_conflict' || error.code === 'already_registered') &&
      isPrior(details)
    ) {
      reportPrior(io, details, key.did, options);
      return;
    }
    throw error;
  }
  // The receipt is checked before it is kept: it must hold this very transaction, for these bytes,
  // and be self-consistent (which log signed it is for `cinnabar verify --vkey` to pin).
  const verdict = verifyReceipt(accepted.receipt, { file: { cid, size } });
  const problem = !verdict.ok
    ? `${verdict.failed} check: ${verdict.checks.find((c) => !c.ok)?.detail ?? 'failed'}`
    : accepted.receipt.entry !== base64Encode(encodeTransaction(signed))
      ? 'it is not the receipt of the transaction sent'
      : undefined;
  const receiptText = `${JSON.stringify(accepted.receipt, null, 2)}\n`;
  try {
    await writeFile(out, receiptText, { flag: 'wx' });
  } catch (error) {
    io.err(
      `cinnabar register: registered, but the receipt could not be written to ${out}: ${(error as Error).message}`,
    );
    io.err('The receipt follows on standard output; keep it.');
    io.out(receiptText.trimEnd());
    io.exitCode = 1;
    return;
  }

  if (problem !== undefined) {
    io.err(
      printable(`cinnabar register: the node's receipt (written to ${out}) does not verify: ${problem}`),
    );
    io.exitCode = 1;
    return;
  }
  const asset = accepted.subject.asset!;
  // The asset's view names the other side of each "possible prior work" mark.
  const marks: PriorWorkView[] = accepted.possiblePriorWork?.length
    ? ((await client.asset(asset).catch(() => undefined))?.possiblePriorWork ??
      accepted.possiblePriorWork.map((m) => ({ ...m, registeredEarlier: true })))
    : [];
  if (options.json) {
    io.out(
      JSON.stringify({
        ok: true,
        asset,
        txId: accepted.txId,
        index: accepted.index,
        cid,
        size,
        mediaType: uploaded.mediaType,
        title: options.title,
        ...('sealed' in described ? { sealed: described.sealed } : {}),
        owner: key.did,
        receipt: out,
        ...(identityIndex === undefined
          ? {}
          : { identityRegistered: { did: key.did, index: identityIndex } }),
        possiblePriorWork: marks,
      }),
    );
    return;
  }
  const row = (name: string, value: string) => io.out(printable(`  ${name.padEnd(8)}  ${value}`));
  io.out(printable(`Registered "${options.title}" (${uploaded.mediaType}, ${size} bytes)`));
  row('asset', asset);
  row('cid', cid);
  if ('sealed' in described) row('sealed', `${described.sealed} (the description, kept off the log)`);
  row('entry', `${accepted.index} (tx ${accepted.txId})`);
  row('owner', `${key.did} (${identity.name})`);
  row('receipt', out);
  if (marks.length > 0) {
    io.out('Possible prior work (registered works that look or are shaped like this one):');
    for (const mark of marks) io.out(printable(`  ${describeMark(mark)}`));
  }
  io.out(asset);
}

function isPrior(details: unknown): details is PriorRegistration {
  const d = details as Partial<PriorRegistration> | undefined;
  return typeof d?.asset === 'string' && typeof d.registrant === 'string' && typeof d.index === 'number';
}

/** The bytes are registered already: say by whom, and fail. */
function reportPrior(io: CliIo, prior: PriorRegistration, did: string, options: RegisterOptions): void {
  const mine = prior.registrant === did;
  io.exitCode = 1;
  if (options.json) {
    io.out(JSON.stringify({ ok: false, code: mine ? 'already_registered' : 'rights_conflict', prior }));
    return;
  }
  const err = (line: string) => io.err(printable(line));
  err(
    mine
      ? 'cinnabar register: you already registered these bytes:'
      : 'cinnabar register: these bytes are already registered by someone else (rights conflict):',
  );
  err(`  asset       ${prior.asset}`);
  if (prior.title !== undefined) err(`  title       ${JSON.stringify(prior.title)}`);
  err(`  registrant  ${prior.registrant}`);
  err(`  entry       ${prior.index}`);
  err(`See it with \`cinnabar show ${prior.asset} --server ${options.server}\`.`);
}

export function describeMark(mark: PriorWorkView): string {
  const why = mark.reason === 'geometry' ? 'the same geometry' : `${mark.reason}, distance ${mark.distance}`;
  const title = mark.title === undefined ? '' : ` ${JSON.stringify(mark.title)}`;
  const owner = mark.owner === undefined ? '' : ` by ${shortDid(mark.owner)}`;
  return `asset ${mark.asset}${title}${owner}: ${why}, registered ${mark.registeredEarlier ? 'earlier' : 'later'}`;
}

function describeMalformed(error: CinnabarApiError, file: string): string {
  const errors = Array.isArray(error.problem?.errors)
    ? (error.problem.errors as { code?: unknown; message?: unknown }[])
    : [];
  const lines = errors
    .slice(0, 5)
    .map((e) => `  ${String(e.code)}: ${String(e.message)}`)
    .join('\n');
  return (
    printable(`the node refused ${file} as malformed media: ${error.detail ?? error.message}`) +
    (lines ? `\n${printable(lines)}` : '')
  );
}

/** The CID and size of FILE, streamed through the CID hasher. */
async function hashFile(path: string): Promise<{ cid: string; size: number }> {
  const hasher = createCidHasher();
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK })) {
    hasher.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { cid: hasher.digest(), size };
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Upload progress on a terminal's standard error, at most every progressIntervalMs and only once an
 * upload has taken that long (so a small one prints nothing); none when stderr is not a terminal.
 */
function uploadProgress(size: number): { update(sent: number): void; done(): void } | undefined {
  const stream = process.stderr;
  if (!stream.isTTY) return undefined;
  const started = Date.now();
  let last = started;
  let shown = false;
  const mib = (n: number) => (n / (1024 * 1024)).toFixed(1);
  return {
    update(sent) {
      const now = Date.now();
      if (now - last < REGISTER_DEFAULTS.progressIntervalMs) return;
      last = now;
      shown = true;
      const percent = size === 0 ? 100 : Math.floor((sent / size) * 100);
      stream.write(`\ruploading ${percent}% (${mib(sent)} of ${mib(size)} MiB)`);
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
