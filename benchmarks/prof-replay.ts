// Where the auditor's replay spends its time: decode, prepare (schema), apply (rules), per entry.
import { createPrivateKey, sign as nodeSign } from 'node:crypto';
import {
  applyTransaction,
  base64Encode,
  cidFromBytes,
  concatBytes,
  decodeTransactionEntry,
  didKeyFromPublicKey,
  encodeTransaction,
  leafHash,
  MemoryLedger,
  prepareTransaction,
  sha256,
  transactionId,
  transactionSigningInput,
  utf8Encode,
} from '@cinnabar/core';
import { useCompiledBodySchemas, useNodeCrypto } from '@cinnabar/node';
import { ed25519 } from '@noble/curves/ed25519.js';

useNodeCrypto();
useCompiledBodySchemas();

const PKCS8 = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
function actor(label: string) {
  const seed = sha256(utf8Encode(label));
  const key = createPrivateKey({ key: Buffer.from(concatBytes(PKCS8, seed)), format: 'der', type: 'pkcs8' });
  const did = didKeyFromPublicKey(ed25519.getPublicKey(seed));
  let seq = 0;
  return {
    did,
    sign(type: string, body: object) {
      const tx = { v: 1, type, actor: did, seq: ++seq, time: '2026-11-21T00:00:00Z', body } as never;
      return encodeTransaction({
        ...(tx as object),
        sig: base64Encode(nodeSign(null, transactionSigningInput(tx), key)),
      } as never);
    },
  };
}
const N = Number(process.argv[2] ?? 10000);
const op = actor('op');
const entries: Uint8Array[] = [
  op.sign('ledger.genesis', { name: 'prof', policy: { realNameToRegister: false } }),
];
const people = Array.from({ length: 100 }, (_, i) => actor(`p${i}`));
for (const p of people) entries.push(p.sign('identity.register', { kind: 'person', name: 'person' }));
const ids: string[] = [];
for (let i = 0; i < N; i++) {
  const p = people[i % 100]!;
  const e = p.sign('asset.register', {
    cid: cidFromBytes(utf8Encode(`work ${i}`)),
    size: 1000,
    mediaType: 'image/png',
    title: `Work ${i}`,
    description: 'x'.repeat(800),
    creators: [{ name: 'Someone' }],
    licence: 'CC-BY-4.0',
    grade: 'general',
  });
  entries.push(e);
  ids.push(transactionId(e));
}
for (let i = 0; i < N; i++) {
  const p = people[i % 100]!;
  entries.push(p.sign('asset.transfer', { asset: ids[i]!, to: people[(i + 1) % 100]!.did }));
}
const t = { hash: 0, decode: 0, prepare: 0, apply: 0 };
const ledger = new MemoryLedger();
let rejected = 0;
const start = performance.now();
for (const [index, entry] of entries.entries()) {
  let a = performance.now();
  leafHash(entry);
  const txId = transactionId(entry);
  let b = performance.now();
  t.hash += b - a;
  a = b;
  const decoded = decodeTransactionEntry(entry);
  b = performance.now();
  t.decode += b - a;
  a = b;
  const prepared = prepareTransaction(decoded.tx);
  b = performance.now();
  t.prepare += b - a;
  a = b;
  if (!prepared.ok) {
    rejected++;
    continue;
  }
  const result = applyTransaction(ledger, prepared, { index, txId });
  if (result.ok) ledger.write(result.writes);
  else rejected++;
  t.apply += performance.now() - a;
}
const total = performance.now() - start;
console.log(
  JSON.stringify({
    entries: entries.length,
    rejected,
    perSecond: Math.round(entries.length / (total / 1000)),
    ms: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v)])),
  }),
);
