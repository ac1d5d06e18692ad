import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { hexEncode, utf8Encode } from '../src/bytes.js';
import {
  canonicalBytes,
  canonicalize,
  DEFAULT_JSON_LIMITS,
  isCanonical,
  type JsonLimits,
  MAX_JSON_DEPTH,
  parseCanonicalJson,
  parseIfCanonical,
  parseJsonStrict,
} from '../src/jcs.js';
import { throwsCode as rejects } from './support/cinnabar-error.js';

interface Vectors {
  canonicalization: { source: string; name: string; input: string; output: string; outputHex?: string }[];
  rfc8785Sorting: { input: string; expectedValueOrder: string[] };
  rfc8785Utf8: { hex: string };
  numbers: { source: string; ieee754: string; json: string | null; comment?: string }[];
  es6testfile: {
    staticU64: string[];
    serialStart: string;
    serialCount: number;
    hashes: { lines: number; bytes: number; sha256: string }[];
  };
}

const vectors = JSON.parse(readFileSync(new URL('./vectors/jcs.json', import.meta.url), 'utf8')) as Vectors;

function doubleFromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe('RFC 8785 canonicalization vectors (cyberphone testdata, sigstore-js, RFC examples)', () => {
  for (const v of vectors.canonicalization) {
    test(`${v.source}: ${v.name}`, () => {
      assert.equal(canonicalize(parseJsonStrict(v.input)), v.output);
      assert.equal(canonicalize(JSON.parse(v.input)), v.output);
      assert.equal(isCanonical(v.output), true);
      assert.equal(isCanonical(v.input), false);
      assert.deepEqual(parseCanonicalJson(v.output), JSON.parse(v.input));
      if (v.outputHex !== undefined) {
        assert.equal(
          hexEncode(canonicalBytes(JSON.parse(v.input))),
          v.outputHex.toLowerCase().replaceAll(' ', ''),
        );
      }
    });
  }

  test('RFC 8785 §3.2.3 sorting test data: values in the expected order', () => {
    const canonical = canonicalize(parseJsonStrict(vectors.rfc8785Sorting.input));
    const positions = vectors.rfc8785Sorting.expectedValueOrder.map((value) =>
      canonical.indexOf(`"${value}"`),
    );
    assert.ok(positions.every((p) => p > 0));
    assert.deepEqual(
      positions,
      [...positions].sort((a, b) => a - b),
    );
  });

  test('RFC 8785 §3.2.4: UTF-8 bytes of the §3.2.3 result', () => {
    const sample = vectors.canonicalization.find((v) => v.source === 'rfc8785');
    assert.ok(sample);
    const bytes = canonicalBytes(parseJsonStrict(sample.input));
    assert.equal(hexEncode(bytes), vectors.rfc8785Utf8.hex.replaceAll(' ', ''));
  });
});

describe('RFC 8785 §3.2.2.3 number serialization', () => {
  for (const v of vectors.numbers) {
    test(`${v.source}: ${v.ieee754} -> ${v.json ?? 'error'}${v.comment ? ` (${v.comment})` : ''}`, () => {
      const value = doubleFromBits(v.ieee754.padStart(16, '0'));
      if (v.json === null) {
        rejects(() => canonicalize(value), 'malformed_json', /is not a JSON number/);
        rejects(() => canonicalize([value]), 'malformed_json', /\$\[0\]/);
        return;
      }
      assert.equal(canonicalize(value), v.json);
      assert.equal(isCanonical(v.json), true);
      if (!Object.is(value, -0)) assert.ok(Object.is(parseJsonStrict(v.json), value));
    });
  }

  test('es6testfile100m.txt: the first 100,000 lines hash to the published SHA-256 checkpoints', () => {
    const { staticU64, serialStart, serialCount, hashes } = vectors.es6testfile;
    const view = new DataView(new ArrayBuffer(8));
    const bits = (n: number): string => {
      view.setFloat64(0, n);
      return view.getBigUint64(0).toString(16);
    };
    const values = function* (): Generator<number> {
      for (const hex of staticU64) yield doubleFromBits(hex);
      for (let i = 0; i < serialCount; i++)
        yield doubleFromBits((BigInt(`0x${serialStart}`) + BigInt(i)).toString(16));
      let block = new Uint8Array(32);
      for (;;) {
        block = sha256(block);
        const blockView = new DataView(block.buffer, block.byteOffset, 32);
        for (let i = 0; i < 4; i++) {
          const f = blockView.getFloat64(8 * i, true);
          if (f !== 0 && Number.isFinite(f)) yield f;
        }
      }
    };
    const hasher = sha256.create();
    let lines = 0;
    let bytes = 0;
    let next = 0;
    for (const value of values()) {
      const line = utf8Encode(`${bits(value)},${canonicalize(value)}\n`);
      hasher.update(line);
      bytes += line.length;
      lines++;
      const checkpoint = hashes[next]!;
      if (lines === checkpoint.lines) {
        assert.equal(bytes, checkpoint.bytes, `size of the first ${lines} lines`);
        assert.equal(
          hexEncode(hasher.clone().digest()),
          checkpoint.sha256,
          `hash of the first ${lines} lines`,
        );
        if (++next === hashes.length) break;
      }
    }
    assert.equal(next, hashes.length);
  });
});

describe('canonicalize rejects what JSON cannot represent', () => {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = { back: cyclic };
  const cyclicArray: unknown[] = [1];
  cyclicArray.push(cyclicArray);
  const sparse: unknown[] = [1];
  sparse[2] = 3; // index 1 is a hole
  const extra = Object.assign([1, 2], { name: 'x' });
  class Point {
    x = 1;
  }
  const cases: [string, unknown, RegExp][] = [
    ['undefined', undefined, /undefined is not a JSON value/],
    ['undefined member', { a: 1, b: undefined }, /\$\.b: undefined/],
    ['undefined element', [1, undefined], /\$\[1\]: undefined/],
    ['function', { f: () => 1 }, /\$\.f: function/],
    ['symbol', Symbol('s'), /symbol is not a JSON value/],
    ['symbol key', { [Symbol('s')]: 1 }, /symbol keys/],
    ['bigint', { n: 10n }, /\$\.n: a bigint/],
    ['NaN', { a: [Number.NaN] }, /\$\.a\[0\]: NaN is not a JSON number/],
    ['Infinity', Number.POSITIVE_INFINITY, /Infinity is not a JSON number/],
    ['-Infinity', Number.NEGATIVE_INFINITY, /-Infinity is not a JSON number/],
    ['cyclic object', cyclic, /\$\.self\.back: cyclic structure/],
    ['cyclic array', cyclicArray, /\$\[1\]: cyclic structure/],
    ['lone high surrogate in string', 'a\ud800', /lone surrogate U\+D800 at index 1/],
    ['lone low surrogate in string', { s: '\udc00x' }, /\$\.s: string has a lone surrogate U\+DC00/],
    ['reversed surrogate pair', '\ude00\ud83d', /lone surrogate U\+DE00/],
    ['lone surrogate in member name', { 'k\ud800': 1 }, /member name has a lone surrogate/],
    ['Date', { d: new Date(0) }, /\$\.d: \[object Date\] is not a plain object/],
    ['Map', new Map([['a', 1]]), /\[object Map\]/],
    ['Set', new Set([1]), /\[object Set\]/],
    ['Uint8Array', Uint8Array.of(1, 2), /\[object Uint8Array\]/],
    ['boxed number', new Number(1), /\[object Number\]/],
    ['boxed string', new String('s'), /\[object String\]/],
    ['class instance', new Point(), /not a plain object/],
    ['RegExp', /x/, /\[object RegExp\]/],
    ['sparse array', sparse, /sparse array/],
    ['array with a named property', extra, /non-index properties/],
    [
      'too deep',
      JSON.parse('['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1)),
      /deeper than 1000/,
    ],
  ];
  for (const [name, value, reason] of cases) {
    test(name, () => {
      rejects(() => canonicalize(value), 'malformed_json', reason);
    });
  }

  test('accepts null-prototype objects, -0, shared subtrees and "__proto__" members', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.b = 1;
    bare.a = -0;
    assert.equal(canonicalize(bare), '{"a":0,"b":1}');
    const shared = { x: 1 };
    assert.equal(canonicalize([shared, { y: shared }]), '[{"x":1},{"y":{"x":1}}]');
    assert.equal(canonicalize(JSON.parse('{"__proto__":{"a":1},"b":2}')), '{"__proto__":{"a":1},"b":2}');
    const deepest = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
    assert.equal(canonicalize(JSON.parse(deepest)), deepest);
  });

  test('escapes exactly as RFC 8785 §3.2.2.2: controls, quote and backslash only', () => {
    let all = '';
    for (let c = 0; c < 0x80; c++) all += String.fromCharCode(c);
    all += '\u2028\u2029\ufeff\uffff\ud83d\ude00';
    const expected =
      '"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f' +
      '\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f' +
      ' !\\"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\u007f' +
      '\u2028\u2029\ufeff\uffff\ud83d\ude00"';
    assert.equal(canonicalize(all), expected);
  });
});

describe('parseJsonStrict: hostile inputs', () => {
  const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);
  const cases: [string, string | Uint8Array, RegExp, Partial<typeof DEFAULT_JSON_LIMITS>?][] = [
    ['nesting one past maxDepth', deep(65), /offset 64: nesting deeper than maxDepth 64/],
    [
      'object nesting past a custom maxDepth',
      '{"a":{"a":{}}}',
      /nesting deeper than maxDepth 2/,
      { maxDepth: 2 },
    ],
    ['100,000 open brackets (no stack overflow)', '['.repeat(100_000), /nesting deeper than maxDepth 64/],
    ['huge input', `"${'x'.repeat(DEFAULT_JSON_LIMITS.maxBytes)}"`, /more than maxBytes 1048576/],
    [
      'input over maxBytes only in UTF-8',
      `"${'é'.repeat(60)}"`,
      /JSON text is 122 bytes, more than maxBytes 100/,
      { maxBytes: 100 },
    ],
    [
      'bytes over maxBytes',
      new Uint8Array(101).fill(0x20),
      /101 bytes, more than maxBytes 100/,
      { maxBytes: 100 },
    ],
    [
      'string over maxStringLength',
      `["${'a'.repeat(11)}"]`,
      /offset 1: string longer than maxStringLength 10/,
      { maxStringLength: 10 },
    ],
    [
      'escaped string over maxStringLength',
      `"${'\\n'.repeat(11)}"`,
      /string longer than maxStringLength 10/,
      { maxStringLength: 10 },
    ],
    [
      'member name over maxStringLength',
      `{"${'k'.repeat(11)}":1}`,
      /string longer than maxStringLength 10/,
      { maxStringLength: 10 },
    ],
    [
      'more than maxKeys members',
      '{"a":1,"b":2,"c":3}',
      /offset 13: more than maxKeys 2 members/,
      { maxKeys: 2 },
    ],
    ['duplicate member name', '{"a":1,"b":2,"a":3}', /offset 13: duplicate member name "a"/],
    ['duplicate member name after unescaping', '{"a":1,"\\u0061":2}', /duplicate member name "a"/],
    ['duplicate "__proto__"', '{"__proto__":1,"__proto__":2}', /duplicate member name "__proto__"/],
    ['nested duplicate', '[{"x":{"k":1,"k":1}}]', /duplicate member name "k"/],
    ['escaped lone high surrogate', '"\\ud800"', /offset 1: lone surrogate escape \\ud800/],
    ['escaped lone low surrogate', '"\\udc00"', /lone surrogate escape \\udc00/],
    ['escaped high surrogate then letter', '"\\ud83dx"', /lone surrogate escape \\ud83d/],
    ['escaped high surrogate then escaped non-surrogate', '"\\ud83d\\u0041"', /lone surrogate escape/],
    ['escaped reversed pair', '"\\ude00\\ud83d"', /lone surrogate escape \\ude00/],
    ['escaped high surrogate then raw low surrogate', '"\\ud83d\ude00"', /lone surrogate escape \\ud83d/],
    ['raw lone high surrogate', '"a\ud800"', /offset 2: lone surrogate U\+D800/],
    ['raw lone low surrogate', '"\udc00"', /lone surrogate U\+DC00/],
    ['lone surrogate in a member name', '{"\\udfff":1}', /lone surrogate escape/],
    ['trailing garbage', '{"a":1} x', /offset 8: unexpected 'x' after the JSON value/],
    ['two values', '{}{}', /unexpected '\{' after the JSON value/],
    ['two numbers', '1 2', /unexpected '2' after the JSON value/],
    ['trailing NUL', '[]\u0000', /unexpected U\+0000 after the JSON value/],
    ['byte order mark', '\ufeff{}', /offset 0: byte order mark U\+FEFF/],
    ['UTF-8 byte order mark', Uint8Array.of(0xef, 0xbb, 0xbf, 0x7b, 0x7d), /byte order mark/],
    ['invalid UTF-8', Uint8Array.of(0x22, 0xff, 0x22), /not valid UTF-8/],
    ['UTF-8 encoded surrogate', Uint8Array.of(0x22, 0xed, 0xa0, 0x80, 0x22), /not valid UTF-8/],
    ['empty input', '', /offset 0: unexpected end of input, expected a value/],
    ['only whitespace', ' \n\t\r ', /unexpected end of input/],
    ['non-JSON whitespace', '\u00a0{}', /unexpected U\+00A0, expected a value/],
    ['vertical tab', '[1,\u000b2]', /unexpected U\+000B/],
    ['leading zero', '01', /leading zeros/],
    ['negative leading zero', '[-01]', /leading zeros/],
    ['lone minus', '-', /expected a digit/],
    ['plus sign', '+1', /unexpected '\+', expected a value/],
    ['leading decimal point', '.5', /unexpected '\.'/],
    ['trailing decimal point', '1.', /expected a digit after the decimal point/],
    ['empty exponent', '1e', /expected a digit in the exponent/],
    ['exponent sign only', '1E+', /expected a digit in the exponent/],
    ['hex number', '0x10', /unexpected 'x' after the JSON value/],
    ['NaN', 'NaN', /unexpected 'N'/],
    ['Infinity', '[Infinity]', /unexpected 'I'/],
    ['-Infinity', '-Infinity', /expected a digit/],
    ['number overflowing a double', '1e400', /out of the range of IEEE 754 doubles/],
    ['negative overflow', '[-1.5e999]', /out of the range/],
    ['negative zero', '-0', /negative zero is not allowed \(RFC 8785 erratum 7920\)/],
    ['negative zero with fraction', '{"a":-0.0}', /negative zero/],
    ['negative zero by underflow', '-1e-400', /negative zero/],
    ['misspelt literal', 'nul', /invalid literal, expected null/],
    ['capitalized literal', 'True', /unexpected 'T'/],
    ['single quotes', "{'a':1}", /expected a string member name/],
    ['unquoted name', '{a:1}', /unexpected 'a', expected a string member name/],
    ['number as name', '{1:2}', /expected a string member name/],
    ['missing colon', '{"a" 1}', /expected ':' after member name/],
    ['trailing comma in array', '[1,]', /unexpected '\]', expected a value/],
    ['trailing comma in object', '{"a":1,}', /unexpected '\}', expected a string member name/],
    ['missing comma', '[1 2]', /expected ',' or '\]' in array/],
    ['unclosed array', '[1', /unexpected end of input, expected ',' or '\]'/],
    ['unclosed object', '{"a":1', /unexpected end of input, expected ',' or '\}'/],
    ['comment', '/* c */ 1', /unexpected '\/'/],
    ['unterminated string', '"abc', /offset 0: unterminated string/],
    ['unterminated escape', '"\\', /unterminated string/],
    ['raw newline in string', '"a\nb"', /unescaped control character U\+000A in string/],
    ['raw tab in string', '"a\tb"', /unescaped control character U\+0009/],
    ['raw NUL in string', '"\u0000"', /unescaped control character U\+0000/],
    ['invalid escape', '"\\x41"', /invalid escape: backslash followed by 'x'/],
    ['single-quote escape', '"\\\'"', /invalid escape/],
    ['short \\u escape', '"\\u12"', /invalid \\u escape: expected four hex digits/],
    ['non-hex \\u escape', '"\\u12G4"', /invalid \\u escape/],
  ];
  for (const [name, input, reason, limits] of cases) {
    test(name, () => {
      rejects(() => parseJsonStrict(input, limits), 'malformed_json', reason);
    });
  }

  test('accepts everything RFC 8259 allows within the limits', () => {
    assert.deepEqual(parseJsonStrict(' {"a" : [ 1 , -2.5e+3 , 0.0 , 1E-2 , true , false , null ] } \n'), {
      a: [1, -2500, 0, 0.01, true, false, null],
    });
    assert.equal(
      parseJsonStrict('"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\ud83d\ude00"'),
      '"\\/\b\f\n\r\té😀😀',
    );
    assert.equal(parseJsonStrict('1e-400'), 0); // underflow to +0 is a rounding, as for any decimal
    assert.equal(parseJsonStrict(utf8Encode('"é"')), 'é');
    assert.deepEqual(parseJsonStrict(deep(64)), JSON.parse(deep(64)));
    assert.deepEqual(parseJsonStrict(`"${'a'.repeat(10)}"`, { maxStringLength: 10 }), 'a'.repeat(10));
    assert.deepEqual(parseJsonStrict('{"a":1,"b":2}', { maxKeys: 2 }), { a: 1, b: 2 });
    const proto = parseJsonStrict('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(proto), Object.prototype);
    assert.deepEqual(Object.keys(proto), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    for (const literal of ['constructor', 'toString', 'hasOwnProperty']) {
      assert.deepEqual(parseJsonStrict(`{"${literal}":1}`), JSON.parse(`{"${literal}":1}`));
    }
  });

  test('rejects invalid limits as a programming error', () => {
    assert.throws(() => parseJsonStrict('1', { maxDepth: 0 }), RangeError);
    assert.throws(() => parseJsonStrict('1', { maxBytes: 1.5 }), RangeError);
    assert.throws(() => parseJsonStrict('1', { maxDepth: MAX_JSON_DEPTH + 1 }), RangeError);
  });
});

describe('isCanonical and parseCanonicalJson', () => {
  const cases: [string, boolean][] = [
    ['{"a":1,"b":[true,false,null]}', true],
    ['{"b":1,"a":2}', false],
    ['{"a":1, "b":2}', false],
    [' 1', false],
    ['1.0', false],
    ['1E3', false],
    ['1000', true],
    ['1e+21', true],
    ['1e21', false],
    ['0.1', true],
    ['-0', false],
    ['"\\u0041"', false],
    ['"A"', true],
    ['"\\u001F"', false],
    ['"\\u001f"', true],
    ['"\\/"', false],
    ['"é"', true],
    ['"\\u00e9"', false],
    ['{"a":1,"a":1}', false],
    ['{"\\r":1,"1":2}', true],
    ['{"1":2,"\\r":1}', false],
    ['', false],
  ];
  for (const [text, expected] of cases) {
    test(`${JSON.stringify(text)} is ${expected ? '' : 'not '}canonical`, () => {
      assert.equal(isCanonical(text), expected);
    });
  }

  test('parseCanonicalJson says where the text departs from the canonical form', () => {
    rejects(
      () => parseCanonicalJson('{"b":1,"a":2}'),
      'non_canonical_json',
      /at offset 2 expected 'a', found 'b'/,
    );
    rejects(() => parseCanonicalJson('[1.50]'), 'non_canonical_json', /at offset 4 expected '\]', found '0'/);
    rejects(
      () => parseCanonicalJson('{"a":1} '),
      'non_canonical_json',
      /offset 7 expected end of text, found U\+0020/,
    );
    rejects(() => parseCanonicalJson('{"a":1'), 'malformed_json');
    assert.deepEqual(parseCanonicalJson('{"a":[1,"x"]}'), { a: [1, 'x'] });
  });
});

/** The strict path alone: the strict parser, then the canonical form compared with the text. */
function strictCanonical(text: string, limits?: Partial<JsonLimits>): { value: unknown } | undefined {
  try {
    const value = parseJsonStrict(text, limits);
    return canonicalize(value) === text ? { value } : undefined;
  } catch {
    return undefined;
  }
}

/** parseIfCanonical may decline what is canonical, but what it accepts the strict path accepts, equal. */
function assertFastAgreesWithStrict(text: string, limits?: Partial<JsonLimits>): unknown {
  const fast = parseIfCanonical(text, limits);
  if (fast === undefined) return undefined;
  const strict = strictCanonical(text, limits);
  assert.ok(strict, `the fast path accepted ${JSON.stringify(text)}, the strict path refuses it`);
  assert.deepEqual(fast, strict.value);
  return fast;
}

describe('parseIfCanonical: the native fast path gives the strict verdict or declines', () => {
  const cases: [text: string, fast: 'accepts' | 'declines', limits?: Partial<JsonLimits>][] = [
    ['{"a":1,"b":[true,false,null]}', 'accepts'],
    ['{"b":1,"a":2}', 'declines'],
    ['{"a":1, "b":2}', 'declines'],
    ['{"a":1,"a":1}', 'declines'],
    ['{"a":{"x":1,"x":2}}', 'declines'],
    ['1.0', 'declines'],
    ['1e21', 'declines'],
    ['1e+21', 'accepts'],
    ['-0', 'declines'],
    ['1e400', 'declines'],
    ['"\\u0041"', 'declines'],
    ['"\\u001f"', 'accepts'],
    ['"\\/"', 'declines'],
    ['"\\ud83d\\ude00"', 'declines'],
    ['"😀"', 'accepts'],
    // Lone surrogates: JSON.stringify writes them escaped, JCS refuses them; the strict path says so.
    ['"\\ud800"', 'declines'],
    ['"\\udfff"', 'declines'],
    ['{"\\ud800":1}', 'declines'],
    ['"\ud800"', 'declines'],
    // A literal backslash before "ud" is canonical; declined all the same, the strict path accepts it.
    ['"\\\\ud800"', 'declines'],
    // Integer-like names: objects list them in numeric order, the text in code-unit order.
    ['{"1":1,"10":2,"9":3}', 'declines'],
    ['{"1":1,"2":2}', 'accepts'],
    ['{"\\r":1,"1":2}', 'declines'],
    ['{"__proto__":{"x":1},"a":2}', 'accepts'],
    ['\ufeff{}', 'declines'],
    ['{"a":1} ', 'declines'],
    ['', 'declines'],
    ['{"a":[[1]]}', 'accepts', { maxDepth: 3 }],
    ['{"a":[[1]]}', 'declines', { maxDepth: 2 }],
    ['{"a":1,"b":2}', 'accepts', { maxKeys: 2 }],
    ['{"a":1,"b":2,"c":3}', 'declines', { maxKeys: 2 }],
    ['["abcd"]', 'accepts', { maxStringLength: 4 }],
    ['["abcde"]', 'declines', { maxStringLength: 4 }],
    ['{"abcde":1}', 'declines', { maxStringLength: 4 }],
    ['["é"]', 'accepts', { maxBytes: 6 }],
    ['["é"]', 'declines', { maxBytes: 5 }],
  ];
  for (const [text, expected, limits] of cases) {
    test(`${JSON.stringify(text)}${limits ? ` within ${JSON.stringify(limits)}` : ''}: ${expected}`, () => {
      const fast = assertFastAgreesWithStrict(text, limits);
      assert.equal(fast === undefined ? 'declines' : 'accepts', expected);
    });
  }

  test('where it declines, parseCanonicalJson still gives the strict answer', () => {
    assert.deepEqual(parseCanonicalJson('{"1":1,"10":2,"9":3}'), { 1: 1, 10: 2, 9: 3 });
    assert.deepEqual(parseCanonicalJson('"\\\\ud800"'), '\\ud800');
    rejects(() => parseCanonicalJson('"\\ud800"'), 'malformed_json', /lone surrogate/);
    rejects(() => parseCanonicalJson('{"a":1,"a":1}'), 'malformed_json', /duplicate member name/);
    rejects(() => parseCanonicalJson('{"a":[[1]]}', { maxDepth: 2 }), 'malformed_json', /maxDepth/);
  });

  test('nesting deeper than the engine can stringify is declined, not thrown', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    assert.equal(parseIfCanonical(deep, { maxBytes: 1_000_000, maxDepth: 1000 }), undefined);
  });

  const units = fc.constantFrom('a', 'B', '1', '9', '\r', '"', '\\', '\u001f', 'é', '😀', '\ud800', '\udc00');
  const values = fc.oneof(fc.jsonValue({ stringUnit: 'binary' }), fc.jsonValue({ stringUnit: units }));
  /** Canonical text of `x`, or undefined where JCS cannot write it (a lone surrogate). */
  const canonicalOrNot = (x: unknown): string | undefined => {
    try {
      return canonicalize(x);
    } catch {
      return undefined;
    }
  };

  test('canonical texts: accepted and equal to the strict parse, but for surrogate escapes and integer-like names', () => {
    fc.assert(
      fc.property(values, (x) => {
        const canonical = canonicalOrNot(x);
        if (canonical === undefined) return;
        const fast = assertFastAgreesWithStrict(canonical);
        if (!canonical.includes('\\ud') && !/"\d+":/.test(canonical))
          assert.notEqual(fast, undefined, canonical);
      }),
      { numRuns: 500 },
    );
  });

  test('mutated texts: whatever the fast path accepts, the strict path accepts with the same value', () => {
    const edits = fc.constantFrom(
      ' ',
      '"',
      ',',
      ':',
      '0',
      '1',
      '.',
      'e',
      '-',
      '\\',
      'u',
      '{',
      '}',
      '[',
      ']',
      '\ud800',
    );
    fc.assert(
      fc.property(values, fc.nat(), fc.nat(2), edits, (x, at, kind, edit) => {
        const text = canonicalOrNot(x);
        if (text === undefined) return;
        const i = text.length === 0 ? 0 : at % text.length;
        const mutated =
          kind === 0
            ? text.slice(0, i) + edit + text.slice(i)
            : kind === 1
              ? text.slice(0, i) + text.slice(i + 1)
              : text.slice(0, i) + edit + text.slice(i + 1);
        assertFastAgreesWithStrict(mutated);
        assertFastAgreesWithStrict(mutated, { maxDepth: 2, maxKeys: 2, maxStringLength: 3 });
      }),
      { numRuns: 2000 },
    );
  });
});

describe('properties', () => {
  const units = fc.constantFrom(
    'a',
    'B',
    '1',
    '\r',
    '\n',
    '"',
    '\\',
    '\u001f',
    '\u007f',
    '\u0080',
    'ö',
    '€',
    '\ufb33',
    '😀',
    '😂',
  );
  const jsonValues = fc.oneof(fc.jsonValue({ stringUnit: 'binary' }), fc.jsonValue({ stringUnit: units }));

  test('canonicalize(JSON.parse(canonicalize(x))) === canonicalize(x)', () => {
    fc.assert(
      fc.property(jsonValues, (x) => {
        const canonical = canonicalize(x);
        assert.equal(canonicalize(JSON.parse(canonical)), canonical);
      }),
      { numRuns: 300 },
    );
  });

  test('canonical text is canonical, parses strictly to what JSON.parse gives, and is the UTF-8 of canonicalBytes', () => {
    fc.assert(
      fc.property(jsonValues, (x) => {
        const canonical = canonicalize(x);
        assert.ok(isCanonical(canonical), canonical);
        assert.deepEqual(parseJsonStrict(canonical), JSON.parse(canonical));
        assert.deepEqual(canonicalBytes(x), utf8Encode(canonical));
      }),
      { numRuns: 200 },
    );
  });

  test('member order does not matter; JSON.stringify then canonicalize is canonicalize', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ unit: units }), fc.jsonValue(), { maxKeys: 8 }),
        fc.nat(),
        (dict, seed) => {
          const entries = Object.entries(dict);
          const rotated = entries.map((_, i) => entries[(i + seed) % entries.length]!);
          const reordered = Object.fromEntries(rotated.reverse());
          assert.equal(canonicalize(reordered), canonicalize(dict));
          assert.equal(canonicalize(JSON.parse(JSON.stringify(dict))), canonicalize(dict));
        },
      ),
      { numRuns: 200 },
    );
  });
});

test('an object inheriting from a null-prototype object is refused, not canonicalized without what it inherits', () => {
  const base = Object.create(null) as Record<string, unknown>;
  base.role = 'admin';
  const derived = Object.create(base) as Record<string, unknown>;
  derived.name = 'x';
  rejects(() => canonicalize(derived), 'malformed_json');
  const bare = Object.create(null) as Record<string, unknown>;
  bare.a = 1;
  assert.equal(canonicalize(bare), '{"a":1}');
});
