// An in-memory C2SP tlog-tiles log for tests. It computes its tiles directly from the leaf hashes
// (merkleRoot over each full tile, paths written out here, nothing from tiles.ts), so the verifier is
// checked against an independent construction.
import { type Checkpoint, signCheckpoint } from '../../src/checkpoint.js';
import { leafHash, merkleRoot } from '../../src/merkle.js';
import type { NoteSigner } from '../../src/note.js';

const WIDTH = 256;

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function bundle(entries: readonly Uint8Array[]): Uint8Array {
  return concat(entries.flatMap((e) => [Uint8Array.of(e.length >> 8, e.length & 0xff), e]));
}

/** Index as tlog-tiles path elements, written out independently of tiles.ts. */
function indexPath(n: number): string {
  const digits = String(n).padStart(Math.ceil(String(n).length / 3) * 3, '0');
  const groups = digits.match(/.{3}/g)!;
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

export function bundlePath(index: number, width: number): string {
  return `tile/entries/${indexPath(index)}${width < WIDTH ? `.p/${width}` : ''}`;
}

export function hashTilePath(level: number, index: number, width: number): string {
  return `tile/${level}/${indexPath(index)}${width < WIDTH ? `.p/${width}` : ''}`;
}

export class MemoryLog {
  /** Every served resource by path relative to the prefix ("checkpoint", "tile/..."); mutable, to tamper. */
  readonly files = new Map<string, Uint8Array>();
  readonly entries: Uint8Array[] = [];
  readonly leafHashes: Uint8Array[] = [];
  /** Paths requested through fetch(), in order. */
  readonly requests: string[] = [];

  constructor(
    readonly origin: string,
    readonly signer: NoteSigner,
  ) {}

  get size(): number {
    return this.entries.length;
  }

  append(...entries: Uint8Array[]): this {
    for (const entry of entries) {
      this.entries.push(entry);
      this.leafHashes.push(leafHash(entry));
    }
    return this;
  }

  /** Every tile and entry bundle at the current size (full and partial), and a signed checkpoint. Returns the note. */
  publish(signer: NoteSigner = this.signer): string {
    const size = this.size;
    for (let b = 0; b * WIDTH < size; b++) {
      const slice = this.entries.slice(b * WIDTH, (b + 1) * WIDTH);
      this.files.set(bundlePath(b, slice.length), bundle(slice));
    }
    let row = this.leafHashes;
    for (let level = 0; row.length > 0; level++) {
      const next: Uint8Array[] = [];
      for (let t = 0; t * WIDTH < row.length; t++) {
        const hashes = row.slice(t * WIDTH, (t + 1) * WIDTH);
        this.files.set(hashTilePath(level, t, hashes.length), concat(hashes));
        if (hashes.length === WIDTH) next.push(merkleRoot(hashes));
      }
      row = next;
    }
    const note = signCheckpoint(this.checkpoint(), signer);
    this.files.set('checkpoint', new TextEncoder().encode(note));
    return note;
  }

  checkpoint(): Checkpoint {
    return { origin: this.origin, size: this.size, rootHash: merkleRoot(this.leafHashes), extensions: [] };
  }

  /** Flip one byte of a served file. */
  flip(path: string, offset: number): void {
    const bytes = this.files.get(path);
    if (!bytes) throw new Error(`no file ${path}`);
    const copy = bytes.slice();
    copy[offset] = copy[offset]! ^ 0x01;
    this.files.set(path, copy);
  }

  /** A fetch() serving the files under `baseUrl` (404 for anything else). */
  fetch(baseUrl: string): typeof fetch {
    return (async (input: string | URL | Request) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (!url.startsWith(baseUrl)) return new Response('wrong host', { status: 404 });
      const path = url.slice(baseUrl.length);
      this.requests.push(path);
      const body = this.files.get(path);
      if (!body) return new Response('not found', { status: 404 });
      return new Response(body.slice(), { status: 200 });
    }) as typeof fetch;
  }
}

/** Test entries: small and deterministic; `i` big-endian in `size` bytes (distinct while it fits). */
export function entry(i: number, size = 8): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = i;
  for (let j = size - 1; j >= 0 && x > 0; j--) {
    bytes[j] = x % 256;
    x = Math.floor(x / 256);
  }
  return bytes;
}
