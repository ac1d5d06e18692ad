import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { base64Decode, base64Encode } from '../src/base64.js';
import {
  bytesEqual,
  concatBytes,
  hexDecode,
  hexEncode,
  utf8Decode,
  utf8Encode,
  utf8Length,
} from '../src/bytes.js';
import { CinnabarError, type CoreErrorCode, isCinnabarError } from '../src/errors.js';
import {
  generateSignerKey,
  keyId,
  MAX_NOTE_SIGNATURES,
  MAX_NOTE_SIZE,
  type NoteSigner,
  type NoteVerifier,
  openNote,
  parseNote,
  SIG_TYPE_ED25519,
  signerFromKey,
  signNote,
  verifierFromKey,
  vkeyFromSkey,
} from '../src/note.js';
import { throwsCode as assertRejects } from './support/cinnabar-error.js';

interface Vectors {
  keys: { name: string; keyId: string; skey?: string; vkey: string }[];
  badVkeys: { comment: string; vkey: string }[];
  text: string;
  signatures: { PeterNeumann: string; EnochRoot: string };
  signedNote: { note: string };
  doublySignedNote: { note: string };
  specExample: { note: string; text: string; name: string };
}

const vectors = JSON.parse(
  readFileSync(new URL('./vectors/signed-note.json', import.meta.url), 'utf8'),
) as Vectors;
const [peterKeys, enochKeys] = vectors.keys as [Vectors['keys'][0], Vectors['keys'][0]];
const PETER_SKEY = peterKeys.skey!;
const TEXT = vectors.text;
const PETER_SIG = vectors.signatures.PeterNeumann;
const ENOCH_SIG = vectors.signatures.EnochRoot;
const peter = verifierFromKey(peterKeys.vkey);
const enoch = verifierFromKey(enochKeys.vkey);

/** Asserts that `fn` throws a CinnabarError with `code` and a message matching `reason`. */

/** The signature line of `signer` over TEXT with its key ID replaced by `id`. */
function lineWithKeyId(line: string, name: string, id: number): string {
  const raw = base64Decode(line.slice(line.lastIndexOf(' ') + 1, -1));
  new DataView(raw.buffer).setUint32(0, id);
  return `— ${name} ${base64Encode(raw)}\n`;
}

describe('signed-note vectors (golang.org/x/mod/sumdb/note, c2sp.org/signed-note)', () => {
  test('verifier and signer keys parse, with the expected names and key IDs', () => {
    for (const k of vectors.keys) {
      const v = verifierFromKey(k.vkey);
      assert.equal(v.name, k.name);
      assert.equal(v.keyId, Number.parseInt(k.keyId, 16));
      const typeAndKey = base64Decode(k.vkey.split('+').slice(2).join('+'));
      assert.equal(typeAndKey[0], SIG_TYPE_ED25519);
      assert.equal(keyId(k.name, typeAndKey), Number.parseInt(k.keyId, 16));
    }
    const s = signerFromKey(PETER_SKEY);
    assert.equal(s.name, 'PeterNeumann');
    assert.equal(s.keyId, 0xc74f20a3);
    assert.equal(vkeyFromSkey(PETER_SKEY), peterKeys.vkey);
  });

  test('generateSignerKey from the vector seed reproduces both keys', () => {
    const seed = base64Decode(PETER_SKEY.slice('PRIVATE+KEY+PeterNeumann+c74f20a3+'.length)).slice(1);
    assert.deepEqual(generateSignerKey('PeterNeumann', seed), { skey: PETER_SKEY, vkey: peterKeys.vkey });
  });

  test('signing reproduces the exact signed note (Ed25519 is deterministic)', () => {
    assert.equal(signNote(TEXT, signerFromKey(PETER_SKEY)), vectors.signedNote.note);
  });

  test('opens the signed note', () => {
    const opened = openNote(vectors.signedNote.note, [peter]);
    assert.equal(opened.text, TEXT);
    assert.equal(opened.verified.length, 1);
    assert.equal(opened.verified[0]!.name, 'PeterNeumann');
    assert.equal(opened.verified[0]!.keyId, 0xc74f20a3);
    assert.equal(opened.verified[0]!.signature.length, 64);
    assert.deepEqual(opened.unverified, []);
  });

  test('doubly signed note: both, one or none of the keys known', () => {
    const note = vectors.doublySignedNote.note;
    assert.equal(note, `${TEXT}\n${PETER_SIG}${ENOCH_SIG}`);
    const both = openNote(note, [peter, enoch]);
    assert.deepEqual(
      both.verified.map((s) => s.name),
      ['PeterNeumann', 'EnochRoot'],
    );
    assert.deepEqual(both.unverified, []);

    const one = openNote(note, [peter]);
    assert.deepEqual(
      one.verified.map((s) => s.name),
      ['PeterNeumann'],
    );
    assert.deepEqual(
      one.unverified.map((s) => [s.name, s.keyId]),
      [['EnochRoot', 0xaf0cfe78]],
    );

    assertRejects(
      () => openNote(note, []),
      'unverified_note',
      /signed by PeterNeumann\+c74f20a3, EnochRoot\+af0cfe78; known: none/,
    );
  });

  test('appending a signature with signNote-compatible output: Enoch only', () => {
    const opened = openNote(`${TEXT}\n${ENOCH_SIG}`, [peter, enoch]);
    assert.deepEqual(
      opened.verified.map((s) => s.name),
      ['EnochRoot'],
    );
  });

  test('the signed-note spec example parses: the text keeps its own blank line', () => {
    const note = parseNote(vectors.specExample.note);
    assert.equal(note.text, vectors.specExample.text);
    assert.equal(note.signatures.length, 1);
    assert.equal(note.signatures[0]!.name, vectors.specExample.name);
    assert.equal(note.signatures[0]!.signature.length, 64);
    assertRejects(() => openNote(vectors.specExample.note, [peter]), 'unverified_note');
  });
});

describe('openNote rules (c2sp.org/signed-note, "Signatures")', () => {
  test('signatures from unknown keys are ignored, even sharing a name or a key ID with a known key', () => {
    const sameName = lineWithKeyId(PETER_SIG, 'PeterNeumann', 0xc74f20a4);
    const sameId = lineWithKeyId(PETER_SIG, 'PeterNeuman', 0xc74f20a3);
    const opened = openNote(`${TEXT}\n${sameName}${sameId}${PETER_SIG}`, [peter]);
    assert.equal(opened.verified.length, 1);
    assert.deepEqual(
      opened.unverified.map((s) => [s.name, s.keyId]),
      [
        ['PeterNeumann', 0xc74f20a4],
        ['PeterNeuman', 0xc74f20a3],
      ],
    );
    assertRejects(() => openNote(`${TEXT}\n${sameName}${sameId}`, [peter]), 'unverified_note');
  });

  test('a failing signature by a known key rejects the whole note', () => {
    const corrupted = `${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`;
    assertRejects(
      () => openNote(`${TEXT}\n${corrupted}`, [peter]),
      'invalid_signature',
      /PeterNeumann\+c74f20a3/,
    );
    // Even after a good signature by the same key, and after a good signature by another key.
    assertRejects(() => openNote(`${TEXT}\n${PETER_SIG}${corrupted}`, [peter]), 'invalid_signature');
    assertRejects(() => openNote(`${TEXT}\n${ENOCH_SIG}${corrupted}`, [peter, enoch]), 'invalid_signature');
    // A signature over other text.
    assertRejects(() => openNote(`${TEXT}x\n\n${PETER_SIG}`, [peter]), 'invalid_signature');
  });

  test('a verifier with the right name and key ID but another key rejects the note', () => {
    const other = verifierFromKey(generateSignerKey('PeterNeumann').vkey);
    const impostor: NoteVerifier = { name: 'PeterNeumann', keyId: 0xc74f20a3, verify: other.verify };
    assertRejects(() => openNote(vectors.signedNote.note, [impostor]), 'invalid_signature');
    // A different key under the same name has a different key ID: its signatures are unknown.
    assertRejects(() => openNote(vectors.signedNote.note, [other]), 'unverified_note');
  });

  test('repeated signatures are reported once', () => {
    const corruptedEnoch = `${ENOCH_SIG.slice(0, 60)}ABCD${ENOCH_SIG.slice(60)}`;
    const note = `${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}${corruptedEnoch}`;
    const opened = openNote(note, [peter]);
    assert.equal(opened.verified.length, 1);
    assert.equal(opened.unverified.length, 2);
    assert.equal(parseNote(note).signatures.length, 5);
  });

  test('two different verifiers for one name and key ID are ambiguous; the same one twice is not', () => {
    const twin = verifierFromKey(peterKeys.vkey);
    assertRejects(() => openNote(vectors.signedNote.note, [peter, twin]), 'malformed_key', /ambiguous/);
    assert.equal(openNote(vectors.signedNote.note, [peter, peter]).verified.length, 1);
    // Unused ambiguity does not matter.
    assert.equal(openNote(`${TEXT}\n${ENOCH_SIG}`, [enoch, peter, twin]).verified.length, 1);
  });

  test('accepts up to 100 signatures', () => {
    const others = Array.from({ length: MAX_NOTE_SIGNATURES - 1 }, (_, i) =>
      lineWithKeyId(ENOCH_SIG, `w${i}`, i),
    );
    const opened = openNote(`${TEXT}\n${PETER_SIG}${others.join('')}`, [peter]);
    assert.equal(opened.unverified.length, MAX_NOTE_SIGNATURES - 1);
  });
});

describe('signNote', () => {
  const seed = new Uint8Array(32).fill(7);
  const a = signerFromKey(generateSignerKey('example.com/a', seed).skey);
  const b = signerFromKey(generateSignerKey('example.com/b', seed).skey);

  test('signs with several keys, in order, and every signature verifies', () => {
    const text = 'line one\n\nline three, after a blank line — ünïcödé 🦀\n';
    const note = signNote(text, a, b);
    const parsed = parseNote(note);
    assert.equal(parsed.text, text);
    assert.deepEqual(
      parsed.signatures.map((s) => s.name),
      ['example.com/a', 'example.com/b'],
    );
    const va = verifierFromKey(vkeyFromSkey(generateSignerKey('example.com/a', seed).skey));
    const vb = verifierFromKey(generateSignerKey('example.com/b', seed).vkey);
    assert.equal(openNote(note, [va, vb]).verified.length, 2);
  });

  test('the smallest text, a single newline, can be signed and opened', () => {
    const { skey, vkey } = generateSignerKey('k');
    assert.equal(openNote(signNote('\n', signerFromKey(skey)), [verifierFromKey(vkey)]).text, '\n');
  });

  const bad: [string, () => unknown, CoreErrorCode, RegExp][] = [
    ['empty text', () => signNote('', a), 'malformed_note', /must end with a newline/],
    ['text without final newline', () => signNote('abc', a), 'malformed_note', /must end with a newline/],
    ['carriage return', () => signNote('a\r\n', a), 'malformed_note', /control character U\+000D at index 1/],
    ['NUL', () => signNote('a\0\n', a), 'malformed_note', /control character U\+0000/],
    ['unpaired surrogate', () => signNote('a\ud83e\n', a), 'malformed_note', /unpaired surrogate U\+D83E/],
    ['no signers', () => signNote('a\n'), 'malformed_note', /at least one signer/],
    ['same signer twice', () => signNote('a\n', a, a), 'malformed_note', /given twice/],
    [
      'signer name with a space',
      () => signNote('a\n', { ...a, name: 'bad name' }),
      'malformed_note',
      /contains a space \(U\+0020\)/,
    ],
    ['signer name with +', () => signNote('a\n', { ...a, name: 'a+b' }), 'malformed_note', /contains '\+'/],
    [
      'signer with empty name',
      () => signNote('a\n', { ...a, name: '' }),
      'malformed_note',
      /key name is empty/,
    ],
    [
      'signer key ID out of range',
      () => signNote('a\n', { ...a, keyId: 2 ** 32 }),
      'malformed_note',
      /32-bit/,
    ],
    [
      'signer returning nothing',
      () => signNote('a\n', { ...a, sign: () => new Uint8Array(0) } satisfies NoteSigner),
      'invalid_signature',
      /returned no signature/,
    ],
    [
      'note too large once signed',
      () => signNote(`${'a'.repeat(MAX_NOTE_SIZE - 10)}\n`, a),
      'malformed_note',
      /signed note would be \d+ bytes; the most is 1048576/,
    ],
  ];
  for (const [name, fn, code, reason] of bad) {
    test(`rejects: ${name}`, () => {
      assertRejects(fn, code, reason);
    });
  }
});

describe('malformed keys', () => {
  const PETER_VKEY = peterKeys.vkey;
  const keyData = PETER_VKEY.slice('PeterNeumann+c74f20a3+'.length);

  test('upper-case key IDs are accepted, as in Go', () => {
    assert.equal(verifierFromKey(PETER_VKEY.replace('c74f20a3', 'C74F20A3')).keyId, 0xc74f20a3);
  });

  const notAPoint = (): Uint8Array => {
    for (let y = 2; ; y++) {
      const candidate = new Uint8Array(32);
      candidate[0] = y;
      if (!ed25519.utils.isValidPublicKey(candidate, false)) return candidate;
    }
  };
  // y = 2^255 - 19 = p: a non-canonical encoding of y = 0, rejected by strict RFC 8032 decoding.
  const nonCanonical = hexDecode(`ed${'ff'.repeat(30)}7f`);

  const withKeyData = (name: string, key: Uint8Array): string => {
    const typeAndKey = concatBytes(Uint8Array.of(SIG_TYPE_ED25519), key);
    return `${name}+${keyId(name, typeAndKey).toString(16).padStart(8, '0')}+${base64Encode(typeAndKey)}`;
  };

  const badVkeys: [string, string, RegExp][] = [
    ['empty', '', /has no '\+'/],
    ['name only', 'PeterNeumann', /has no '\+'/],
    ['no key data', 'PeterNeumann+c74f20a3', /no '\+' after the key ID/],
    ['empty key data', 'PeterNeumann+c74f20a3+', /key data is empty/],
    ['empty name', `+c74f20a3+${keyData}`, /key name is empty/],
    ['name with a space', `Peter Neumann+c74f20a3+${keyData}`, /contains a space/],
    [
      'name with an ideographic space',
      `Peter\u3000Neumann+c74f20a3+${keyData}`,
      /contains a space \(U\+3000\)/,
    ],
    ['name with a control character', `Peter\u0001+c74f20a3+${keyData}`, /control character U\+0001/],
    ['7-digit key ID', `PeterNeumann+c74f20a+${keyData}`, /8 hex digits, got "c74f20a"/],
    ['0x key ID', `PeterNeumann+0xc74f20+${keyData}`, /8 hex digits/],
    ['9-digit key ID', `PeterNeumann+0c74f20a3+${keyData}`, /8 hex digits/],
    [
      'wrong key ID',
      `PeterNeumann+c74f20a4+${keyData}`,
      /key ID c74f20a4 does not match the key \(expected c74f20a3\)/,
    ],
    ['key data truncated', PETER_VKEY.slice(0, -1), /not valid base64 \(invalid base64: length 43/],
    ['trailing newline', `${PETER_VKEY}\n`, /unexpected character U\+000A/],
    [
      'URL-safe base64',
      withKeyData('x', new Uint8Array(32).fill(0xff)).replace(/\//g, '_'),
      /unexpected character '_'/,
    ],
    [
      'Go: wrong key length (and non-canonical base64)',
      vectors.badVkeys[0]!.vkey,
      /non-zero bits before the padding/,
    ],
    ['wrong key length', withKeyData('x', new Uint8Array(36)), /public key must be 32 bytes, got 36/],
    ['Go: unknown algorithm', vectors.badVkeys[1]!.vkey, /unsupported signature type 0x65/],
    ['a private key', PETER_SKEY, /private signer key, not a verifier key/],
    ['not a curve point', withKeyData('x', notAPoint()), /not a valid Ed25519 point/],
    ['non-canonical point encoding', withKeyData('x', nonCanonical), /not a valid Ed25519 point/],
  ];
  for (const [name, vkey, reason] of badVkeys) {
    test(`verifierFromKey rejects: ${name}`, () => {
      assertRejects(() => verifierFromKey(vkey), 'malformed_key', reason);
    });
  }

  const seedData = PETER_SKEY.slice('PRIVATE+KEY+PeterNeumann+c74f20a3+'.length);
  const badSkeys: [string, string, RegExp][] = [
    ['a verifier key', PETER_VKEY, /must start with PRIVATE\+KEY\+/],
    ['lower-case prefix', PETER_SKEY.replace('PRIVATE+KEY', 'private+key'), /must start with PRIVATE\+KEY\+/],
    ['prefix only', 'PRIVATE+KEY+', /has no '\+'/],
    ['wrong key ID', PETER_SKEY.replace('c74f20a3', 'c74f20a4'), /key ID c74f20a4 does not match the key/],
    ['other name', PETER_SKEY.replace('PeterNeumann', 'PeterNeuman'), /does not match the key/],
    [
      'short seed',
      `PRIVATE+KEY+PeterNeumann+c74f20a3+${base64Encode(new Uint8Array(32).fill(1))}`,
      /seed must be 32 bytes, got 31/,
    ],
    [
      'unknown type',
      `PRIVATE+KEY+PeterNeumann+c74f20a3+${base64Encode(concatBytes(Uint8Array.of(4), new Uint8Array(32)))}`,
      /unsupported signature type 0x04/,
    ],
    [
      'truncated seed',
      `PRIVATE+KEY+PeterNeumann+c74f20a3+${seedData.slice(0, -4)}`,
      /seed must be 32 bytes, got 29/,
    ],
  ];
  for (const [name, skey, reason] of badSkeys) {
    test(`signerFromKey rejects: ${name}`, () => {
      const error = assertRejects(() => signerFromKey(skey), 'malformed_key', reason);
      assert.ok(!error.message.includes(seedData.slice(0, 8)), 'the message must not echo the secret key');
      assertRejects(() => vkeyFromSkey(skey), 'malformed_key', reason);
    });
  }

  // The manglings of Go's TestNewVerifier and TestNewSigner: every proper substring, every byte + 1.
  for (const [kind, key, parse] of [
    ['verifier', PETER_VKEY, verifierFromKey],
    ['signer', PETER_SKEY, signerFromKey],
  ] as const) {
    test(`every proper substring and every byte + 1 of the ${kind} key is rejected`, () => {
      let count = 0;
      const reject = (mangled: string) => {
        const error = assertRejects(() => parse(mangled), 'malformed_key');
        assert.ok(!error.message.includes(seedData.slice(0, 8)), 'the message must not echo the secret key');
        count++;
      };
      for (let i = 0; i <= key.length; i++) {
        for (let j = i + 1; j <= key.length; j++) if (i !== 0 || j !== key.length) reject(key.slice(i, j));
      }
      for (let i = 0; i < key.length; i++) {
        reject(key.slice(0, i) + String.fromCharCode(key.charCodeAt(i) + 1) + key.slice(i + 1));
      }
      assert.equal(count, (key.length * (key.length + 1)) / 2 - 1 + key.length);
    });
  }

  test('generateSignerKey rejects bad names and seeds', () => {
    assertRejects(() => generateSignerKey(''), 'malformed_key', /key name is empty/);
    assertRejects(() => generateSignerKey('a b'), 'malformed_key', /contains a space/);
    assertRejects(() => generateSignerKey('a+b'), 'malformed_key', /contains '\+'/);
    assertRejects(
      () => generateSignerKey('a', new Uint8Array(31)),
      'malformed_key',
      /seed must be 32 bytes, got 31/,
    );
  });

  test('generated keys are random, well-formed and consistent', () => {
    const k1 = generateSignerKey('example.com/log');
    const k2 = generateSignerKey('example.com/log');
    assert.notEqual(k1.skey, k2.skey);
    assert.match(k1.skey, /^PRIVATE\+KEY\+example\.com\/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    assert.match(k1.vkey, /^example\.com\/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    assert.equal(vkeyFromSkey(k1.skey), k1.vkey);
    const note = signNote('hello\n', signerFromKey(k1.skey));
    assert.equal(openNote(note, [verifierFromKey(k1.vkey)]).text, 'hello\n');
    assertRejects(() => openNote(note, [verifierFromKey(k2.vkey)]), 'unverified_note');
  });
});

describe('malformed notes', () => {
  const note = `${TEXT}\n${PETER_SIG}`;
  const sig64 = PETER_SIG.slice('— PeterNeumann '.length, -1);
  const short = base64Encode(base64Decode(sig64).slice(0, 4));
  const rows: [string, string, RegExp][] = [
    ['empty', '', /no blank line between the text and the signatures/],
    ['text only', TEXT, /no blank line/],
    ['text and blank line, no signatures', `${TEXT}\n`, /ends with a blank line/],
    ['blank line after the signatures', `${note}\n`, /ends with a blank line/],
    ['two newlines only', '\n\n', /ends with a blank line/],
    ['signature line without newline', note.slice(0, -1), /last signature line does not end with a newline/],
    ['control character', `\u0001${note}`, /control character U\+0001 at index 0/],
    ['CRLF line endings', note.replace(/\n/g, '\r\n'), /control character U\+000D/],
    ['tab', `\t${note}`, /control character U\+0009/],
    ['unpaired surrogate', `\udc00${note}`, /unpaired surrogate U\+DC00 at index 0/],
    [
      'hyphen instead of em dash',
      `${TEXT}\n- PeterNeumann ${sig64}\n`,
      /signature line 1 does not start with an em dash/,
    ],
    ['en dash instead of em dash', `${TEXT}\n– PeterNeumann ${sig64}\n`, /does not start with an em dash/],
    ['em dash without space', `${TEXT}\n—PeterNeumann ${sig64}\n`, /does not start with an em dash/],
    [
      'no signature after the name',
      `${TEXT}\n— PeterNeumann\n`,
      /no space between the key name and the signature/,
    ],
    ['empty signature', `${TEXT}\n— PeterNeumann \n`, /signature line 1 has an empty signature/],
    ['empty key name', `${TEXT}\n—  ${sig64}\n`, /key name is empty/],
    ['key name with +', `${TEXT}\n— Peter+Neumann ${sig64}\n`, /contains '\+'/],
    ['key name with NBSP', `${TEXT}\n— Peter\u00a0Neumann ${sig64}\n`, /contains a space \(U\+00A0\)/],
    [
      'Go: "Bad Name"',
      `${TEXT}\n— Bad Name ${sig64}\n`,
      /not valid base64 \(invalid base64: unexpected character U\+0020 at offset 4\)/,
    ],
    ['two spaces', `${TEXT}\n— PeterNeumann  ${sig64}\n`, /unexpected character U\+0020 at offset 0/],
    [
      'missing padding',
      `${TEXT}\n— PeterNeumann ${sig64.slice(0, -1)}\n`,
      /length 91 is not a multiple of 4/,
    ],
    [
      'non-canonical base64',
      `${TEXT}\n— PeterNeumann ${sig64.slice(0, -2)}N=\n`,
      /non-zero bits before the padding/,
    ],
    ['URL-safe base64', `${TEXT}\n— PeterNeumann ${sig64.replace('/', '_')}\n`, /unexpected character '_'/],
    [
      '4-byte signature',
      `${TEXT}\n— PeterNeumann ${short}\n`,
      /signature is 4 bytes; it needs a 4-byte key ID/,
    ],
    ['Go: unexpected line', `${note}Unexpected line.\n`, /signature line 2 does not start with an em dash/],
    ['101 signatures', `${TEXT}\n${PETER_SIG.repeat(101)}`, /101 signature lines; the most accepted is 100/],
    ['over 1 MiB', `${'a'.repeat(MAX_NOTE_SIZE)}\n\n${PETER_SIG}`, /larger than 1048576 bytes/],
    [
      'over 1 MiB of UTF-8',
      `${'é'.repeat(MAX_NOTE_SIZE / 2)}\n\n${PETER_SIG}`,
      /note is \d+ bytes; the most is 1048576/,
    ],
  ];
  for (const [name, message, reason] of rows) {
    test(`rejects: ${name}`, () => {
      assertRejects(() => parseNote(message), 'malformed_note', reason);
      assertRejects(() => openNote(message, [peter]), 'malformed_note', reason);
    });
  }

  test('a blank line among the signatures moves the text boundary, so the signature fails', () => {
    const moved = `${note}\n${PETER_SIG}`;
    assert.equal(parseNote(moved).text, `${TEXT}\n${PETER_SIG}`);
    assertRejects(() => openNote(moved, [peter]), 'invalid_signature', /does not verify/);
  });

  test('a string that is not a note is rejected, not crashed on', () => {
    assertRejects(() => parseNote(42 as unknown as string), 'malformed_note', /must be a string/);
  });
});

describe('mutations', () => {
  const lineArb = fc
    .string({ unit: 'grapheme', maxLength: 30 })
    .map((s) => Array.from(s, (ch) => (ch.charCodeAt(0) < 0x20 ? '?' : ch)).join(''));
  const textArb = fc.array(lineArb, { minLength: 1, maxLength: 4 }).map((lines) => `${lines.join('\n')}\n`);
  const mutate = (note: string, position: number, delta: number): string => {
    const bytes = utf8Encode(note);
    const i = position % bytes.length;
    bytes[i] = (bytes[i]! + delta) & 0xff;
    return new TextDecoder().decode(bytes); // lenient: invalid UTF-8 becomes U+FFFD, as fetch().text() does
  };

  test('every single-byte change of the vector note fails to open', () => {
    const bytes = utf8Encode(vectors.signedNote.note);
    for (let i = 0; i < bytes.length; i++) {
      for (const delta of [1, 0x80]) {
        assert.throws(() => openNote(mutate(vectors.signedNote.note, i, delta), [peter]), CinnabarError);
      }
    }
  });

  test('property: any single mutated byte of a signed note fails to open', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        textArb,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (seed, text, position, delta) => {
          const { skey, vkey } = generateSignerKey('example.com/log', seed);
          const verifier = verifierFromKey(vkey);
          const note = signNote(text, signerFromKey(skey));
          assert.equal(openNote(note, [verifier]).text, text);
          assert.throws(
            () => openNote(mutate(note, position, delta), [verifier]),
            (e) => isCinnabarError(e),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  test('property: with two known signers, a mutated note never opens with both or with other text', () => {
    const k1 = generateSignerKey('log.example/a');
    const k2 = generateSignerKey('witness.example/b');
    const signers = [signerFromKey(k1.skey), signerFromKey(k2.skey)];
    const verifiers = [verifierFromKey(k1.vkey), verifierFromKey(k2.vkey)];
    fc.assert(
      fc.property(textArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (text, position, delta) => {
        const mutated = mutate(signNote(text, ...signers), position, delta);
        let opened: ReturnType<typeof openNote>;
        try {
          opened = openNote(mutated, verifiers);
        } catch (error) {
          assert.ok(isCinnabarError(error));
          return;
        }
        assert.equal(opened.text, text);
        assert.ok(opened.verified.length < 2);
      }),
      { numRuns: 200 },
    );
  });
});

describe('base64 (RFC 4648 §4, strict)', () => {
  test('RFC 4648 §10 test vectors', () => {
    const cases: [string, string][] = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, encoded] of cases) {
      assert.equal(base64Encode(utf8Encode(plain)), encoded);
      assert.equal(utf8Decode(base64Decode(encoded)), plain);
    }
  });

  test('property: agrees with Buffer and round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const encoded = base64Encode(bytes);
        assert.equal(encoded, Buffer.from(bytes).toString('base64'));
        assert.ok(bytesEqual(base64Decode(encoded), bytes));
      }),
    );
  });

  test('encodes large inputs', () => {
    const bytes = new Uint8Array(100_000).map((_, i) => i * 7);
    assert.equal(base64Encode(bytes), Buffer.from(bytes).toString('base64'));
  });

  const bad: [string, RegExp][] = [
    ['Zg=', /length 3 is not a multiple of 4/],
    ['Zg', /length 2/],
    ['Zh==', /non-zero bits before the padding/],
    ['Zm9=', /non-zero bits before the padding/],
    ['Zg==Zg==', /unexpected character '=' at offset 2/],
    ['====', /unexpected character '=' at offset 0/],
    ['Z===', /unexpected character '=' at offset 1/],
    ['Zm 9', /unexpected character U\+0020 at offset 2/],
    ['Zm9v\n\n\n\n', /unexpected character U\+000A at offset 4/],
    ['-_-_', /unexpected character '-' at offset 0/],
    ['Zm9é', /unexpected character U\+00E9 at offset 3/],
  ];
  for (const [input, reason] of bad) {
    test(`rejects ${JSON.stringify(input)}`, () => assert.throws(() => base64Decode(input), reason));
  }
});

describe('bytes helpers', () => {
  test('hex', () => {
    assert.equal(hexEncode(Uint8Array.of(0, 1, 0xab, 0xff)), '0001abff');
    assert.deepEqual(hexDecode('0001ABff'), Uint8Array.of(0, 1, 0xab, 0xff));
    assert.throws(() => hexDecode('abc'), /odd length 3/);
    assert.throws(() => hexDecode('0g'), /non-hex character at offset 1/);
    fc.assert(fc.property(fc.uint8Array(), (b) => assert.ok(bytesEqual(hexDecode(hexEncode(b)), b))));
  });

  test('concat, equality and UTF-8', () => {
    assert.deepEqual(
      concatBytes(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3)),
      Uint8Array.of(1, 2, 3),
    );
    assert.ok(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2)));
    assert.ok(!bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3)));
    assert.ok(!bytesEqual(Uint8Array.of(1), Uint8Array.of(1, 2)));
    assert.throws(() => utf8Decode(Uint8Array.of(0xff)), TypeError);
    assert.equal(utf8Decode(Uint8Array.of(0xef, 0xbb, 0xbf, 0x61)), '\ufeffa');
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => assert.equal(utf8Length(s), utf8Encode(s).length)),
    );
    assert.equal(utf8Length('\ud800x'), utf8Encode('\ud800x').length);
  });
});
