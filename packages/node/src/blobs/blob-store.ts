import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, type ReadStream, readFileSync, statSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { cidFromDigest, parseCid } from '@cinnabar/core';
import type { MediaInspection } from '../media/inspect.js';

export interface BlobStoreOptions {
  /** Largest blob accepted, in bytes. */
  maxBytes: number;
}

export const BLOB_STORE_DEFAULTS: BlobStoreOptions = { maxBytes: 512 * 1024 * 1024 };

/** A blob over the size limit: nothing was stored. */
export class BlobTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the blob is larger than the limit of ${limit} bytes`);
    this.name = 'BlobTooLargeError';
  }
}

/** The bytes do not have the CID the uploader said they have: nothing was stored. */
export class BlobMismatchError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`the bytes have CID ${actual}, not ${expected}`);
    this.name = 'BlobMismatchError';
  }
}

export interface StoredBlob {
  cid: string;
  size: number;
  /** False when the same bytes were already stored (content addressing stores them once). */
  created: boolean;
}

/** A blob written and flushed to a temporary file, hashed, and not yet in the store. */
export interface StagedBlob {
  cid: string;
  size: number;
  /** The temporary file, to read before the blob is committed; removed if the commit is refused. */
  path: string;
}

const INSPECTION_SUFFIX = '.inspection.json';

const TEMPORARY_DIR = 'tmp';

/**
 * Content-addressed blob store in a directory: each blob is stored once, under its CIDv1 (raw,
 * sha2-256, base32), as `<dir>/<last two characters of the CID>/<CID>`. A blob is streamed to a
 * temporary file while it is hashed and counted, flushed to disk, then renamed into place, so a
 * crash leaves either the whole blob or a temporary file that the next start removes.
 */
export class BlobStore {
  private readonly options: BlobStoreOptions;

  constructor(
    readonly dir: string,
    options: Partial<BlobStoreOptions> = {},
  ) {
    this.options = { ...BLOB_STORE_DEFAULTS, ...options };
  }

  /** Create the directories and remove temporary files a crash may have left. */
  async init(): Promise<void> {
    await mkdir(join(this.dir, TEMPORARY_DIR), { recursive: true, mode: 0o700 });
    for (const name of await readdir(join(this.dir, TEMPORARY_DIR)))
      await rm(join(this.dir, TEMPORARY_DIR, name), { force: true });
  }

  /** Where a blob lives; throws CinnabarError('malformed_cid') for anything but a raw CIDv1. */
  path(cid: string): string {
    parseCid(cid); // strict: also keeps path tricks ("../", separators) out of the file system
    return join(this.dir, cid.slice(-2), cid);
  }

  /**
   * Stream `source` into the store. Refuses (BlobTooLargeError) as soon as it passes the limit,
   * and (BlobMismatchError) when `expectedCid` is given and the bytes have another one.
   */
  async put(
    source: AsyncIterable<Uint8Array>,
    options: {
      maxBytes?: number;
      expectedCid?: string;
      /**
       * Runs once the bytes are staged and verified, before they become visible, and only when
       * they are not stored yet; if it throws, nothing is stored and put rethrows (inspection).
       */
      beforeCommit?: (staged: StagedBlob) => Promise<void>;
    } = {},
  ): Promise<StoredBlob> {
    const limit = Math.min(options.maxBytes ?? this.options.maxBytes, this.options.maxBytes);
    if (options.expectedCid !== undefined) parseCid(options.expectedCid);
    const temporary = join(this.dir, TEMPORARY_DIR, `${randomBytes(12).toString('hex')}.part`);
    const file = await open(temporary, 'wx', 0o600);
    let size = 0;
    const hash = createHash('sha256');
    try {
      for await (const chunk of source) {
        size += chunk.length;
        if (size > limit) throw new BlobTooLargeError(limit);
        hash.update(chunk);
        await file.write(chunk);
      }
      await file.sync();
    } catch (error) {
      await file.close().catch(() => {});
      await rm(temporary, { force: true });
      throw error;
    }
    await file.close();
    const cid = cidFromDigest(new Uint8Array(hash.digest()));
    if (options.expectedCid !== undefined && options.expectedCid !== cid) {
      await rm(temporary, { force: true });
      throw new BlobMismatchError(options.expectedCid, cid);
    }
    const target = this.path(cid);
    if (await this.has(cid)) {
      await rm(temporary, { force: true });
      return { cid, size, created: false };
    }
    if (options.beforeCommit) {
      try {
        await options.beforeCommit({ cid, size, path: temporary });
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    }
    await mkdir(join(this.dir, cid.slice(-2)), { recursive: true, mode: 0o700 });
    await rename(temporary, target);
    await syncDirectory(join(this.dir, cid.slice(-2)));
    return { cid, size, created: true };
  }

  async has(cid: string): Promise<boolean> {
    return (await this.size(cid)) !== undefined;
  }

  /** The blob's size, or undefined when it is not stored. */
  async size(cid: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(cid))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** A stream of the blob's bytes (optionally a byte range, end inclusive); undefined when absent. */
  async open(cid: string, range?: { start: number; end: number }): Promise<ReadStream | undefined> {
    if (!(await this.has(cid))) return undefined;
    return createReadStream(this.path(cid), range);
  }

  /** The whole blob in memory (for small blobs: inspection, tests); undefined when absent. */
  async read(cid: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.path(cid)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Where a blob's inspection record lives: next to the blob, `<CID>.inspection.json`. */
  inspectionPath(cid: string): string {
    return `${this.path(cid)}${INSPECTION_SUFFIX}`;
  }

  /**
   * Store the inspection of a blob as JSON next to it, atomically (temporary file, fsync, rename),
   * replacing any earlier one. May be written before the blob itself is committed.
   */
  async putInspection(cid: string, inspection: MediaInspection): Promise<void> {
    const target = this.inspectionPath(cid);
    const temporary = join(this.dir, TEMPORARY_DIR, `${randomBytes(12).toString('hex')}.part`);
    const file = await open(temporary, 'wx', 0o600);
    try {
      await file.writeFile(`${JSON.stringify(inspection)}\n`);
      await file.sync();
    } catch (error) {
      await file.close().catch(() => {});
      await rm(temporary, { force: true });
      throw error;
    }
    await file.close();
    await mkdir(join(this.dir, cid.slice(-2)), { recursive: true, mode: 0o700 });
    await rename(temporary, target);
    await syncDirectory(join(this.dir, cid.slice(-2)));
  }

  /**
   * A stored blob's size and inspection, read synchronously: undefined unless both are there. For
   * the path of every registration: two small reads, in the page cache after an upload, cost about
   * 15 µs this way against about 150 µs through libuv's thread pool (reads of SQLite on the event
   * loop are synchronous as well).
   */
  storedFacts(cid: string): { size: number; inspection: MediaInspection } | undefined {
    let size: number;
    let text: string;
    try {
      size = statSync(this.path(cid)).size;
      text = readFileSync(this.inspectionPath(cid), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return { size, inspection: JSON.parse(text) as MediaInspection };
  }

  /** A blob's stored inspection, or undefined when there is none. */
  async getInspection(cid: string): Promise<MediaInspection | undefined> {
    let text: string;
    try {
      text = await readFile(this.inspectionPath(cid), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return JSON.parse(text) as MediaInspection;
  }
}

/** Make a rename durable: fsync the directory that holds the new name. */
async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
