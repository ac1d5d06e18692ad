// A minimal CBOR decoder (RFC 8949) for reading C2PA assertions: every major type, definite and
// indefinite lengths, tags (kept as their content), half/single/double floats. Untrusted input:
// depth, item count and every length are bounded, and a length is checked against the bytes left
// before anything is allocated. Map keys that are not text are turned into strings; a map
// becomes a Map, so that "__proto__" and friends are just keys.

export type CborValue =
  | number
  | bigint
  | string
  | boolean
  | null
  | undefined
  | Uint8Array
  | CborValue[]
  | Map<string, CborValue>;

export class CborError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`CBOR at byte ${offset}: ${message}`);
    this.name = 'CborError';
  }
}

export interface CborLimits {
  maxDepth: number;
  /** Data items in total (each array element, map key and value counts one). */
  maxItems: number;
}

export const CBOR_DEFAULTS: Readonly<CborLimits> = Object.freeze({ maxDepth: 32, maxItems: 100_000 });

/** Decode one data item that fills `bytes` exactly. Throws CborError for anything malformed. */
export function decodeCbor(bytes: Uint8Array, limits: Partial<CborLimits> = {}): CborValue {
  const { maxDepth, maxItems } = { ...CBOR_DEFAULTS, ...limits };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  let items = 0;
  const BREAK = Symbol('break');

  const need = (n: number) => {
    if (n > bytes.byteLength - at)
      throw new CborError(`${n} bytes needed, ${bytes.byteLength - at} left`, at);
  };
  const argument = (info: number): number | bigint | 'indefinite' => {
    if (info < 24) return info;
    if (info === 24) {
      need(1);
      return bytes[at++] as number;
    }
    if (info === 25) {
      need(2);
      const v = view.getUint16(at);
      at += 2;
      return v;
    }
    if (info === 26) {
      need(4);
      const v = view.getUint32(at);
      at += 4;
      return v;
    }
    if (info === 27) {
      need(8);
      const v = view.getBigUint64(at);
      at += 8;
      return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
    if (info === 31) return 'indefinite';
    throw new CborError(`reserved additional information ${info}`, at - 1);
  };
  const length = (value: number | bigint, unit: number): number => {
    // Every element takes at least `unit` bytes: a count the rest of the input cannot hold is refused
    // before anything is allocated for it.
    if (typeof value === 'bigint' || value * unit > bytes.byteLength - at)
      throw new CborError(`a length of ${value} is more than the input holds`, at);
    return value;
  };

  const item = (depth: number, allowBreak: boolean): CborValue | typeof BREAK => {
    if (depth > maxDepth) throw new CborError(`nested deeper than ${maxDepth}`, at);
    if (++items > maxItems) throw new CborError(`more than ${maxItems} data items`, at);
    need(1);
    const initial = bytes[at++] as number;
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (initial === 0xff) {
      if (allowBreak) return BREAK;
      throw new CborError('unexpected break', at - 1);
    }
    switch (major) {
      case 0: {
        const v = argument(info);
        if (v === 'indefinite') throw new CborError('indefinite integer', at - 1);
        return v;
      }
      case 1: {
        const v = argument(info);
        if (v === 'indefinite') throw new CborError('indefinite integer', at - 1);
        return typeof v === 'bigint' || v >= Number.MAX_SAFE_INTEGER ? -1n - BigInt(v) : -1 - v;
      }
      case 2:
      case 3: {
        const v = argument(info);
        let raw: Uint8Array;
        if (v === 'indefinite') {
          const parts: Uint8Array[] = [];
          for (;;) {
            const part = item(depth + 1, true);
            if (part === BREAK) break;
            if (major === 2 ? !(part instanceof Uint8Array) : typeof part !== 'string')
              throw new CborError('an indefinite string chunk of another type', at);
            parts.push(part instanceof Uint8Array ? part : new TextEncoder().encode(part as string));
          }
          raw = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
          let o = 0;
          for (const p of parts) {
            raw.set(p, o);
            o += p.byteLength;
          }
        } else {
          const n = length(v, 1);
          raw = bytes.subarray(at, at + n);
          at += n;
        }
        if (major === 2) return raw;
        try {
          return new TextDecoder('utf-8', { fatal: true }).decode(raw);
        } catch {
          throw new CborError('a text string that is not UTF-8', at);
        }
      }
      case 4: {
        const v = argument(info);
        const out: CborValue[] = [];
        if (v === 'indefinite') {
          for (;;) {
            const element = item(depth + 1, true);
            if (element === BREAK) break;
            out.push(element);
          }
        } else {
          const n = length(v, 1);
          for (let i = 0; i < n; i++) out.push(item(depth + 1, false) as CborValue);
        }
        return out;
      }
      case 5: {
        const v = argument(info);
        const out = new Map<string, CborValue>();
        const pair = (): boolean => {
          const key = item(depth + 1, v === 'indefinite');
          if (key === BREAK) return false;
          const value = item(depth + 1, false) as CborValue;
          const name =
            typeof key === 'string'
              ? key
              : String(key instanceof Uint8Array ? `h'${Buffer.from(key).toString('hex')}'` : key);
          if (!out.has(name)) out.set(name, value);
          return true;
        };
        if (v === 'indefinite') while (pair());
        else {
          const n = length(v, 2);
          for (let i = 0; i < n; i++) pair();
        }
        return out;
      }
      case 6: {
        const v = argument(info);
        if (v === 'indefinite') throw new CborError('indefinite tag', at - 1);
        return item(depth + 1, false) as CborValue; // the tag's meaning is not needed here
      }
      default: {
        // Major type 7: simple values and floats.
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        if (info === 23) return undefined;
        if (info === 24) {
          need(1);
          at++;
          return undefined;
        }
        if (info === 25) {
          need(2);
          const v = halfFloat(view.getUint16(at));
          at += 2;
          return v;
        }
        if (info === 26) {
          need(4);
          const v = view.getFloat32(at);
          at += 4;
          return v;
        }
        if (info === 27) {
          need(8);
          const v = view.getFloat64(at);
          at += 8;
          return v;
        }
        if (info < 20) return undefined; // unassigned simple values
        throw new CborError(`reserved simple value ${info}`, at - 1);
      }
    }
  };

  const value = item(0, false) as CborValue;
  if (at !== bytes.byteLength) throw new CborError(`${bytes.byteLength - at} bytes after the data item`, at);
  return value;
}

function halfFloat(h: number): number {
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * 2 ** -14 * (mantissa / 1024);
  if (exponent === 31) return mantissa === 0 ? sign * Infinity : Number.NaN;
  return sign * 2 ** (exponent - 15) * (1 + mantissa / 1024);
}
