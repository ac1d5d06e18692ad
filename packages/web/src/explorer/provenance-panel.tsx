/**
 * <ProvenancePanel asset=… />: a work's provenance timeline and a badge that says "verified in this
 * browser" only once this browser has checked every entry itself (provenance.ts), or says exactly
 * which entry failed which check. Self-contained: give it a work's id (or its record) and it loads
 * the rest, so the explorer's asset page and the exhibition halls show the same thing.
 */
import type { AssetRecord } from '@cinnabar/core';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../api.js';
import { DidLink, Hash, LoadState, Time, useLoad } from '../components/ui.js';
import { formatTime, useLanguage } from '../i18n.js';
import {
  buildTimeline,
  httpProvenanceSource,
  loadProvenanceRecords,
  localStoragePins,
  type ProvenanceCheck,
  type ProvenanceVerdict,
  type TimelineEntry,
  type TimelineItem,
  verifyProvenance,
} from './provenance.js';
import { t } from './strings.js';

export interface ProvenancePanelProps {
  /** The work: its id, or its record as the node gave it. */
  asset: string | AssetRecord;
  /** Heading level of the panel's title (default 2). */
  level?: 2 | 3;
}

type Verification =
  | { state: 'checking' }
  | { state: 'done'; verdict: ProvenanceVerdict }
  | { state: 'error'; message: string };

const pins = () => localStoragePins(localStorage, location.origin);

export function checkName(check: ProvenanceCheck): string {
  return t(`check.${check}`);
}

function itemText(item: TimelineItem): string {
  const vars = { edition: item.edition ?? '', detail: item.detail ?? '' };
  const base = t(`tl.${item.kind}`, vars);
  return item.edition === undefined ? base : `${base} ${t('tlEdition', vars)}`;
}

export function ProvenancePanel({ asset, level = 2 }: ProvenancePanelProps) {
  useLanguage();
  const id = typeof asset === 'string' ? asset : asset.id;
  const [run, setRun] = useState(0);
  const records = useLoad(() => loadProvenanceRecords(api, id), [id, run]);
  const timeline = useMemo(
    () => (records.state === 'ok' && records.value ? buildTimeline(records.value) : undefined),
    [records],
  );
  const [verification, setVerification] = useState<Verification>({ state: 'checking' });
  const [names, setNames] = useState<Map<string, string>>(new Map());

  useEffect(() => {
    if (!timeline) return;
    let live = true;
    setVerification({ state: 'checking' });
    verifyProvenance(id, timeline, httpProvenanceSource(api), pins()).then(
      (verdict) => live && setVerification({ state: 'done', verdict }),
      (error: unknown) => live && setVerification({ state: 'error', message: String(error) }),
    );
    // The names of those who acted (each signed an entry, so each is a registered identity).
    const actors = [...new Set(timeline.flatMap((e) => e.items.map((i) => i.actor)))].filter(
      (did): did is string => did !== undefined,
    );
    Promise.all(
      actors
        .slice(0, 24)
        .map(async (did) => [did, (await api.identity(did).catch(() => undefined))?.name] as const),
    ).then((found) => {
      if (live) setNames(new Map(found.filter((f): f is [string, string] => f[1] !== undefined)));
    });
    return () => {
      live = false;
    };
  }, [timeline]);

  const Heading = level === 2 ? 'h2' : 'h3';
  if (records.state !== 'ok') return <LoadState loaded={records} />;
  if (!timeline) return <p role="alert">{t('assetMissing')}</p>;
  const verdict = verification.state === 'done' ? verification.verdict : undefined;
  return (
    <section class="provenance" aria-labelledby={`provenance-${id}`}>
      <Heading id={`provenance-${id}`}>{t('provenance')}</Heading>
      <Badge
        verification={verification}
        timeline={timeline}
        onTrustNewKey={(served) => {
          pins().set({ vkey: served, pinnedAt: new Date().toISOString() });
          setRun((n) => n + 1);
        }}
        onRecheck={() => setRun((n) => n + 1)}
      />
      <ol class="timeline">
        {timeline.map((entry) => (
          <TimelineRow key={entry.index} entry={entry} verdict={verdict} names={names} />
        ))}
      </ol>
    </section>
  );
}

function TimelineRow({
  entry,
  verdict,
  names,
}: {
  entry: TimelineEntry;
  verdict: ProvenanceVerdict | undefined;
  names: Map<string, string>;
}) {
  const checked = verdict?.entries.find((e) => e.index === entry.index);
  const status = !checked ? 'pending' : checked.failure ? 'failed' : 'ok';
  return (
    <li class={`tl-entry tl-${status}`} data-index={entry.index}>
      <div class="tl-when">
        <Time iso={entry.time} />
        <span class="tl-index">
          {t('entryNo', { index: entry.index })} · <Hash value={entry.txId} />
        </span>
      </div>
      <ul class="tl-items">
        {entry.items.map((item) => (
          <li key={item.kind}>
            <strong>{itemText(item)}</strong>
            {item.actor && (
              <>
                {' '}
                {t('tlBy')} <DidLink did={item.actor} name={names.get(item.actor)} />
              </>
            )}
            {item.party && item.party !== item.actor && (
              <>
                {' '}
                {t('tlTo')} <DidLink did={item.party} name={names.get(item.party)} />
              </>
            )}
            {item.detail && item.kind !== 'editions-issued' && (
              <span class="tl-detail"> — {item.detail}</span>
            )}
          </li>
        ))}
      </ul>
      <span class="tl-status" title={checked?.failure?.message}>
        <span aria-hidden="true">{status === 'ok' ? '✓' : status === 'failed' ? '✗' : '…'}</span>
        <span class="visually-hidden">{t(`entry.${status}`)}</span>
      </span>
    </li>
  );
}

function Badge({
  verification,
  timeline,
  onTrustNewKey,
  onRecheck,
}: {
  verification: Verification;
  timeline: TimelineEntry[];
  onTrustNewKey: (served: string) => void;
  onRecheck: () => void;
}) {
  if (verification.state === 'checking')
    return (
      <p class="verdict verdict-checking" role="status" aria-live="polite" data-verdict="checking">
        {t('checking', { n: timeline.length })}
      </p>
    );
  if (verification.state === 'error')
    return (
      <p class="verdict verdict-failed" role="status" aria-live="polite" data-verdict="failed">
        {t('notVerified')}: {verification.message}
      </p>
    );
  const { verdict } = verification;
  const { key, checkpoint } = verdict;
  const keyLine =
    key.source === 'first-use'
      ? t('keyFirstUse', { key: key.vkey })
      : t('keyPinned', { key: key.vkey, since: key.pinnedAt ? formatTime(key.pinnedAt) : '' });
  const first = verdict.failures[0];
  const entryOf = (index: number | undefined) => timeline.find((e) => e.index === index);
  return (
    <div
      class={`verdict ${verdict.verified ? 'verdict-ok' : 'verdict-failed'}`}
      role="status"
      aria-live="polite"
      data-verdict={verdict.verified ? 'verified' : 'failed'}
    >
      {verdict.verified ? (
        <p class="verdict-title">
          <span aria-hidden="true">✓ </span>
          {t('verified')}
        </p>
      ) : (
        <p class="verdict-title">
          <span aria-hidden="true">✗ </span>
          {t('notVerified')}
        </p>
      )}
      {verdict.verified && checkpoint && (
        <p>
          {t(verdict.entries.length === 1 ? 'verifiedDetailOne' : 'verifiedDetail', {
            n: verdict.entries.length,
            size: checkpoint.size,
            origin: checkpoint.origin,
          })}
        </p>
      )}
      {first && (
        <ul class="failures">
          {verdict.failures.slice(0, 5).map((failure) => {
            const entry = entryOf(failure.index);
            return (
              <li key={`${failure.check}-${failure.index}`} data-check={failure.check}>
                <strong>{checkName(failure.check)}</strong>
                {entry && <> — {t('failedEntry', { index: entry.index, what: itemText(entry.items[0]!) })}</>}
                : {failure.message}
              </li>
            );
          })}
          {verdict.failures.length > 5 && <li>{t('moreFailures', { n: verdict.failures.length - 5 })}</li>}
        </ul>
      )}
      <p class="key-line">{keyLine}</p>
      {key.source === 'changed' && key.served && (
        <div class="warning" role="alert">
          <p>{t('keyChanged', { pinned: key.vkey, served: key.served })}</p>
          <button type="button" onClick={() => onTrustNewKey(key.served!)}>
            {t('trustNewKey')}
          </button>
        </div>
      )}
      {!verdict.verified && (
        <button type="button" onClick={onRecheck}>
          {t('recheck')}
        </button>
      )}
    </div>
  );
}

export default ProvenancePanel;
