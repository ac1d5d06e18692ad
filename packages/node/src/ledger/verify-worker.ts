import { type MessagePort, parentPort } from 'node:worker_threads';
import { verifyEd25519Node } from '../node-crypto.js';
import type { VerifyAnswer } from './verify-pool.js';
import { unpackSignatureChecks } from './verify-pool.js';

// First the port to answer on; then batches of signature checks in, one byte per check out
// (1 = valid), in order, on that port.
let answers: MessagePort | undefined;
parentPort?.on('message', (message: { answers: MessagePort } | { id: number; batch: ArrayBuffer }) => {
  if ('answers' in message) {
    answers = message.answers;
    return;
  }
  const checks = unpackSignatureChecks(message.batch);
  const verdicts = new Uint8Array(checks.length);
  checks.forEach((c, i) => {
    verdicts[i] = verifyEd25519Node(c.signature, c.message, c.publicKey) ? 1 : 0;
  });
  const answer: VerifyAnswer = { id: message.id, verdicts };
  answers?.postMessage(answer, [verdicts.buffer]);
});
