import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { base64Encode } from '../src/base64.js';
import { utf8Decode } from '../src/bytes.js';
import { cidFromBytes } from '../src/cid.js';
import { didKeyFromPublicKey } from '../src/did-key.js';
import {
  formatUploadAuthorization,
  MAX_UPLOAD_AUTHORIZATION_LENGTH,
  parseUploadAuthorization,
  signUploadAuthorization,
  type UploadAuthorization,
  uploadSigningInput,
  verifyUploadAuthorization,
} from '../src/upload-auth.js';
import { throwsCode } from './support/cinnabar-error.js';

const seed = new Uint8Array(32).fill(7);
const did = didKeyFromPublicKey(ed25519.getPublicKey(seed));
const otherSeed = new Uint8Array(32).fill(9);
const otherDid = didKeyFromPublicKey(ed25519.getPublicKey(otherSeed));
const cid = cidFromBytes(new TextEncoder().encode('a model'));
const otherCid = cidFromBytes(new TextEncoder().encode('another model'));
const time = '2026-11-21T06:00:00Z';
const now = new Date('2026-11-21T06:01:00Z');

function header(overrides: Partial<{ did: string; cid: string; size: number; time: string }> = {}): string {
  return signUploadAuthorization({ did, seed, cid, size: 1234, time, ...overrides });
}

describe('upload authorization', () => {
  test('sign, parse and verify round trip', () => {
    const value = header();
    assert.ok(value.startsWith('Cinnabar-Upload did="did:key:z6Mk'));
    const parsed = parseUploadAuthorization(value);
    assert.deepEqual({ ...parsed, sig: '' }, { did, time, cid, size: 1234, sig: '' });
    assert.deepEqual(verifyUploadAuthorization(parsed, now), { ok: true });
    assert.equal(formatUploadAuthorization(parsed), value);
  });

  test('the signature covers the domain-separated lines, and nothing else verifies', () => {
    const input = utf8Decode(uploadSigningInput({ did, time, cid, size: 1234 }));
    assert.equal(input, `cinnabar/upload/v1\n${did}\n${time}\n${cid}\n1234\n`);
    // The same key's signature over the lines without the domain does not verify.
    const bare = base64Encode(ed25519.sign(new TextEncoder().encode(input.slice(19)), seed));
    const parsed = parseUploadAuthorization(header());
    assert.equal(verifyUploadAuthorization({ ...parsed, sig: bare }, now).ok, false);
  });

  test('time defaults to now, to the second; a Date is accepted', () => {
    const parsed = parseUploadAuthorization(signUploadAuthorization({ did, seed, cid, size: 1 }));
    assert.match(parsed.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.equal(verifyUploadAuthorization(parsed, new Date()).ok, true);
    const fromDate = parseUploadAuthorization(
      signUploadAuthorization({ did, seed, cid, size: 1, time: new Date('2026-11-21T06:00:00.123Z') }),
    );
    assert.equal(fromDate.time, time);
  });

  test('every tampered field fails verification as bad_signature', () => {
    const parsed = parseUploadAuthorization(header());
    const tampered: Partial<UploadAuthorization>[] = [
      { did: otherDid },
      { time: '2026-11-21T06:00:01Z' },
      { time: '2026-11-21T06:00:00.000Z' }, // the same instant, spelled differently, is not what was signed
      { cid: otherCid },
      { size: 1235 },
      { size: 0 },
      { sig: parseUploadAuthorization(header({ size: 1235 })).sig },
    ];
    for (const change of tampered) {
      const verdict = verifyUploadAuthorization({ ...parsed, ...change }, now);
      assert.equal(verdict.ok, false, JSON.stringify(change));
      assert.equal(!verdict.ok && verdict.reason, 'bad_signature', JSON.stringify(change));
    }
  });

  test('every mutated signature byte fails (property)', () => {
    const parsed = parseUploadAuthorization(header());
    const sig = Buffer.from(parsed.sig, 'base64');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const mutated = Uint8Array.from(sig);
        mutated[i] = mutated[i]! ^ x;
        return !verifyUploadAuthorization({ ...parsed, sig: base64Encode(mutated) }, now).ok;
      }),
    );
  });

  test('a signature by another key than the did names fails', () => {
    const forged = parseUploadAuthorization(header());
    const sig = base64Encode(ed25519.sign(uploadSigningInput({ did, time, cid, size: 1234 }), otherSeed));
    assert.deepEqual(verifyUploadAuthorization({ ...forged, sig }, now).ok, false);
    throwsCode(
      () => signUploadAuthorization({ did, seed: otherSeed, cid, size: 1, time }),
      'malformed_upload_authorization',
      /not the key of did/,
    );
  });

  test('the time must be within the skew, either way', () => {
    const parsed = parseUploadAuthorization(header());
    const at = (iso: string) => verifyUploadAuthorization(parsed, new Date(iso));
    assert.equal(at('2026-11-21T06:05:00Z').ok, true); // exactly 300 s later
    assert.equal(at('2026-11-21T05:55:00Z').ok, true); // exactly 300 s earlier
    const late = at('2026-11-21T06:05:01Z');
    assert.equal(!late.ok && late.reason, 'time_skew');
    const early = at('2026-11-21T05:54:59Z');
    assert.equal(!early.ok && early.reason, 'time_skew');
    assert.equal(verifyUploadAuthorization(parsed, new Date('2026-11-21T07:00:00Z'), 3600).ok, true);
    assert.equal(verifyUploadAuthorization(parsed, new Date('2026-11-21T06:00:01Z'), 0).ok, false);
    // A stale header is refused for its time even with a good signature, and says how far off it is.
    assert.match(!late.ok ? late.message : '', /301 s/);
  });

  test('scheme and parameter names ignore case (RFC 9110 §11.1, §11.2); order and spacing are free', () => {
    const p = parseUploadAuthorization(header());
    const variants = [
      `cinnabar-upload did="${p.did}", time="${p.time}", cid="${p.cid}", size="${p.size}", sig="${p.sig}"`,
      `CINNABAR-UPLOAD SIG="${p.sig}",SIZE="${p.size}" ,  CID="${p.cid}",\ttime="${p.time}",Did="${p.did}"`,
      `Cinnabar-Upload   did="${p.did}",time="${p.time}",cid="${p.cid}",size="${p.size}",sig="${p.sig}"  `,
    ];
    for (const variant of variants) assert.deepEqual(parseUploadAuthorization(variant), p, variant);
  });

  describe('hostile headers are refused with malformed_upload_authorization', () => {
    const p = parseUploadAuthorization(header());
    const good = { did: p.did, time: p.time, cid: p.cid, size: String(p.size), sig: p.sig };
    const build = (fields: Record<string, string>, scheme = 'Cinnabar-Upload') =>
      `${scheme} ${Object.entries(fields)
        .map(([k, v]) => `${k}="${v}"`)
        .join(', ')}`;
    const cases: [string, string, RegExp][] = [
      ['empty', '', /scheme/],
      ['scheme only', 'Cinnabar-Upload', /no parameters/],
      ['scheme and spaces', 'Cinnabar-Upload    ', /no parameters/],
      ['bearer', 'Bearer abc.def', /scheme is "Bearer"/],
      ['basic', `Basic ${btoa('a:b')}`, /scheme/],
      ['scheme prefix', build(good, 'Cinnabar-Uploads'), /scheme/],
      ['tab after scheme', build(good).replace(' ', '\t'), /scheme/],
      ['too long', `${build(good)}${' '.repeat(MAX_UPLOAD_AUTHORIZATION_LENGTH)}`, /characters/],
      ['huge', 'x'.repeat(1_000_000), /characters/],
      [
        'missing sig',
        build({ did: good.did, time: good.time, cid: good.cid, size: good.size }),
        /missing parameter\(s\): sig/,
      ],
      ['unknown parameter', `${build(good)}, realm="x"`, /unknown parameter "realm"/],
      ['duplicate', `${build(good)}, did="${good.did}"`, /more than once/],
      ['duplicate differing in case', `${build(good)}, DID="${good.did}"`, /more than once/],
      ['unquoted value', build(good).replace(`size="${good.size}"`, `size=${good.size}`), /name="value"/],
      ['escaped quote', build(good).replace(`cid="${good.cid}"`, `cid="\\"${good.cid}"`), /name="value"/],
      ['unterminated', build(good).slice(0, -1), /name="value"/],
      ['space before =', build(good).replace('did=', 'did ='), /name="value"/],
      ['no comma', build(good).replace('", time', '" time'), /expected ","/],
      ['trailing comma', `${build(good)},`, /name="value"/],
      ['leading comma', build(good).replace('Upload ', 'Upload ,'), /name="value"/],
      ['non-ASCII', build({ ...good, did: `${good.did}é` }), /name="value"/],
      ['control character', build({ ...good, time: `${good.time}\u0000` }), /name="value"/],
      ['did another method', build({ ...good, did: 'did:web:example.com' }), /did is not an Ed25519 did:key/],
      ['did truncated', build({ ...good, did: good.did.slice(0, -1) }), /did is not/],
      ['did URL', build({ ...good, did: `${good.did}#key` }), /did is not/],
      ['time with offset', build({ ...good, time: '2026-11-21T07:00:00+01:00' }), /time/],
      ['time lower-case', build({ ...good, time: '2026-11-21t06:00:00z' }), /time/],
      ['time micros', build({ ...good, time: '2026-11-21T06:00:00.000000Z' }), /time/],
      ['time Feb 30', build({ ...good, time: '2026-02-30T06:00:00Z' }), /time/],
      ['time leap second', build({ ...good, time: '2026-12-31T23:59:60Z' }), /time/],
      ['time empty', build({ ...good, time: '' }), /time/],
      ['cid upper case', build({ ...good, cid: good.cid.toUpperCase() }), /cid/],
      ['cid v0', build({ ...good, cid: 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG' }), /cid.*CIDv0/],
      [
        'cid dag-pb',
        build({ ...good, cid: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi' }),
        /cid.*codec/,
      ],
      ['cid path trick', build({ ...good, cid: '../../etc/passwd' }), /cid/],
      ['size negative', build({ ...good, size: '-1' }), /size/],
      ['size leading zero', build({ ...good, size: '01234' }), /size/],
      ['size fraction', build({ ...good, size: '12.5' }), /size/],
      ['size exponent', build({ ...good, size: '1e3' }), /size/],
      ['size hex', build({ ...good, size: '0x10' }), /size/],
      ['size above 2^53-1', build({ ...good, size: '9007199254740992' }), /size/],
      ['size 17 digits', build({ ...good, size: '10000000000000000' }), /size/],
      ['size empty', build({ ...good, size: '' }), /size/],
      ['sig short', build({ ...good, sig: good.sig.slice(0, 84) }), /sig is 63 bytes/],
      ['sig url-safe alphabet', build({ ...good, sig: `${'-_'.repeat(43)}==` }), /sig is not canonical/],
      ['sig unpadded', build({ ...good, sig: good.sig.replace(/=+$/, '') }), /sig/],
      ['sig 65 bytes', build({ ...good, sig: base64Encode(new Uint8Array(65)) }), /sig is 65 bytes/],
      ['sig empty', build({ ...good, sig: '' }), /sig is 0 bytes/],
    ];
    for (const [name, value, reason] of cases)
      test(name, () => {
        throwsCode(() => parseUploadAuthorization(value), 'malformed_upload_authorization', reason);
      });

    test('non-strings', () => {
      for (const value of [undefined, null, 42, ['Cinnabar-Upload'], {}])
        throwsCode(() => parseUploadAuthorization(value as never), 'malformed_upload_authorization');
    });

    test('random strings never throw anything else (property)', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 400 }), (text) => {
          for (const value of [text, `Cinnabar-Upload ${text}`, `${build(good)}${text}`]) {
            try {
              parseUploadAuthorization(value);
            } catch (error) {
              if ((error as { code?: string }).code !== 'malformed_upload_authorization') return false;
            }
          }
          return true;
        }),
      );
    });
  });

  test('signing refuses invalid fields', () => {
    throwsCode(() => header({ size: -1 }), 'malformed_upload_authorization', /size/);
    throwsCode(() => header({ size: 2 ** 53 }), 'malformed_upload_authorization', /size/);
    throwsCode(() => header({ size: 1.5 }), 'malformed_upload_authorization', /size/);
    throwsCode(() => header({ cid: 'bafy' }), 'malformed_upload_authorization', /cid/);
    throwsCode(() => header({ time: '2026-11-21 06:00:00Z' }), 'malformed_upload_authorization', /time/);
    throwsCode(() => header({ did: 'did:key:z6Mk' }), 'malformed_upload_authorization', /did/);
    throwsCode(
      () => signUploadAuthorization({ did, seed: new Uint8Array(31), cid, size: 1, time }),
      'malformed_key',
    );
  });

  test('verification of hand-built, unparsed values never throws', () => {
    const parsed = parseUploadAuthorization(header());
    for (const change of [
      { did: 'did:web:x' },
      { sig: 'not base64' },
      { sig: base64Encode(new Uint8Array(63)) },
      { cid: 'x' },
      { time: 'yesterday' },
      { size: Number.NaN },
    ] as Partial<UploadAuthorization>[])
      assert.equal(
        verifyUploadAuthorization({ ...parsed, ...change }, now).ok,
        false,
        JSON.stringify(change),
      );
  });
});
