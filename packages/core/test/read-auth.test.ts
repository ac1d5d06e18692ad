import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { base64Encode } from '../src/base64.js';
import { utf8Decode } from '../src/bytes.js';
import { cidFromBytes } from '../src/cid.js';
import { didKeyFromPublicKey } from '../src/did-key.js';
import {
  formatReadAuthorization,
  MAX_READ_AUTHORIZATION_LENGTH,
  MAX_READ_TARGET_LENGTH,
  parseReadAuthorization,
  type ReadAuthorization,
  readSigningInput,
  readTarget,
  signReadAuthorization,
  verifyReadAuthorization,
} from '../src/read-auth.js';
import { signUploadAuthorization } from '../src/upload-auth.js';
import { throwsCode } from './support/cinnabar-error.js';

const seed = new Uint8Array(32).fill(7);
const did = didKeyFromPublicKey(ed25519.getPublicKey(seed));
const otherSeed = new Uint8Array(32).fill(9);
const otherDid = didKeyFromPublicKey(ed25519.getPublicKey(otherSeed));
const cid = cidFromBytes(new TextEncoder().encode('a graded model'));
const otherCid = cidFromBytes(new TextEncoder().encode('another model'));
const target = `GET /v1/blobs/${cid}`;
const time = '2026-11-21T06:00:00Z';
const now = new Date('2026-11-21T06:01:00Z');

function header(overrides: Partial<{ did: string; target: string; time: string }> = {}): string {
  return signReadAuthorization({ did, seed, target, time, ...overrides });
}

describe('read authorization', () => {
  test('sign, parse and verify round trip', () => {
    const value = header();
    assert.equal(
      value,
      `Cinnabar-Read did="${did}", time="${time}", target="${target}", sig="${parseReadAuthorization(value).sig}"`,
    );
    const parsed = parseReadAuthorization(value);
    assert.deepEqual({ ...parsed, sig: '' }, { did, time, target, sig: '' });
    assert.deepEqual(verifyReadAuthorization(parsed, target, now), { ok: true });
    assert.equal(formatReadAuthorization(parsed), value);
  });

  test('the signature covers the domain-separated lines, and nothing else verifies', () => {
    const input = utf8Decode(readSigningInput({ did, time, target }));
    assert.equal(input, `cinnabar/read/v1\n${did}\n${time}\n${target}\n`);
    const parsed = parseReadAuthorization(header());
    // The same key's signature over the lines without the domain does not verify.
    const bare = base64Encode(ed25519.sign(new TextEncoder().encode(input.slice(17)), seed));
    assert.equal(verifyReadAuthorization({ ...parsed, sig: bare }, target, now).ok, false);
    // Nor does the same key's upload authorization, whose signature is over another domain.
    const upload = signUploadAuthorization({ did, seed, cid, size: 1, time });
    const uploadSig = /sig="([^"]+)"/.exec(upload)![1]!;
    assert.equal(verifyReadAuthorization({ ...parsed, sig: uploadSig }, target, now).ok, false);
  });

  test('the target binds the signature to one method and path', () => {
    const parsed = parseReadAuthorization(header());
    for (const other of [
      `GET /v1/blobs/${otherCid}`,
      `GET /v1/blobs/${cid}/inspection`,
      `PUT /v1/blobs/${cid}`,
      `GET /v1/assets/${'a'.repeat(64)}/access-log`,
    ]) {
      const verdict = verifyReadAuthorization(parsed, other, now);
      assert.equal(!verdict.ok && verdict.reason, 'wrong_target', other);
    }
    // Rewriting the signed target to the other one breaks the signature instead.
    const moved = verifyReadAuthorization(
      { ...parsed, target: `GET /v1/blobs/${otherCid}` },
      `GET /v1/blobs/${otherCid}`,
      now,
    );
    assert.equal(!moved.ok && moved.reason, 'bad_signature');
    // RFC 9110 §9.3.2: HEAD is GET without the body, so a signed GET also reads the HEAD.
    assert.equal(verifyReadAuthorization(parsed, `HEAD /v1/blobs/${cid}`, now).ok, true);
    // Not the other way round.
    const head = parseReadAuthorization(header({ target: `HEAD /v1/blobs/${cid}` }));
    assert.equal(verifyReadAuthorization(head, target, now).ok, false);
  });

  test('readTarget drops the query and fragment and upper-cases the method', () => {
    assert.equal(readTarget('get', `/v1/blobs/${cid}?x=1`), target);
    assert.equal(
      readTarget('GET', '/v1/assets/ab/access-log?cursor=3&limit=2#f'),
      'GET /v1/assets/ab/access-log',
    );
  });

  test('every tampered field fails verification as bad_signature', () => {
    const parsed = parseReadAuthorization(header());
    const tampered: Partial<ReadAuthorization>[] = [
      { did: otherDid },
      { time: '2026-11-21T06:00:01Z' },
      { time: '2026-11-21T06:00:00.000Z' },
      { sig: parseReadAuthorization(header({ time: '2026-11-21T06:00:01Z' })).sig },
    ];
    for (const change of tampered) {
      const verdict = verifyReadAuthorization({ ...parsed, ...change }, target, now);
      assert.equal(!verdict.ok && verdict.reason, 'bad_signature', JSON.stringify(change));
    }
  });

  test('every mutated signature byte fails (property)', () => {
    const parsed = parseReadAuthorization(header());
    const sig = Buffer.from(parsed.sig, 'base64');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const mutated = Uint8Array.from(sig);
        mutated[i] = mutated[i]! ^ x;
        return !verifyReadAuthorization({ ...parsed, sig: base64Encode(mutated) }, target, now).ok;
      }),
    );
  });

  test('a signature by another key than the did names fails; signing with it is refused', () => {
    const parsed = parseReadAuthorization(header());
    const sig = base64Encode(ed25519.sign(readSigningInput({ did, time, target }), otherSeed));
    assert.equal(verifyReadAuthorization({ ...parsed, sig }, target, now).ok, false);
    throwsCode(
      () => signReadAuthorization({ did, seed: otherSeed, target, time }),
      'malformed_read_authorization',
      /not the key of did/,
    );
  });

  test('the time must be within the skew, either way', () => {
    const parsed = parseReadAuthorization(header());
    const at = (iso: string) => verifyReadAuthorization(parsed, target, new Date(iso));
    assert.equal(at('2026-11-21T06:05:00Z').ok, true);
    assert.equal(at('2026-11-21T05:55:00Z').ok, true);
    const late = at('2026-11-21T06:05:01Z');
    assert.equal(!late.ok && late.reason, 'time_skew');
    assert.match(!late.ok ? late.message : '', /301 s/);
    const early = at('2026-11-21T05:54:59Z');
    assert.equal(!early.ok && early.reason, 'time_skew');
    assert.equal(verifyReadAuthorization(parsed, target, new Date('2026-11-21T06:00:01Z'), 0).ok, false);
    assert.throws(() => verifyReadAuthorization(parsed, target, now, -1), RangeError);
  });

  test('scheme and parameter names ignore case (RFC 9110 §11.1, §11.2); order and spacing are free', () => {
    const p = parseReadAuthorization(header());
    for (const variant of [
      `cinnabar-read did="${p.did}", time="${p.time}", target="${p.target}", sig="${p.sig}"`,
      `CINNABAR-READ SIG="${p.sig}",TARGET="${p.target}" ,\ttime="${p.time}",Did="${p.did}"`,
      `Cinnabar-Read   did="${p.did}",time="${p.time}",target="${p.target}",sig="${p.sig}"  `,
    ])
      assert.deepEqual(parseReadAuthorization(variant), p, variant);
  });

  describe('hostile headers are refused with malformed_read_authorization', () => {
    const p = parseReadAuthorization(header());
    const good = { did: p.did, time: p.time, target: p.target, sig: p.sig };
    const build = (fields: Record<string, string>, scheme = 'Cinnabar-Read') =>
      `${scheme} ${Object.entries(fields)
        .map(([k, v]) => `${k}="${v}"`)
        .join(', ')}`;
    const cases: [string, string, RegExp][] = [
      ['empty', '', /scheme/],
      ['scheme only', 'Cinnabar-Read', /no parameters/],
      ['bearer', 'Bearer abc.def', /scheme is "Bearer"/],
      ['the upload scheme', build(good, 'Cinnabar-Upload'), /scheme is "Cinnabar-Upload"/],
      ['scheme prefix', build(good, 'Cinnabar-Reader'), /scheme/],
      ['too long', `${build(good)}${' '.repeat(MAX_READ_AUTHORIZATION_LENGTH)}`, /characters/],
      ['huge', 'x'.repeat(1_000_000), /characters/],
      ['missing target', build({ did: good.did, time: good.time, sig: good.sig }), /missing.*target/],
      ['an upload field', `${build(good)}, cid="${cid}"`, /unknown parameter "cid"/],
      ['duplicate', `${build(good)}, did="${good.did}"`, /more than once/],
      ['duplicate target differing in case', `${build(good)}, Target="${good.target}"`, /more than once/],
      ['unquoted value', build(good).replace(`time="${good.time}"`, `time=${good.time}`), /name="value"/],
      ['escaped quote in target', build({ ...good, target: `GET /v1/\\"x` }), /name="value"/],
      ['trailing comma', `${build(good)},`, /name="value"/],
      ['no comma', build(good).replace('", time', '" time'), /expected ","/],
      ['non-ASCII', build({ ...good, target: `${good.target}é` }), /name="value"/],
      ['did another method', build({ ...good, did: 'did:web:example.com' }), /did is not an Ed25519 did:key/],
      ['did truncated', build({ ...good, did: good.did.slice(0, -1) }), /did is not/],
      ['time with offset', build({ ...good, time: '2026-11-21T07:00:00+01:00' }), /time/],
      ['time Feb 30', build({ ...good, time: '2026-02-30T06:00:00Z' }), /time/],
      ['target empty', build({ ...good, target: '' }), /target/],
      ['target without method', build({ ...good, target: `/v1/blobs/${cid}` }), /target/],
      ['target lower-case method', build({ ...good, target: `get /v1/blobs/${cid}` }), /target/],
      ['target two spaces', build({ ...good, target: `GET  /v1/blobs/${cid}` }), /target/],
      ['target relative path', build({ ...good, target: `GET v1/blobs/${cid}` }), /target/],
      ['target absolute URL', build({ ...good, target: `GET https://node/v1/blobs/${cid}` }), /target/],
      ['target with query', build({ ...good, target: `${good.target}?a=1` }), /target/],
      ['target with fragment', build({ ...good, target: `${good.target}#x` }), /target/],
      ['target with a space in the path', build({ ...good, target: `${good.target} x` }), /target/],
      [
        'target too long',
        build({ ...good, target: `GET /${'a'.repeat(MAX_READ_TARGET_LENGTH)}` }),
        /target is \d+ characters/,
      ],
      ['sig short', build({ ...good, sig: good.sig.slice(0, 84) }), /sig is 63 bytes/],
      ['sig url-safe alphabet', build({ ...good, sig: `${'-_'.repeat(43)}==` }), /sig is not canonical/],
      ['sig empty', build({ ...good, sig: '' }), /sig is 0 bytes/],
    ];
    for (const [name, value, reason] of cases)
      test(name, () => {
        throwsCode(() => parseReadAuthorization(value), 'malformed_read_authorization', reason);
      });

    test('non-strings', () => {
      for (const value of [undefined, null, 42, ['Cinnabar-Read'], {}])
        throwsCode(() => parseReadAuthorization(value as never), 'malformed_read_authorization');
    });

    test('random strings never throw anything else (property)', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 400 }), (text) => {
          for (const value of [text, `Cinnabar-Read ${text}`, `${build(good)}${text}`]) {
            try {
              parseReadAuthorization(value);
            } catch (error) {
              if ((error as { code?: string }).code !== 'malformed_read_authorization') return false;
            }
          }
          return true;
        }),
      );
    });
  });
});
