// Supervision reports and alerts (packages/node/src/supervision) at about a million log entries, on
// either backend: the time of each report as GET /v1/supervision/... runs it (activity by month,
// by day and regime, by week and media type, a month's range; the top holders; the alerts, on the
// first request and on each after 1,000 more entries).
//
// The data: `entries` entries over two years (2025-2026), written through the storage's own
// commit() in batches of 10,000, so that the activity rows are the ones a node writes (commit derives
// them from the state rows). Each entry is one of: a registration (20%: its asset, revision-0 and
// media rows, 60% of them images with a perceptual hash), a transfer (45%: an asset event and the
// work's new owner), a listing (10%), a sale of an open listing (10%: the sale, the closed listing,
// the event, the new owner), a licence (10%), a real-name credential (5%; 1 in 50 commitments is
// shared by 5 identities). Planted: 200 wash-trading cycles and 200 bursts of 5 near-duplicate
// images. Entry 0 is a signed genesis and the middle entry a signed policy.set to cn-collectibles;
// the other entries are 32 placeholder bytes (the reports never read them, the alerts read the
// evidence's). Identities: 20,000. One seeded PRNG (mulberry32), so every run builds the same store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AssetEventRecord,
  type AssetRecord,
  type AssetRevisionRecord,
  assetEventKey,
  assetKey,
  assetRevisionKey,
  type CredentialRecord,
  credentialKey,
  didFromSeed,
  encodeTransaction,
  type LicenceRecord,
  type ListingRecord,
  type LogRef,
  licenceKey,
  listingKey,
  type SaleRecord,
  type StateRecord,
  saleKey,
  signTransaction,
} from '@cinnabar/core';
import { type LogStorage, PostgresStorage, SqliteStorage } from '@cinnabar/node';
import { LogReader } from '../../packages/node/src/http/log-reader.js';
import { stateRow } from '../../packages/node/src/ledger/node-ledger.js';
import type { MediaRow, StateRow } from '../../packages/node/src/storage/log-storage.js';
import { AlertIndex, listAlerts } from '../../packages/node/src/supervision/alerts.js';
import { activityReport, holdersReport } from '../../packages/node/src/supervision/reports.js';
import { fmt, mulberry32, nowMs } from '../support.js';

export interface ReportsOptions {
  backend: 'sqlite' | 'postgres';
  databaseUrl?: string;
  entries?: number;
  /** Timed runs of each report (after one untimed). */
  runs?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface ReportsResult {
  backend: string;
  entries: number;
  activityRows: number;
  buildSeconds: number;
  /** Each report's median time over the runs, in ms, and what it returned. */
  reports: { name: string; ms: number; min: number; rows: number }[];
}

const START = Date.parse('2025-01-01T00:00:00Z');
const SPAN = 2 * 365 * 86_400_000;
const BATCH = 10_000;

const hex = (random: () => number, n: number) => {
  let out = '';
  for (let i = 0; i < n; i++) out += Math.floor(random() * 16).toString(16);
  return out;
};

export async function reportsBench(options: ReportsOptions): Promise<ReportsResult> {
  const o = { entries: 1_000_000, runs: 5, seed: 7, log: () => {}, ...options };
  const dir = mkdtempSync(join(tmpdir(), 'cinnabar-reports-'));
  const storage: LogStorage =
    o.backend === 'postgres'
      ? new PostgresStorage(o.databaseUrl!)
      : new SqliteStorage(join(dir, 'log.sqlite'));
  try {
    await storage.init();
    if (!(await storage.tryAcquireWriterLock())) throw new Error('no writer lock');
    const t0 = nowMs();
    await fill(storage, o);
    const buildSeconds = (nowMs() - t0) / 1000;
    o.log(`  reports (${o.backend}): ${fmt(o.entries)} entries written in ${fmt(buildSeconds, 1)} s`);
    const reader = new LogReader(storage, undefined, 0);
    const entries = (start: number, count: number) => reader.entries(start, count);
    const tasks: [string, () => Promise<number>][] = [
      ['activity by month', async () => (await activityReport(storage, { bucket: 'month' })).rows.length],
      [
        'activity by day and regime',
        async () => (await activityReport(storage, { bucket: 'day', by: 'regime' })).rows.length,
      ],
      [
        'activity by week and media type',
        async () => (await activityReport(storage, { bucket: 'week', by: 'mediaType' })).rows.length,
      ],
      [
        'activity of one month by grade',
        async () =>
          (
            await activityReport(storage, {
              bucket: 'day',
              by: 'grade',
              from: Date.parse('2026-03-01T00:00:00Z'),
              to: Date.parse('2026-04-01T00:00:00Z'),
            })
          ).rows.length,
      ],
      ['top 100 holders', async () => (await holdersReport(storage, { limit: 100 })).holders.length],
      // The node's first request reads the whole history (up to 5,000 entries before the end here)…
      [
        'alerts: first request, every rule',
        async () => await alertsAt(storage, entries, new AlertIndex(), o.entries - GROWTH * RUNS_OF_GROWTH),
      ],
    ];
    const reports: ReportsResult['reports'] = [];
    for (const [name, run] of tasks) {
      await run();
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < o.runs; i++) {
        const t = nowMs();
        rows = await run();
        times.push(nowMs() - t);
      }
      times.sort((a, b) => a - b);
      const ms = times[Math.floor(times.length / 2)]!;
      reports.push({ name, ms: Math.round(ms), min: Math.round(times[0]!), rows });
      o.log(`  reports (${o.backend}): ${name}: ${fmt(ms)} ms (${fmt(rows)} rows)`);
    }
    // …then each request after 1,000 more entries reads those and what they change. The reads
    // stop at the size asked for, so an index brought from N - 5,000 to N in steps of 1,000 sees
    // exactly what a node sees as the last 5,000 entries are appended.
    const index = new AlertIndex();
    let size = o.entries - GROWTH * RUNS_OF_GROWTH;
    await alertsAt(storage, entries, index, size);
    const steps: number[] = [];
    let rows = 0;
    for (let i = 0; i < RUNS_OF_GROWTH; i++) {
      size += GROWTH;
      const t = nowMs();
      rows = await alertsAt(storage, entries, index, size);
      steps.push(nowMs() - t);
    }
    const whole = await alertsAt(storage, entries, new AlertIndex(), o.entries);
    if (whole !== rows) throw new Error(`${rows} alerts kept up to date, ${whole} from the whole history`);
    steps.sort((a, b) => a - b);
    const grown = steps[Math.floor(steps.length / 2)]!;
    reports.push({
      name: 'alerts: after 1,000 more entries',
      ms: Math.round(grown),
      min: Math.round(steps[0]!),
      rows,
    });
    o.log(
      `  reports (${o.backend}): alerts after 1,000 more entries: ${fmt(grown)} ms (${fmt(rows)} alerts)`,
    );
    const activityRows = (
      await storage.readActivity(['registration', 'transfer', 'sale', 'licence', 'listing'])
    ).length;
    return { backend: o.backend, entries: o.entries, activityRows, buildSeconds, reports };
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Entries appended between two timed requests for alerts, and how many such requests. */
const GROWTH = 1_000;
const RUNS_OF_GROWTH = 5;

/**
 * The alerts report as the node makes it over the log's first `size` entries (100 shown, with their
 * evidence's transaction ids); the count of every alert found.
 */
async function alertsAt(
  storage: LogStorage,
  entries: (start: number, count: number) => Promise<Uint8Array[]>,
  index: AlertIndex,
  size: number,
): Promise<number> {
  const { thresholds } = await listAlerts(storage, entries, { limit: 100 }, { index, size });
  return (await index.alerts(storage, thresholds, size)).length;
}

interface Held {
  record: AssetRecord;
}

/** Write the benchmark's store of `entries` entries into `storage` (deterministic for a seed). */
export async function fill(storage: LogStorage, o: { entries: number; seed: number }): Promise<void> {
  const random = mulberry32(o.seed);
  const operatorSeed = new Uint8Array(32).fill(1);
  const operator = didFromSeed(operatorSeed);
  // did:key-shaped names (the reports never decode them; deriving 20,000 keys would take longer than the rest).
  const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  const dids = Array.from({ length: 20_000 }, (_, i) =>
    i === 0
      ? operator
      : `did:key:z6Mk${Array.from({ length: 44 }, () => BASE58[Math.floor(random() * 58)]).join('')}`,
  );
  const pick = () => dids[1 + Math.floor(random() * (dids.length - 1))]!;
  const signed = (type: string, seq: number, time: number, body: object) =>
    encodeTransaction(
      signTransaction(
        { v: 1, type, actor: operator, seq, time: new Date(time).toISOString(), body: body as never },
        operatorSeed,
      ),
    );
  const placeholder = new Uint8Array(32);
  const works: Held[] = [];
  const open: { listing: ListingRecord; work: Held }[] = [];
  const ledgerRecord = {
    kind: 'ledger' as const,
    operator,
    name: 'bench',
    policy: { realNameToRegister: false },
    genesis: { index: 0, txId: '0'.repeat(64), time: new Date(START).toISOString() },
  };
  let commitments: string[] = [];
  let wash = 0;
  let bursts = 0;
  const middle = Math.floor(o.entries / 2);
  for (let first = 0; first < o.entries; first += BATCH) {
    const rows = new Map<string, StateRow>();
    const media: MediaRow[] = [];
    const entries: Uint8Array[] = [];
    const put = (key: string, record: StateRecord) => rows.set(key, stateRow(key, record));
    let idx = first;
    const ref = (): LogRef => ({
      index: idx,
      txId: hex(random, 64),
      time: new Date(START + Math.floor((idx / o.entries) * SPAN)).toISOString(),
    });
    const move = (work: Held, to: string, at: LogRef, event: AssetEventRecord['event']) => {
      const from = work.record.owner;
      work.record = { ...work.record, owner: to, acquired: at };
      delete work.record.listing;
      put(assetKey(work.record.id), work.record);
      put(assetEventKey(work.record.id, at.index), {
        kind: 'asset-event',
        asset: work.record.id,
        event,
        from,
        to,
        at,
      });
    };
    const register = (at: LogRef, owner: string, phash: string | null) => {
      const id = at.txId;
      const metadata = {
        title: `Work ${at.index}`,
        creators: [{ name: 'Bench' }],
        licence: 'CC-BY-4.0',
        grade: (['general', 'important', 'core'] as const)[Math.floor(random() * 3)]!,
      };
      const mediaType = phash ? 'image/png' : random() < 0.5 ? 'model/gltf-binary' : 'text/plain';
      const record: AssetRecord = {
        kind: 'asset',
        id,
        cid: `bafkrei${'a'.repeat(52)}`,
        size: 1000,
        mediaType,
        owner,
        registrant: owner,
        revision: 0,
        metadata,
        registered: at,
        updated: at,
      };
      const revision: AssetRevisionRecord = {
        kind: 'asset-revision',
        asset: id,
        revision: 0,
        actor: owner,
        metadata,
        at,
      };
      put(assetKey(id), record);
      put(assetRevisionKey(id, 0), revision);
      if (phash) media.push({ asset: id, cid: record.cid, phash, geometry: null, idx: at.index });
      const held = { record };
      works.push(held);
      return held;
    };
    for (; idx < Math.min(o.entries, first + BATCH); idx++) {
      if (idx === 0) {
        entries.push(signed('ledger.genesis', 1, START, { name: 'bench', policy: ledgerRecord.policy }));
        put('ledger', ledgerRecord);
        continue;
      }
      if (idx === middle) {
        const policy = {
          realNameToRegister: false,
          market: {
            regime: 'cn-collectibles',
            transferNeedsAcceptance: true,
            holdingPeriodDays: 180,
            dailyGiftCap: 10,
          },
        };
        entries.push(signed('policy.set', 2, START + SPAN / 2, { policy }));
        put('ledger', { ...ledgerRecord, policy: policy as never });
        continue;
      }
      entries.push(placeholder);
      const at = ref();
      const r = random();
      // Planted patterns: a wash-trading cycle (4 moves between two identities), a burst of 5 copies.
      if (
        wash < 200 &&
        idx % 4999 === 7 &&
        works.length > 0 &&
        idx + 4 < first + BATCH &&
        idx + 4 < o.entries
      ) {
        wash++;
        const work = works[Math.floor(random() * works.length)]!;
        if (work.record.listing) continue;
        const [a, b] = [work.record.owner, pick()];
        for (let k = 0; k < 4; k++) {
          const step = k === 0 ? at : ref();
          move(work, k % 2 === 0 ? b : a!, step, 'transferred');
          if (k < 3) {
            idx++;
            entries.push(placeholder);
          }
        }
        continue;
      }
      if (bursts < 200 && idx % 4999 === 2500 && idx + 5 < first + BATCH && idx + 5 < o.entries) {
        bursts++;
        const base = hex(random, 16);
        const owner = pick();
        for (let k = 0; k < 5; k++) {
          const flipped = (Number.parseInt(base.slice(-1), 16) ^ (1 << (k % 4))).toString(16);
          register(k === 0 ? at : ref(), owner, `${base.slice(0, 15)}${flipped}`);
          if (k < 4) {
            idx++;
            entries.push(placeholder);
          }
        }
        continue;
      }
      if (r < 0.2 || works.length < 100) register(at, pick(), random() < 0.6 ? hex(random, 16) : null);
      else if (r < 0.65) {
        const work = works[Math.floor(random() * works.length)]!;
        if (work.record.listing) register(at, pick(), null);
        else move(work, pick(), at, 'transferred');
      } else if (r < 0.75) {
        const work = works[Math.floor(random() * works.length)]!;
        if (work.record.listing) {
          register(at, pick(), null);
          continue;
        }
        const price = `${1 + Math.floor(random() * 99_999)}.${String(Math.floor(random() * 100)).padStart(2, '0')}`;
        const listing: ListingRecord = {
          kind: 'listing',
          id: at.txId,
          asset: work.record.id,
          seller: work.record.owner,
          price,
          status: 'open',
          listed: at,
        };
        work.record = { ...work.record, listing: { id: listing.id, price } };
        put(assetKey(work.record.id), work.record);
        put(listingKey(work.record.id, listing.id), listing);
        open.push({ listing, work });
      } else if (r < 0.85) {
        const found = open.splice(Math.floor(random() * open.length), 1)[0];
        if (!found || found.work.record.listing?.id !== found.listing.id) {
          register(at, pick(), null);
          continue;
        }
        const buyer = pick();
        const listing = { ...found.listing, status: 'sold' as const, closed: at };
        const sale: SaleRecord = {
          kind: 'sale',
          id: at.txId,
          asset: listing.asset,
          listing: listing.id,
          seller: listing.seller,
          buyer,
          settledBy: listing.seller,
          price: listing.price,
          paymentHash: 'ab'.repeat(32),
          split: {
            seller: listing.price,
            creator: { did: found.work.record.registrant, amount: '0.00', basisPoints: 0 },
            platform: { did: operator, amount: '0.00', basisPoints: 0 },
          },
          at,
        };
        put(listingKey(listing.asset, listing.id), listing);
        put(saleKey(sale.asset, sale.id), sale);
        move(found.work, buyer, at, 'sold');
      } else if (r < 0.95) {
        const work = works[Math.floor(random() * works.length)]!;
        const licence: LicenceRecord = {
          kind: 'licence',
          id: at.txId,
          asset: work.record.id,
          grantor: work.record.owner,
          licensee: pick(),
          terms: {
            uses: ['display'],
            territory: 'worldwide',
            start: '2025-01-01',
            exclusive: false,
            sublicensable: false,
            royaltyBasisPoints: 0,
            legalTextHash: 'cd'.repeat(32),
          },
          granted: at,
        };
        put(licenceKey(licence.asset, licence.id), licence);
      } else {
        // A real-name credential; every 50th commitment is given to 5 identities.
        if (commitments.length === 0) {
          const shared = `sha256:${hex(random, 64)}`;
          commitments = random() < 0.02 ? [shared, shared, shared, shared, shared] : [shared];
        }
        const commitment = commitments.pop()!;
        const subject = pick();
        const id = `urn:uuid:${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-8${hex(random, 3)}-${hex(random, 12)}`;
        const record: CredentialRecord = {
          kind: 'credential',
          id,
          issuer: operator,
          subject,
          credentialType: 'real-name',
          credential: {
            '@context': ['https://www.w3.org/ns/credentials/v2'],
            id,
            type: ['VerifiableCredential', 'CinnabarRealNameCredential'],
            issuer: operator,
            validFrom: '2025-01-01T00:00:00Z',
            credentialSubject: { id: subject, realName: { commitment, method: 'resident-id-card' } },
            proof: {
              type: 'DataIntegrityProof',
              cryptosuite: 'eddsa-jcs-2022',
              verificationMethod: `${operator}#key`,
              proofPurpose: 'assertionMethod',
              proofValue: `z${'1'.repeat(86)}`,
            },
          },
          issued: at,
        };
        put(credentialKey(id), record);
      }
    }
    await storage.commit({
      firstIndex: first,
      entries,
      tiles: [],
      checkpoint: { size: first + entries.length, rootHash: new Uint8Array(32), note: 'bench reports\n' },
      ledger: { rows: [...rows.values()], media, marks: [] },
    });
  }
}
