// /assets/:id: the work itself, its metadata, data grade, AI label, place and editions, and its
// provenance timeline verified in this browser.
import type { AssetEditions, AssetView } from '@cinnabar/core';
import { useEffect } from 'preact/hooks';
import { api } from '../api.js';
import { WorkMedia } from '../components/media.js';
import { PlaceMap } from '../components/place-map.js';
import { AssetLink, DidLink, Facts, formatBytes, Hash, LoadState, Time, useLoad } from '../components/ui.js';
import { workTitle } from '../components/work-title.js';
import { language, useLanguage } from '../i18n.js';
import type { PageProps } from '../router.js';
import { markRendered } from './perf.js';
import { ProvenancePanel } from './provenance-panel.js';
import { t } from './strings.js';

/** GB 45438-2025: the label the node tells readers to show with the work. */
interface AiLabelView {
  status: string;
  explicit?: { Label: string; en: string; zh: string };
}

type AssetWithLabel = AssetView & { aiLabel?: AiLabelView };

export default function AssetPage({ params }: PageProps) {
  useLanguage();
  const id = params.id ?? '';
  const loaded = useLoad(
    () => (/^[0-9a-f]{64}$/.test(id) ? api.asset(id) : Promise.resolve(undefined)),
    [id],
  );
  useEffect(() => {
    if (loaded.state === 'ok') {
      document.title = `${loaded.value?.metadata.title ?? t('assetMissing')} · ${t('brand')}`;
      markRendered('asset');
    }
  }, [loaded]);
  if (loaded.state !== 'ok') return <LoadState loaded={loaded} />;
  const asset = loaded.value as AssetWithLabel | undefined;
  if (!asset)
    return (
      <section class="notice">
        <p role="alert">{t('assetMissing')}</p>
        <a href="/">{t('backHome')}</a>
      </section>
    );
  const m = asset.metadata;
  const explicit = asset.aiLabel?.explicit;
  return (
    <article class="asset-page">
      <header class="asset-head">
        <p class="eyebrow">{asset.mediaType}</p>
        <h1>{workTitle(m)}</h1>
        {m.creators && (
          <p class="byline">
            {m.creators.map((c) => c.name).join(', ')}
            {m.created && <> · {m.created}</>}
          </p>
        )}
        {explicit && (
          <p class="ai-label" role="note" data-label={explicit.Label}>
            <span class="ai-mark" aria-hidden="true">
              AI
            </span>
            {language() === 'zh' ? explicit.zh : explicit.en}
          </p>
        )}
        {asset.takenDown && <p class="status-chip bad">{t('takenDown')}</p>}
        {asset.frozen && <p class="status-chip bad">{t('frozen')}</p>}
        {asset.dispute && <p class="status-chip warn">{t('disputed')}</p>}
      </header>
      <div class="asset-grid">
        <div class="asset-main">
          <WorkMedia asset={asset} />
          {m.description && <p class="description">{m.description}</p>}
          {m.sealed && (
            <div class="notice graded sealed" role="note">
              <p>
                <strong>{t('sealedDescription')}</strong>
              </p>
              <p>{t('sealedWho', { grade: t(`grade.${m.grade}`) })}</p>
              <p>
                <Hash value={m.sealed} />
              </p>
            </div>
          )}
          <ProvenancePanel asset={asset} />
        </div>
        <aside class="asset-side">
          <section aria-labelledby="facts-h">
            <h2 id="facts-h">{t('details')}</h2>
            <Facts
              rows={[
                [t('owner'), <DidLink did={asset.owner} />],
                [t('registrant'), <DidLink did={asset.registrant} />],
                [t('registeredAt'), <Time iso={asset.registered.time} />],
                [t('licence'), m.licence],
                [t('grade'), <span class={`grade grade-${m.grade}`}>{t(`grade.${m.grade}`)}</span>],
                [t('mediaType'), asset.mediaType],
                [t('size'), formatBytes(asset.size)],
                [t('cid'), <Hash value={asset.cid} />],
                [t('assetId'), <Hash value={asset.id} />],
                [t('revision'), asset.revision > 0 ? String(asset.revision) : undefined],
                [t('timeSpan'), m.timeSpan ? `${m.timeSpan.start} – ${m.timeSpan.end ?? ''}` : undefined],
                [
                  t('derivedFrom'),
                  m.derivedFrom ? (
                    <span>
                      {m.derivedFrom.map((other) => (
                        <AssetLink key={other} id={other} />
                      ))}
                    </span>
                  ) : undefined,
                ],
                [t('listing'), asset.listing ? `¥${asset.listing.price}` : undefined],
                [t('custody'), asset.custody ? <DidLink did={asset.custody.custodian} /> : undefined],
              ]}
            />
          </section>
          {m.place && (
            <section aria-labelledby="place-h">
              <h2 id="place-h">{t('place')}</h2>
              <PlaceMap place={m.place} label={m.place.name ?? t('placeOf', { title: workTitle(m) })} />
            </section>
          )}
          {asset.editions && <Editions id={asset.id} />}
          {asset.possiblePriorWork.length > 0 && (
            <section aria-labelledby="prior-h">
              <h2 id="prior-h">{t('priorWork')}</h2>
              <ul class="plain">
                {asset.possiblePriorWork.map((mark) => (
                  <li key={mark.asset}>
                    <AssetLink id={mark.asset} title={mark.title} /> —{' '}
                    {t(mark.reason === 'geometry' ? 'priorGeometry' : 'priorImage', {
                      distance: mark.distance,
                    })}
                    {mark.registeredEarlier ? ` (${t('registeredEarlier')})` : ''}
                  </li>
                ))}
              </ul>
            </section>
          )}
        </aside>
      </div>
    </article>
  );
}

function Editions({ id }: { id: string }) {
  const loaded = useLoad<AssetEditions | undefined>(() => api.assetEditions(id, { limit: 100 }), [id]);
  return (
    <section aria-labelledby="editions-h">
      <h2 id="editions-h">{t('editions')}</h2>
      {loaded.state !== 'ok' ? (
        <LoadState loaded={loaded} />
      ) : loaded.value ? (
        <>
          <p>{t('editionsOf', { supply: loaded.value.supply })}</p>
          <ol class="editions">
            {loaded.value.editions.map((edition) => (
              <li key={edition.number}>
                <span class="edition-no">
                  {edition.number}/{edition.supply}
                </span>
                <DidLink did={edition.owner} />
                {edition.listing && <span class="status-chip">¥{edition.listing.price}</span>}
                {edition.frozen && <span class="status-chip bad">{t('frozen')}</span>}
              </li>
            ))}
          </ol>
          {loaded.value.nextCursor && <p>{t('moreEditions')}</p>}
        </>
      ) : null}
    </section>
  );
}
