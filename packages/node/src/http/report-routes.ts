/**
 * Supervision in the open: market reports and suspicious-pattern alerts, for anyone to read, as
 * JSON or CSV. GET /v1/supervision/reports/activity, /v1/supervision/reports/holders and
 * /v1/supervision/alerts; every query parameter is checked, and a malformed one is a 400.
 */
import { isUtcTime } from '@cinnabar/core';
import { type TObject, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { LedgerReads, SupervisionReads } from '../storage/log-storage.js';
import { ALERTS_DEFAULTS, AlertIndex, alertsCsv, listAlerts } from '../supervision/alerts.js';
import { DETECTION_RULES, type DetectionRule } from '../supervision/detection.js';
import {
  ACTIVITY_REPORT_DEFAULTS,
  activityCsv,
  activityReport,
  HOLDERS_REPORT_DEFAULTS,
  holdersCsv,
  holdersReport,
  REPORT_BREAKDOWNS,
  REPORT_BUCKETS,
  type ReportBreakdown,
  type ReportBucket,
} from '../supervision/reports.js';
import { ProblemError } from './problems.js';

export interface ReportRoutesOptions {
  /** The node's storage: its ledger reads, with the supervision reads (SupervisionReads). */
  ledger: LedgerReads;
  /** The log's entries (for the evidence's transaction ids). */
  entries: (start: number, count: number) => Promise<Uint8Array[]>;
  /**
   * The size of the log's latest checkpoint. Given, the alerts are of the log up to it, and the
   * rules read only what was appended since the last request (the first reads the whole history,
   * seconds at a million entries: BENCHMARKS.md); without it, every request reads everything.
   */
  logSize?: () => Promise<number>;
}

/** Alert reports kept, by log size, rule and limit. */
const ALERTS_CACHED = 8;

export const CSV_MEDIA_TYPE = 'text/csv; charset=utf-8; header=present';

const FORMAT = Type.Optional(
  Type.Union([Type.Literal('json'), Type.Literal('csv')], {
    description: 'json (default) or csv (RFC 4180)',
  }),
);
const INSTANT = (what: string) =>
  Type.Optional(
    Type.String({
      pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{3})?Z)?$',
      maxLength: 24,
      description: `${what}: a day (YYYY-MM-DD, its start in UTC) or an RFC 3339 UTC time`,
    }),
  );
const LIMIT = (max: number, fallback: number) =>
  Type.Optional(
    Type.String({
      pattern: '^[1-9][0-9]{0,3}$',
      maxLength: 4,
      description: `How many, 1 to ${max} (default ${fallback})`,
    }),
  );

export const ActivityReportQuery = Type.Object(
  {
    from: INSTANT('The first instant counted (default: the start of the log)'),
    to: INSTANT('The first instant not counted (default: now and after)'),
    bucket: Type.Optional(
      Type.Union(
        REPORT_BUCKETS.map((b) => Type.Literal(b)),
        {
          description: `UTC day, ISO week (from Monday) or calendar month (default ${ACTIVITY_REPORT_DEFAULTS.bucket})`,
        },
      ),
    ),
    by: Type.Optional(
      Type.Union(
        REPORT_BREAKDOWNS.map((b) => Type.Literal(b)),
        {
          description:
            'Break each period down by the policy regime in force, the media type, or the data grade',
        },
      ),
    ),
    format: FORMAT,
  },
  { additionalProperties: false },
);

export const MAX_REPORT_LIMIT = 1000;

export const HoldersReportQuery = Type.Object(
  { limit: LIMIT(MAX_REPORT_LIMIT, HOLDERS_REPORT_DEFAULTS.limit), format: FORMAT },
  { additionalProperties: false },
);

export const AlertsQuery = Type.Object(
  {
    rule: Type.Optional(
      Type.Union(
        DETECTION_RULES.map((r) => Type.Literal(r)),
        { description: "Only this rule's alerts (default: every rule's)" },
      ),
    ),
    limit: LIMIT(MAX_REPORT_LIMIT, ALERTS_DEFAULTS.limit),
    format: FORMAT,
  },
  { additionalProperties: false },
);

function checkedQuery<T extends TObject>(schema: T, query: unknown): Record<string, string | undefined> {
  if (!Value.Check(schema, query)) {
    const first = Value.Errors(schema, query).First();
    throw new ProblemError(
      'invalid_query',
      `${first?.path.slice(1) || 'query'}: ${first?.message ?? 'malformed'}`,
    );
  }
  return query as Record<string, string | undefined>;
}

/** A day or a time of the query as milliseconds; a day that is not on the calendar is refused. */
function instant(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const time = text.length === 10 ? `${text}T00:00:00Z` : text;
  if (!isUtcTime(time))
    throw new ProblemError('invalid_report_range', `${name}: ${text} is not a day or time on the calendar`);
  return Date.parse(time);
}

function limitOf(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (n > MAX_REPORT_LIMIT)
    throw new ProblemError('invalid_query', `limit: at most ${MAX_REPORT_LIMIT}, not ${text}`);
  return n;
}

/** The supervision reads of the storage (every storage class has them). */
function supervision(ledger: LedgerReads): LedgerReads & SupervisionReads {
  const reads = ledger as LedgerReads & Partial<SupervisionReads>;
  if (typeof reads.activityByDay !== 'function')
    throw new Error('this storage does not keep the activity that reports read');
  return reads as LedgerReads & SupervisionReads;
}

function send(
  reply: FastifyReply,
  format: string | undefined,
  name: string,
  json: unknown,
  csv: () => string,
) {
  if (format !== 'csv') return json;
  return reply
    .header('content-type', CSV_MEDIA_TYPE)
    .header('content-disposition', `attachment; filename="${name}.csv"`)
    .send(csv());
}

export async function reportRoutes(app: FastifyInstance, options: ReportRoutesOptions): Promise<void> {
  const { ledger, entries } = options;

  app.get('/v1/supervision/reports/activity', async (request, reply) => {
    const query = checkedQuery(ActivityReportQuery, request.query);
    const from = instant('from', query.from);
    const to = instant('to', query.to);
    if (from !== undefined && to !== undefined && from >= to)
      throw new ProblemError('invalid_report_range', `from (${query.from}) must be before to (${query.to})`);
    const report = await activityReport(supervision(ledger), {
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
      bucket: (query.bucket as ReportBucket | undefined) ?? ACTIVITY_REPORT_DEFAULTS.bucket,
      ...(query.by === undefined ? {} : { by: query.by as ReportBreakdown }),
    });
    return send(reply, query.format, 'activity', report, () => activityCsv(report));
  });

  app.get('/v1/supervision/reports/holders', async (request, reply) => {
    const query = checkedQuery(HoldersReportQuery, request.query);
    const report = await holdersReport(supervision(ledger), {
      limit: limitOf(query.limit, HOLDERS_REPORT_DEFAULTS.limit),
    });
    return send(reply, query.format, 'holders', report, () => holdersCsv(report));
  });

  // The rules over the log up to its latest checkpoint, brought up to date as it grows; and the
  // last few reports made of them, by size, rule and limit.
  const alertIndex = new AlertIndex();
  const alertsCache = new Map<string, ReturnType<typeof listAlerts>>();
  app.get('/v1/supervision/alerts', async (request, reply) => {
    const query = checkedQuery(AlertsQuery, request.query);
    const alertOptions = {
      ...(query.rule === undefined ? {} : { rule: query.rule as DetectionRule }),
      limit: limitOf(query.limit, ALERTS_DEFAULTS.limit),
    };
    let pending: ReturnType<typeof listAlerts>;
    if (options.logSize) {
      const size = await options.logSize();
      const key = `${size} ${alertOptions.rule ?? '*'} ${alertOptions.limit}`;
      pending =
        alertsCache.get(key) ??
        listAlerts(supervision(ledger), entries, alertOptions, { index: alertIndex, size });
      if (!alertsCache.has(key)) {
        alertsCache.set(key, pending);
        // A failed computation is not kept; the oldest entry goes once there are too many.
        pending.catch(() => alertsCache.delete(key));
        if (alertsCache.size > ALERTS_CACHED) alertsCache.delete(alertsCache.keys().next().value!);
      }
    } else pending = listAlerts(supervision(ledger), entries, alertOptions);
    const report = await pending;
    return send(reply, query.format, 'alerts', report, () => alertsCsv(report));
  });
}
