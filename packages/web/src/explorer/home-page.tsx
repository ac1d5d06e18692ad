// The explorer's first screen: what this registry is, its latest signed checkpoint, how big it is,
// the entries as they arrive, and search by words or by place.
import type { AssetPage, AssetRecord, LedgerRecord } from '@cinnabar/core';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, getJson } from '../api.js';
import { PlaceMap } from '../components/place-map.js';
import { AssetLink, DidLink, Hash, LoadState, Time, useLoad } from '../components/ui.js';
import { workTitle } from '../components/work-title.js';
import { useLanguage } from '../i18n.js';
import type { PageProps } from '../router.js';
import { checkpointSize, FEED_DEFAULTS, type FeedEntry, noteSigners, readFeedEntry } from './feed.js';
import { markRendered } from './perf.js';
import type { CheckpointVerdict } from './provenance.js';
import { t } from './strings.js';

interface Stats {
  size: number;
  counts: Record<'identities' | 'works' | 'editions' | 'licences' | 'listings' | 'sales' | 'spaces', number> &
    Record<string, number>;
}

const COUNTED = ['works', 'identities', 'editions', 'licences', 'sales', 'spaces'] as const;

export default function HomePage({ query }: PageProps) {
  useLanguage();
  const ledger = useLoad<LedgerRecord>(() => api.ledger(), []);
  const [note, setNote] = useState<string | undefined>();
  const [feed, setFeed] = useState<FeedEntry[]>([]);
  const [fresh, setFresh] = useState<Set<number>>(new Set());
  const [stats, setStats] = useState<Stats | undefined>();
  const [feedError, setFeedError] = useState<string | undefined>();
  const size = useRef(0);

  // Poll the checkpoint; read the new entries from the tiles when it grows.
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const latest = await api.checkpoint();
        const n = checkpointSize(latest);
        if (!live) return;
        if (n !== size.current) {
          const start = Math.max(size.current, n - FEED_DEFAULTS.length, 0);
          const first = size.current === 0;
          const entries = await api.logEntries(start, n, n);
          const read = entries.map((entry, i) => readFeedEntry(start + i, entry)).reverse();
          const statsNow = await getJson<Stats>('/v1/stats');
          if (!live) return;
          size.current = n;
          setNote(latest);
          setStats(statsNow);
          setFeed((old) => [...read, ...old].slice(0, FEED_DEFAULTS.length));
          setFresh(first ? new Set() : new Set(read.map((e) => e.index)));
        }
        setFeedError(undefined);
      } catch (error) {
        if (live) setFeedError(String(error));
      }
      if (live) timer = setTimeout(poll, FEED_DEFAULTS.pollMs);
    };
    poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, []);

  useEffect(() => {
    if (ledger.state === 'ok' && note) markRendered('home');
  }, [ledger.state, note]);

  return (
    <div class="home">
      <section class="intro" aria-labelledby="intro-h">
        {ledger.state === 'ok' ? (
          <>
            <h1 id="intro-h">{ledger.value.name}</h1>
            <p class="lede">{t('whatItIs')}</p>
            <LedgerFacts ledger={ledger.value} />
          </>
        ) : (
          <>
            <h1 id="intro-h">{t('brand')}</h1>
            <LoadState loaded={ledger} />
          </>
        )}
      </section>

      <section class="counts" aria-labelledby="counts-h">
        <h2 id="counts-h" class="visually-hidden">
          {t('countsTitle')}
        </h2>
        <ul class="count-list">
          <li>
            <span class="count" data-count="entries">
              {stats ? stats.size.toLocaleString() : '…'}
            </span>
            <span>{t('count.entries')}</span>
          </li>
          {COUNTED.map((name) => (
            <li key={name}>
              <span class="count" data-count={name}>
                {stats ? (stats.counts[name] ?? 0).toLocaleString() : '…'}
              </span>
              <span>{t(`count.${name}`)}</span>
            </li>
          ))}
        </ul>
      </section>

      <div class="home-grid">
        <Search initial={query.get('q') ?? ''} />
        <div class="home-side">
          <CheckpointCard note={note} />
          <section class="feed" aria-labelledby="feed-h">
            <h2 id="feed-h">{t('liveFeed')}</h2>
            <p class="hint">{t('liveFeedHint', { seconds: FEED_DEFAULTS.pollMs / 1000 })}</p>
            {feedError && (
              <p role="alert" class="error-note">
                {t('loadFailed', { message: feedError })}
              </p>
            )}
            <ol class="feed-list" aria-live="polite" aria-relevant="additions">
              {feed.map((entry) => (
                <FeedRow key={entry.index} entry={entry} fresh={fresh.has(entry.index)} />
              ))}
            </ol>
          </section>
        </div>
      </div>
    </div>
  );
}

function LedgerFacts({ ledger }: { ledger: LedgerRecord }) {
  const market = ledger.policy.market;
  return (
    <dl class="ex-facts inline">
      <div>
        <dt>{t('operator')}</dt>
        <dd>
          <DidLink did={ledger.operator} />
        </dd>
      </div>
      <div>
        <dt>{t('regime')}</dt>
        <dd>{t(`regime.${market?.regime ?? 'open-market'}`)}</dd>
      </div>
      <div>
        <dt>{t('realNameToRegister')}</dt>
        <dd>{ledger.policy.realNameToRegister ? t('yes') : t('no')}</dd>
      </div>
      <div>
        <dt>{t('transferAcceptance')}</dt>
        <dd>{market?.transferNeedsAcceptance ? t('yes') : t('no')}</dd>
      </div>
      <div>
        <dt>{t('since')}</dt>
        <dd>
          <Time iso={ledger.genesis.time} />
        </dd>
      </div>
    </dl>
  );
}

function CheckpointCard({ note }: { note: string | undefined }) {
  const [check, setCheck] = useState<CheckpointVerdict | undefined>();
  useEffect(() => {
    if (!note) return;
    let live = true;
    // The verifying code (Ed25519) loads after the first screen, as on the asset page.
    import('./provenance.js').then(async ({ verifyCheckpoint, localStoragePins }) => {
      const verdict = await verifyCheckpoint(
        { vkey: () => api.vkey(), checkpoint: async () => note },
        localStoragePins(localStorage, location.origin),
      );
      if (live) setCheck(verdict);
    });
    return () => {
      live = false;
    };
  }, [note]);
  if (!note)
    return (
      <section class="checkpoint" aria-labelledby="cp-h">
        <h2 id="cp-h">{t('checkpoint')}</h2>
        <p aria-busy="true">{t('loading')}</p>
      </section>
    );
  const [origin = '', size = '', root = ''] = note.split('\n');
  const signers = noteSigners(note);
  return (
    <section class="checkpoint" aria-labelledby="cp-h">
      <h2 id="cp-h">{t('checkpoint')}</h2>
      <dl class="ex-facts">
        <div>
          <dt>{t('origin')}</dt>
          <dd>
            <code>{origin}</code>
          </dd>
        </div>
        <div>
          <dt>{t('treeSize')}</dt>
          <dd data-checkpoint-size>{Number(size).toLocaleString()}</dd>
        </div>
        <div>
          <dt>{t('rootHash')}</dt>
          <dd>
            <Hash value={root} />
          </dd>
        </div>
        <div>
          <dt>{t('signedBy')}</dt>
          <dd>
            {signers.map((s) => (
              <span key={s.keyId} class="signer">
                <code>{s.name}</code> ({t('keyId')} {s.keyId})
              </span>
            ))}
          </dd>
        </div>
      </dl>
      <p class={`cp-check ${check ? (check.failures.length === 0 ? 'ok' : 'bad') : ''}`} role="status">
        {!check
          ? t('cpChecking')
          : check.failures.length === 0
            ? t(check.key.source === 'first-use' ? 'cpOkFirstUse' : 'cpOkPinned')
            : `${t('cpFailed')}: ${check.failures.map((f) => f.message).join('; ')}`}
      </p>
      <p class="hint">
        <a href="/log/checkpoint">/log/checkpoint</a> · <a href="/log/vkey">/log/vkey</a>
      </p>
    </section>
  );
}

function FeedRow({ entry, fresh }: { entry: FeedEntry; fresh: boolean }) {
  const subject = entry.subject;
  return (
    <li class={fresh ? 'fresh' : undefined} data-index={entry.index}>
      <span class="feed-index">#{entry.index}</span>
      <span class="feed-type">
        <code>{entry.type}</code>
      </span>
      <span class="feed-actor">{entry.actor && <DidLink did={entry.actor} />}</span>
      <span class="feed-subject">
        {subject?.kind === 'asset' && <AssetLink id={subject.id} />}
        {subject?.kind === 'identity' && subject.id !== entry.actor && <DidLink did={subject.id} />}
        {subject?.kind === 'space' && <Hash value={subject.id} />}
      </span>
      {entry.time && (
        <span class="feed-time">
          <Time iso={entry.time} />
        </span>
      )}
    </li>
  );
}

type SearchQuery = { q: string } | { cell: string } | { near: string; radius: number };

function Search({ initial }: { initial: string }) {
  const [words, setWords] = useState(initial);
  const [placeText, setPlaceText] = useState('');
  const [radius, setRadius] = useState(10_000);
  const [picked, setPicked] = useState<{ lat: number; lng: number } | undefined>();
  const [search, setSearch] = useState<SearchQuery | undefined>(initial ? { q: initial } : undefined);
  const [placeError, setPlaceError] = useState<string | undefined>();
  const results = useLoad<AssetPage>(
    () => api.assets({ ...(search ?? {}), limit: 24 }),
    [JSON.stringify(search)],
  );

  const submitWords = (event: Event) => {
    event.preventDefault();
    const q = words.trim();
    setSearch(q ? { q } : undefined);
    history.replaceState(null, '', q ? `/?q=${encodeURIComponent(q)}` : '/');
  };
  const submitPlace = (event: Event) => {
    event.preventDefault();
    const text = placeText.trim();
    const point = /^(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)$/.exec(text);
    if (/^[NSns][0-9A-Za-z]{1,31}$/.test(text)) {
      setPlaceError(undefined);
      setSearch({ cell: text.toUpperCase() });
    } else if (point && Math.abs(Number(point[1])) <= 90 && Math.abs(Number(point[2])) <= 180) {
      setPlaceError(undefined);
      setSearch({ near: `${Number(point[1])},${Number(point[2])}`, radius });
    } else setPlaceError(t('placeInvalid'));
  };
  const heading =
    search === undefined
      ? t('latestWorks')
      : 'q' in search
        ? t('resultsFor', { q: search.q })
        : 'cell' in search
          ? t('resultsInCell', { cell: search.cell })
          : t('resultsNear', { near: search.near, km: search.radius / 1000 });

  return (
    <section class="search" aria-labelledby="search-h">
      <h2 id="search-h">{t('search')}</h2>
      <search>
        <form class="search-form" onSubmit={submitWords}>
          <label for="search-q">{t('searchWords')}</label>
          <div class="ex-row">
            <input
              id="search-q"
              type="search"
              value={words}
              maxLength={200}
              placeholder={t('searchPlaceholder')}
              onInput={(e) => setWords((e.currentTarget as HTMLInputElement).value)}
            />
            <button type="submit">{t('searchButton')}</button>
          </div>
        </form>
      </search>
      <details class="place-search">
        <summary>{t('searchByPlace')}</summary>
        <form onSubmit={submitPlace}>
          <label for="search-place">{t('placeInput')}</label>
          <div class="ex-row">
            <input
              id="search-place"
              value={placeText}
              placeholder="39.9057,116.3417 · N50J47…"
              onInput={(e) => setPlaceText((e.currentTarget as HTMLInputElement).value)}
              aria-describedby={placeError ? 'place-error' : undefined}
            />
            <label class="visually-hidden" for="search-radius">
              {t('radius')}
            </label>
            <select
              id="search-radius"
              value={String(radius)}
              onChange={(e) => setRadius(Number((e.currentTarget as HTMLSelectElement).value))}
            >
              {[1_000, 10_000, 100_000, 1_000_000].map((m) => (
                <option key={m} value={String(m)}>
                  {t('withinKm', { km: m / 1000 })}
                </option>
              ))}
            </select>
            <button type="submit">{t('searchButton')}</button>
          </div>
          {placeError && (
            <p id="place-error" role="alert" class="error-note">
              {placeError}
            </p>
          )}
          <PlaceMap
            label={t('pickOnMap')}
            picked={picked}
            onPick={(point) => {
              setPicked(point);
              setPlaceText(`${point.lat.toFixed(4)},${point.lng.toFixed(4)}`);
            }}
          />
        </form>
      </details>
      <h3 aria-live="polite">{heading}</h3>
      {results.state !== 'ok' ? (
        <LoadState loaded={results} />
      ) : results.value.items.length === 0 ? (
        <p>{t('noResults')}</p>
      ) : (
        <ul class="cards">
          {results.value.items.map((asset) => (
            <AssetCard key={asset.id} asset={asset} />
          ))}
        </ul>
      )}
    </section>
  );
}

function AssetCard({ asset }: { asset: AssetRecord }) {
  const open = asset.metadata.grade === 'general' && !asset.takenDown;
  const thumb = open && asset.mediaType.startsWith('image/') && asset.mediaType !== 'image/svg+xml';
  return (
    <li class="card">
      <a href={`/assets/${asset.id}`} class="card-link">
        <span class="thumb" aria-hidden="true">
          {thumb ? (
            <img src={api.blobUrl(asset.cid)} alt="" loading="lazy" decoding="async" />
          ) : (
            <span class="thumb-type">
              {asset.mediaType.startsWith('model/') ? '3D' : asset.mediaType.split('/')[0]}
            </span>
          )}
        </span>
        <span class="card-title">{workTitle(asset.metadata)}</span>
      </a>
      <span class="card-meta">
        {asset.metadata.creators && `${asset.metadata.creators.map((c) => c.name).join(', ')} · `}
        {t(`grade.${asset.metadata.grade}`)}
      </span>
    </li>
  );
}
