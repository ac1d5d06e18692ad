import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { base58btcDecode, base58btcEncode } from '../src/base58.js';
import { bytesEqual, hexDecode, hexEncode } from '../src/bytes.js';
import { didKeyFromPublicKey, publicKeyFromDidKey, verificationMethodId } from '../src/did-key.js';
import type { CoreErrorCode } from '../src/errors.js';
import { sha256 } from '../src/hash.js';
import { canonicalBytes, canonicalize } from '../src/jcs.js';
import {
  createProof,
  type DataIntegrityDocument,
  signDocument,
  verifyDocument,
} from '../src/vc/eddsa-jcs-2022.js';
import { throwsCode } from './support/cinnabar-error.js';

interface Vectors {
  keyPair: { publicKeyMultibase: string; privateKeyMultibase: string };
  unsignedCredential: {
    document: DataIntegrityDocument;
    canonical: { value: string };
    sha256: { hex: string };
  };
  signed: { name: string; proofConfig: DataIntegrityDocument; signatureHex?: string; proofValue: string }[];
  hashing: {
    proofConfig: DataIntegrityDocument;
    proofConfigCanonical: string;
    proofConfigHashHex: string;
    combinedHashHex: string;
  };
}

const vectors = JSON.parse(
  readFileSync(new URL('./vectors/eddsa-jcs-2022.json', import.meta.url), 'utf8'),
) as Vectors;

// privateKeyMultibase is 'z' + base58btc(varint 0x1300 (ed25519-priv) = 0x80 0x26 || 32-byte seed).
const secretBytes = base58btcDecode(vectors.keyPair.privateKeyMultibase.slice(1));
const seed = secretBytes.subarray(2);
const publicKey = publicKeyFromDidKey(`did:key:${vectors.keyPair.publicKeyMultibase}`);
const did = didKeyFromPublicKey(publicKey);
const vmDidKey = verificationMethodId(did);
const credential = vectors.unsignedCredential.document;
const clone = <T>(value: T): T => structuredClone(value);

/** Resolves the spec's https verification method (and the did:key one) to the spec's key. */
function specResolver(vm: string): Uint8Array {
  if (vm.endsWith(`#${vectors.keyPair.publicKeyMultibase}`)) return publicKey;
  throw new Error(`unknown verification method ${vm}`);
}

describe('eddsa-jcs-2022: W3C vc-di-eddsa test vectors', () => {
  test('the key pair: seed header and derived public key', () => {
    assert.deepEqual([...secretBytes.subarray(0, 2)], [0x80, 0x26]);
    assert.equal(seed.length, 32);
    assert.ok(bytesEqual(ed25519.getPublicKey(seed), publicKey));
  });

  test('transformation and hashing of the unsigned credential', () => {
    assert.equal(canonicalize(credential), vectors.unsignedCredential.canonical.value);
    assert.equal(hexEncode(sha256(canonicalBytes(credential))), vectors.unsignedCredential.sha256.hex);
  });

  test('proof configuration: canonical form, hash, and hashData = proofHash || docHash', () => {
    const h = vectors.hashing;
    const proof = createProof(credential, {
      privateKey: seed,
      verificationMethod: vmDidKey,
      created: '2023-02-24T23:36:38Z',
    });
    const { proofValue, ...config } = proof;
    assert.deepEqual(config, h.proofConfig);
    assert.equal(canonicalize(config), h.proofConfigCanonical);
    const proofHash = sha256(canonicalBytes(config));
    assert.equal(hexEncode(proofHash), h.proofConfigHashHex);
    const combined = hexDecode(h.combinedHashHex);
    assert.equal(hexEncode(combined), hexEncode(proofHash) + vectors.unsignedCredential.sha256.hex);
    // The proofValue signs exactly that combined hash.
    const signature = base58btcDecode(proofValue.slice(1));
    assert.ok(ed25519.verify(signature, combined, publicKey, { zip215: false }));
    assert.equal(verifyDocument({ ...clone(credential), proof }), true);
  });

  for (const v of vectors.signed) {
    test(`${v.name}: verifies; with a proof @context, createProof reproduces the exact proofValue`, () => {
      const withContext = '@context' in v.proofConfig;
      // createProof always copies the credential's @context (§3.3.1), so only that form is reproducible.
      const proof = createProof(credential, {
        privateKey: seed,
        verificationMethod: v.proofConfig.verificationMethod as string,
        proofPurpose: v.proofConfig.proofPurpose as string,
        created: v.proofConfig.created as string,
      });
      if (withContext) {
        assert.deepEqual({ ...proof, proofValue: undefined }, { ...v.proofConfig, proofValue: undefined });
        assert.equal(proof.proofValue, v.proofValue);
        if (v.signatureHex)
          assert.equal(hexEncode(base58btcDecode(proof.proofValue.slice(1))), v.signatureHex);
      }
      // The spec's secured document verifies as published.
      const secured = { ...clone(credential), proof: { ...clone(v.proofConfig), proofValue: v.proofValue } };
      assert.equal(verifyDocument(secured, { resolveKey: specResolver }), true);
      // Also as JSON text, through the strict parser.
      assert.equal(verifyDocument(JSON.stringify(secured), { resolveKey: specResolver }), true);
    });
  }

  test('signDocument on the spec credential gives the current spec secured credential', () => {
    const v = vectors.signed[0]!;
    const secured = signDocument(credential, {
      privateKey: seed,
      verificationMethod: v.proofConfig.verificationMethod as string,
      created: '2023-02-24T23:36:38Z',
    });
    assert.deepEqual(secured, { ...credential, proof: { ...v.proofConfig, proofValue: v.proofValue } });
    assert.equal(verifyDocument(secured, { resolveKey: specResolver }), true);
    assert.equal('proof' in credential, false, 'the input is not modified');
  });
});

const signedDidKey = (): DataIntegrityDocument & { proof: DataIntegrityDocument } =>
  signDocument(credential, {
    privateKey: seed,
    verificationMethod: vmDidKey,
    created: '2023-02-24T23:36:38Z',
  });

describe('eddsa-jcs-2022: tampering', () => {
  test('changing any credential field makes verify false', () => {
    const secured = signedDidKey();
    assert.equal(verifyDocument(secured), true);
    for (const key of Object.keys(credential)) {
      if (key === '@context') continue; // covered below: a context change is an invalid_proof
      const tampered = clone(secured);
      tampered[key] = `${JSON.stringify(tampered[key])}!`;
      assert.equal(verifyDocument(tampered), false, key);
      const removed = clone(secured);
      delete removed[key];
      assert.equal(verifyDocument(removed), false, `${key} removed`);
    }
    const added = clone(secured);
    added.extra = 1;
    assert.equal(verifyDocument(added), false);
    const subject = clone(secured);
    (subject.credentialSubject as DataIntegrityDocument).alumniOf = 'The School of Counterexamples';
    assert.equal(verifyDocument(subject), false);
  });

  test('changing the proof (valid values) makes verify false', () => {
    const secured = signedDidKey();
    const changes: [string, unknown][] = [
      ['created', '2023-02-24T23:36:39Z'],
      ['proofPurpose', 'authentication'],
      ['expires', '2030-01-01T00:00:00Z'],
      ['domain', 'example.org'],
    ];
    for (const [field, value] of changes) {
      const tampered = clone(secured);
      tampered.proof[field] = value;
      assert.equal(verifyDocument(tampered), false, field);
    }
    const noCreated = clone(secured);
    delete noCreated.proof.created;
    assert.equal(verifyDocument(noCreated), false);
    // Flip every bit position of the signature in turn (bytes 0 and 40 and the last).
    const signature = base58btcDecode((secured.proof.proofValue as string).slice(1));
    for (const index of [0, 31, 32, 40, 63]) {
      const flipped = Uint8Array.from(signature);
      flipped[index]! ^= 0x01;
      const tampered = clone(secured);
      tampered.proof.proofValue = `z${base58btcEncode(flipped)}`;
      assert.equal(verifyDocument(tampered), false, `signature byte ${index}`);
    }
  });

  test('a proof @context that is not a prefix of the credential @context is invalid_proof', () => {
    const secured = signedDidKey();
    const changed = clone(secured);
    changed['@context'] = ['https://www.w3.org/ns/credentials/v2'];
    throwsCode(() => verifyDocument(changed), 'invalid_proof', /does not start with/);
    const swapped = clone(secured);
    swapped.proof['@context'] = [
      'https://www.w3.org/ns/credentials/examples/v2',
      'https://www.w3.org/ns/credentials/v2',
    ];
    throwsCode(() => verifyDocument(swapped), 'invalid_proof');
    const none = clone(secured);
    delete none['@context'];
    throwsCode(() => verifyDocument(none), 'invalid_proof', /has none/);
    // Spec §3.3.2 step 3: appended contexts are allowed and replaced by the proof's for hashing.
    const appended = clone(secured);
    (appended['@context'] as unknown[]).push('https://example.org/extra/v1');
    assert.equal(verifyDocument(appended), true);
    // Without the proof @context, a changed credential @context is just a different document.
    const bare = signDocument(
      { ...withoutContext(credential) },
      { privateKey: seed, verificationMethod: vmDidKey },
    );
    assert.equal('@context' in bare.proof, false);
    assert.equal(verifyDocument(bare), true);
    assert.equal(verifyDocument({ ...bare, '@context': ['https://www.w3.org/ns/credentials/v2'] }), false);
  });
});

function withoutContext(document: DataIntegrityDocument): DataIntegrityDocument {
  const { '@context': _, ...rest } = document;
  return rest;
}

describe('eddsa-jcs-2022: hostile input', () => {
  const otherSeed = new Uint8Array(32).fill(7);
  const otherVm = verificationMethodId(didKeyFromPublicKey(ed25519.getPublicKey(otherSeed)));
  const base = signedDidKey();
  const sig = base58btcDecode((base.proof.proofValue as string).slice(1));

  type Outcome = boolean | CoreErrorCode;
  const cases: [string, (d: DataIntegrityDocument & { proof: DataIntegrityDocument }) => unknown, Outcome][] =
    [
      ['untouched', (d) => d, true],
      [
        'proof missing',
        (d) => {
          delete (d as DataIntegrityDocument).proof;
          return d;
        },
        'malformed_credential',
      ],
      ['proof is a string', (d) => ({ ...d, proof: 'z' }), 'malformed_proof'],
      ['proof set (array)', (d) => ({ ...d, proof: [d.proof] }), 'malformed_proof'],
      ['document is an array', (d) => [d], 'malformed_credential'],
      ['document is null', () => null, 'malformed_credential'],
      [
        'type missing',
        (d) => {
          delete d.proof.type;
          return d;
        },
        'malformed_proof',
      ],
      [
        'wrong type',
        (d) => {
          d.proof.type = 'Ed25519Signature2020';
          return d;
        },
        'unsupported_cryptosuite',
      ],
      [
        'cryptosuite missing',
        (d) => {
          delete d.proof.cryptosuite;
          return d;
        },
        'malformed_proof',
      ],
      [
        'wrong cryptosuite',
        (d) => {
          d.proof.cryptosuite = 'eddsa-rdfc-2022';
          return d;
        },
        'unsupported_cryptosuite',
      ],
      [
        'cryptosuite not a string',
        (d) => {
          d.proof.cryptosuite = ['eddsa-jcs-2022'];
          return d;
        },
        'malformed_proof',
      ],
      [
        'proofValue missing',
        (d) => {
          delete d.proof.proofValue;
          return d;
        },
        'malformed_proof',
      ],
      [
        'proofValue not "z…" (base64url "u…")',
        (d) => {
          d.proof.proofValue = `u${(d.proof.proofValue as string).slice(1)}`;
          return d;
        },
        'malformed_proof',
      ],
      [
        'proofValue not base58',
        (d) => {
          d.proof.proofValue = 'z0OIl';
          return d;
        },
        'malformed_proof',
      ],
      [
        'proofValue empty',
        (d) => {
          d.proof.proofValue = '';
          return d;
        },
        'malformed_proof',
      ],
      [
        'signature 63 bytes',
        (d) => {
          d.proof.proofValue = `z${base58btcEncode(sig.subarray(0, 63))}`;
          return d;
        },
        'malformed_proof',
      ],
      [
        'signature 65 bytes',
        (d) => {
          d.proof.proofValue = `z${base58btcEncode(Uint8Array.of(...sig, 0))}`;
          return d;
        },
        'malformed_proof',
      ],
      [
        'proofValue very long',
        (d) => {
          d.proof.proofValue = `z${'2'.repeat(10_000)}`;
          return d;
        },
        'malformed_proof',
      ],
      [
        'verificationMethod missing',
        (d) => {
          delete d.proof.verificationMethod;
          return d;
        },
        'malformed_proof',
      ],
      [
        'proofPurpose missing',
        (d) => {
          delete d.proof.proofPurpose;
          return d;
        },
        'malformed_proof',
      ],
      [
        'created not a dateTimeStamp',
        (d) => {
          d.proof.created = '2023-02-24 23:36:38';
          return d;
        },
        'malformed_proof',
      ],
      [
        'created without time zone',
        (d) => {
          d.proof.created = '2023-02-24T23:36:38';
          return d;
        },
        'malformed_proof',
      ],
      [
        'verificationMethod of another key',
        (d) => {
          d.proof.verificationMethod = otherVm;
          return d;
        },
        false,
      ],
      [
        'unknown DID method',
        (d) => {
          d.proof.verificationMethod = 'did:web:example.com#key-1';
          return d;
        },
        'malformed_did',
      ],
      [
        'did:key fragment of another key',
        (d) => {
          d.proof.verificationMethod = `${did}${otherVm.slice(otherVm.indexOf('#'))}`;
          return d;
        },
        'malformed_did',
      ],
      [
        'did:key without fragment',
        (d) => {
          d.proof.verificationMethod = did;
          return d;
        },
        'malformed_did',
      ],
      [
        'proof @context not a prefix',
        (d) => {
          d.proof['@context'] = ['https://example.org/other'];
          return d;
        },
        'invalid_proof',
      ],
      [
        'proof @context empty array',
        (d) => {
          d.proof['@context'] = [];
          return d;
        },
        'malformed_proof',
      ],
      ['non-JSON value in credential', (d) => ({ ...d, when: new Date(0) }), 'malformed_json'],
    ];
  for (const [name, mutate, outcome] of cases) {
    test(`${name} → ${String(outcome)}`, () => {
      const input = mutate(clone(base));
      if (typeof outcome === 'boolean') assert.equal(verifyDocument(input), outcome);
      else throwsCode(() => verifyDocument(input), outcome);
    });
  }

  test('duplicate member names in JSON text are rejected (malformed_json)', () => {
    const text = JSON.stringify(base);
    const dupProof = text.replace('"proofPurpose":', '"proofPurpose":"authentication","proofPurpose":');
    throwsCode(() => verifyDocument(dupProof), 'malformed_json', /duplicate/i);
    const dupDoc = text.replace('"name":', '"name":"x","name":');
    throwsCode(() => verifyDocument(dupDoc), 'malformed_json', /duplicate/i);
    assert.equal(verifyDocument(text), true);
  });

  test('expectedProofPurpose', () => {
    assert.equal(verifyDocument(base, { expectedProofPurpose: 'assertionMethod' }), true);
    throwsCode(() => verifyDocument(base, { expectedProofPurpose: 'authentication' }), 'invalid_proof');
  });

  test('resolveKey returning a bad key is malformed_key', () => {
    throwsCode(() => verifyDocument(base, { resolveKey: () => new Uint8Array(31) }), 'malformed_key');
  });

  test('createProof rejects bad options and documents that already have a proof', () => {
    const ok = { privateKey: seed, verificationMethod: vmDidKey };
    throwsCode(() => createProof(credential, { ...ok, privateKey: new Uint8Array(64) }), 'malformed_key');
    throwsCode(() => createProof(credential, { ...ok, verificationMethod: '' }), 'malformed_proof');
    throwsCode(() => createProof(credential, { ...ok, created: 'yesterday' }), 'malformed_proof');
    throwsCode(() => createProof(base, ok), 'malformed_credential', /already has a proof/);
    throwsCode(() => createProof([credential], ok), 'malformed_credential');
    throwsCode(() => createProof({ ...credential, '@context': 5 }, ok), 'malformed_credential');
    throwsCode(() => createProof(credential, { ...ok, extra: { proofValue: 'z' } }), 'malformed_proof');
  });

  test('extra proof options (challenge, domain) are signed', () => {
    const secured = signDocument(credential, {
      privateKey: seed,
      verificationMethod: vmDidKey,
      proofPurpose: 'authentication',
      extra: { challenge: 'abc', domain: 'example.org' },
    });
    assert.equal(secured.proof.challenge, 'abc');
    assert.equal(verifyDocument(secured), true);
    assert.equal(verifyDocument({ ...secured, proof: { ...secured.proof, challenge: 'abd' } }), false);
  });
});

describe('eddsa-jcs-2022: properties', () => {
  const jsonValue = fc.jsonValue({ maxDepth: 3 }).filter((v) => !Object.is(v, -0));
  test('sign/verify round trip of random credential subjects; a changed subject fails', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.dictionary(fc.string({ maxLength: 8 }), jsonValue, { maxKeys: 5 }),
        (key, subject) => {
          const vm = verificationMethodId(didKeyFromPublicKey(ed25519.getPublicKey(key)));
          const document = { ...clone(credential), credentialSubject: subject };
          const secured = signDocument(document, { privateKey: key, verificationMethod: vm });
          assert.equal(verifyDocument(secured), true);
          assert.equal(verifyDocument(JSON.parse(JSON.stringify(secured))), true);
          const tampered = { ...secured, credentialSubject: { ...subject, __tampered: true } };
          assert.equal(verifyDocument(tampered), false);
        },
      ),
      { numRuns: 60 },
    );
  });
});
