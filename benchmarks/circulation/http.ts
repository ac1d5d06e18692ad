// Transfers over HTTP: 64 pairs of identities, each pair passing one work back and forth
// (asset.transfer, open-market policy, no acceptance needed), one autocannon connection per pair,
// every transfer pre-signed, durable and answered with its receipt.
// Sales: the same pairs selling the work to each other: the holder lists it (listing.create), then
// settles the sale (sale.settle, with the royalty split on every resale); a listing's id is its
// entry's hash, so the whole chain is signed up front too. A sale is counted per settlement.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseReceipt, transactionId, verifyReceipt } from '@cinnabar/core';
import { loadDataDir } from '@cinnabar/node';
import { NodeProcess } from '../../packages/cli/test/support/node-process.js';
import { postQueues, postTransaction } from '../http-queues.js';
import {
  benchIdentities,
  identityEntries,
  registrationEntries,
  writeBlobs,
} from '../registration/fixtures.js';

export interface TransferOptions {
  backend: 'sqlite' | 'postgres';
  /** transfer: asset.transfer back and forth; sale: listing.create then sale.settle, back and forth. */
  kind: 'transfer' | 'sale';
  databaseUrl?: string;
  /** Pairs, each on its own connection. */
  pairs: number;
  seconds: number;
  /** Transfers signed up front per second of the run. */
  expectedPerSecond: number;
}

export interface TransferResult {
  mode: 'http';
  kind: 'transfer' | 'sale';
  backend: string;
  pairs: number;
  seconds: number;
  /** Transfers, or sales settled. */
  transfers: number;
  perSecond: number;
  /** Transactions accepted (a sale is two: its listing and its settlement). */
  transactions: number;
  latencyMs: { p50: number; p99: number; max: number };
  errors: Record<string, number>;
  exhausted: boolean;
  cpuMsPerTransfer: { process?: number; mainThread?: number; client?: number };
}

export async function transferHttp(options: TransferOptions): Promise<TransferResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cinnabar-bench-transfer-'));
  const node = await NodeProcess.start({ dataDir, port: 0, databaseUrl: options.databaseUrl });
  try {
    const post = (entry: Uint8Array) => postTransaction(node.url, entry);
    const label = `cinnabar-bench-transfer-${process.pid}-${Date.now()}`;
    const givers = benchIdentities(`${label}-a`, options.pairs);
    const takers = benchIdentities(`${label}-b`, options.pairs);
    await Promise.all([...identityEntries(givers), ...identityEntries(takers)].map(post));
    // One work for each giver, its blob already in the node's store.
    const time = new Date(Date.now() + 2 * 60_000).toISOString();
    const { queues, blobs } = registrationEntries(givers, 1, label, time);
    await writeBlobs(join(dataDir, 'blobs'), blobs, true);
    const assets = await Promise.all(queues.map(async ([r]) => (await post(r!.entry)).subject.asset!));

    // Back and forth: giver to taker, taker to giver, ... each signed at its signer's next seq.
    const perPair = Math.ceil((options.seconds * options.expectedPerSecond) / options.pairs);
    const transfers = assets.map((asset, i) =>
      Array.from({ length: perPair }, (_, k) => {
        const [from, to] = k % 2 === 0 ? [givers[i]!, takers[i]!] : [takers[i]!, givers[i]!];
        if (options.kind === 'transfer') return [from.sign('asset.transfer', { asset, to: to.did }, time)];
        const price = `${100 + (k % 900)}.00`;
        const listing = from.sign('listing.create', { asset, price }, time);
        const body = {
          asset,
          listing: transactionId(listing),
          buyer: to.did,
          price,
          paymentHash: transactionId(listing),
        };
        return [listing, from.sign('sale.settle', body, time)];
      }).flat(),
    );
    const run = await postQueues(node, transfers, options.seconds);
    if (run.lastBody) {
      const { vkey } = await loadDataDir(dataDir);
      const { receipt } = JSON.parse(run.lastBody) as { receipt: unknown };
      const verdict = verifyReceipt(parseReceipt(JSON.stringify(receipt)), { vkey });
      if (!verdict.ok) throw new Error(`a receipt does not verify: ${JSON.stringify(verdict)}`);
    }
    const perItem = options.kind === 'transfer' ? 1 : 2;
    return {
      mode: 'http',
      kind: options.kind,
      backend: options.backend,
      pairs: options.pairs,
      seconds: run.seconds,
      transfers: Math.floor(run.accepted / perItem),
      perSecond: Math.floor(run.accepted / perItem) / run.seconds,
      transactions: run.accepted,
      latencyMs: run.latencyMs,
      errors: run.errors,
      exhausted: run.exhausted,
      cpuMsPerTransfer: run.cpuMs,
    };
  } finally {
    await node.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
