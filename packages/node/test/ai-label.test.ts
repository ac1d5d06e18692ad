// GB 45438-2025 implicit AI labels: detection in PNG / JPEG / glTF / GLB metadata (text chunks,
// XMP in the TC260 namespace, C2PA manifests, glTF extras), comparison with the declared label,
// and the label written into downloads. The vectors are built byte by byte from the formats
// (PNG §5.3 chunks, JPEG markers, JUMBF boxes, CBOR), CRCs computed with node:zlib (an
// implementation independent of the one under test).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { deflateSync, crc32 as zlibCrc32 } from 'node:zlib';
import {
  cidFromBytes,
  didFromSeed,
  encodeTransaction,
  signTransaction,
  signUploadAuthorization,
  type TransactionType,
  type TxAccepted,
} from '@cinnabar/core';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { type RunningNode, startNode } from '../src/index.js';
import {
  type AiLabel,
  aiLabelView,
  compareAiLabel,
  detectAiLabel,
  FOUND_NOT_DECLARED_MARK,
  type FoundAiLabel,
  labelForDownload,
} from '../src/media/ai-label.js';
import { decodeCbor } from '../src/media/cbor.js';
import { inspectMedia } from '../src/media/inspect.js';
import { crc32, walkPngChunks } from '../src/media/png-chunks.js';
import { squareGlb } from './support/glb.js';

// ---------------------------------------------------------------------------------------------
// Byte builders

const utf8 = (text: string) => new TextEncoder().encode(text);
const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function u32be(n: number): Uint8Array {
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** A PNG chunk (§5.3): length, type, data, CRC-32 over type and data (zlib's CRC). */
function pngChunk(type: string, data: Uint8Array, badCrc = false): Uint8Array {
  const typeAndData = cat(latin1(type), data);
  const crc = (zlibCrc32(typeAndData) ^ (badCrc ? 1 : 0)) >>> 0;
  return cat(u32be(data.byteLength), typeAndData, u32be(crc));
}

/** A small real PNG (pngjs), `seed` varying its pixels. */
function basePng(seed = 1, size = 8): Uint8Array {
  const png = new PNG({ width: size, height: size });
  for (let p = 0; p < png.data.length; p += 4)
    png.data.set([(p * seed) % 251, (p * 7 + seed * 31) % 253, 90, 255], p);
  return new Uint8Array(PNG.sync.write(png));
}

/** `png` with `chunks` inserted just before IEND (the last 12 bytes pngjs writes). */
function withChunks(png: Uint8Array, ...chunks: Uint8Array[]): Uint8Array {
  return cat(png.subarray(0, png.byteLength - 12), ...chunks, png.subarray(png.byteLength - 12));
}

const tEXt = (keyword: string, text: string) =>
  pngChunk('tEXt', cat(latin1(keyword), Uint8Array.of(0), latin1(text)));
const zTXt = (keyword: string, text: string) =>
  pngChunk('zTXt', cat(latin1(keyword), Uint8Array.of(0, 0), new Uint8Array(deflateSync(latin1(text)))));
const iTXt = (keyword: string, text: string) =>
  pngChunk('iTXt', cat(latin1(keyword), Uint8Array.of(0, 0, 0, 0, 0), utf8(text)));

/** A JPEG (jpeg-js) with `segments` (marker, payload) inserted after SOI. */
function jpegWith(...segments: [number, Uint8Array][]): Uint8Array {
  const width = 8;
  const height = 8;
  const data = new Uint8Array(width * height * 4).map((_, i) => (i * 13) % 256);
  const encoded = new Uint8Array(jpeg.encode({ data, width, height }, 90).data);
  const segmentBytes = segments.map(([marker, payload]) =>
    cat(Uint8Array.of(0xff, marker, (payload.byteLength + 2) >> 8, (payload.byteLength + 2) & 0xff), payload),
  );
  return cat(encoded.subarray(0, 2), ...segmentBytes, encoded.subarray(2));
}

/** CBOR (RFC 8949), definite lengths: text, byte strings, unsigned integers, arrays, maps. */
function cbor(value: unknown): Uint8Array {
  const head = (major: number, n: number): Uint8Array => {
    if (n < 24) return Uint8Array.of((major << 5) | n);
    if (n < 0x100) return Uint8Array.of((major << 5) | 24, n);
    if (n < 0x10000) return Uint8Array.of((major << 5) | 25, n >> 8, n & 0xff);
    return cat(Uint8Array.of((major << 5) | 26), u32be(n));
  };
  if (typeof value === 'number') return head(0, value);
  if (typeof value === 'string') return cat(head(3, utf8(value).byteLength), utf8(value));
  if (value instanceof Uint8Array) return cat(head(2, value.byteLength), value);
  if (Array.isArray(value)) return cat(head(4, value.length), ...value.map(cbor));
  const entries = Object.entries(value as Record<string, unknown>);
  return cat(head(5, entries.length), ...entries.flatMap(([k, v]) => [cbor(k), cbor(v)]));
}

/** An ISO BMFF box: size, type, payload. */
const box = (type: string, payload: Uint8Array) => cat(u32be(8 + payload.byteLength), latin1(type), payload);
const hex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
/** A JUMBF superbox (ISO/IEC 19566-5): jumd (UUID, toggles 0x03 = requestable + label, label), then content. */
const jumb = (uuid: string, label: string, ...content: Uint8Array[]) =>
  box(
    'jumb',
    cat(box('jumd', cat(hex(uuid), Uint8Array.of(0x03), utf8(label), Uint8Array.of(0))), ...content),
  );

// C2PA 2.x §11.1 JUMBF type UUIDs.
const C2PA_STORE = '6332706100110010800000aa00389b71';
const C2PA_MANIFEST = '63326d6100110010800000aa00389b71';
const C2PA_ASSERTIONS = '6332617300110010800000aa00389b71';
const JUMBF_CBOR = '63626f7200110010800000aa00389b71';
const TRAINED = 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia';
const COMPOSITE = 'http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia';
const CAPTURE = 'http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture';

/** A C2PA manifest store whose (last, active) manifest has an actions assertion with `actions`. */
function manifestStore(
  actions: unknown[],
  label = 'c2pa.actions.v2',
  assertionContent?: Uint8Array,
): Uint8Array {
  const assertion = jumb(JUMBF_CBOR, label, box('cbor', assertionContent ?? cbor({ actions })));
  const ingredient = jumb(
    C2PA_MANIFEST,
    'urn:uuid:00000000-0000-4000-8000-000000000001',
    jumb(
      C2PA_ASSERTIONS,
      'c2pa.assertions',
      jumb(
        JUMBF_CBOR,
        'c2pa.actions',
        box('cbor', cbor({ actions: [{ action: 'c2pa.created', digitalSourceType: CAPTURE }] })),
      ),
    ),
  );
  const active = jumb(
    C2PA_MANIFEST,
    'urn:uuid:00000000-0000-4000-8000-000000000002',
    jumb(
      C2PA_ASSERTIONS,
      'c2pa.assertions',
      jumb(JUMBF_CBOR, 'c2pa.hash.data', box('cbor', cbor({ alg: 'sha256' }))),
      assertion,
    ),
  );
  return jumb(C2PA_STORE, 'c2pa', ingredient, active);
}

/** JPEG XT APP11 segments carrying one JUMBF box, split after `split` bytes of it. */
function app11Segments(jumbf: Uint8Array, split: number): [number, Uint8Array][] {
  const ci = (sequence: number) => cat(latin1('JP'), Uint8Array.of(0, 1), u32be(sequence));
  return [
    [0xeb, cat(ci(1), jumbf.subarray(0, split))],
    [0xeb, cat(ci(2), jumbf.subarray(0, 8), jumbf.subarray(split))],
  ];
}

const XMP_HEADER = latin1('http://ns.adobe.com/xap/1.0/\0');

// The TC260 XMP form as AI image services write it (the element form with the JSON entity-encoded;
// shape as published in public detector tests, e.g. "豆包实测格式" Doubao samples), and the attribute
// form (PicWish, per remove-ai-watermarks' notes).
const XMP_ELEMENT = (json: string) =>
  '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">' +
  '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
  '<rdf:Description rdf:about="" xmlns:TC260="http://www.tc260.org.cn/ns/AIGC/1.0/">' +
  `<TC260:AIGC>${json.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;')}</TC260:AIGC>` +
  '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>';
const XMP_ATTRIBUTE = (json: string) =>
  '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
  `<rdf:Description rdf:about="" xmlns:aigc="http://www.tc260.org.cn/ns/AIGC/1.0" aigc:AIGC="${json.replaceAll('&', '&amp;').replaceAll('"', '&quot;')}"/>` +
  '</rdf:RDF></x:xmpmeta>';

const LABEL: AiLabel = {
  Label: '1',
  ContentProducer: '001191110102MACQD9K64010000',
  ProduceID: 'f123b54e',
  ReservedCode1: '',
  ContentPropagator: '',
  PropagateID: '',
  ReservedCode2: '',
};
const LABEL_JSON = JSON.stringify(LABEL);

const only = (found: FoundAiLabel[]) => {
  assert.equal(found.length, 1, JSON.stringify(found));
  return found[0] as FoundAiLabel;
};

/** Every chunk of a PNG has a valid CRC, the walk reaches IEND, and pngjs decodes it. */
function assertValidPng(bytes: Uint8Array): void {
  const all = new Set(walkPngChunks(bytes).chunks.map((c) => c.type));
  const walk = walkPngChunks(bytes, all);
  assert.deepEqual(walk.issues, []);
  assert.ok(walk.iendOffset !== undefined && walk.iendOffset + 12 === bytes.byteLength);
  for (const c of walk.chunks) assert.equal(c.crcOk, true, `${c.type} CRC`);
  PNG.sync.read(Buffer.from(bytes));
}

async function validateGlb(bytes: Uint8Array): Promise<{ numErrors: number }> {
  const validator = createRequire(import.meta.url)('gltf-validator') as {
    validateBytes(data: Uint8Array, options: object): Promise<{ issues: { numErrors: number } }>;
  };
  return (await validator.validateBytes(bytes, { format: 'glb', writeTimestamp: false })).issues;
}

// ---------------------------------------------------------------------------------------------

describe('PNG (ISO/IEC 15948 §11.3.3 text chunks, C2PA caBX)', () => {
  test('CRC-32 agrees with zlib on the chunk type and data', () => {
    for (const bytes of [
      utf8(''),
      utf8('IEND'),
      utf8(`tEXtAIGC\0${LABEL_JSON}`),
      new Uint8Array(1000).fill(0xa5),
    ])
      assert.equal(crc32(bytes), zlibCrc32(bytes));
  });

  test('tEXt "AIGC" with the Annex E JSON', () => {
    const result = detectAiLabel(withChunks(basePng(), tEXt('AIGC', LABEL_JSON)), 'image/png');
    assert.equal(result.checked, true);
    assert.deepEqual(result.issues, []);
    const f = only(result.found);
    assert.equal(f.source, 'png-text');
    assert.equal(f.location, 'PNG tEXt "AIGC"');
    assert.deepEqual(f.fields, LABEL);
  });

  test('zTXt and iTXt "AIGC", and the {"AIGC": {...}} wrapping', () => {
    const z = detectAiLabel(withChunks(basePng(), zTXt('AIGC', LABEL_JSON)), 'image/png');
    assert.deepEqual(only(z.found).fields, LABEL);
    const producer = { ...LABEL, ContentProducer: '某公司 备案号 123' };
    const i = detectAiLabel(
      withChunks(basePng(), iTXt('AIGC', JSON.stringify({ AIGC: producer }))),
      'image/png',
    );
    assert.equal(only(i.found).location, 'PNG iTXt "AIGC"');
    assert.deepEqual(only(i.found).fields, producer);
  });

  test('XMP in iTXt "XML:com.adobe.xmp": TC260:AIGC as an element and as an attribute', () => {
    for (const xmp of [XMP_ELEMENT(LABEL_JSON), XMP_ATTRIBUTE(LABEL_JSON)]) {
      const result = detectAiLabel(withChunks(basePng(), iTXt('XML:com.adobe.xmp', xmp)), 'image/png');
      const f = only(result.found);
      assert.equal(f.source, 'xmp');
      assert.match(f.location, /^PNG iTXt XMP TC260:AIGC$/);
      assert.deepEqual(f.fields, LABEL);
    }
    // Another namespace under the TC260 prefix is not the label.
    const wrongNs = XMP_ELEMENT(LABEL_JSON).replace('www.tc260.org.cn', 'example.com');
    assert.deepEqual(
      detectAiLabel(withChunks(basePng(), iTXt('XML:com.adobe.xmp', wrongNs)), 'image/png').found,
      [],
    );
  });

  test('caBX: a C2PA manifest store whose active manifest says trainedAlgorithmicMedia', () => {
    const store = manifestStore([
      { action: 'c2pa.created', digitalSourceType: TRAINED, softwareAgent: { name: 'gen' } },
    ]);
    const result = detectAiLabel(withChunks(basePng(), pngChunk('caBX', store)), 'image/png');
    assert.deepEqual(result.issues, []);
    const f = only(result.found);
    assert.equal(f.source, 'c2pa');
    assert.equal(f.digitalSourceType, TRAINED);
    assert.deepEqual(f.fields, { Label: '1' });
    assert.equal(f.location, 'PNG caBX c2pa.actions.v2 c2pa.created');
  });

  test('caBX: a digital capture (or an AI ingredient of an older manifest only) is not an AI label', () => {
    const capture = manifestStore([{ action: 'c2pa.created', digitalSourceType: CAPTURE }]);
    assert.deepEqual(detectAiLabel(withChunks(basePng(), pngChunk('caBX', capture)), 'image/png').found, []);
    const composite = manifestStore(
      [{ action: 'c2pa.placed' }, { action: 'c2pa.edited', digitalSourceType: COMPOSITE }],
      'c2pa.actions__1',
    );
    assert.equal(
      only(detectAiLabel(withChunks(basePng(), pngChunk('caBX', composite)), 'image/png').found)
        .digitalSourceType,
      COMPOSITE,
    );
  });

  test('several labels in one file are all reported', () => {
    const png = withChunks(
      basePng(),
      tEXt('AIGC', LABEL_JSON),
      iTXt('XML:com.adobe.xmp', XMP_ELEMENT(LABEL_JSON)),
      pngChunk('caBX', manifestStore([{ action: 'c2pa.created', digitalSourceType: TRAINED }])),
    );
    assert.deepEqual(
      detectAiLabel(png, 'image/png').found.map((f) => f.source),
      ['png-text', 'xmp', 'c2pa'],
    );
  });

  test('a text chunk with a bad CRC is skipped, with an issue', () => {
    const result = detectAiLabel(
      withChunks(basePng(), pngChunk('tEXt', cat(latin1('AIGC\0'), latin1(LABEL_JSON)), true)),
      'image/png',
    );
    assert.deepEqual(result.found, []);
    assert.deepEqual(
      result.issues.map((i) => i.code),
      ['PNG_BAD_CRC'],
    );
  });

  test('an invalid Label value is left out and reported', () => {
    const result = detectAiLabel(
      withChunks(basePng(), tEXt('AIGC', JSON.stringify({ ...LABEL, Label: 'AIGC' }))),
      'image/png',
    );
    assert.equal(only(result.found).fields.Label, undefined);
    assert.equal(only(result.found).fields.ProduceID, 'f123b54e');
    assert.deepEqual(
      result.issues.map((i) => i.code),
      ['AI_LABEL_FIELD_INVALID'],
    );
  });
});

describe('JPEG (XMP in APP1, C2PA in APP11)', () => {
  test('XMP APP1 with TC260:AIGC', () => {
    const result = detectAiLabel(
      jpegWith([0xe1, cat(XMP_HEADER, utf8(XMP_ELEMENT(LABEL_JSON)))]),
      'image/jpeg',
    );
    const f = only(result.found);
    assert.equal(f.location, 'JPEG APP1 XMP TC260:AIGC');
    assert.deepEqual(f.fields, LABEL);
  });

  test('XMP APP1 with Iptc4xmpExt:DigitalSourceType (rdf:resource form)', () => {
    const xmp =
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
      '<rdf:Description xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/">' +
      `<Iptc4xmpExt:DigitalSourceType rdf:resource="${TRAINED}"/></rdf:Description></rdf:RDF></x:xmpmeta>`;
    const f = only(detectAiLabel(jpegWith([0xe1, cat(XMP_HEADER, utf8(xmp))]), 'image/jpeg').found);
    assert.equal(f.source, 'xmp');
    assert.equal(f.digitalSourceType, TRAINED);
  });

  test('C2PA in two APP11 segments (JPEG XT box format), reassembled', () => {
    const store = manifestStore([{ action: 'c2pa.created', digitalSourceType: TRAINED }]);
    const bytes = jpegWith(...app11Segments(store, 100));
    const result = detectAiLabel(bytes, 'image/jpeg');
    assert.deepEqual(result.issues, []);
    assert.equal(only(result.found).source, 'c2pa');
    // A missing second segment: not found, and said so.
    const broken = detectAiLabel(
      jpegWith(app11Segments(store, 100)[0] as [number, Uint8Array]),
      'image/jpeg',
    );
    assert.deepEqual(broken.found, []);
    assert.ok(broken.issues.some((i) => i.code === 'C2PA_MALFORMED'));
  });
});

describe('glTF and GLB extras', () => {
  test('glTF JSON: asset.extras.AIGC (object) and extras.AIGC (JSON string)', () => {
    const a = detectAiLabel(
      utf8(JSON.stringify({ asset: { version: '2.0', extras: { AIGC: LABEL } } })),
      'model/gltf+json',
    );
    assert.equal(only(a.found).location, 'asset.extras.AIGC');
    assert.deepEqual(only(a.found).fields, LABEL);
    const b = detectAiLabel(
      utf8(JSON.stringify({ asset: { version: '2.0' }, extras: { AIGC: LABEL_JSON } })),
      'model/gltf+json',
    );
    assert.equal(only(b.found).location, 'extras.AIGC');
    assert.equal(only(b.found).source, 'gltf-extras');
  });

  test('GLB built by hand: JSON chunk with extras, then a BIN chunk', () => {
    const json = utf8(
      JSON.stringify({ asset: { version: '2.0', extras: { AIGC: LABEL } }, buffers: [{ byteLength: 4 }] }),
    );
    const jsonPadded = cat(json, new Uint8Array((4 - (json.byteLength % 4)) % 4).fill(0x20));
    const le = (n: number) => Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
    const bin = Uint8Array.of(1, 2, 3, 4);
    const body = cat(le(jsonPadded.byteLength), latin1('JSON'), jsonPadded, le(4), latin1('BIN\0'), bin);
    const glb = cat(latin1('glTF'), le(2), le(12 + body.byteLength), body);
    assert.deepEqual(only(detectAiLabel(glb, 'model/gltf-binary').found).fields, LABEL);
    // The header's length one byte off: not read, with an issue.
    const wrong = glb.slice();
    wrong[8] = (wrong[8] as number) + 1;
    const result = detectAiLabel(wrong, 'model/gltf-binary');
    assert.deepEqual(result.found, []);
    assert.deepEqual(
      result.issues.map((i) => i.code),
      ['GLB_LENGTH'],
    );
  });
});

describe('hostile input never throws: "not found" plus an issue', () => {
  const hugeLength = cat(basePng().subarray(0, 33), u32be(0x7ffffff0), latin1('tEXt'), latin1('AIGC\0'));
  const deepCbor = cat(new Uint8Array(5000).fill(0x81), Uint8Array.of(0x00)); // [[[[...0]]]]
  const lyingCbor = Uint8Array.of(
    0xa1,
    0x67,
    ...latin1('actions'),
    0x9b,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
  );
  const cases: [string, Uint8Array, string, string][] = [
    ['a truncated text chunk', basePng().subarray(0, 40), 'image/png', 'PNG_TRUNCATED'],
    ['a chunk claiming 2 GiB', hugeLength, 'image/png', 'PNG_TRUNCATED'],
    [
      'a zTXt bomb',
      withChunks(basePng(), zTXt('AIGC', ' '.repeat(4 * 1024 * 1024))),
      'image/png',
      'PNG_TEXT_MALFORMED',
    ],
    [
      'an XMP DOCTYPE with entities',
      withChunks(
        basePng(),
        iTXt(
          'XML:com.adobe.xmp',
          `<!DOCTYPE x [<!ENTITY a "${'a'.repeat(100)}">]>${XMP_ELEMENT(LABEL_JSON)}`,
        ),
      ),
      'image/png',
      'XMP_DOCTYPE',
    ],
    [
      'XMP nested 10000 deep',
      withChunks(basePng(), iTXt('XML:com.adobe.xmp', '<a>'.repeat(10_000))),
      'image/png',
      'XMP_TOO_DEEP',
    ],
    [
      'CBOR nested 5000 deep',
      withChunks(basePng(), pngChunk('caBX', manifestStore([], 'c2pa.actions', deepCbor))),
      'image/png',
      'C2PA_ASSERTION_MALFORMED',
    ],
    [
      'CBOR claiming a 2^64 array',
      withChunks(basePng(), pngChunk('caBX', manifestStore([], 'c2pa.actions', lyingCbor))),
      'image/png',
      'C2PA_ASSERTION_MALFORMED',
    ],
    [
      'a JUMBF box shorter than its header',
      withChunks(basePng(), pngChunk('caBX', cat(u32be(4), latin1('jumb')))),
      'image/png',
      'C2PA_MALFORMED',
    ],
    [
      'a JUMBF box longer than the chunk',
      withChunks(basePng(), pngChunk('caBX', cat(u32be(1e6), latin1('jumb'), new Uint8Array(8)))),
      'image/png',
      'C2PA_MALFORMED',
    ],
    [
      'a superbox without its description',
      withChunks(basePng(), pngChunk('caBX', box('jumb', box('cbor', cbor({}))))),
      'image/png',
      'C2PA_MALFORMED',
    ],
    [
      'a JPEG segment past the end',
      cat(Uint8Array.of(0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff), XMP_HEADER),
      'image/jpeg',
      'JPEG_TRUNCATED',
    ],
    [
      'a GLB JSON chunk past the end',
      cat(
        latin1('glTF'),
        Uint8Array.of(2, 0, 0, 0, 24, 0, 0, 0, 0xf0, 0, 0, 0),
        latin1('JSON'),
        utf8('{}  '),
      ),
      'model/gltf-binary',
      'GLB_TRUNCATED',
    ],
    [
      'glTF extras.AIGC not JSON',
      utf8('{"asset":{"version":"2.0","extras":{"AIGC":"{nope"}}}'),
      'model/gltf+json',
      'AI_LABEL_MALFORMED',
    ],
  ];
  for (const [name, bytes, mediaType, code] of cases) {
    test(name, () => {
      const result = detectAiLabel(bytes, mediaType);
      assert.deepEqual(result.found, []);
      assert.ok(
        result.issues.some((i) => i.code === code),
        JSON.stringify(result.issues),
      );
    });
  }

  test('the CBOR reader bounds depth and refuses lengths the input cannot hold', () => {
    assert.throws(() => decodeCbor(deepCbor), /deeper than 32/);
    assert.throws(() => decodeCbor(Uint8Array.of(0x5a, 0xff, 0xff, 0xff, 0xff)), /more than the input holds/);
    assert.deepEqual(
      decodeCbor(cbor({ actions: [{ a: 1 }] })),
      new Map([['actions', [new Map([['a', 1]])]]]),
    );
  });

  test('every single-byte change and every truncation of the vectors: no throw (fast-check)', () => {
    const vectors: [Uint8Array, string][] = [
      [
        withChunks(
          basePng(),
          tEXt('AIGC', LABEL_JSON),
          zTXt('AIGC', LABEL_JSON),
          iTXt('XML:com.adobe.xmp', XMP_ELEMENT(LABEL_JSON)),
        ),
        'image/png',
      ],
      [
        withChunks(
          basePng(),
          pngChunk('caBX', manifestStore([{ action: 'c2pa.created', digitalSourceType: TRAINED }])),
        ),
        'image/png',
      ],
      [
        jpegWith(...app11Segments(manifestStore([{ digitalSourceType: TRAINED }]), 60), [
          0xe1,
          cat(XMP_HEADER, utf8(XMP_ELEMENT(LABEL_JSON))),
        ]),
        'image/jpeg',
      ],
      [utf8(JSON.stringify({ asset: { version: '2.0', extras: { AIGC: LABEL } } })), 'model/gltf+json'],
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: vectors.length - 1 }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        (which, position, value, truncate) => {
          const [vector, mediaType] = vectors[which] as [Uint8Array, string];
          const at = position % vector.byteLength;
          const bytes = truncate ? vector.subarray(0, at) : vector.slice();
          if (!truncate) bytes[at] = value;
          const result = detectAiLabel(bytes, mediaType);
          assert.ok(Array.isArray(result.found) && Array.isArray(result.issues));
          labelForDownload(bytes, mediaType, LABEL);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('labelForDownload', () => {
  test('PNG: an AIGC text chunk before IEND, CRCs valid, the pixels unchanged, re-detected as the label', () => {
    const original = basePng(3);
    const { bytes, written } = labelForDownload(original, 'image/png', LABEL);
    assert.equal(written, true);
    assertValidPng(bytes);
    assert.deepEqual(PNG.sync.read(Buffer.from(bytes)).data, PNG.sync.read(Buffer.from(original)).data);
    const found = only(detectAiLabel(bytes, 'image/png').found);
    assert.equal(found.location, 'PNG tEXt "AIGC"');
    assert.deepEqual(found.fields, LABEL);
    const types = walkPngChunks(bytes).chunks.map((c) => c.type);
    assert.deepEqual(types.slice(-2), ['tEXt', 'IEND']);
  });

  test('PNG: an existing AIGC chunk is replaced, not added to; a non-ASCII producer is written as iTXt', () => {
    const old = withChunks(
      basePng(),
      tEXt('AIGC', JSON.stringify({ ...LABEL, ProduceID: 'old' })),
      zTXt('AIGC', LABEL_JSON),
    );
    const label: AiLabel = { ...LABEL, ContentProducer: '北京某科技有限公司' };
    const { bytes } = labelForDownload(old, 'image/png', label);
    assertValidPng(bytes);
    const found = only(detectAiLabel(bytes, 'image/png').found);
    assert.equal(found.location, 'PNG iTXt "AIGC"');
    assert.deepEqual(found.fields, label);
  });

  test('GLB: the JSON chunk rewritten, the BIN chunk byte for byte, valid to the Khronos validator', async () => {
    const original = await squareGlb([1, 0, 0]);
    assert.equal((await validateGlb(original)).numErrors, 0);
    const { bytes, written } = labelForDownload(original, 'model/gltf-binary', LABEL);
    assert.equal(written, true);
    assert.equal((await validateGlb(bytes)).numErrors, 0);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    assert.equal(view.getUint32(8, true), bytes.byteLength);
    const jsonLength = view.getUint32(12, true);
    assert.equal(jsonLength % 4, 0);
    const originalJsonLength = new DataView(original.buffer, original.byteOffset).getUint32(12, true);
    assert.deepEqual(bytes.subarray(20 + jsonLength), original.subarray(20 + originalJsonLength));
    assert.deepEqual(only(detectAiLabel(bytes, 'model/gltf-binary').found).fields, LABEL);
    // Written twice: still one label, the new one.
    const again = labelForDownload(bytes, 'model/gltf-binary', { ...LABEL, Label: '2' }).bytes;
    assert.deepEqual(only(detectAiLabel(again, 'model/gltf-binary').found).fields, { ...LABEL, Label: '2' });
  });

  test('glTF JSON: asset.extras.AIGC, other extras kept', () => {
    const original = utf8(JSON.stringify({ asset: { version: '2.0', extras: { author: 'x' } }, scenes: [] }));
    const { bytes } = labelForDownload(original, 'model/gltf+json', LABEL);
    const json = JSON.parse(new TextDecoder().decode(bytes)) as {
      asset: { extras: Record<string, unknown> };
    };
    assert.deepEqual(json.asset.extras, { author: 'x', AIGC: LABEL });
    assert.deepEqual(only(detectAiLabel(bytes, 'model/gltf+json').found).fields, LABEL);
  });

  test('JPEG and other types are returned unchanged', () => {
    const original = jpegWith();
    const result = labelForDownload(original, 'image/jpeg', LABEL);
    assert.equal(result.written, false);
    assert.equal(result.bytes, original);
  });
});

describe('compareAiLabel and the asset view', () => {
  const found = (fields: FoundAiLabel['fields']): FoundAiLabel => ({
    source: 'png-text',
    location: 'x',
    fields,
  });
  test('the five outcomes', () => {
    assert.equal(compareAiLabel(undefined, []), 'none');
    assert.equal(compareAiLabel(undefined, [found({ Label: '1' })]), 'found-not-declared');
    assert.equal(compareAiLabel(LABEL, []), 'declared-not-found');
    assert.equal(compareAiLabel(LABEL, [found(LABEL)]), 'agrees');
    assert.equal(compareAiLabel(LABEL, [found({ Label: '1' })]), 'agrees'); // C2PA: category only
    assert.equal(compareAiLabel(LABEL, [found({ ...LABEL, ContentProducer: '' })]), 'agrees');
    assert.equal(compareAiLabel(LABEL, [found({ ...LABEL, Label: '2' })]), 'differs');
    assert.equal(compareAiLabel(LABEL, [found(LABEL), found({ ProduceID: 'other' })]), 'differs');
  });

  test('the view: explicit label by Label, the mark for found-not-declared, not-checked without a finding', () => {
    const declared = aiLabelView(LABEL, { found: [] });
    assert.equal(declared.status, 'declared-not-found');
    assert.deepEqual(declared.explicit, { Label: '1', en: 'AI-generated', zh: '人工智能生成' });
    const undeclared = aiLabelView(undefined, { found: [found({ Label: '3' }), found({ Label: '2' })] });
    assert.equal(undeclared.status, 'found-not-declared');
    assert.equal(undeclared.mark, FOUND_NOT_DECLARED_MARK);
    assert.equal(undeclared.explicit?.Label, '2');
    assert.deepEqual(aiLabelView(undefined, { found: [] }), { status: 'none', found: [] });
    assert.equal(aiLabelView(LABEL, undefined).status, 'not-checked');
  });

  test('inspectMedia records what it found', async () => {
    const inspection = await inspectMedia(withChunks(basePng(), tEXt('AIGC', LABEL_JSON)));
    assert.equal(inspection.ok, true);
    assert.deepEqual(
      inspection.aiLabel?.found.map((f) => f.fields),
      [LABEL],
    );
    assert.equal((await inspectMedia(utf8('plain text'))).aiLabel, undefined);
  });
});

// ---------------------------------------------------------------------------------------------

describe('a running node: labels at upload, in the asset view, and in downloads', () => {
  let dir: string;
  let node: RunningNode;
  const seed = new Uint8Array(32).fill(9);
  const actor = didFromSeed(seed);
  let seq = 0;

  async function submit(
    type: TransactionType,
    body: Record<string, unknown>,
  ): Promise<LightMyRequestResponse> {
    seq += 1;
    const tx = signTransaction(
      { v: 1, type, actor, seq, time: new Date().toISOString(), body: body as never },
      seed,
    );
    return node.app.inject({
      method: 'POST',
      url: '/v1/tx',
      headers: { 'content-type': 'application/json' },
      payload: Buffer.from(encodeTransaction(tx)),
    });
  }

  async function register(
    bytes: Uint8Array,
    mediaType: string,
    extra: Record<string, unknown> = {},
  ): Promise<{ cid: string; asset: string }> {
    const cid = cidFromBytes(bytes);
    const upload = await node.app.inject({
      method: 'PUT',
      url: '/v1/blobs',
      headers: {
        authorization: signUploadAuthorization({ did: actor, seed, cid, size: bytes.length }),
        'content-type': mediaType,
      },
      payload: Buffer.from(bytes),
    });
    assert.equal(upload.statusCode, 201, upload.body);
    const registration = await submit('asset.register', {
      cid,
      size: bytes.length,
      mediaType,
      title: 'A work',
      creators: [{ name: 'Ada' }],
      licence: 'CC-BY-4.0',
      grade: 'general',
      ...extra,
    });
    assert.equal(registration.statusCode, 201, registration.body);
    return { cid, asset: (registration.json() as TxAccepted).subject.asset as string };
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cinnabar-ai-label-'));
    node = await startNode({ dataDir: join(dir, 'data'), port: 0, origin: 'ai-label.test/log' });
    assert.equal((await submit('identity.register', { kind: 'person', name: 'Ada' })).statusCode, 201);
  });
  after(async () => {
    await node?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a PNG with an undeclared label: accepted, and the asset marked "AI label in file, not declared"', async () => {
    const png = withChunks(basePng(11, 16), tEXt('AIGC', LABEL_JSON));
    const { asset, cid } = await register(png, 'image/png');
    const inspection = await node.app.inject({ method: 'GET', url: `/v1/blobs/${cid}/inspection` });
    assert.equal(inspection.json().aiLabel.found[0].source, 'png-text');
    const view = (await node.app.inject({ method: 'GET', url: `/v1/assets/${asset}` })).json();
    assert.equal(view.aiLabel.status, 'found-not-declared');
    assert.equal(view.aiLabel.mark, 'AI label in file, not declared');
    assert.equal(view.aiLabel.explicit.zh, '人工智能生成');
    const listed = (await node.app.inject({ method: 'GET', url: `/v1/assets?cid=${cid}` })).json();
    assert.equal(listed.items[0].aiLabel.status, 'found-not-declared');
    // Not declared: the download is the stored file itself.
    const download = await node.app.inject({ method: 'GET', url: `/v1/blobs/${cid}` });
    assert.equal(download.headers['cinnabar-ai-label'], undefined);
    assert.deepEqual(new Uint8Array(download.rawPayload), png);
  });

  test('a declared AI work: explicit label shown; the download carries the label, with its own ETag', async () => {
    const png = basePng(12, 16);
    const { asset, cid } = await register(png, 'image/png', {
      aiLabel: { Label: '1', ContentProducer: 'studio', ProduceID: 'p-1' },
    });
    const view = (await node.app.inject({ method: 'GET', url: `/v1/assets/${asset}` })).json();
    assert.equal(view.aiLabel.status, 'declared-not-found');
    assert.deepEqual(view.aiLabel.explicit, { Label: '1', en: 'AI-generated', zh: '人工智能生成' });
    assert.equal(view.aiLabel.mark, undefined);

    const download = await node.app.inject({ method: 'GET', url: `/v1/blobs/${cid}` });
    assert.equal(download.statusCode, 200);
    assert.equal(download.headers['cinnabar-ai-label'], 'written');
    const body = new Uint8Array(download.rawPayload);
    assert.notDeepEqual(body, png);
    assert.equal(Number(download.headers['content-length']), body.byteLength);
    assertValidPng(body);
    assert.deepEqual(only(detectAiLabel(body, 'image/png').found).fields, {
      Label: '1',
      ContentProducer: 'studio',
      ProduceID: 'p-1',
      ReservedCode1: '',
      ContentPropagator: '',
      PropagateID: '',
      ReservedCode2: '',
    });
    const etag = String(download.headers.etag);
    assert.notEqual(etag, `"${cid}"`);
    assert.match(etag, new RegExp(`^"${cid}\\.aigc-[0-9a-f]{16}"$`));
    assert.equal(download.headers['cache-control'], 'public, no-cache');

    const notModified = await node.app.inject({
      method: 'GET',
      url: `/v1/blobs/${cid}`,
      headers: { 'if-none-match': etag },
    });
    assert.equal(notModified.statusCode, 304);
    const stale = await node.app.inject({
      method: 'GET',
      url: `/v1/blobs/${cid}`,
      headers: { 'if-none-match': `"${cid}"` },
    });
    assert.equal(stale.statusCode, 200);
    const tail = await node.app.inject({
      method: 'GET',
      url: `/v1/blobs/${cid}`,
      headers: { range: 'bytes=-12' },
    });
    assert.equal(tail.statusCode, 206);
    assert.deepEqual(new Uint8Array(tail.rawPayload), body.subarray(body.byteLength - 12));
    const head = await node.app.inject({ method: 'HEAD', url: `/v1/blobs/${cid}` });
    assert.equal(head.headers['content-length'], String(body.byteLength));
    assert.equal(head.headers['cinnabar-ai-label'], 'written');
  });

  test('a declared AI model (GLB): the download is a valid GLB with asset.extras.AIGC', async () => {
    const glb = await squareGlb([0, 0.5, 1], 'ai-square');
    const label = { Label: '2', ContentProducer: 'modeller', ProduceID: 'm-7' } as const;
    const { cid } = await register(glb, 'model/gltf-binary', { aiLabel: label });
    const download = await node.app.inject({ method: 'GET', url: `/v1/blobs/${cid}` });
    assert.equal(download.headers['cinnabar-ai-label'], 'written');
    const body = new Uint8Array(download.rawPayload);
    assert.equal((await validateGlb(body)).numErrors, 0);
    const fields = only(detectAiLabel(body, 'model/gltf-binary').found).fields;
    assert.deepEqual([fields.Label, fields.ContentProducer, fields.ProduceID], ['2', 'modeller', 'm-7']);
  });
});
