import { parentPort } from 'node:worker_threads';
import { verifyEd25519Node } from '../node-crypto.js';
import { unpackSignatureChecks } from './verify-pool.js';

// One batch of signature checks in, one byte per check out (1 = valid), in order.
parentPort?.on('message', (message: { id: number; batch: ArrayBuffer }) => {
  const checks = unpackSignatureChecks(message.batch);
  const verdicts = new Uint8Array(checks.length);
  checks.forEach((c, i) => {
    verdicts[i] = verifyEd25519Node(c.signature, c.message, c.publicKey) ? 1 : 0;
  });
  parentPort?.postMessage({ id: message.id, verdicts }, [verdicts.buffer]);
});
