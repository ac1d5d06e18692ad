import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseReceipt, verifyReceipt } from '@cinnabar/core';
import { loadDataDir } from '@cinnabar/node';
import autocannon from 'autocannon';
import { NodeProcess } from '../../packages/cli/test/support/node-process.js';
import { cpuPer, cpuTimeMs } from './cpu-time.js';
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
    const post = async (entry: Uint8Array) => {
      const response = await fetch(`${node.url}v1/tx`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new TextDecoder().decode(entry),
      });
      if (response.status !== 201)
        throw new Error(`POST /v1/tx: ${response.status} ${await response.text()}`);
      return (await response.json()) as { receipt: unknown };
    };
    await Promise.all(prepared.identityRegistrations.map(post));

    const { queues } = prepared;
    const length = Math.min(...queues.map((q) => q.length));
    let assigned = 0;
    let exhausted = false;
    const errors: Record<string, number> = {};
    let lastBody = '';
    // Request i of a connection is the i-th registration of that connection's identity; the
    // context (per connection) says which identity that is. It is reset only after the last one.
    const requests = Array.from({ length }, (_, i) => ({
      method: 'POST' as const,
      path: '/v1/tx',
      headers: { 'content-type': 'application/json' },
      setupRequest: (request: Record<string, unknown>, context: Record<string, unknown>) => {
        if (context.queue === undefined) context.queue = assigned++;
        const queue = queues[context.queue as number];
        if (!queue) throw new Error(`autocannon opened more than ${queues.length} connections`);
        if (i === length - 1) {
          exhausted = true;
          instance?.stop();
        }
        return { ...request, body: Buffer.from(queue[i]!.entry) };
      },
      onResponse: (status: number, body: string) => {
        if (status === 201) lastBody = body;
        else {
          let code = String(status);
          try {
            code = (JSON.parse(body) as { code?: string }).code ?? code;
          } catch {}
          errors[code] = (errors[code] ?? 0) + 1;
        }
      },
    }));
    const client0 = cpuTimeMs(process.pid);
    const node0 = cpuTimeMs(node.pid);
    const nodeMain0 = cpuTimeMs(node.pid, node.pid);
    let instance: autocannon.Instance | undefined;
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      instance = autocannon(
        {
          url: node.url,
          connections: opts.concurrency,
          pipelining: 1,
          duration: opts.seconds,
          timeout: 60,
          requests: requests as unknown as autocannon.Request[],
        },
        (error, done) => (error ? reject(error) : resolve(done)),
      );
    });
    const [client1, node1, nodeMain1] = [
      cpuTimeMs(process.pid),
      cpuTimeMs(node.pid),
      cpuTimeMs(node.pid, node.pid),
    ];
    const { vkey } = await loadDataDir(dataDir);

    if (lastBody) {
      const { receipt } = JSON.parse(lastBody) as { receipt: unknown };
      const verdict = verifyReceipt(parseReceipt(JSON.stringify(receipt)), { vkey });
      if (!verdict.ok) throw new Error(`a receipt does not verify: ${JSON.stringify(verdict)}`);
    }
    const registrations = result['2xx'];
    return {
      mode: 'http',
      backend: opts.backend,
      concurrency: opts.concurrency,
      seconds: result.duration,
      registrations,
      perSecond: registrations / result.duration,
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
      entryBytes: Math.round(prepared.entryBytes),
      metadataBytes: Math.round(prepared.metadataBytes),
      errors: {
        ...errors,
        ...(result.errors ? { connection: result.errors } : {}),
        ...(result.timeouts ? { timeout: result.timeouts } : {}),
      },
      exhausted,
      cpuMsPerRegistration: {
        process: cpuPer(node0, node1, registrations),
        mainThread: cpuPer(nodeMain0, nodeMain1, registrations),
        client: cpuPer(client0, client1, registrations),
      },
      fingerprints: opts.fingerprints,
    };
  } finally {
    await node.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Registrations per second to prepare for over HTTP (the target is 6,000). */
const HTTP_EXPECTED_PER_SECOND = 10_000;
