import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { base64Encode } from '../src/base64.js';
import { concatBytes, hexEncode, utf8Encode } from '../src/bytes.js';
import {
  type Checkpoint,
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
} from '../src/checkpoint.js';
import { isCinnabarError } from '../src/errors.js';
import { sha256 } from '../src/hash.js';
import {
  generateSignerKey,
  type NoteVerifier,
  openNote,
  parseNote,
  signerFromKey,
  signNote,
  verifierFromKey,
} from '../src/note.js';
import { throwsCode as assertRejects } from './support/cinnabar-error.js';

// The example at the top of C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint). Its key is
// not published, so only its structure can be checked.
const SPEC_EXAMPLE =
  'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n' +
  '— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n';

// golang.org/x/mod/sumdb/tlog note_test.go (TestFormatTree): the same three-line format, with the
// RFC 6962 leaf hash of "hello world" as the root.
const GO_TREE = 'go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n';

const ORIGIN = 'example.com/log';
const logKeys = generateSignerKey(ORIGIN, new Uint8Array(32).fill(1));
const logSigner = signerFromKey(logKeys.skey);
const logVerifier = verifierFromKey(logKeys.vkey);
const root = sha256(utf8Encode('root'));
const checkpoint: Checkpoint = { origin: ORIGIN, size: 42, rootHash: root, extensions: [] };

describe('checkpoint vectors', () => {
  test('tlog-checkpoint spec example: note and checkpoint parse, and format back identically', () => {
    const note = parseNote(SPEC_EXAMPLE);
    const c = parseCheckpoint(note.text);
    assert.equal(c.origin, 'example.com/behind-the-sofa');
    assert.equal(c.size, 20852163);
    assert.equal(base64Encode(c.rootHash), 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
    assert.deepEqual(c.extensions, []);
    assert.equal(formatCheckpoint(c), note.text);
    assert.equal(note.signatures[0]!.name, c.origin);
    assert.equal(note.signatures[0]!.keyId, 0x033de0ae);
    assert.equal(note.signatures[0]!.signature.length, 64);
  });

  test('tlog-checkpoint spec example: another key with the same name does not verify it', () => {
    const other = verifierFromKey(generateSignerKey('example.com/behind-the-sofa').vkey);
    assertRejects(
      () => openCheckpoint(SPEC_EXAMPLE, other),
      'unverified_note',
      /example\.com\/behind-the-sofa\+033de0ae/,
    );
  });

  test('Go sumdb tree: format and parse', () => {
    const leafHash = sha256(concatBytes(Uint8Array.of(0), utf8Encode('hello world')));
    const c: Checkpoint = {
      origin: 'go.sum database tree',
      size: 123456789012,
      rootHash: leafHash,
      extensions: [],
    };
    assert.equal(formatCheckpoint(c), GO_TREE);
    assert.deepEqual(parseCheckpoint(GO_TREE), c);
  });
});

describe('formatCheckpoint / parseCheckpoint', () => {
  test('round trip with extension lines', () => {
    const c: Checkpoint = { origin: ORIGIN, size: 0, rootHash: root, extensions: ['ext one', '— ünïcödé'] };
    const text = formatCheckpoint(c);
    assert.equal(text, `${ORIGIN}\n0\n${base64Encode(root)}\next one\n— ünïcödé\n`);
    assert.deepEqual(parseCheckpoint(text), c);
  });

  test('the largest safe size is accepted; origins need not look like URLs', () => {
    const text = `my log, with spaces+plus\n9007199254740991\n${base64Encode(root)}\n`;
    const c = parseCheckpoint(text);
    assert.equal(c.size, Number.MAX_SAFE_INTEGER);
    assert.equal(c.origin, 'my log, with spaces+plus');
  });

  const lineArb = fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
    .map((s) => Array.from(s, (ch) => (ch.charCodeAt(0) < 0x20 ? '?' : ch)).join(''));
  test('property: parse(format(c)) is c', () => {
    fc.assert(
      fc.property(
        lineArb,
        fc.maxSafeNat(),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(lineArb, { maxLength: 3 }),
        (origin, size, rootHash, extensions) => {
          const c = { origin, size, rootHash, extensions };
          assert.deepEqual(parseCheckpoint(formatCheckpoint(c)), c);
        },
      ),
    );
  });

  const r = base64Encode(root);
  // The last character before '=' carries 2 unused bits: set one.
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const nonCanonical = (b64: string): string =>
    `${b64.slice(0, -2)}${ALPHABET[ALPHABET.indexOf(b64.at(-2)!) | 1]}=`;
  const hostile: [string, string, RegExp][] = [
    ['empty', '', /must end with a newline/],
    ['no final newline', `o\n1\n${r}`, /must end with a newline/],
    ['two lines', 'o\n1\n', /2 line\(s\); it needs at least 3/],
    ['one newline', '\n', /1 line\(s\)/],
    ['empty origin', `\n1\n${r}\n`, /origin \(line 1\) is empty/],
    ['CRLF', `o\r\n1\r\n${r}\r\n`, /origin \(line 1\) contains control character U\+000D/],
    ['NUL in origin', `o\0\n1\n${r}\n`, /origin \(line 1\) contains control character U\+0000/],
    ['unpaired surrogate in origin', `o\ud800\n1\n${r}\n`, /unpaired surrogate/],
    ['empty size', `o\n\n${r}\n`, /tree size \(line 2\) is empty/],
    ['negative size', `o\n-1\n${r}\n`, /tree size \(line 2\) "-1" is not a decimal number/],
    ['plus sign', `o\n+1\n${r}\n`, /"\+1" is not a decimal number/],
    ['leading zero', `o\n01\n${r}\n`, /"01" is not a decimal number without leading zeros/],
    ['double zero', `o\n00\n${r}\n`, /"00"/],
    ['leading space', `o\n 1\n${r}\n`, /" 1"/],
    ['trailing space', `o\n1 \n${r}\n`, /"1 "/],
    ['hex size', `o\n0x10\n${r}\n`, /"0x10"/],
    ['exponent', `o\n1e3\n${r}\n`, /"1e3"/],
    ['fraction', `o\n1.0\n${r}\n`, /"1.0"/],
    ['Arabic-Indic digits', `o\n١٢\n${r}\n`, /is not a decimal number/],
    ['2^53', `o\n9007199254740992\n${r}\n`, /larger than 9007199254740991/],
    ['huge size', `o\n${'9'.repeat(400)}\n${r}\n`, /larger than 9007199254740991/],
    ['empty root', 'o\n1\n\n', /root hash \(line 3\) is empty/],
    ['root not base64', 'o\n1\nnot base64!\n', /root hash \(line 3\) is not valid base64/],
    [
      'root of 31 bytes',
      `o\n1\n${base64Encode(root.slice(1))}\n`,
      /root hash \(line 3\) is 31 bytes; expected 32/,
    ],
    ['root of 33 bytes', `o\n1\n${base64Encode(concatBytes(root, Uint8Array.of(0)))}\n`, /33 bytes/],
    ['root without padding', `o\n1\n${r.slice(0, -1)}\n`, /length 43 is not a multiple of 4/],
    ['root non-canonical', `o\n1\n${nonCanonical(r)}\n`, /non-zero bits before the padding/],
    ['root hex', `o\n1\n${hexEncode(root)}\n`, /multiple of 4|bytes; expected 32/],
    ['URL-safe root', 'o\n1\n__________________________________________8=\n', /unexpected character '_'/],
    ['empty extension line', `o\n1\n${r}\n\n`, /extension line 4 is empty/],
    ['empty extension after one', `o\n1\n${r}\next\n\n`, /extension line 5 is empty/],
  ];
  for (const [name, text, reason] of hostile) {
    test(`parse rejects: ${name}`, () => {
      assertRejects(() => parseCheckpoint(text), 'malformed_checkpoint', reason);
    });
  }

  const badFormat: [string, Partial<Checkpoint>, RegExp][] = [
    ['empty origin', { origin: '' }, /origin is empty/],
    ['newline in origin', { origin: 'a\nb' }, /origin contains control character U\+000A/],
    ['negative size', { size: -1 }, /tree size must be an integer from 0/],
    ['fractional size', { size: 1.5 }, /tree size/],
    ['NaN size', { size: Number.NaN }, /tree size/],
    ['unsafe size', { size: 2 ** 53 }, /tree size/],
    ['short root', { rootHash: new Uint8Array(31) }, /root hash must be 32 bytes/],
    ['empty extension', { extensions: ['ok', ''] }, /extension 2 is empty/],
    ['newline in extension', { extensions: ['a\nb'] }, /extension 1 contains control character U\+000A/],
  ];
  for (const [name, change, reason] of badFormat) {
    test(`format rejects: ${name}`, () => {
      assertRejects(() => formatCheckpoint({ ...checkpoint, ...change }), 'malformed_checkpoint', reason);
    });
  }
});

describe('signCheckpoint / openCheckpoint', () => {
  test('sign then open', () => {
    const note = signCheckpoint(checkpoint, logSigner);
    const opened = openCheckpoint(note, logVerifier, ORIGIN);
    assert.deepEqual(opened.checkpoint, checkpoint);
    assert.equal(opened.note, note);
    assert.equal(opened.verified.length, 1);
    assert.equal(opened.verified[0]!.keyId, logVerifier.keyId);
    assert.deepEqual(openCheckpoint(note, logVerifier).checkpoint, checkpoint);
  });

  test('cosignatures are ignored by openCheckpoint and verifiable with openNote', () => {
    const witness = generateSignerKey('witness.example/w1');
    const note = signCheckpoint(checkpoint, logSigner, signerFromKey(witness.skey));
    assert.equal(parseNote(note).signatures.length, 2);
    const opened = openCheckpoint(note, logVerifier, ORIGIN);
    assert.equal(opened.verified.length, 1);
    assert.equal(openNote(note, [logVerifier, verifierFromKey(witness.vkey)]).verified.length, 2);
  });

  test('the expected origin must match', () => {
    const note = signCheckpoint(checkpoint, logSigner);
    assertRejects(
      () => openCheckpoint(note, logVerifier, 'example.com/other'),
      'origin_mismatch',
      /checkpoint origin "example.com\/log" is not the expected origin "example.com\/other"/,
    );
  });

  test('the log key name must be the origin, when signing and when opening', () => {
    const other: Checkpoint = { ...checkpoint, origin: 'example.com/other' };
    assertRejects(
      () => signCheckpoint(other, logSigner),
      'origin_mismatch',
      /log key name "example.com\/log" does not match the checkpoint origin "example.com\/other"/,
    );
    const note = signNote(formatCheckpoint(other), logSigner);
    assertRejects(
      () => openCheckpoint(note, logVerifier),
      'origin_mismatch',
      /checkpoint origin "example.com\/other" does not match the log key name "example.com\/log"/,
    );
  });

  test('a checkpoint signed by another key does not open', () => {
    const impostor = generateSignerKey(ORIGIN);
    const note = signCheckpoint(checkpoint, signerFromKey(impostor.skey));
    assertRejects(() => openCheckpoint(note, logVerifier), 'unverified_note', /no signature by a known key/);
    // Same name and key ID, different key: a known key whose signature fails.
    const colliding: NoteVerifier = {
      name: ORIGIN,
      keyId: verifierFromKey(impostor.vkey).keyId,
      verify: logVerifier.verify,
    };
    assertRejects(() => openCheckpoint(note, colliding), 'invalid_signature');
  });

  test('a signed note that is not a checkpoint', () => {
    const note = signNote(`${ORIGIN}\n12\n`, logSigner);
    assertRejects(() => openCheckpoint(note, logVerifier), 'malformed_checkpoint', /it needs at least 3/);
  });

  test('a malformed note', () => {
    assertRejects(() => openCheckpoint(formatCheckpoint(checkpoint), logVerifier), 'malformed_note');
  });

  test('every single-byte change of a signed checkpoint fails to open', () => {
    const note = signCheckpoint({ ...checkpoint, extensions: ['ext'] }, logSigner);
    const bytes = utf8Encode(note);
    for (let i = 0; i < bytes.length; i++) {
      const mutated = Uint8Array.from(bytes);
      mutated[i] = mutated[i]! ^ 0x01;
      assert.throws(
        () => openCheckpoint(new TextDecoder().decode(mutated), logVerifier, ORIGIN),
        (e) => isCinnabarError(e),
      );
    }
  });
});
