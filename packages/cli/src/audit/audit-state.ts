/**
 * What `cinnabar audit` remembers between runs, so that the next run downloads and replays only the
 * entries appended since: the checkpoint verified last time, the tree's right edge at its size, and
 * the replayed state with the entry that last wrote each record.
 *
 * One file per log (origin and key id), in lines of JSON:
 *   {"format":"cinnabar-audit-state/1","origin":…,"keyId":…,"checkpoint":<note>,"size":…,"frontier":[…],…}
 *   [key, index of the entry that last wrote it, record]     (one line per record, in key order)
 *   {"end":{"records":<count>,"sha256":<hex of every line above, each with its newline>}}
 * Written to a temporary file, flushed and renamed over the old one, so a crash leaves the old state
 * or the new, never half of one. Read back, every part is checked (the checkpoint's signature by the
 * log key, the right edge against the checkpoint's root, the count and digest of the lines); a file
 * that fails any check is refused, never used.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import {
  base64Decode,
  base64Encode,
  bytesEqual,
  type Checkpoint,
  CinnabarError,
  openCheckpoint,
  type StateRecord,
  verifierFromKey,
} from '@cinnabar/core';
import { stateFile } from '../commands/log-verify.js';
import { AuditError } from './audit-error.js';
import { LogReplay, MAX_REJECTED_KEPT, type RejectedEntry } from './replay.js';

export const AUDIT_STATE_FORMAT = 'cinnabar-audit-state/1';

/** A saved audit, read back and checked. */
export interface SavedAudit {
  note: string;
  checkpoint: Checkpoint;
  replay: LogReplay;
}

interface Header {
  format: string;
  origin: string;
  keyId: string;
  checkpoint: string;
  size: number;
  frontier: string[];
  rejectedCount: number;
  rejected: RejectedEntry[];
}

/** The state file of the log with this key, in `stateDir`. */
export function auditStateFile(stateDir: string, vkey: string): string {
  const { name, keyId } = verifierFromKey(vkey);
  return stateFile(stateDir, name, keyId, '.audit');
}

/** Write the state atomically: a temporary file, flushed, renamed over the old one. */
export async function saveAuditState(
  file: string,
  stateDir: string,
  state: { vkey: string; note: string; replay: LogReplay },
): Promise<void> {
  const { name, keyId } = verifierFromKey(state.vkey);
  const { replay } = state;
  const header: Header = {
    format: AUDIT_STATE_FORMAT,
    origin: name,
    keyId: keyHex(keyId),
    checkpoint: state.note,
    size: replay.size,
    frontier: replay.frontierNodes().map(base64Encode),
    rejectedCount: replay.rejectedCount,
    rejected: replay.rejected,
  };
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    const digest = createHash('sha256');
    let chunk: string[] = [];
    let chunkLength = 0;
    const flush = async () => {
      const text = chunk.join('');
      chunk = [];
      chunkLength = 0;
      await handle.write(text);
    };
    const line = async (text: string, hashed = true) => {
      const withNewline = `${text}\n`;
      if (hashed) digest.update(withNewline);
      chunk.push(withNewline);
      chunkLength += withNewline.length;
      if (chunkLength > 1 << 20) await flush();
    };
    await line(JSON.stringify(header));
    let records = 0;
    for (const { key, index, record } of replay.records()) {
      await line(JSON.stringify([key, index, record]));
      records++;
    }
    await line(JSON.stringify({ end: { records, sha256: digest.digest('hex') } }), false);
    await flush();
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temporary, file);
}

/**
 * Read and check the saved state of the log with this key; undefined if there is none. Anything
 * wrong with it throws AuditError('audit_state_invalid') saying what.
 */
export async function loadAuditState(file: string, vkey: string): Promise<SavedAudit | undefined> {
  const invalid = (why: string, cause?: unknown) =>
    new AuditError(
      'audit_state_invalid',
      `the saved audit state ${file} ${why}; it is not used (move it away, or run again with --restart to audit from entry 0)`,
      cause === undefined ? undefined : { cause },
    );
  const verifier = verifierFromKey(vkey);
  const stream = createReadStream(file, { encoding: 'utf8' });
  const opened = await new Promise<boolean>((resolve, reject) => {
    stream.once('open', () => resolve(true));
    stream.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ENOENT' ? resolve(false) : reject(invalid(`cannot be read (${error.message})`, error)),
    );
  });
  if (!opened) return undefined;

  const digest = createHash('sha256');
  let header: Header | undefined;
  let checkpoint: Checkpoint | undefined;
  let end: { records: number; sha256: string } | undefined;
  const records: { key: string; index: number; record: StateRecord }[] = [];
  let lineNumber = 0;
  try {
    for await (const line of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
      lineNumber++;
      if (end) throw invalid(`has lines after its end (line ${lineNumber})`);
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        throw invalid(`is not JSON at line ${lineNumber}`, error);
      }
      if (!header) {
        header = checkHeader(value, invalid);
        checkpoint = openSavedCheckpoint(header, verifier, invalid);
      } else if (isObject(value) && 'end' in value) {
        const e = value.end;
        if (!isObject(e) || !Number.isSafeInteger(e.records) || typeof e.sha256 !== 'string')
          throw invalid(`has a malformed end line (line ${lineNumber})`);
        end = { records: e.records as number, sha256: e.sha256 };
        continue; // the end line is not part of its own digest
      } else {
        records.push(checkRecordLine(value, header.size, lineNumber, invalid));
      }
      digest.update(`${line}\n`);
    }
  } catch (error) {
    stream.destroy();
    if (error instanceof AuditError) throw error;
    throw invalid(`cannot be read (${(error as Error).message})`, error);
  }
  if (!header || !checkpoint) throw invalid('is empty');
  if (!end) throw invalid('is truncated (it has no end line)');
  if (end.records !== records.length || end.sha256 !== digest.digest('hex'))
    throw invalid('does not match its own digest: it was altered or damaged');
  let replay: LogReplay;
  try {
    replay = new LogReplay({
      size: header.size,
      frontier: header.frontier.map((h) => base64Decode(h)),
      records,
      rejected: header.rejected,
      rejectedCount: header.rejectedCount,
    });
  } catch (error) {
    throw invalid(`has a malformed tree edge (${(error as Error).message})`, error);
  }
  if (!bytesEqual(replay.root(), checkpoint.rootHash))
    throw invalid(`has a tree edge whose root is not the root of its checkpoint (size ${checkpoint.size})`);
  return { note: header.checkpoint, checkpoint, replay };
}

function checkHeader(value: unknown, invalid: (why: string) => AuditError): Header {
  if (!isObject(value) || value.format !== AUDIT_STATE_FORMAT)
    throw invalid(`is not a ${AUDIT_STATE_FORMAT} file`);
  const h = value as Partial<Header>;
  if (
    typeof h.origin !== 'string' ||
    typeof h.keyId !== 'string' ||
    typeof h.checkpoint !== 'string' ||
    !Number.isSafeInteger(h.size) ||
    h.size! < 0 ||
    !Array.isArray(h.frontier) ||
    !h.frontier.every((x) => typeof x === 'string') ||
    !Number.isSafeInteger(h.rejectedCount) ||
    !Array.isArray(h.rejected) ||
    h.rejected.length > MAX_REJECTED_KEPT ||
    !h.rejected.every(
      (r) =>
        isObject(r) &&
        Number.isSafeInteger(r.index) &&
        typeof r.code === 'string' &&
        typeof r.message === 'string',
    )
  )
    throw invalid('has a malformed header');
  return h as Header;
}

/** The saved checkpoint, its signature verified again with the key given now. */
function openSavedCheckpoint(
  header: Header,
  verifier: ReturnType<typeof verifierFromKey>,
  invalid: (why: string, cause?: unknown) => AuditError,
): Checkpoint {
  if (header.origin !== verifier.name || header.keyId !== keyHex(verifier.keyId))
    throw invalid(
      `is of another log (origin ${JSON.stringify(header.origin)}, key id ${header.keyId}), not of ${JSON.stringify(verifier.name)} key id ${keyHex(verifier.keyId)}`,
    );
  let checkpoint: Checkpoint;
  try {
    checkpoint = openCheckpoint(header.checkpoint, verifier, verifier.name).checkpoint;
  } catch (error) {
    if (!(error instanceof CinnabarError)) throw error;
    throw invalid(`holds a checkpoint that this log key does not verify (${error.code})`, error);
  }
  if (checkpoint.size !== header.size)
    throw invalid(`says ${header.size} entries were replayed, but its checkpoint is of ${checkpoint.size}`);
  return checkpoint;
}

function checkRecordLine(
  value: unknown,
  size: number,
  line: number,
  invalid: (why: string) => AuditError,
): { key: string; index: number; record: StateRecord } {
  if (
    !Array.isArray(value) ||
    value.length !== 3 ||
    typeof value[0] !== 'string' ||
    !Number.isSafeInteger(value[1]) ||
    value[1] < 0 ||
    value[1] >= size ||
    !isObject(value[2]) ||
    typeof value[2].kind !== 'string'
  )
    throw invalid(`has a malformed record at line ${line}`);
  return { key: value[0], index: value[1], record: value[2] as unknown as StateRecord };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function keyHex(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}
