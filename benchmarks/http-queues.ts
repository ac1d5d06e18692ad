// Signed transactions over HTTP: autocannon with one connection per queue, each connection posting
// its queue's entries in order to POST /v1/tx and awaiting each answer. What the registration and
// circulation benchmarks share.
import autocannon from 'autocannon';
import { cpuPer, cpuTimeMs } from './registration/cpu-time.js';

export interface QueuesResult {
  /** Seconds autocannon ran. */
  seconds: number;
  /** 201 answers. */
  accepted: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** Refusals by problem code, connection errors and timeouts (none in a good run). */
  errors: Record<string, number>;
  /** Whether a queue ran out before the time was up (the run ended early). */
  exhausted: boolean;
  /** The body of the last 201, to verify its receipt. */
  lastBody: string;
  /** CPU ms per accepted transaction: the node's process, its main thread, and the load generator. */
  cpuMs: { process?: number; mainThread?: number; client?: number };
}

/** POST one signed transaction during setup; throws unless it is accepted (201). */
export async function postTransaction<T = { receipt: unknown; subject: { asset?: string } }>(
  nodeUrl: string,
  entry: Uint8Array,
): Promise<T> {
  const response = await fetch(`${nodeUrl}v1/tx`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: new TextDecoder().decode(entry),
  });
  if (response.status !== 201) throw new Error(`POST /v1/tx: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export async function postQueues(
  node: { url: string; pid: number },
  queues: readonly (readonly Uint8Array[])[],
  seconds: number,
): Promise<QueuesResult> {
  const length = Math.min(...queues.map((q) => q.length));
  let assigned = 0;
  let exhausted = false;
  const errors: Record<string, number> = {};
  let lastBody = '';
  let instance: autocannon.Instance | undefined;
  // Request i of a connection is the i-th entry of that connection's queue; the context (per
  // connection) says which queue that is. It is reset only after the last one.
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
      return { ...request, body: Buffer.from(queue[i]!) };
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
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: node.url,
        connections: queues.length,
        pipelining: 1,
        duration: seconds,
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
  const accepted = result['2xx'];
  return {
    seconds: result.duration,
    accepted,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    errors: {
      ...errors,
      ...(result.errors ? { connection: result.errors } : {}),
      ...(result.timeouts ? { timeout: result.timeouts } : {}),
    },
    exhausted,
    lastBody,
    cpuMs: {
      process: cpuPer(node0, node1, accepted),
      mainThread: cpuPer(nodeMain0, nodeMain1, accepted),
      client: cpuPer(client0, client1, accepted),
    },
  };
}
