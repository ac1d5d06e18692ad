import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { base64Decode, base64Encode } from '../src/base64.js';
import { utf8Encode } from '../src/bytes.js';
import { type Checkpoint, parseCheckpoint, signCheckpoint } from '../src/checkpoint.js';
import { CinnabarError, type CoreErrorCode } from '../src/errors.js';
import { type HashReader, leafHash, merkleRoot, type NodeId, proveInclusion } from '../src/merkle.js';
import { generateSignerKey, parseNote, signerFromKey, signNote, verifierFromKey } from '../src/note.js';
import {
  formatTlogProof,
  inclusionProofLength,
  MAX_TLOG_PROOF_HASHES,
  parseTlogProof,
  TLOG_PROOF_HEADER,
  type TlogProof,
  verifyTlogProof,
} from '../src/tlog-proof.js';
import { throwsCode as rejects } from './support/cinnabar-error.js';

interface Vectors {
  sources: Record<string, string>;
  specExample: {
    text: string;
    index: number;
    hashes: number;
    origin: string;
    size: number;
    root: string;
    extra: string;
  };
  realMerkle: { entry: string; index: number; size: number; root: string; proof: string[] };
  marshalLayouts: { comment: string; template: string }[];
  unmarshalErrors: { name: string; text: string; code: CoreErrorCode; reason: string }[];
}

const vectors = JSON.parse(
  readFileSync(new URL('./vectors/tlog-proof.json', import.meta.url), 'utf8'),
) as Vectors;

/** An in-memory tree: every perfect subtree hash is the MTH of its leaves, computed directly. */
class MemoryTree implements HashReader {
  readonly entries: Uint8Array[];
  readonly leaves: Uint8Array[];

  constructor(size: number, tag = 'entry') {
    this.entries = Array.from({ length: size }, (_, i) => utf8Encode(`${tag} ${i}`));
    this.leaves = this.entries.map(leafHash);
  }

  async readHashes(nodes: readonly NodeId[]): Promise<Uint8Array[]> {
    return nodes.map(({ level, index }) =>
      merkleRoot(this.leaves.slice(index * 2 ** level, (index + 1) * 2 ** level)),
    );
  }

  root(): Uint8Array {
    return merkleRoot(this.leaves);
  }
}

const ORIGIN = 'example.com/log';
const logKeys = generateSignerKey(ORIGIN, new Uint8Array(32).fill(7));
const logSigner = signerFromKey(logKeys.skey);
const logVerifier = verifierFromKey(logKeys.vkey);
// Same name, other key; and a witness whose cosignature-like line must be ignored.
const otherKeys = generateSignerKey(ORIGIN, new Uint8Array(32).fill(8));
const witness = signerFromKey(generateSignerKey('witness.example', new Uint8Array(32).fill(9)).skey);

function checkpointNote(tree: MemoryTree, ...cosigners: ReturnType<typeof signerFromKey>[]): string {
  const c: Checkpoint = { origin: ORIGIN, size: tree.leaves.length, rootHash: tree.root(), extensions: [] };
  return signCheckpoint(c, logSigner, ...cosigners);
}

async function makeProof(size: number, index: number, extraData?: Uint8Array) {
  const tree = new MemoryTree(size);
  const proof = await proveInclusion(index, size, tree);
  const note = checkpointNote(tree);
  const p: TlogProof = extraData
    ? { index, proof, checkpointNote: note, extraData }
    : { index, proof, checkpointNote: note };
  return { tree, proof, note, text: formatTlogProof(p), entry: tree.entries[index]! };
}

describe('tlog-proof vectors', () => {
  test('the spec example: header, extra, index and hashes parse; its note has elided signatures', () => {
    const spec = vectors.specExample;
    // Verbatim, the example's signature lines hold "[...]": not base64, so the note is malformed.
    rejects(() => parseTlogProof(spec.text), 'malformed_note', /signature/);
    // With the elided signature lines replaced by a signature from a test key over the example's
    // checkpoint text (kept verbatim), everything before the note is the spec's own bytes.
    const split = spec.text.indexOf('\n\n') + 2;
    const head = spec.text.slice(0, split);
    const checkpointText = spec.text.slice(split, spec.text.indexOf('\n\n', split) + 1);
    const fancy = signerFromKey(generateSignerKey(spec.origin, new Uint8Array(32).fill(3)).skey);
    const parsed = parseTlogProof(head + signNote(checkpointText, fancy));
    assert.equal(parsed.index, spec.index);
    assert.equal(parsed.proof.length, spec.hashes);
    const lines = head.split('\n');
    assert.deepEqual(
      parsed.proof.map((h) => base64Encode(h)),
      lines.slice(3, 3 + spec.hashes),
    );
    assert.equal(base64Encode(parsed.extraData!), spec.extra);
    assert.equal(
      new TextDecoder().decode(parsed.extraData!.subarray(0, 30)),
      'age-v1.2.1-darwin-arm64.tar.gz',
    );
    const c = parseCheckpoint(parseNote(parsed.checkpointNote).text);
    assert.deepEqual([c.origin, c.size, base64Encode(c.rootHash)], [spec.origin, spec.size, spec.root]);
    // The example is illustrative: index 73894 in a tree of 109482 needs more than 5 hashes.
    const verifier = verifierFromKey(generateSignerKey(spec.origin, new Uint8Array(32).fill(3)).vkey);
    rejects(
      () =>
        verifyTlogProof(head + signNote(checkpointText, fancy), { leafHash: new Uint8Array(32) }, verifier),
      'inclusion_failed',
      new RegExp(
        `proof has 5 hashes; an inclusion proof of index 73894 in a tree of 109482 has ${inclusionProofLength(73894, 109482)}`,
      ),
    );
  });

  test('a real log inclusion proof (project-oak/oak) verifies inside a tlog-proof', () => {
    const v = vectors.realMerkle;
    const c: Checkpoint = { origin: ORIGIN, size: v.size, rootHash: base64Decode(v.root), extensions: [] };
    const note = signCheckpoint(c, logSigner);
    const proof = v.proof.map(base64Decode);
    const text = formatTlogProof({ index: v.index, proof, checkpointNote: note });
    assert.equal(text, `${TLOG_PROOF_HEADER}\nindex ${v.index}\n${v.proof.join('\n')}\n\n${note}`);
    const entry = utf8Encode(v.entry);
    const result = verifyTlogProof(text, { entry }, logVerifier, ORIGIN);
    assert.equal(result.index, v.index);
    assert.equal(result.checkpoint.size, v.size);
    verifyTlogProof(text, { leafHash: leafHash(entry) }, logVerifier);
    rejects(
      () => verifyTlogProof(text, { entry: utf8Encode('hello tesseroak') }, logVerifier),
      'inclusion_failed',
    );
  });

  test('the layouts of transparency-dev/formats TestMarshal', async () => {
    const { proof, note } = await makeProof(10, 5);
    const hashes = proof.map((h) => `${base64Encode(h)}\n`).join('');
    const extra = utf8Encode('extra information');
    const fill = (template: string, index: number) =>
      template
        .replace('{index}', String(index))
        .replace('{hashes}', hashes)
        .replace('{extra}', base64Encode(extra))
        .replace('{checkpoint}', note);
    const [plain, withExtra, empty] = vectors.marshalLayouts.map((l) => l.template) as [
      string,
      string,
      string,
    ];
    assert.equal(formatTlogProof({ index: 5, proof, checkpointNote: note }), fill(plain, 5));
    assert.equal(
      formatTlogProof({ index: 5, proof, checkpointNote: note, extraData: extra }),
      fill(withExtra, 5),
    );
    const one = new MemoryTree(1);
    const oneNote = checkpointNote(one);
    assert.equal(
      formatTlogProof({ index: 0, proof: [], checkpointNote: oneNote }),
      empty.replace('{checkpoint}', oneNote),
    );
  });

  for (const v of vectors.unmarshalErrors) {
    test(`transparency-dev/formats TestUnmarshalErrors: ${v.name}`, () => {
      rejects(() => parseTlogProof(v.text), v.code, new RegExp(v.reason.replace(/[()]/g, '\\$&')));
    });
  }
});

describe('tlog-proof round trips', () => {
  test('format, parse and verify every index of trees of size 1 to 33', async () => {
    for (let size = 1; size <= 33; size++) {
      const tree = new MemoryTree(size);
      const note = checkpointNote(tree);
      for (let index = 0; index < size; index++) {
        const proof = await proveInclusion(index, size, tree);
        assert.equal(proof.length, inclusionProofLength(index, size));
        const text = formatTlogProof({ index, proof, checkpointNote: note });
        assert.deepEqual(parseTlogProof(text), { index, proof, checkpointNote: note });
        assert.deepEqual(parseTlogProof(utf8Encode(text)), { index, proof, checkpointNote: note });
        const result = verifyTlogProof(text, { entry: tree.entries[index]! }, logVerifier, ORIGIN);
        assert.equal(result.index, index);
        assert.equal(result.checkpoint.size, size);
        assert.deepEqual(result.checkpoint.rootHash, tree.root());
        assert.equal(result.verified.length, 1);
        assert.equal(result.extraData, undefined);
      }
    }
  });

  test('extra data round-trips (empty too) and is returned, unauthenticated', async () => {
    for (const extra of [
      new Uint8Array(0),
      utf8Encode('age-v1.2.1-darwin-arm64.tar.gz'),
      new Uint8Array(3000).fill(0xfe),
    ]) {
      const { text, entry, proof, note } = await makeProof(7, 3, extra);
      assert.deepEqual(parseTlogProof(text), { index: 3, proof, checkpointNote: note, extraData: extra });
      assert.deepEqual(verifyTlogProof(text, { entry }, logVerifier).extraData, extra);
    }
    // Changing the extra data does not affect verification: the spec says not to trust it.
    const { text, entry } = await makeProof(7, 3, utf8Encode('one'));
    const changed = text.replace(
      `extra ${base64Encode(utf8Encode('one'))}`,
      `extra ${base64Encode(utf8Encode('two'))}`,
    );
    assert.notEqual(changed, text);
    assert.deepEqual(verifyTlogProof(changed, { entry }, logVerifier).extraData, utf8Encode('two'));
  });

  test('cosignatures by other keys on the checkpoint are ignored', async () => {
    const tree = new MemoryTree(5);
    const note = checkpointNote(tree, witness);
    const proof = await proveInclusion(2, 5, tree);
    const text = formatTlogProof({ index: 2, proof, checkpointNote: note });
    assert.equal(verifyTlogProof(text, { entry: tree.entries[2]! }, logVerifier).verified.length, 1);
  });

  test('inclusionProofLength matches proveInclusion for larger sizes', async () => {
    const tree = new MemoryTree(300);
    for (const [index, size] of [
      [0, 300],
      [299, 300],
      [255, 256],
      [256, 257],
      [100, 200],
    ] as const) {
      assert.equal((await proveInclusion(index, size, tree)).length, inclusionProofLength(index, size));
    }
  });
});

describe('tlog-proof hostile inputs', async () => {
  const { text, entry, note, proof } = await makeProof(13, 6);
  const lines = text.split('\n');
  const hashLines = lines.slice(2, 2 + proof.length);
  const head = `${TLOG_PROOF_HEADER}\nindex 6\n${hashLines.join('\n')}\n\n`;
  const withHead = (h: string) => h + note;
  const otherNote = signCheckpoint(parseCheckpoint(parseNote(note).text), signerFromKey(otherKeys.skey));
  const otherTree = new MemoryTree(13, 'other');
  const otherTreeNote = checkpointNote(otherTree);

  const parseCases: [string, string | Uint8Array, CoreErrorCode, RegExp][] = [
    ['empty input', '', 'malformed_proof', /proof ends before the header line/],
    [
      'missing header',
      text.slice(TLOG_PROOF_HEADER.length + 1),
      'malformed_proof',
      /line 1 must be the header/,
    ],
    [
      'wrong version',
      text.replace('@v1', '@v2'),
      'malformed_proof',
      /unsupported version "c2sp.org\/tlog-proof@v2"/,
    ],
    ['header without version', text.replace('@v1', ''), 'malformed_proof', /line 1 must be the header/],
    ['CRLF line endings', text.replace(/\n/g, '\r\n'), 'malformed_proof', /carriage return: CRLF/],
    [
      'header only',
      `${TLOG_PROOF_HEADER}\n`,
      'malformed_proof',
      /proof ends before the index line \(line 2\)/,
    ],
    [
      'header without newline',
      TLOG_PROOF_HEADER,
      'malformed_proof',
      /line 1 \(the header line\) does not end with a newline/,
    ],
    [
      'index line missing',
      withHead(head.replace('index 6\n', '')),
      'malformed_proof',
      /line 2 must be "index "/,
    ],
    [
      '"index" without space',
      withHead(head.replace('index 6', 'index6')),
      'malformed_proof',
      /line 2 must be "index "/,
    ],
    [
      'two spaces after index',
      withHead(head.replace('index 6', 'index  6')),
      'malformed_proof',
      /" 6" is not a decimal/,
    ],
    [
      'non-decimal index',
      withHead(head.replace('index 6', 'index 0x6')),
      'malformed_proof',
      /"0x6" is not a decimal number/,
    ],
    [
      'negative index',
      withHead(head.replace('index 6', 'index -6')),
      'malformed_proof',
      /"-6" is not a decimal number/,
    ],
    [
      'index with a plus sign',
      withHead(head.replace('index 6', 'index +6')),
      'malformed_proof',
      /not a decimal/,
    ],
    [
      'index with a trailing space',
      withHead(head.replace('index 6', 'index 6 ')),
      'malformed_proof',
      /not a decimal/,
    ],
    [
      'index with leading zeros',
      withHead(head.replace('index 6', 'index 006')),
      'malformed_proof',
      /"006" has leading zeros/,
    ],
    ['index 00', withHead(head.replace('index 6', 'index 00')), 'malformed_proof', /"00" has leading zeros/],
    [
      'empty index',
      withHead(head.replace('index 6', 'index ')),
      'malformed_proof',
      /"" is not a decimal number/,
    ],
    [
      'index above 2^53 - 1',
      withHead(head.replace('index 6', 'index 9007199254740992')),
      'malformed_proof',
      /larger than 9007199254740991/,
    ],
    [
      'extra after index',
      withHead(head.replace('index 6\n', 'index 6\nextra AA==\n')),
      'malformed_proof',
      /proof hash on line 3 is not valid base64/,
    ],
    [
      'two extra lines',
      withHead(head.replace('index 6', 'extra AA==\nextra AA==\nindex 6')),
      'malformed_proof',
      /second "extra" line/,
    ],
    [
      '"extra" with no space',
      withHead(head.replace('index 6', 'extra\nindex 6')),
      'malformed_proof',
      /line 2 must be "extra " followed by base64/,
    ],
    [
      'extra not base64',
      withHead(head.replace('index 6', 'extra !!\nindex 6')),
      'malformed_proof',
      /extra data on line 2 is not valid base64/,
    ],
    [
      'extra without padding',
      withHead(head.replace('index 6', 'extra AA\nindex 6')),
      'malformed_proof',
      /extra data on line 2 is not valid base64/,
    ],
    [
      'extra too large',
      withHead(head.replace('index 6', `extra ${'A'.repeat(70000)}\nindex 6`)),
      'malformed_proof',
      /extra data on line 2 is longer than 49152 bytes/,
    ],
    [
      'bad base64 hash',
      withHead(head.replace(hashLines[0]!, `${hashLines[0]!.slice(0, -2)}*=`)),
      'malformed_proof',
      /proof hash on line 3 is not valid base64 \(.*'\*'/,
    ],
    [
      'URL-safe base64 hash',
      withHead(
        head.replace(hashLines[0]!, hashLines[0]!.replace(/\+/g, '-').replace(/\//g, '_').replace(/^./, '-')),
      ),
      'malformed_proof',
      /proof hash on line 3 is not valid base64/,
    ],
    [
      'hash with non-zero trailing bits',
      withHead(
        head.replace(hashLines[1]!, `${hashLines[1]!.slice(0, 42)}${hashLines[1]![42] === 'B' ? 'C' : 'B'}=`),
      ),
      'malformed_proof',
      /proof hash on line 4 is not valid base64/,
    ],
    [
      'hash with whitespace',
      withHead(head.replace(hashLines[0]!, ` ${hashLines[0]}`)),
      'malformed_proof',
      /proof hash on line 3 is not valid base64/,
    ],
    [
      'short hash',
      withHead(head.replace(hashLines[0]!, base64Encode(new Uint8Array(31)))),
      'malformed_proof',
      /proof hash on line 3 is 31 bytes; expected 32/,
    ],
    [
      '64-byte hash',
      withHead(head.replace(hashLines[0]!, base64Encode(new Uint8Array(64)))),
      'malformed_proof',
      /is 64 bytes; expected 32/,
    ],
    [
      'Go bufio limit line (65 KiB of "a")',
      withHead(head.replace(hashLines[0]!, 'a'.repeat(65 * 1024))),
      'malformed_proof',
      /proof hash on line 3 is 49920 bytes/,
    ],
    [
      'too many proof lines',
      withHead(`${TLOG_PROOF_HEADER}\nindex 6\n${`${hashLines[0]}\n`.repeat(MAX_TLOG_PROOF_HASHES + 1)}\n`),
      'malformed_proof',
      /more than 63 proof hash lines \(line 66\)/,
    ],
    [
      'missing blank line',
      text.replace(`${hashLines.at(-1)}\n\n`, `${hashLines.at(-1)}\n`),
      'malformed_proof',
      /proof hash on line 7 is not valid base64 \(.*'\.'/,
    ],
    [
      'no blank line at all',
      head.slice(0, -1),
      'malformed_proof',
      /missing the empty line between the proof hashes and the checkpoint/,
    ],
    [
      'nothing after the blank line',
      head,
      'malformed_proof',
      /proof ends after the empty line \(line 7\): no checkpoint/,
    ],
    ['two blank lines', withHead(`${head}\n`), 'malformed_checkpoint', /origin \(line 1\) is empty/],
    [
      'truncated checkpoint (no signatures)',
      head + parseNote(note).text,
      'malformed_note',
      /no blank line between the text and the signatures/,
    ],
    ['truncated checkpoint (cut mid-signature)', text.slice(0, -20), 'malformed_note', /signature/],
    [
      'truncated checkpoint (no final newline)',
      text.slice(0, -1),
      'malformed_note',
      /does not end with a newline/,
    ],
    [
      'checkpoint with a bad tree size',
      withHead(head).replace('\n13\n', '\n013\n'),
      'malformed_checkpoint',
      /leading zeros/,
    ],
    [
      'invalid UTF-8 bytes',
      Uint8Array.of(...utf8Encode(text).subarray(0, 5), 0xff, ...utf8Encode(text).subarray(6)),
      'malformed_proof',
      /not valid UTF-8/,
    ],
    ['not text', 42 as unknown as string, 'malformed_proof', /must be a string or a Uint8Array/],
    ['too large', 'x'.repeat((1 << 20) + 128 * 1024 + 1), 'malformed_proof', /bytes; the most is/],
  ];
  for (const [name, input, code, reason] of parseCases) {
    test(`parse rejects: ${name}`, () => {
      rejects(() => parseTlogProof(input), code, reason);
      rejects(() => verifyTlogProof(input, { entry }, logVerifier), code, reason);
    });
  }

  const verifyCases: [string, string, Uint8Array, CoreErrorCode, RegExp][] = [
    [
      'checkpoint signed by another key with the same name',
      withHead(head).replace(note, otherNote),
      entry,
      'unverified_note',
      /no signature by a known key/,
    ],
    [
      'checkpoint with a corrupted log signature',
      text.replace(
        / (\S{10})(\S+)\n$/,
        (_m, a: string, b: string) => ` ${a}${b.startsWith('A') ? 'B' : 'A'}${b.slice(1)}\n`,
      ),
      entry,
      'invalid_signature',
      /does not verify/,
    ],
    [
      'checkpoint text altered under its signature',
      text.replace('\n13\n', '\n14\n'),
      entry,
      'invalid_signature',
      /does not verify/,
    ],
    [
      'proof for another entry',
      text,
      otherTree.entries[6]!,
      'inclusion_failed',
      /does not lead from the leaf hash at index 6/,
    ],
    [
      'proof for another index',
      withHead(head.replace('index 6', 'index 7')),
      entry,
      'inclusion_failed',
      /does not lead from the leaf hash at index 7/,
    ],
    [
      'proof for another index, other proof length',
      withHead(head.replace('index 6', 'index 12')),
      entry,
      'inclusion_failed',
      /proof has 4 hashes; an inclusion proof of index 12 in a tree of 13 has 2/,
    ],
    [
      'index beyond the tree',
      withHead(head.replace('index 6', 'index 13')),
      entry,
      'inclusion_failed',
      /index 13 is not below the checkpoint's tree size 13/,
    ],
    [
      'a proof hash dropped',
      withHead(head.replace(`${hashLines[1]}\n`, '')),
      entry,
      'inclusion_failed',
      /proof has 3 hashes; an inclusion proof of index 6 in a tree of 13 has 4/,
    ],
    [
      'a proof hash added',
      withHead(head.replace(`${hashLines[1]}\n`, `${hashLines[1]}\n${hashLines[1]}\n`)),
      entry,
      'inclusion_failed',
      /proof has 5 hashes/,
    ],
    [
      'two proof hashes swapped',
      withHead(head.replace(`${hashLines[0]}\n${hashLines[1]}`, `${hashLines[1]}\n${hashLines[0]}`)),
      entry,
      'inclusion_failed',
      /does not lead/,
    ],
    [
      'checkpoint of another tree',
      withHead(head).replace(note, otherTreeNote),
      entry,
      'inclusion_failed',
      /does not lead/,
    ],
  ];
  for (const [name, input, e, code, reason] of verifyCases) {
    test(`verify rejects: ${name}`, () => {
      assert.doesNotThrow(() => code === 'inclusion_failed' && parseTlogProof(input));
      rejects(() => verifyTlogProof(input, { entry: e }, logVerifier), code, reason);
    });
  }

  test('verify rejects: checkpoint of another log (origin)', async () => {
    rejects(
      () => verifyTlogProof(text, { entry }, logVerifier, 'example.com/other'),
      'origin_mismatch',
      /is not the expected origin/,
    );
    const otherOrigin = signerFromKey(
      generateSignerKey('example.com/other', new Uint8Array(32).fill(5)).skey,
    );
    const c = parseCheckpoint(parseNote(note).text);
    const foreign = signCheckpoint({ ...c, origin: 'example.com/other' }, otherOrigin);
    rejects(
      () => verifyTlogProof(withHead(head).replace(note, foreign), { entry }, logVerifier),
      'unverified_note',
    );
  });

  test('verify rejects a malformed leaf argument', () => {
    assert.throws(() => verifyTlogProof(text, { leafHash: new Uint8Array(31) }, logVerifier), TypeError);
    assert.throws(() => verifyTlogProof(text, {} as { entry: Uint8Array }, logVerifier), TypeError);
  });

  test('format rejects what could never verify', () => {
    rejects(
      () => formatTlogProof({ index: -1, proof, checkpointNote: note }),
      'malformed_proof',
      /index must be an integer/,
    );
    rejects(
      () => formatTlogProof({ index: 1.5, proof, checkpointNote: note }),
      'malformed_proof',
      /index must be an integer/,
    );
    rejects(
      () => formatTlogProof({ index: 13, proof, checkpointNote: note }),
      'malformed_proof',
      /index 13 is not below/,
    );
    rejects(
      () => formatTlogProof({ index: 6, proof: proof.slice(1), checkpointNote: note }),
      'malformed_proof',
      /proof has 3 hashes/,
    );
    rejects(
      () =>
        formatTlogProof({ index: 6, proof: [...proof.slice(1), new Uint8Array(31)], checkpointNote: note }),
      'malformed_proof',
      /proof hash 4 must be 32 bytes/,
    );
    rejects(
      () => formatTlogProof({ index: 6, proof: new Array(64).fill(proof[0]), checkpointNote: note }),
      'malformed_proof',
      /64 hashes; the most is 63/,
    );
    rejects(
      () => formatTlogProof({ index: 6, proof, checkpointNote: parseNote(note).text }),
      'malformed_note',
    );
    rejects(
      () => formatTlogProof({ index: 6, proof, checkpointNote: note, extraData: new Uint8Array(49153) }),
      'malformed_proof',
      /extra data is 49153 bytes/,
    );
  });

  test('any changed byte of a proof without extra data makes it fail (property)', () => {
    const bytes = utf8Encode(text);
    fc.assert(
      fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (i, mask) => {
        const changed = bytes.slice();
        changed[i]! ^= mask;
        let caught: unknown;
        try {
          verifyTlogProof(changed, { entry }, logVerifier, ORIGIN);
        } catch (error) {
          caught = error;
        }
        assert.ok(caught instanceof CinnabarError, `byte ${i} ^ ${mask} still verified`);
      }),
      { numRuns: 400 },
    );
  });
});
