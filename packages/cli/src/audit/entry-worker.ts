import { type MessagePort, parentPort } from 'node:worker_threads';
import { decodeEntryBundle, verifyEd25519 } from '@cinnabar/core';
import { useCompiledBodySchemas, useNodeCrypto } from '@cinnabar/node';
import { checkEntries } from './check-entries.js';
import type { EntryCheckAnswer, EntryCheckRequest } from './entry-pool.js';

// A thread of the auditor's EntryCheckPool: first the port to answer on, then chunks of entries
// (entry-bundle encoded) in, each answered with checkEntries' result on that port.
useNodeCrypto();
useCompiledBodySchemas();
let answers: MessagePort | undefined;
parentPort?.on('message', (message: { answers: MessagePort } | EntryCheckRequest) => {
  if ('answers' in message) {
    answers = message.answers;
    return;
  }
  let answer: EntryCheckAnswer;
  try {
    // An empty request is the pool asking whether this thread is up.
    const entries =
      message.count === 0 ? [] : decodeEntryBundle(new Uint8Array(message.bundle), message.count);
    answer = { id: message.id, ...checkEntries(entries, verifyEd25519) };
  } catch (error) {
    answer = { id: message.id, error: (error as Error).message };
  }
  answers?.postMessage(answer, 'leafHashes' in answer ? [answer.leafHashes.buffer as ArrayBuffer] : []);
});
