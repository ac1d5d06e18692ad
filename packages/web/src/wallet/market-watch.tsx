// The market as supervision sees it, public like the record of supervision: activity by month,
// the largest holders, and the suspicious-pattern alerts with the entries they rest on
// (GET /v1/supervision/reports/… and /v1/supervision/alerts), each also as CSV.
import type { DETECTION_RULES } from '@cinnabar/core';
import { getJson } from '../api.js';
import { AssetLink, DidLink, LoadState, useLoad } from '../components/ui.js';
import { RecordTable } from './record-table.js';
import { t } from './strings.js';

interface ActivityRow {
  period: string;
  registrations: number;
  transfers: number;
  sales: number;
  salesYuan: string;
  licences: number;
}

interface Holder {
  rank: number;
  owner: string;
  items: number;
}

type AlertSubject =
  | { asset: string; edition?: number }
  | { identities: string[]; commitment: string }
  | { assets: string[] };

interface Alert {
  rule: (typeof DETECTION_RULES)[number];
  subject: AlertSubject;
  evidence: { index: number; txId?: string }[];
  summary: string;
}

const ACTIVITY = '/v1/supervision/reports/activity?bucket=month';
const HOLDERS = '/v1/supervision/reports/holders?limit=10';
const ALERTS = '/v1/supervision/alerts?limit=50';

export function MarketWatch({ tick }: { tick: number }) {
  // Read again whenever `tick` moves (something was put on the record).
  const activity = useLoad(() => getJson<{ rows: ActivityRow[] }>(ACTIVITY), [tick]);
  const holders = useLoad(() => getJson<{ holders: Holder[] }>(HOLDERS), [tick]);
  const alerts = useLoad(() => getJson<{ alerts: Alert[]; truncated: boolean }>(ALERTS), [tick]);
  // Newest month first.
  const months = activity.state === 'ok' ? activity.value.rows.slice().reverse() : undefined;
  const top = holders.state === 'ok' ? holders.value.holders : undefined;
  const found = alerts.state === 'ok' ? alerts.value : undefined;
  return (
    <section class="panel record market" aria-labelledby="market-heading">
      <h2 id="market-heading">{t('marketHeading')}</h2>
      <p class="hint">{t('marketHint')}</p>

      <h3 id="activity-heading">{t('activityHeading')}</h3>
      <LoadState loaded={activity} />
      {months?.length === 0 ? <p>{t('noneYet')}</p> : null}
      {months?.length ? (
        <RecordTable
          labelledBy="activity-heading"
          testId="activity"
          columns={[
            t('colMonth'),
            t('colRegistrations'),
            t('colTransfers'),
            t('colSales'),
            t('colSalesValue'),
            t('colLicences'),
          ]}
        >
          {months.map((row) => (
            <tr>
              <th scope="row">{row.period}</th>
              <td>{row.registrations}</td>
              <td>{row.transfers}</td>
              <td>{row.sales}</td>
              <td>{row.salesYuan}</td>
              <td>{row.licences}</td>
            </tr>
          ))}
        </RecordTable>
      ) : null}
      <CsvLink path={ACTIVITY} />

      <h3 id="holders-heading">{t('holdersHeading')}</h3>
      <LoadState loaded={holders} />
      {top?.length === 0 ? <p>{t('noneYet')}</p> : null}
      {top?.length ? (
        <ol data-testid="holders" aria-labelledby="holders-heading">
          {top.map((h) => (
            <li>
              <DidLink did={h.owner} /> {t('holdsItems', { n: h.items })}
            </li>
          ))}
        </ol>
      ) : null}
      <CsvLink path={HOLDERS} />

      <h3 id="alerts-heading">{t('alertsHeading')}</h3>
      <p class="hint">{t('alertsHint')}</p>
      <LoadState loaded={alerts} />
      {found?.alerts.length === 0 ? <p>{t('noAlerts')}</p> : null}
      {found?.alerts.length ? (
        <RecordTable
          labelledBy="alerts-heading"
          testId="alerts"
          columns={[t('colRule'), t('colTarget'), t('colWhy'), t('colEvidence')]}
        >
          {found.alerts.map((alert) => (
            <tr>
              <td>{t(`rule_${alert.rule}`)}</td>
              <td>
                <Subject subject={alert.subject} />
              </td>
              <td>{alert.summary}</td>
              <td>
                {alert.evidence.map((e, i) => (
                  <>
                    {i > 0 ? ' ' : ''}
                    <a href={`/v1/entries/${e.index}`} title={e.txId}>
                      #{e.index}
                    </a>
                  </>
                ))}
              </td>
            </tr>
          ))}
        </RecordTable>
      ) : null}
      {found?.truncated ? <p class="hint">{t('alertsTruncated')}</p> : null}
      <CsvLink path={ALERTS} />
    </section>
  );
}

function Subject({ subject }: { subject: AlertSubject }) {
  if ('asset' in subject)
    return (
      <>
        <AssetLink id={subject.asset} />
        {subject.edition === undefined ? '' : ` #${subject.edition}`}
      </>
    );
  return (
    <>
      {'identities' in subject
        ? subject.identities.map((did, i) => (
            <>
              {i > 0 ? ', ' : ''}
              <DidLink did={did} />
            </>
          ))
        : subject.assets.map((id, i) => (
            <>
              {i > 0 ? ', ' : ''}
              <AssetLink id={id} />
            </>
          ))}
    </>
  );
}

function CsvLink({ path }: { path: string }) {
  return (
    <p>
      <a href={`${path}&format=csv`} download>
        {t('downloadCsv')}
      </a>
    </p>
  );
}
