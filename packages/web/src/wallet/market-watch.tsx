// The market as supervision sees it, public like the record of supervision: activity by month,
// the largest holders, and the suspicious-pattern alerts with the entries they rest on
// (GET /v1/supervision/reports/… and /v1/supervision/alerts), each also as CSV.
import type { DETECTION_RULES } from '@cinnabar/core';
import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../api.js';
import { Problem, Short } from './problem.js';
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
  const activity = useReport<{ rows: ActivityRow[] }>(ACTIVITY, tick);
  const holders = useReport<{ holders: Holder[] }>(HOLDERS, tick);
  const alerts = useReport<{ alerts: Alert[]; truncated: boolean }>(ALERTS, tick);
  // Newest month first.
  const months = activity.value?.rows.slice().reverse();
  return (
    <section class="panel record market" aria-labelledby="market-heading">
      <h2 id="market-heading">{t('marketHeading')}</h2>
      <p class="hint">{t('marketHint')}</p>

      <h3 id="activity-heading">{t('activityHeading')}</h3>
      <Problem error={activity.error} />
      {months?.length === 0 ? <p>{t('noneYet')}</p> : null}
      {months?.length ? (
        <div class="table-scroll">
          <table aria-labelledby="activity-heading" data-testid="activity">
            <thead>
              <tr>
                <th scope="col">{t('colMonth')}</th>
                <th scope="col">{t('colRegistrations')}</th>
                <th scope="col">{t('colTransfers')}</th>
                <th scope="col">{t('colSales')}</th>
                <th scope="col">{t('colSalesValue')}</th>
                <th scope="col">{t('colLicences')}</th>
              </tr>
            </thead>
            <tbody>
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
            </tbody>
          </table>
        </div>
      ) : null}
      <CsvLink path={ACTIVITY} />

      <h3 id="holders-heading">{t('holdersHeading')}</h3>
      <Problem error={holders.error} />
      {holders.value?.holders.length === 0 ? <p>{t('noneYet')}</p> : null}
      {holders.value?.holders.length ? (
        <ol data-testid="holders" aria-labelledby="holders-heading">
          {holders.value.holders.map((h) => (
            <li>
              <a href={`/identities/${encodeURIComponent(h.owner)}`}>
                <Short value={h.owner} keep={12} />
              </a>{' '}
              {t('holdsItems', { n: h.items })}
            </li>
          ))}
        </ol>
      ) : null}
      <CsvLink path={HOLDERS} />

      <h3 id="alerts-heading">{t('alertsHeading')}</h3>
      <p class="hint">{t('alertsHint')}</p>
      <Problem error={alerts.error} />
      {alerts.value?.alerts.length === 0 ? <p>{t('noAlerts')}</p> : null}
      {alerts.value?.alerts.length ? (
        <div class="table-scroll">
          <table aria-labelledby="alerts-heading" data-testid="alerts">
            <thead>
              <tr>
                <th scope="col">{t('colRule')}</th>
                <th scope="col">{t('colTarget')}</th>
                <th scope="col">{t('colWhy')}</th>
                <th scope="col">{t('colEvidence')}</th>
              </tr>
            </thead>
            <tbody>
              {alerts.value.alerts.map((alert) => (
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
            </tbody>
          </table>
        </div>
      ) : null}
      {alerts.value?.truncated ? <p class="hint">{t('alertsTruncated')}</p> : null}
      <CsvLink path={ALERTS} />
    </section>
  );
}

function Subject({ subject }: { subject: AlertSubject }) {
  if ('asset' in subject)
    return (
      <a href={`/assets/${subject.asset}`}>
        <Short value={subject.asset} keep={8} />
        {subject.edition === undefined ? '' : ` #${subject.edition}`}
      </a>
    );
  const links = 'identities' in subject ? subject.identities : subject.assets;
  const base = 'identities' in subject ? '/identities/' : '/assets/';
  return (
    <>
      {links.map((id, i) => (
        <>
          {i > 0 ? ', ' : ''}
          <a href={base + encodeURIComponent(id)}>
            <Short value={id} keep={8} />
          </a>
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

/** One report, read again whenever `tick` moves (something was put on the record). */
function useReport<T>(path: string, tick: number): { value?: T; error?: unknown } {
  const [state, setState] = useState<{ value?: T; error?: unknown }>({});
  useEffect(() => {
    let live = true;
    getJson<T>(path).then(
      (value) => live && setState({ value }),
      (error: unknown) => live && setState({ error }),
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  return state;
}
