// JSON Canonicalization Scheme (JCS), RFC 8785, and a defensive parser for untrusted JSON.
//
// canonicalize() follows RFC 8785 §3.2: no whitespace (§3.2.1), literals as is (§3.2.2.1), strings
// escaped as ECMAScript's JSON.stringify does (§3.2.2.2), numbers as ECMAScript Number::toString
// (§3.2.2.3; this is ECMAScript, so String(n) is that algorithm), object members sorted by the
// UTF-16 code units of their names (§3.2.3), and UTF-8 (§3.2.4) in canonicalBytes(). Whatever I-JSON
// (RFC 7493) or JCS cannot represent throws CinnabarError('malformed_json') instead of being
// silently dropped or altered the way JSON.stringify does.
//
// parseJsonStrict() accepts exactly the RFC 8259 grammar with the I-JSON restrictions JCS requires
// (§3.1: no duplicate names, Unicode strings, IEEE 754 doubles), plus size and shape limits.

import { loneSurrogateIndex, utf8Decode, utf8Encode, utf8Length } from './bytes.js';
import { CinnabarError } from './errors.js';

/** A JSON value as parseJsonStrict returns it and canonicalize accepts it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [name: string]: JsonValue };

/** Limits on untrusted JSON. Every limit is a positive integer. */
export interface JsonLimits {
  /** Largest accepted input, in UTF-8 bytes. */
  maxBytes: number;
  /** Deepest nesting of arrays and objects (a top-level `[]` is depth 1); at most MAX_JSON_DEPTH. */
  maxDepth: number;
  /** Longest string or member name, in UTF-16 code units after unescaping. */
  maxStringLength: number;
  /** Most members in any one object. */
  maxKeys: number;
}

/** Hard cap on nesting, for parseJsonStrict and canonicalize alike: both recurse once per level. */
export const MAX_JSON_DEPTH = 1000;

export const DEFAULT_JSON_LIMITS: Readonly<JsonLimits> = Object.freeze({
  maxBytes: 1024 * 1024,
  maxDepth: 64,
  maxStringLength: 256 * 1024,
  maxKeys: 1024,
});

function malformed(message: string, cause?: unknown): CinnabarError {
  return new CinnabarError('malformed_json', message, cause === undefined ? undefined : { cause });
}

// ---------------------------------------------------------------------------------------------
// Canonicalization (RFC 8785 §3.2)

/**
 * The RFC 8785 canonical form of `value`. Throws CinnabarError('malformed_json'), naming the path
 * of the offending value, for anything JSON cannot represent: undefined, functions, symbols,
 * bigints, NaN and ±Infinity (§3.2.2.3), strings or names with lone surrogates (§3.2.2.2), cycles,
 * sparse arrays or arrays with extra properties, objects with symbol keys, and objects that are not
 * plain (Date, Map, typed arrays, boxed primitives, class instances: no toJSON is ever called).
 * -0 serializes as "0" (ECMAScript Number::toString).
 */
export function canonicalize(value: unknown): string {
  return serialize(value, [], new Set(), 0);
}

/** The UTF-8 bytes of canonicalize(value) (RFC 8785 §3.2.4), the input to hashing and signing. */
export function canonicalBytes(value: unknown): Uint8Array {
  return utf8Encode(canonicalize(value));
}

function pathText(path: readonly (string | number)[]): string {
  let out = '$';
  for (const part of path) {
    out +=
      typeof part === 'number'
        ? `[${part}]`
        : /^[A-Za-z_$][\w$]*$/.test(part)
          ? `.${part}`
          : `[${quote(part)}]`;
  }
  return out;
}

/** A string for error messages: JSON-quoted, shortened, lone surrogates shown escaped. */
function quote(text: string): string {
  const short = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return JSON.stringify(short);
}

function cannot(path: readonly (string | number)[], what: string): CinnabarError {
  return malformed(`cannot canonicalize ${pathText(path)}: ${what}`);
}

// §3.2.2.2: ECMAScript's JSON.stringify escapes exactly as JCS requires (\b \t \n \f \r, other
// controls as lowercase \u00xx, '"' and '\', everything else as is) once lone surrogates, which
// it would escape and JCS must reject, are excluded.
function serializeString(text: string, path: readonly (string | number)[], what: string): string {
  const at = loneSurrogateIndex(text);
  if (at >= 0) {
    const unit = text.charCodeAt(at).toString(16).toUpperCase();
    throw cannot(path, `${what} has a lone surrogate U+${unit} at index ${at} (RFC 8785 §3.2.2.2)`);
  }
  return JSON.stringify(text);
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  // Object.prototype of this or another realm, or none (Object.create(null)); not an object that
  // inherits from a null-prototype object, whose inherited properties canonicalize() would drop.
  if (proto === null || proto === Object.prototype) return true;
  return (
    Object.getPrototypeOf(proto) === null &&
    typeof (proto as { constructor?: unknown }).constructor === 'function' &&
    (proto as { constructor: { name?: unknown } }).constructor.name === 'Object'
  );
}

function serialize(value: unknown, path: (string | number)[], ancestors: Set<object>, depth: number): string {
  switch (typeof value) {
    case 'string':
      return serializeString(value, path, 'string');
    case 'number':
      if (!Number.isFinite(value)) throw cannot(path, `${value} is not a JSON number (RFC 8785 §3.2.2.3)`);
      return String(value); // ECMAScript Number::toString; -0 gives "0"
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    case 'bigint':
      throw cannot(path, 'a bigint is not a JSON number; encode it as a string');
    default:
      throw cannot(path, `${typeof value} is not a JSON value`);
  }
  if (value === null) return 'null';
  if (ancestors.has(value)) throw cannot(path, 'cyclic structure');
  if (depth >= MAX_JSON_DEPTH) throw cannot(path, `nested deeper than ${MAX_JSON_DEPTH} levels`);
  ancestors.add(value);
  let out: string;
  if (Array.isArray(value)) {
    if (Object.keys(value).length !== value.length) {
      throw cannot(path, 'sparse array or array with non-index properties');
    }
    const parts: string[] = [];
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      parts.push(serialize(value[i], path, ancestors, depth + 1));
      path.pop();
    }
    out = `[${parts.join(',')}]`;
  } else {
    if (!isPlainObject(value)) {
      throw cannot(path, `${Object.prototype.toString.call(value)} is not a plain object`);
    }
    if (Object.getOwnPropertySymbols(value).length > 0) throw cannot(path, 'object has symbol keys');
    // §3.2.3: sort by UTF-16 code units, which is what Array.prototype.sort does with no comparator.
    const names = Object.keys(value).sort();
    const record = value as Record<string, unknown>;
    const parts: string[] = [];
    for (const name of names) {
      path.push(name);
      parts.push(
        `${serializeString(name, path, 'member name')}:${serialize(record[name], path, ancestors, depth + 1)}`,
      );
      path.pop();
    }
    out = `{${parts.join(',')}}`;
  }
  ancestors.delete(value);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Strict parsing (RFC 8259 grammar, I-JSON restrictions, limits)

/** The last limits resolved, and what they resolved to: callers pass the same object again and again. */
let lastLimits: { given: Partial<JsonLimits> | undefined; resolved: JsonLimits } | undefined;

function resolveLimits(limits: Partial<JsonLimits> | undefined): JsonLimits {
  if (lastLimits && lastLimits.given === limits && limits !== undefined && Object.isFrozen(limits))
    return lastLimits.resolved;
  const resolved = checkLimits(limits);
  lastLimits = { given: limits, resolved };
  return resolved;
}

function checkLimits(limits: Partial<JsonLimits> | undefined): JsonLimits {
  const resolved = { ...DEFAULT_JSON_LIMITS, ...limits };
  for (const key of ['maxBytes', 'maxDepth', 'maxStringLength', 'maxKeys'] as const) {
    const n = resolved[key];
    if (!Number.isSafeInteger(n) || n < 1)
      throw new RangeError(`JSON limit ${key} must be a positive integer`);
  }
  if (resolved.maxDepth > MAX_JSON_DEPTH) {
    throw new RangeError(`JSON limit maxDepth must be at most ${MAX_JSON_DEPTH}`);
  }
  return resolved;
}

function describeChar(code: number): string {
  return code >= 0x21 && code < 0x7f
    ? `'${String.fromCharCode(code)}'`
    : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  return -1;
}

class StrictParser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly limits: JsonLimits,
  ) {}

  parse(): unknown {
    if (this.text.charCodeAt(0) === 0xfeff) {
      this.fail('byte order mark U+FEFF is not allowed (RFC 8259 §8.1)', 0);
    }
    const value = this.value(0);
    this.skipWhitespace();
    if (this.pos < this.text.length) {
      this.fail(`unexpected ${describeChar(this.text.charCodeAt(this.pos))} after the JSON value`);
    }
    return value;
  }

  private fail(reason: string, at = this.pos): never {
    throw malformed(`invalid JSON at offset ${at}: ${reason}`);
  }

  // RFC 8259 §2: only space, tab, line feed and carriage return.
  private skipWhitespace(): void {
    const { text } = this;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.pos++;
    }
  }

  private value(depth: number): unknown {
    this.skipWhitespace();
    if (this.pos >= this.text.length) this.fail('unexpected end of input, expected a value');
    const c = this.text.charCodeAt(this.pos);
    switch (c) {
      case 0x7b: // {
        return this.object(depth + 1);
      case 0x5b: // [
        return this.array(depth + 1);
      case 0x22: // "
        return this.string();
      case 0x74: // t
        return this.literal('true', true);
      case 0x66: // f
        return this.literal('false', false);
      case 0x6e: // n
        return this.literal('null', null);
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
        return this.fail(`unexpected ${describeChar(c)}, expected a value`);
    }
  }

  private enter(depth: number): void {
    if (depth > this.limits.maxDepth) this.fail(`nesting deeper than maxDepth ${this.limits.maxDepth}`);
    this.pos++; // the opening bracket or brace
  }

  private literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail(`invalid literal, expected ${word}`);
    this.pos += word.length;
    return value;
  }

  private array(depth: number): unknown[] {
    this.enter(depth);
    const out: unknown[] = [];
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth));
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos);
      this.pos++;
      if (c === 0x5d) return out; // ]
      if (c !== 0x2c) this.fail(this.unexpected(c, "',' or ']' in array"), this.pos - 1);
    }
  }

  private object(depth: number): Record<string, unknown> {
    this.enter(depth);
    const out: Record<string, unknown> = {};
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return out;
    }
    let count = 0;
    for (;;) {
      this.skipWhitespace();
      const keyAt = this.pos;
      if (this.text.charCodeAt(this.pos) !== 0x22) {
        this.fail(this.unexpected(this.text.charCodeAt(this.pos), 'a string member name'));
      }
      const name = this.string();
      // RFC 8785 §3.1 / I-JSON §2.3: duplicate names are an error, compared after unescaping.
      if (Object.hasOwn(out, name)) this.fail(`duplicate member name ${quote(name)}`, keyAt);
      if (++count > this.limits.maxKeys) this.fail(`more than maxKeys ${this.limits.maxKeys} members`, keyAt);
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== 0x3a) {
        this.fail(this.unexpected(this.text.charCodeAt(this.pos), "':' after member name"));
      }
      this.pos++;
      const member = this.value(depth);
      // An own data property even for "__proto__", as JSON.parse makes it.
      if (name === '__proto__') {
        Object.defineProperty(out, name, {
          value: member,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else out[name] = member;
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos);
      this.pos++;
      if (c === 0x7d) return out; // }
      if (c !== 0x2c) this.fail(this.unexpected(c, "',' or '}' in object"), this.pos - 1);
    }
  }

  private unexpected(code: number, expected: string): string {
    return Number.isNaN(code)
      ? `unexpected end of input, expected ${expected}`
      : `unexpected ${describeChar(code)}, expected ${expected}`;
  }

  // RFC 8259 §7, with RFC 8785 §3.2.2.2 / I-JSON §2.1: no lone surrogates, escaped or raw.
  private string(): string {
    const { text } = this;
    const start = this.pos;
    this.pos++; // opening quote
    let out = '';
    let run = this.pos;
    for (;;) {
      if (this.pos >= text.length) this.fail('unterminated string', start);
      const c = text.charCodeAt(this.pos);
      if (c === 0x22) {
        out += text.slice(run, this.pos);
        this.pos++;
        break;
      }
      if (c === 0x5c) {
        out += text.slice(run, this.pos);
        out += this.escape();
        run = this.pos;
      } else if (c < 0x20) {
        this.fail(`unescaped control character ${describeChar(c)} in string`);
      } else if (c >= 0xd800 && c <= 0xdfff) {
        const next = text.charCodeAt(this.pos + 1);
        if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) {
          this.fail(`lone surrogate ${describeChar(c)} in string`);
        }
        this.pos += 2;
      } else this.pos++;
      if (out.length + (this.pos - run) > this.limits.maxStringLength) {
        this.fail(`string longer than maxStringLength ${this.limits.maxStringLength}`, start);
      }
    }
    return out;
  }

  private escape(): string {
    const { text } = this;
    const at = this.pos;
    const c = text.charCodeAt(at + 1);
    this.pos += 2;
    switch (c) {
      case 0x22:
        return '"';
      case 0x5c:
        return '\\';
      case 0x2f:
        return '/';
      case 0x62:
        return '\b';
      case 0x66:
        return '\f';
      case 0x6e:
        return '\n';
      case 0x72:
        return '\r';
      case 0x74:
        return '\t';
      case 0x75: {
        const unit = this.hex4(at);
        this.pos += 4;
        if (unit >= 0xdc00 && unit <= 0xdfff) this.fail(`lone surrogate escape \\u${unit.toString(16)}`, at);
        if (unit < 0xd800 || unit > 0xdbff) return String.fromCharCode(unit);
        // A high surrogate must be followed at once by an escaped low surrogate.
        if (text.charCodeAt(this.pos) === 0x5c && text.charCodeAt(this.pos + 1) === 0x75) {
          const low = this.hex4(this.pos);
          if (low >= 0xdc00 && low <= 0xdfff) {
            this.pos += 6;
            return String.fromCharCode(unit, low);
          }
        }
        return this.fail(`lone surrogate escape \\u${unit.toString(16)}`, at);
      }
      default:
        return this.fail(
          Number.isNaN(c)
            ? 'unterminated string'
            : `invalid escape: backslash followed by ${describeChar(c)}`,
          at,
        );
    }
  }

  /** The code unit of the \uXXXX escape whose backslash is at `at`. */
  private hex4(at: number): number {
    let unit = 0;
    for (let i = at + 2; i < at + 6; i++) {
      const d = hexDigit(this.text.charCodeAt(i));
      if (d < 0) this.fail('invalid \\u escape: expected four hex digits', at);
      unit = (unit << 4) | d;
    }
    return unit;
  }

  // RFC 8259 §6 grammar; the value must be a finite double (I-JSON §2.2, RFC 8785 §3.1), and not
  // -0, which JCS would serialize as 0 (RFC 8785 erratum 7920: parsers SHOULD reject it).
  private number(): number {
    const { text } = this;
    const start = this.pos;
    const digits = (): number => {
      const from = this.pos;
      while (
        this.pos < text.length &&
        text.charCodeAt(this.pos) >= 0x30 &&
        text.charCodeAt(this.pos) <= 0x39
      ) {
        this.pos++;
      }
      return this.pos - from;
    };
    if (text.charCodeAt(this.pos) === 0x2d) this.pos++;
    const first = text.charCodeAt(this.pos);
    if (first === 0x30) {
      this.pos++;
      const next = text.charCodeAt(this.pos);
      if (next >= 0x30 && next <= 0x39) this.fail('leading zeros are not allowed in numbers', start);
    } else if (digits() === 0) {
      this.fail('expected a digit', this.pos);
    }
    if (text.charCodeAt(this.pos) === 0x2e) {
      this.pos++;
      if (digits() === 0) this.fail('expected a digit after the decimal point', this.pos);
    }
    const e = text.charCodeAt(this.pos);
    if (e === 0x65 || e === 0x45) {
      this.pos++;
      const sign = text.charCodeAt(this.pos);
      if (sign === 0x2b || sign === 0x2d) this.pos++;
      if (digits() === 0) this.fail('expected a digit in the exponent', this.pos);
    }
    const value = Number(text.slice(start, this.pos));
    if (!Number.isFinite(value)) this.fail('number out of the range of IEEE 754 doubles', start);
    if (Object.is(value, -0)) this.fail('negative zero is not allowed (RFC 8785 erratum 7920)', start);
    return value;
  }
}

/**
 * Parses untrusted JSON text (a string, or UTF-8 bytes which must be valid UTF-8) defensively.
 * Accepts exactly RFC 8259 JSON and rejects, with CinnabarError('malformed_json') and a message
 * giving the offset (in UTF-16 code units) and the reason: a byte order mark, trailing data,
 * duplicate member names (after unescaping), lone surrogates (raw or escaped), numbers that are
 * not finite doubles or are negative zero, and input beyond `limits` (DEFAULT_JSON_LIMITS for
 * any limit not given). Objects come back as plain objects, "__proto__" as an own property.
 */
export function parseJsonStrict(input: string | Uint8Array, limits?: Partial<JsonLimits>): unknown {
  const resolved = resolveLimits(limits);
  let text: string;
  if (input instanceof Uint8Array) {
    if (input.length > resolved.maxBytes) {
      throw malformed(`JSON text is ${input.length} bytes, more than maxBytes ${resolved.maxBytes}`);
    }
    try {
      text = utf8Decode(input);
    } catch (error) {
      throw malformed('JSON text is not valid UTF-8', error);
    }
  } else if (typeof input === 'string') {
    text = input;
    // A UTF-16 code unit is at least one UTF-8 byte and at most three.
    if (text.length > resolved.maxBytes) {
      throw malformed(`JSON text is at least ${text.length} bytes, more than maxBytes ${resolved.maxBytes}`);
    }
    if (text.length * 3 > resolved.maxBytes) {
      const bytes = utf8Length(text);
      if (bytes > resolved.maxBytes) {
        throw malformed(`JSON text is ${bytes} bytes, more than maxBytes ${resolved.maxBytes}`);
      }
    }
  } else {
    throw malformed('JSON text must be a string or a Uint8Array');
  }
  return new StrictParser(text, resolved).parse();
}

/**
 * `text` parsed, if it is certainly canonical JSON within `limits`; undefined where it may not be
 * (then parseJsonStrict and canonicalize decide, and say why). The common case, a canonical entry,
 * costs the platform's native JSON.parse and JSON.stringify and one walk, not the strict parser:
 *   - JSON.stringify(JSON.parse(text)) === text rules out whitespace, non-canonical numbers and
 *     string escapes, and duplicate names (the parse keeps one, the text has both);
 *   - the walk checks what that leaves: names in UTF-16 code-unit order (the objects' own order is
 *     the text's, as the texts are equal), nesting, member counts and string lengths;
 *   - lone surrogates, which JSON.stringify writes as "\udxxx" escapes and JCS refuses, are left
 *     to the strict path: so is any text with "\ud" in it.
 * Where this returns a value, parseCanonicalJson returns the same one.
 */
export function parseIfCanonical(text: string, limits?: Partial<JsonLimits>): unknown {
  const resolved = resolveLimits(limits);
  if (text.length > resolved.maxBytes) return undefined;
  if (text.length * 3 > resolved.maxBytes && utf8Length(text) > resolved.maxBytes) return undefined;
  if (text.includes('\\ud')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
    if (JSON.stringify(value) !== text) return undefined;
  } catch {
    return undefined; // not JSON, or nested too deep for the engine's stack: the strict path says which
  }
  return isCanonicalShape(value, resolved, 0) ? value : undefined;
}

function isCanonicalShape(value: unknown, limits: JsonLimits, depth: number): boolean {
  if (typeof value === 'string') return value.length <= limits.maxStringLength;
  if (typeof value !== 'object' || value === null) return true;
  if (depth >= limits.maxDepth) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (!isCanonicalShape(item, limits, depth + 1)) return false;
    return true;
  }
  const names = Object.keys(value);
  if (names.length > limits.maxKeys) return false;
  const record = value as Record<string, unknown>;
  let previous: string | undefined;
  for (const name of names) {
    if (name.length > limits.maxStringLength) return false;
    if (previous !== undefined && !(previous < name)) return false;
    previous = name;
    if (!isCanonicalShape(record[name], limits, depth + 1)) return false;
  }
  return true;
}

/**
 * Parses `text` strictly and requires it to be in RFC 8785 canonical form already: what a signed
 * JSON object must look like on the wire when its bytes are what was signed. Throws malformed_json
 * for text that does not parse and non_canonical_json, with the first differing offset, for text
 * that parses but is not canonical.
 */
export function parseCanonicalJson(text: string, limits?: Partial<JsonLimits>): unknown {
  const fast = parseIfCanonical(text, limits);
  if (fast !== undefined) return fast;
  const value = parseJsonStrict(text, limits);
  const canonical = canonicalize(value);
  if (canonical !== text) {
    let i = 0;
    while (i < text.length && text[i] === canonical[i]) i++;
    const expected = i < canonical.length ? describeChar(canonical.charCodeAt(i)) : 'end of text';
    const found = i < text.length ? describeChar(text.charCodeAt(i)) : 'end of text';
    throw new CinnabarError(
      'non_canonical_json',
      `JSON text is not in RFC 8785 canonical form: at offset ${i} expected ${expected}, found ${found}`,
    );
  }
  return value;
}

/** Whether `text` parses strictly (within `limits`) and is exactly its own RFC 8785 canonical form. */
export function isCanonical(text: string, limits?: Partial<JsonLimits>): boolean {
  try {
    parseCanonicalJson(text, limits);
    return true;
  } catch (error) {
    if (error instanceof CinnabarError) return false;
    throw error;
  }
}
