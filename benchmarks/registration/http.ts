import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseReceipt, verifyReceipt } from '@cinnabar/core';
import { loadDataDir } from '@cinnabar/node';
import { NodeProcess } from '../../packages/cli/test/support/node-process.js';
import { postQueues, postTransaction } from '../http-queues.js';
import {
  prepareRegistrations,
  REGISTRATION_DEFAULTS,
  type RegistrationOptions,
  type RegistrationResult,
} from './in-process.js';

/**
 * Signed registrations over HTTP to a real `cinnabar serve` process: autocannon on loopback, one
 * connection per identity, each posting that identity's pre-signed registrations in order and
 * awaiting each answer (201 with a receipt, once the registration is durable).
 */
export async function registrationHttp(
  options: Partial<RegistrationOptions> & Pick<RegistrationOptions, 'backend'>,
): Promise<RegistrationResult> {
  const opts: RegistrationOptions = {
    ...REGISTRATION_DEFAULTS,
    expectedPerSecond: HTTP_EXPECTED_PER_SECOND,
    ...options,
  };
  const dataDir = await mkdtemp(join(tmpdir(), 'cinnabar-bench-register-http-'));
  const node = await NodeProcess.start({ dataDir, port: 0, databaseUrl: opts.databaseUrl });
  try {
    // The node's blob store is <data>/blobs (node.ts); files written there are seen at once.
    const prepared = await prepareRegistrations(join(dataDir, 'blobs'), opts);
    const post = (entry: Uint8Array) => postTransaction(node.url, entry);
    await Promise.all(prepared.identityRegistrations.map(post));

    const run = await postQueues(
      node,
      prepared.queues.map((q) => q.map((r) => r.entry)),
      opts.seconds,
    );
    const { vkey } = await loadDataDir(dataDir);

    if (run.lastBody) {
      const { receipt } = JSON.parse(run.lastBody) as { receipt: unknown };
      const verdict = verifyReceipt(parseReceipt(JSON.stringify(receipt)), { vkey });
      if (!verdict.ok) throw new Error(`a receipt does not verify: ${JSON.stringify(verdict)}`);
    }
    return {
      mode: 'http',
      backend: opts.backend,
      concurrency: opts.concurrency,
      seconds: run.seconds,
      registrations: run.accepted,
      perSecond: run.accepted / run.seconds,
      latencyMs: run.latencyMs,
      entryBytes: Math.round(prepared.entryBytes),
      metadataBytes: Math.round(prepared.metadataBytes),
      errors: run.errors,
      exhausted: run.exhausted,
      cpuMsPerRegistration: run.cpuMs,
      fingerprints: opts.fingerprints,
    };
  } finally {
    await node.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Registrations per second to prepare for over HTTP (the target is 6,000). */
const HTTP_EXPECTED_PER_SECOND = 10_000;
