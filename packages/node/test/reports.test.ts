// Supervision reports on a real node, on SQLite and PostgreSQL: a ledger built through signed
// transactions (registrations, a transfer, a listing and its sale, editions, a licence, a change
// of regime), then the activity by month, week and day, by regime, media type and grade, the
// largest holders, as JSON and as RFC 4180 CSV, the figures checked exactly; hostile query
// parameters get 400s; a store from before the activity table (schema version 4) is filled in
// when the node starts on it, with the same figures.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { utf8Encode } from '@cinnabar/core';
import { Value } from '@sinclair/typebox/value';
import { API_SCHEMAS } from '../src/http/api-schemas.js';
import { startNode } from '../src/index.js';
import { csvField, toCsv } from '../src/supervision/csv.js';
import { periodOf } from '../src/supervision/reports.js';
import { BACKENDS, type BackendFixture, createBackend } from './support/backends.js';
import { LedgerClient, picturePng, TestActor } from './support/ledger-fixture.js';
import { tamper } from './support/tamper.js';

const YEAR_MS = 366 * 86_400_000;

/** Forget the activity table, as a store from schema version 4 would be. */
function dropActivity(fixture: BackendFixture): Promise<void> {
  return tamper(fixture, (db) =>
    db.exec(
      "DROP TABLE {activity}; DROP TABLE {policy_changes}; DELETE FROM {meta} WHERE key = 'activity_indexed'; UPDATE {meta} SET value = '4' WHERE key = 'schema_version'",
    ),
  );
}

const terms = {
  uses: ['display'],
  territory: 'worldwide',
  start: '2026-01-01',
  exclusive: false,
  sublicensable: false,
  royaltyBasisPoints: 0,
  legalTextHash: 'ab'.repeat(32),
};

/** Register bytes as `actor` at `time`. */
async function registerAt(
  client: LedgerClient,
  actor: TestActor,
  bytes: Uint8Array,
  time: string,
  metadata: Record<string, unknown>,
): Promise<{ asset: string; mediaType: string; index: number }> {
  const { cid, size, mediaType } = await client.put(actor, bytes);
  const accepted = await client.accept(
    actor,
    'asset.register',
    {
      cid,
      size,
      mediaType,
      title: 'A work',
      creators: [{ name: 'Workshop of the test' }],
      licence: 'CC-BY-4.0',
      grade: 'general',
      ...metadata,
    },
    { time },
  );
  return { asset: accepted.subject.asset!, mediaType, index: accepted.index };
}

interface ActivityRow {
  period: string;
  group?: string | null;
  registrations: number;
  transfers: number;
  sales: number;
  salesFen: string;
  salesYuan: string;
  licences: number;
}

function row(period: string, counts: Partial<ActivityRow>, group?: string | null): ActivityRow {
  return {
    period,
    ...(group === undefined ? {} : { group }),
    registrations: 0,
    transfers: 0,
    sales: 0,
    salesFen: '0',
    salesYuan: '0.00',
    licences: 0,
    ...counts,
  };
}

function schemaIssues(name: keyof typeof API_SCHEMAS, body: unknown): string[] {
  return [...Value.Errors(API_SCHEMAS[name], body)].map((e) => `${name}${e.path}: ${e.message}`);
}

describe('CSV (RFC 4180) with formula cells defused', () => {
  test('quotes commas, quotes and line breaks; an apostrophe before = + - @ tab and CR', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\r\nlines'), '"two\r\nlines"');
    assert.equal(csvField('=HYPERLINK("http://x")'), '"\'=HYPERLINK(""http://x"")"');
    assert.equal(csvField('+1'), "'+1");
    assert.equal(csvField('-2+3'), "'-2+3");
    assert.equal(csvField('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvField('\tx'), "'\tx");
    assert.equal(csvField('\rx'), '"\'\rx"');
    assert.equal(csvField(-5), '-5');
    assert.equal(csvField(12345678901234567890n), '12345678901234567890');
    assert.equal(csvField(null), '');
    assert.equal(
      toCsv(
        ['a', 'b'],
        [
          ['1', '=2'],
          [null, 'x,y'],
        ],
      ),
      'a,b\r\n1,\'=2\r\n,"x,y"\r\n',
    );
  });

  test('periods: UTC days, ISO weeks from Monday, months', () => {
    const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
    assert.equal(periodOf(day('2026-03-01'), 'day'), '2026-03-01');
    assert.equal(periodOf(day('2026-03-01'), 'week'), '2026-02-23'); // a Sunday: its week began on Monday
    assert.equal(periodOf(day('2026-03-02'), 'week'), '2026-03-02'); // a Monday
    assert.equal(periodOf(day('1970-01-01'), 'week'), '1969-12-29');
    assert.equal(periodOf(day('2026-03-31'), 'month'), '2026-03');
  });
});

for (const backend of BACKENDS) {
  describe(`supervision reports on ${backend}`, () => {
    test('activity by period, regime, media type and grade; the largest holders; JSON and CSV; hostile queries; a version 4 store filled in', async () => {
      const fixture = await createBackend(backend);
      const start = () =>
        startNode({
          dataDir: fixture.dataDir,
          databaseUrl: fixture.databaseUrl,
          port: 0,
          origin: `reports.test/${backend}`,
          // Transactions dated through 2026, so that the periods are known.
          maxClockSkewMs: 2 * YEAR_MS,
        });
      let node = await start();
      const ann = new TestActor('ann');
      const bob = new TestActor('bob');
      const cat = new TestActor('cat');
      let media: { picture: string; text: string };
      const reports: Record<string, string> = {};
      const urls = [
        '/v1/supervision/reports/activity',
        '/v1/supervision/reports/activity?bucket=day&by=regime',
        '/v1/supervision/reports/activity?bucket=week&by=mediaType&format=csv',
        '/v1/supervision/reports/activity?by=grade&from=2026-02-01&to=2026-03-01T00:00:00Z',
        '/v1/supervision/reports/holders?limit=2&format=csv',
        '/v1/supervision/reports/holders',
      ];
      try {
        const client = new LedgerClient(node);
        const operator = new TestActor('operator', node.operatorKey.seed);
        operator.seq = 1;
        for (const [actor, name] of [
          [ann, 'Ann'],
          [bob, 'Bob'],
          [cat, 'Cat'],
        ] as const)
          await client.accept(
            actor,
            'identity.register',
            { kind: 'person', name },
            { time: '2026-01-02T08:00:00Z' },
          );
        // January: an image (general) by Ann, a text (important) by Bob.
        const w1 = await registerAt(client, ann, picturePng(64, 48, 7), '2026-01-10T09:00:00Z', {
          grade: 'general',
        });
        const w2 = await registerAt(client, bob, utf8Encode('a short text'), '2026-01-20T09:00:00Z', {
          grade: 'important',
        });
        media = { picture: w1.mediaType, text: w2.mediaType };
        assert.notEqual(media.picture, media.text);
        // February: Ann gives the image to Bob (Tue 3rd), who sells it to Cat for 100.50 (Tue 10th).
        await client.accept(
          ann,
          'asset.transfer',
          { asset: w1.asset, to: bob.did },
          { time: '2026-02-03T10:00:00Z' },
        );
        const listing = await client.accept(
          bob,
          'listing.create',
          { asset: w1.asset, price: '100.50' },
          { time: '2026-02-10T10:00:00Z' },
        );
        await client.accept(
          bob,
          'sale.settle',
          {
            asset: w1.asset,
            listing: listing.txId,
            buyer: cat.did,
            price: '100.50',
            paymentHash: 'cd'.repeat(32),
          },
          { time: '2026-02-10T11:00:00Z' },
        );
        // Bob issues 3 editions of his text; Cat licenses the image to Ann (March 1st, a Sunday).
        await client.accept(
          bob,
          'edition.issue',
          { asset: w2.asset, supply: 3 },
          { time: '2026-02-20T10:00:00Z' },
        );
        await client.accept(
          cat,
          'licence.grant',
          { asset: w1.asset, licensee: ann.did, terms },
          { time: '2026-03-01T10:00:00Z' },
        );
        // The operator moves to the cn-collectibles regime; Ann registers a third work under it.
        await client.accept(
          operator,
          'policy.set',
          {
            policy: {
              realNameToRegister: false,
              market: {
                regime: 'cn-collectibles',
                transferNeedsAcceptance: true,
                holdingPeriodDays: 180,
                dailyGiftCap: 10,
              },
            },
          },
          { time: '2026-03-02T10:00:00Z' },
        );
        await registerAt(client, ann, utf8Encode('a third work'), '2026-03-05T09:00:00Z', { grade: 'core' });

        // By month.
        const monthly = await client.getJson<{ rows: ActivityRow[]; bucket: string; by: null }>(urls[0]!);
        assert.deepEqual(schemaIssues('ActivityReport', monthly), []);
        assert.equal(monthly.bucket, 'month');
        assert.deepEqual(monthly.rows, [
          row('2026-01', { registrations: 2 }),
          row('2026-02', { transfers: 1, sales: 1, salesFen: '10050', salesYuan: '100.50' }),
          row('2026-03', { registrations: 1, licences: 1 }),
        ]);
        // By day and regime: the regime in force at each entry.
        const daily = await client.getJson<{ rows: ActivityRow[] }>(urls[1]!);
        assert.deepEqual(daily.rows, [
          row('2026-01-10', { registrations: 1 }, 'open-market'),
          row('2026-01-20', { registrations: 1 }, 'open-market'),
          row('2026-02-03', { transfers: 1 }, 'open-market'),
          row('2026-02-10', { sales: 1, salesFen: '10050', salesYuan: '100.50' }, 'open-market'),
          row('2026-03-01', { licences: 1 }, 'open-market'),
          row('2026-03-05', { registrations: 1 }, 'cn-collectibles'),
        ]);
        // By ISO week and media type, as CSV: the image's transfer, sale and licence count as images.
        const weekly = await client.get(urls[2]!);
        assert.equal(weekly.statusCode, 200);
        assert.match(String(weekly.headers['content-type']), /^text\/csv; charset=utf-8/);
        const [pic, txt] = [media.picture, media.text].map((m) => csvField(m));
        assert.equal(
          weekly.body,
          [
            'period,mediaType,registrations,transfers,sales,salesFen,salesYuan,licences',
            `2026-01-05,${pic},1,0,0,0,0.00,0`,
            `2026-01-19,${txt},1,0,0,0,0.00,0`,
            `2026-02-02,${pic},0,1,0,0,0.00,0`,
            `2026-02-09,${pic},0,0,1,10050,100.50,0`,
            `2026-02-23,${pic},0,0,0,0,0.00,1`,
            `2026-03-02,${txt},1,0,0,0,0.00,0`,
            '',
          ].join('\r\n'),
        );
        // By grade within February only (to is not counted).
        const february = await client.getJson<{ rows: ActivityRow[]; from: string; to: string }>(urls[3]!);
        assert.deepEqual(february.rows, [
          row('2026-02', { transfers: 1, sales: 1, salesFen: '10050', salesYuan: '100.50' }, 'general'),
        ]);
        assert.deepEqual(
          [february.from, february.to],
          ['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
        );
        // The largest holders: Bob (his text and its 3 editions), then Ann and Cat (one each), by DID.
        const holders = await client.getJson<{ holders: { rank: number; owner: string; items: number }[] }>(
          urls[5]!,
        );
        assert.deepEqual(schemaIssues('HoldersReport', holders), []);
        const [first, second] = [ann, cat].sort((a, b) => (a.did < b.did ? -1 : 1));
        const operatorHolds = holders.holders.some((h) => h.owner === node.operator);
        assert.equal(operatorHolds, false);
        assert.deepEqual(holders.holders, [
          { rank: 1, owner: bob.did, items: 4 },
          { rank: 2, owner: first!.did, items: 1 },
          { rank: 3, owner: second!.did, items: 1 },
        ]);
        const top2 = await client.get(urls[4]!);
        assert.equal(top2.body, `rank,owner,items\r\n1,${bob.did},4\r\n2,${first!.did},1\r\n`);
        assert.match(String(top2.headers['content-disposition']), /attachment; filename="holders.csv"/);

        // Hostile query parameters: each a 400 with a stable code, the report never run.
        const hostile: [string, string][] = [
          ['/v1/supervision/reports/activity?bucket=year', 'invalid_query'],
          ['/v1/supervision/reports/activity?by=owner', 'invalid_query'],
          ['/v1/supervision/reports/activity?format=xml', 'invalid_query'],
          ['/v1/supervision/reports/activity?bucket=day&bucket=week', 'invalid_query'],
          ['/v1/supervision/reports/activity?from=yesterday', 'invalid_query'],
          ['/v1/supervision/reports/activity?from=2026-01-01T00:00:00%2B08:00', 'invalid_query'],
          [`/v1/supervision/reports/activity?from=${'2'.repeat(5000)}`, 'invalid_query'],
          ['/v1/supervision/reports/activity?from=2026-02-30', 'invalid_report_range'],
          ['/v1/supervision/reports/activity?to=2026-13-01', 'invalid_report_range'],
          ['/v1/supervision/reports/activity?from=2026-03-01&to=2026-03-01', 'invalid_report_range'],
          ['/v1/supervision/reports/activity?from=2026-03-02&to=2026-03-01', 'invalid_report_range'],
          ['/v1/supervision/reports/activity?owner=x', 'invalid_query'],
          ['/v1/supervision/reports/activity?__proto__=1', 'invalid_query'],
          ['/v1/supervision/reports/holders?limit=0', 'invalid_query'],
          ['/v1/supervision/reports/holders?limit=1001', 'invalid_query'],
          ['/v1/supervision/reports/holders?limit=01', 'invalid_query'],
          ['/v1/supervision/reports/holders?limit=-1', 'invalid_query'],
          ['/v1/supervision/reports/holders?limit=1e3', 'invalid_query'],
          ['/v1/supervision/alerts?rule=everything', 'invalid_query'],
          ['/v1/supervision/alerts?limit=99999', 'invalid_query'],
          ['/v1/supervision/alerts?format=csv&format=json', 'invalid_query'],
        ];
        for (const [url, code] of hostile) {
          const res = await client.get(url);
          assert.equal(res.statusCode, 400, `${url}: ${res.body.slice(0, 200)}`);
          assert.match(String(res.headers['content-type']), /^application\/problem\+json/, url);
          assert.equal((res.json() as { code: string }).code, code, url);
        }
        for (const url of urls) reports[url] = (await client.get(url)).body;
      } finally {
        await node.close();
      }

      // A store from version 4: the activity is filled in from the state and the log at start.
      await dropActivity(fixture);
      node = await start();
      try {
        const client = new LedgerClient(node);
        for (const url of urls) assert.equal((await client.get(url)).body, reports[url], url);
      } finally {
        await node.close();
        await fixture.cleanup();
      }
    });
  });
}
