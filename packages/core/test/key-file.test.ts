import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  base64Decode,
  base64Encode,
  CinnabarError,
  type CoreErrorCode,
  createKeyFile,
  DEFAULT_KEY_FILE_SCRYPT,
  didFromSeed,
  generateIdentity,
  inspectKeyFile,
  openKeyFile,
} from '../src/index.js';

// The lowest cost the bounds allow, to keep the tests fast.
const FAST = { N: 2 ** 14, r: 8, p: 1 };
const CREATED = '2025-01-02T03:04:05.678Z';
const SEED = Uint8Array.from({ length: 32 }, (_, i) => i + 1);

type Json = Record<string, unknown>;

async function rejects(promise: Promise<unknown>, code: CoreErrorCode, reason: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof CinnabarError, String(error));
    assert.equal(error.code, code, error.message);
    assert.match(error.message, reason);
    return true;
  });
}

/** Flips one bit in the middle of a base64 field, keeping it canonical base64 of the same length. */
function flip(text: string): string {
  const bytes = base64Decode(text);
  bytes[Math.floor(bytes.length / 2)]! ^= 1;
  return base64Encode(bytes);
}

describe('key files', () => {
  test('generateIdentity gives a 32-byte seed and its did:key', () => {
    const a = generateIdentity();
    const b = generateIdentity();
    assert.equal(a.seed.length, 32);
    assert.match(a.did, /^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{44}$/);
    assert.equal(didFromSeed(a.seed), a.did);
    assert.notEqual(a.did, b.did);
  });

  test('plain round trip, with the documented format', async () => {
    const text = await createKeyFile({ seed: SEED, name: 'Alice', created: CREATED });
    const json = JSON.parse(text) as Json;
    assert.deepEqual(json, {
      type: 'cinnabar-key',
      version: 1,
      did: didFromSeed(SEED),
      name: 'Alice',
      created: CREATED,
      privateKey: base64Encode(SEED),
    });
    const opened = await openKeyFile(text);
    assert.deepEqual(opened, { did: didFromSeed(SEED), seed: SEED, name: 'Alice', created: CREATED });
    // A passphrase given for a plain file is not needed and is ignored.
    assert.deepEqual((await openKeyFile(text, 'unused')).seed, SEED);
    assert.deepEqual(inspectKeyFile(text), {
      did: didFromSeed(SEED),
      name: 'Alice',
      created: CREATED,
      encrypted: false,
    });
  });

  test('created defaults to now, name is optional, bytes are accepted', async () => {
    const before = Date.now();
    const text = await createKeyFile({ seed: SEED });
    const opened = await openKeyFile(new TextEncoder().encode(text));
    assert.ok(Date.parse(opened.created) >= before - 1);
    assert.equal(opened.name, undefined);
    assert.equal('name' in (JSON.parse(text) as Json), false);
  });

  test('encrypted round trip; the header is readable without the passphrase', async () => {
    const text = await createKeyFile({
      seed: SEED,
      name: 'Bob',
      created: CREATED,
      passphrase: 'correct horse',
      scrypt: FAST,
    });
    const json = JSON.parse(text) as Json;
    assert.equal(json.privateKey, undefined);
    assert.ok(!text.includes(base64Encode(SEED)));
    const enc = json.encrypted as Json;
    assert.deepEqual(Object.keys(enc), ['kdf', 'N', 'r', 'p', 'salt', 'cipher', 'iv', 'ciphertext']);
    assert.equal(enc.kdf, 'scrypt');
    assert.equal(enc.cipher, 'aes-256-gcm');
    assert.equal(base64Decode(enc.iv as string).length, 12);
    assert.equal(base64Decode(enc.ciphertext as string).length, 48);
    const opened = await openKeyFile(text, 'correct horse');
    assert.deepEqual(opened, { did: didFromSeed(SEED), seed: SEED, name: 'Bob', created: CREATED });
    assert.deepEqual(inspectKeyFile(text), {
      did: didFromSeed(SEED),
      name: 'Bob',
      created: CREATED,
      encrypted: true,
      scrypt: FAST,
    });
    // The passphrase is NFC-normalized: the same words typed on another platform open the file.
    const accented = await createKeyFile({ seed: SEED, passphrase: 'caf\u00e9', scrypt: FAST });
    assert.deepEqual((await openKeyFile(accented, 'cafe\u0301')).seed, SEED);
  });

  test('the default scrypt cost is N=2^15 r=8 p=1', async () => {
    assert.deepEqual(DEFAULT_KEY_FILE_SCRYPT, { N: 32768, r: 8, p: 1 });
    const text = await createKeyFile({ seed: SEED, passphrase: 'pw', created: CREATED });
    assert.deepEqual(inspectKeyFile(text).scrypt, DEFAULT_KEY_FILE_SCRYPT);
  });

  describe('encrypted files refuse to open when', () => {
    let text: string;
    let json: Json;
    const edit = (change: (enc: Json, file: Json) => void): string => {
      const copy = structuredClone(json);
      change(copy.encrypted as Json, copy);
      return JSON.stringify(copy);
    };

    before(async () => {
      text = await createKeyFile({ seed: SEED, created: CREATED, passphrase: 'secret', scrypt: FAST });
      json = JSON.parse(text) as Json;
    });

    test('the passphrase is wrong, missing or empty', async () => {
      await rejects(
        openKeyFile(text, 'Secret'),
        'wrong_passphrase',
        /wrong passphrase for the key file of did:key:z/,
      );
      await rejects(openKeyFile(text), 'wrong_passphrase', /is encrypted: a passphrase is needed to open it/);
      await rejects(openKeyFile(text, ''), 'wrong_passphrase', /the passphrase is empty/);
    });

    test('the ciphertext, iv or salt has been altered', async () => {
      for (const field of ['ciphertext', 'iv', 'salt']) {
        const altered = edit((enc) => {
          enc[field] = flip(enc[field] as string);
        });
        await rejects(openKeyFile(altered, 'secret'), 'wrong_passphrase', /or the file has been altered/);
      }
    });

    test('the scrypt parameters have been altered', async () => {
      const altered = edit((enc) => {
        enc.r = 7;
      });
      await rejects(openKeyFile(altered, 'secret'), 'wrong_passphrase', /or the file has been altered/);
    });

    test('the ciphertext is moved under another DID (AAD binding)', async () => {
      const other = generateIdentity().did;
      const moved = edit((_, file) => {
        file.did = other;
      });
      // The header alone looks fine: the DID is only proven by opening.
      assert.equal(inspectKeyFile(moved).did, other);
      await rejects(openKeyFile(moved, 'secret'), 'wrong_passphrase', /or the file has been altered/);
    });

    test('the version is changed', async () => {
      for (const version of [2, 0, '1', 1.5]) {
        const altered = edit((_, file) => {
          file.version = version;
        });
        await rejects(openKeyFile(altered, 'secret'), 'malformed_key_file', /unsupported "version"/);
      }
    });
  });

  test('a file whose key does not match its DID is refused', async () => {
    const other = generateIdentity();
    const plain = JSON.parse(await createKeyFile({ seed: SEED, created: CREATED })) as Json;
    plain.did = other.did;
    await rejects(
      openKeyFile(JSON.stringify(plain)),
      'malformed_key_file',
      new RegExp(`its private key belongs to ${didFromSeed(SEED)}, not to the file's "did" ${other.did}`),
    );
  });

  test('createKeyFile refuses bad input', async () => {
    await assert.rejects(createKeyFile({ seed: new Uint8Array(31) }), { code: 'malformed_key' });
    await rejects(createKeyFile({ seed: SEED, passphrase: '' }), 'wrong_passphrase', /empty/);
    await rejects(createKeyFile({ seed: SEED, name: 'a\nb' }), 'malformed_key_file', /control character/);
    await rejects(createKeyFile({ seed: SEED, name: '' }), 'malformed_key_file', /"name" is empty/);
    await rejects(createKeyFile({ seed: SEED, created: 'yesterday' }), 'malformed_key_file', /"created"/);
    for (const [scrypt, reason] of [
      [{ N: 2 ** 13, r: 8, p: 1 }, /power of two from 2\^14 to 2\^20/],
      [{ N: 2 ** 21, r: 8, p: 1 }, /power of two/],
      [{ N: 3 * 2 ** 14, r: 8, p: 1 }, /power of two/],
      [{ N: 2 ** 14, r: 0, p: 1 }, /scrypt r must be an integer from 1 to 16/],
      [{ N: 2 ** 14, r: 8, p: 5 }, /scrypt p must be an integer from 1 to 4/],
      [{ N: 2 ** 20, r: 16, p: 1 }, /needs 2048 MiB, more than 256 MiB/],
      // The reviewer's hostile file: 1 GiB and about 30 s to open before the work bound.
      [{ N: 2 ** 20, r: 8, p: 4 }, /needs 1024 MiB, more than 256 MiB/],
      [{ N: 2 ** 18, r: 8, p: 4 }, /more work \(N·r·p = 8388608\) than the most allowed, 1048576/],
    ] as const) {
      await rejects(createKeyFile({ seed: SEED, passphrase: 'x', scrypt }), 'malformed_key_file', reason);
    }
  });

  describe('hostile or malformed files', async () => {
    const did = didFromSeed(SEED);
    const plain: Json = JSON.parse(await createKeyFile({ seed: SEED, name: 'n', created: CREATED })) as Json;
    const encrypted: Json = JSON.parse(
      await createKeyFile({ seed: SEED, created: CREATED, passphrase: 'pw', scrypt: FAST }),
    ) as Json;
    const withPlain = (change: Json) => JSON.stringify({ ...plain, ...change });
    const withEnc = (change: Json) =>
      JSON.stringify({ ...encrypted, encrypted: { ...(encrypted.encrypted as Json), ...change } });
    const cases: [string, string, RegExp][] = [
      ['not JSON', '{"type":', /not valid JSON/],
      ['duplicate member', `{"type":"cinnabar-key","type":"cinnabar-key"}`, /not valid JSON: .*duplicate/i],
      ['too large', `{"x":"${'a'.repeat(20000)}"}`, /not valid JSON: .*maxBytes/],
      ['too deep', `{"a":{"b":{"c":1}}}`, /not valid JSON: .*nesting deeper/],
      ['an array', '[]', /must be a JSON object/],
      ['null', 'null', /must be a JSON object/],
      ['wrong type', withPlain({ type: 'cinnabar-keys' }), /"type" must be "cinnabar-key"/],
      ['no type', JSON.stringify({ ...plain, type: undefined }), /"type" must be "cinnabar-key"/],
      ['version 2', withPlain({ version: 2 }), /unsupported "version" 2/],
      ['version as string', withPlain({ version: '1' }), /unsupported "version" "1"/],
      ['unknown member', withPlain({ publicKey: 'x' }), /unknown member "publicKey"/],
      ['did not a string', withPlain({ did: 5 }), /"did" must be a string/],
      ['did of another method', withPlain({ did: 'did:web:example.com' }), /"did": .*method "web"/],
      ['did a DID URL', withPlain({ did: `${did}#frag` }), /"did": .*DID URL/],
      ['no created', JSON.stringify({ ...plain, created: undefined }), /"created" must be a string/],
      ['created not ISO', withPlain({ created: '2025-01-02 03:04:05' }), /"created" must be a UTC time/],
      [
        'created impossible date',
        withPlain({ created: '2025-02-30T00:00:00.000Z' }),
        /"created" must be a UTC time/,
      ],
      ['name not a string', withPlain({ name: ['a'] }), /"name" must be a string/],
      ['name too long', withPlain({ name: 'x'.repeat(201) }), /"name" is 201 characters, more than 200/],
      ['name with a control character', withPlain({ name: 'a\u0007' }), /control character/],
      [
        'neither key',
        JSON.stringify({ ...plain, privateKey: undefined }),
        /exactly one of "privateKey" and "encrypted"/,
      ],
      ['both keys', JSON.stringify({ ...encrypted, privateKey: plain.privateKey }), /exactly one of/],
      ['privateKey not a string', withPlain({ privateKey: 1 }), /"privateKey" must be a base64 string/],
      [
        'privateKey not base64',
        withPlain({ privateKey: `${'*'.repeat(43)}=` }),
        /"privateKey": invalid base64/,
      ],
      [
        'privateKey unpadded',
        withPlain({ privateKey: base64Encode(SEED).slice(0, 43) }),
        /"privateKey": invalid base64/,
      ],
      [
        'privateKey non-canonical',
        withPlain({ privateKey: `${base64Encode(SEED).slice(0, 42)}R=` }),
        /non-canonical/,
      ],
      [
        'privateKey 31 bytes',
        withPlain({ privateKey: base64Encode(new Uint8Array(31)) }),
        /"privateKey" is 31 bytes, expected 32/,
      ],
      [
        'privateKey 64 bytes',
        withPlain({ privateKey: base64Encode(new Uint8Array(64)) }),
        /"privateKey" is too long/,
      ],
      [
        'encrypted not an object',
        JSON.stringify({ ...encrypted, encrypted: 'x' }),
        /"encrypted" must be an object/,
      ],
      [
        'encrypted an array',
        JSON.stringify({ ...encrypted, encrypted: [] }),
        /"encrypted" must be an object/,
      ],
      ['unknown kdf', withEnc({ kdf: 'pbkdf2' }), /unsupported "kdf" "pbkdf2"/],
      ['unknown cipher', withEnc({ cipher: 'aes-128-gcm' }), /unsupported "cipher" "aes-128-gcm"/],
      ['unknown encrypted member', withEnc({ tag: 'AAAA' }), /unknown member "tag" in "encrypted"/],
      [
        'N absurd (DoS)',
        withEnc({ N: 2 ** 30 }),
        /scrypt N must be a power of two from 2\^14 to 2\^20, got 1073741824/,
      ],
      ['N too small', withEnc({ N: 1024 }), /scrypt N must be a power of two/],
      ['N not a power of two', withEnc({ N: 20000 }), /scrypt N must be a power of two/],
      ['N not an integer', withEnc({ N: 16384.5 }), /scrypt N must be an integer/],
      ['N a string', withEnc({ N: '16384' }), /scrypt N must be an integer/],
      ['N missing', withEnc({ N: undefined }), /scrypt N must be an integer, got nothing/],
      ['r absurd (DoS)', withEnc({ r: 1000 }), /scrypt r must be an integer from 1 to 16/],
      ['r zero', withEnc({ r: 0 }), /scrypt r must be/],
      ['p absurd (DoS)', withEnc({ p: 1e6 }), /scrypt p must be an integer from 1 to 4/],
      ['p negative', withEnc({ p: -1 }), /scrypt p must be/],
      ['memory too large', withEnc({ N: 2 ** 20, r: 16 }), /needs 2048 MiB/],
      ['work too large', withEnc({ N: 2 ** 17, r: 8, p: 4 }), /more work/],
      [
        'salt too short',
        withEnc({ salt: base64Encode(new Uint8Array(8)) }),
        /"salt" is 8 bytes, expected 16 to 64/,
      ],
      ['salt missing', withEnc({ salt: undefined }), /"encrypted" has no "salt"/],
      [
        'iv of 16 bytes',
        withEnc({ iv: base64Encode(new Uint8Array(16)) }),
        /"iv" is too long|"iv" is 16 bytes/,
      ],
      ['iv of 8 bytes', withEnc({ iv: base64Encode(new Uint8Array(8)) }), /"iv" is 8 bytes, expected 12/],
      [
        'ciphertext without tag',
        withEnc({ ciphertext: base64Encode(new Uint8Array(32)) }),
        /"ciphertext" is 32 bytes, expected 48/,
      ],
      [
        'ciphertext with whitespace',
        withEnc({ ciphertext: ` ${((encrypted.encrypted as Json).ciphertext as string).slice(1)}` }),
        /"ciphertext": invalid base64: unexpected character U\+0020 at offset 0/,
      ],
    ];
    for (const [name, text, reason] of cases) {
      test(name, async () => {
        await rejects(openKeyFile(text, 'pw'), 'malformed_key_file', reason);
        assert.throws(() => inspectKeyFile(text), { code: 'malformed_key_file' });
      });
    }
  });
});
