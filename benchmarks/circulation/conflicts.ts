// The conflict test's throughput: 500 works, each offered to its recipient; then, all at once over
// HTTP, every recipient accepts while every owner offers the work to someone else instead (1,000
// requests). Exactly one of each pair may take effect; the run checks that, and times the burst.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataDir } from '@cinnabar/node';
import { NodeProcess } from '../../packages/cli/test/support/node-process.js';
import { postTransaction } from '../http-queues.js';
import {
  BenchIdentity,
  benchIdentities,
  identityEntries,
  registrationEntries,
  writeBlobs,
} from '../registration/fixtures.js';
import { nowMs } from '../support.js';

export interface ConflictResult {
  backend: string;
  pairs: number;
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  /** Pairs the acceptance won, and pairs the new offer won; they add up to `pairs`. */
  acceptedFirst: number;
  reOfferedFirst: number;
}

export async function conflictBurst(options: {
  backend: 'sqlite' | 'postgres';
  databaseUrl?: string;
  pairs: number;
}): Promise<ConflictResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cinnabar-bench-conflicts-'));
  const node = await NodeProcess.start({ dataDir, port: 0, databaseUrl: options.databaseUrl });
  try {
    const post = (entry: Uint8Array) => postTransaction(node.url, entry);
    const operator = new BenchIdentity((await loadDataDir(dataDir)).operator.seed);
    operator.seq = 1; // its genesis
    await post(
      operator.sign('policy.set', {
        policy: {
          realNameToRegister: false,
          market: {
            regime: 'open-market',
            transferNeedsAcceptance: true,
            holdingPeriodDays: 180,
            dailyGiftCap: 10,
          },
        },
      }),
    );
    const label = `cinnabar-bench-conflicts-${process.pid}-${Date.now()}`;
    const owners = benchIdentities(`${label}-owner`, options.pairs);
    const recipients = benchIdentities(`${label}-recipient`, options.pairs);
    const [third] = benchIdentities(`${label}-third`, 1);
    await Promise.all(
      [...identityEntries(owners), ...identityEntries(recipients), ...identityEntries([third!])].map(post),
    );
    const { queues, blobs } = registrationEntries(owners, 1, label, new Date().toISOString());
    await writeBlobs(join(dataDir, 'blobs'), blobs, false);
    const assets = await Promise.all(queues.map(async ([r]) => (await post(r!.entry)).subject.asset!));
    const offers = await Promise.all(
      assets.map((asset, i) =>
        postTransaction<{ txId: string }>(
          node.url,
          owners[i]!.sign('asset.transfer', { asset, to: recipients[i]!.did }),
        ),
      ),
    );
    const requests = assets.flatMap((asset, i) => [
      {
        pair: i,
        kind: 'accept',
        entry: recipients[i]!.sign('asset.accept', { asset, transfer: offers[i]!.txId }),
      },
      { pair: i, kind: 're-offer', entry: owners[i]!.sign('asset.transfer', { asset, to: third!.did }) },
    ]);
    const t0 = nowMs();
    const statuses = await Promise.all(
      requests.map(async (r) => {
        const res = await fetch(`${node.url}v1/tx`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: Buffer.from(r.entry),
        });
        await res.arrayBuffer();
        return { ...r, status: res.status };
      }),
    );
    const seconds = (nowMs() - t0) / 1000;
    let acceptedFirst = 0;
    let reOfferedFirst = 0;
    for (let i = 0; i < options.pairs; i++) {
      const [accept, reOffer] = statuses.filter((s) => s.pair === i);
      const won = [accept!.status, reOffer!.status].filter((s) => s === 201).length;
      if (won !== 1)
        throw new Error(`pair ${i}: ${accept!.status} / ${reOffer!.status}: not exactly one took effect`);
      if (accept!.status === 201) acceptedFirst++;
      else reOfferedFirst++;
    }
    return {
      backend: options.backend,
      pairs: options.pairs,
      requests: requests.length,
      seconds,
      requestsPerSecond: requests.length / seconds,
      acceptedFirst,
      reOfferedFirst,
    };
  } finally {
    await node.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
