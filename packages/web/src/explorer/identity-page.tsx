// /identities/:did: who this is (name, kind, alias), the roles and real-name credentials it holds,
// and what it holds, registered, licensed, listed, sold and bought.
import type {
  AssetRecord,
  EditionRecord,
  IdentityView,
  LicenceRecord,
  ListingRecord,
  RecordPage,
  SaleRecord,
  SpaceRecord,
} from '@cinnabar/core';
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, getJson } from '../api.js';
import { AssetLink, DidLink, Facts, Hash, LoadState, Time, useLoad } from '../components/ui.js';
import { workTitle } from '../components/work-title.js';
import { useLanguage } from '../i18n.js';
import type { PageProps } from '../router.js';
import { markRendered } from './perf.js';
import { t } from './strings.js';

const PAGE = { limit: 50 };

interface Circulation {
  holdings: RecordPage<AssetRecord | EditionRecord>;
  licensed: RecordPage<LicenceRecord>;
  granted: RecordPage<LicenceRecord>;
  listings: RecordPage<ListingRecord>;
  bought: RecordPage<SaleRecord>;
  sold: RecordPage<SaleRecord>;
  spaces: RecordPage<SpaceRecord>;
}

async function loadCirculation(did: string): Promise<Circulation> {
  const [holdings, licensed, granted, listings, bought, sold, spaces] = await Promise.all([
    api.holdings(did, PAGE),
    api.identityLicences(did, 'licensee', PAGE),
    api.identityLicences(did, 'grantor', PAGE),
    api.identityListings(did, PAGE),
    api.identitySales(did, 'buyer', PAGE),
    api.identitySales(did, 'seller', PAGE),
    getJson<RecordPage<SpaceRecord>>(`/v1/identities/${encodeURIComponent(did)}/spaces?limit=50`),
  ]);
  return { holdings, licensed, granted, listings, bought, sold, spaces };
}

export default function IdentityPage({ params }: PageProps) {
  useLanguage();
  const did = params.did ?? '';
  const valid = /^did:key:z[1-9A-HJ-NP-Za-km-z]{40,60}$/.test(did);
  const identity = useLoad<IdentityView | undefined>(
    () => (valid ? api.identity(did) : Promise.resolve(undefined)),
    [did],
  );
  const circulation = useLoad<Circulation | undefined>(
    () => (valid ? loadCirculation(did) : Promise.resolve(undefined)),
    [did],
  );
  const titles = useTitles(circulation.state === 'ok' ? circulation.value : undefined);
  useEffect(() => {
    if (identity.state === 'ok') {
      document.title = `${identity.value?.name ?? did} · ${t('brand')}`;
      markRendered('identity');
    }
  }, [identity]);

  if (identity.state !== 'ok') return <LoadState loaded={identity} />;
  const who = identity.value;
  if (!who)
    return (
      <section class="notice">
        <h1>{t('identity')}</h1>
        <p role="alert">{valid ? t('identityMissing') : t('didInvalid')}</p>
        <p>
          <code class="wrap">{did}</code>
        </p>
      </section>
    );
  const c = circulation.state === 'ok' ? circulation.value : undefined;
  const works = c?.holdings.items.filter((item): item is AssetRecord => item.kind === 'asset') ?? [];
  const editions = c?.holdings.items.filter((item): item is EditionRecord => item.kind === 'edition') ?? [];
  const registered = works.filter((work) => work.registrant === did);
  const title = (id: string) => titles.get(id);
  return (
    <article class="identity-page">
      <header>
        <p class="eyebrow">{t(who.type === 'organization' ? 'organization' : 'person')}</p>
        <h1>{who.name}</h1>
        <p>
          <code class="wrap">{who.did}</code>
        </p>
        {who.isOperator && <p class="status-chip">{t('isOperator')}</p>}
        {who.frozen && <p class="status-chip bad">{t('frozen')}</p>}
      </header>
      <div class="two-col">
        <section aria-labelledby="who-h">
          <h2 id="who-h">{t('details')}</h2>
          <Facts
            rows={[
              [t('alias'), who.alias ? <code>{who.alias}</code> : undefined],
              [t('registeredAt'), <Time iso={who.registered.time} />],
              [t('lastTx'), <Time iso={who.lastTx.time} />],
              [t('txCount'), String(who.seq)],
            ]}
          />
        </section>
        <section aria-labelledby="cred-h">
          <h2 id="cred-h">{t('credentials')}</h2>
          {who.roles.length === 0 && who.realName.length === 0 && !who.isOperator ? (
            <p>{t('noCredentials')}</p>
          ) : (
            <ul class="plain">
              {who.isOperator && <li>{t('operatorRoles')}</li>}
              {who.roles.map((held) => (
                <li key={held.credential}>
                  <strong>{t(`role.${held.role}`)}</strong> — {t('validFrom')} <Time iso={held.validFrom} />
                  {held.validUntil && (
                    <>
                      {' '}
                      {t('validUntil')} <Time iso={held.validUntil} />
                    </>
                  )}{' '}
                  <Hash value={held.credential} />
                </li>
              ))}
              {who.realName.map((held) => (
                <li key={held.credential}>
                  <strong>{t('realName')}</strong> — {t('validFrom')} <Time iso={held.validFrom} />{' '}
                  <Hash value={held.credential} />
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      {!c ? (
        <LoadState loaded={circulation} />
      ) : (
        <div class="two-col">
          <List title={t('holds')} empty={works.length === 0 && editions.length === 0}>
            {works.map((work) => (
              <li key={work.id}>
                <AssetLink id={work.id} title={workTitle(work.metadata)} />{' '}
                <span class="muted">{work.mediaType}</span>
              </li>
            ))}
            {editions.map((edition) => (
              <li key={`${edition.asset}/${edition.number}`}>
                <AssetLink id={edition.asset} title={title(edition.asset)} />{' '}
                {t('editionOf', { n: edition.number, supply: edition.supply })}
              </li>
            ))}
          </List>
          <List title={t('registeredWorks')} empty={registered.length === 0} note={t('registeredNote')}>
            {registered.map((work) => (
              <li key={work.id}>
                <AssetLink id={work.id} title={workTitle(work.metadata)} />{' '}
                <Time iso={work.registered.time} />
              </li>
            ))}
          </List>
          <List title={t('licensedTo')} empty={c.licensed.items.length === 0}>
            {c.licensed.items.map((licence) => (
              <LicenceRow
                key={licence.id}
                licence={licence}
                other={licence.grantor}
                title={title(licence.asset)}
              />
            ))}
          </List>
          <List title={t('licensedOut')} empty={c.granted.items.length === 0}>
            {c.granted.items.map((licence) => (
              <LicenceRow
                key={licence.id}
                licence={licence}
                other={licence.licensee}
                title={title(licence.asset)}
              />
            ))}
          </List>
          <List title={t('listings')} empty={c.listings.items.length === 0}>
            {c.listings.items.map((listing) => (
              <li key={listing.id}>
                <AssetLink id={listing.asset} title={title(listing.asset)} />
                {listing.edition !== undefined && ` #${listing.edition}`} — ¥{listing.price} ·{' '}
                {t(`listing.${listing.status}`)}
              </li>
            ))}
          </List>
          <List title={t('sales')} empty={c.bought.items.length === 0 && c.sold.items.length === 0}>
            {[
              ...c.sold.items.map((s) => ['sold', s] as const),
              ...c.bought.items.map((s) => ['bought', s] as const),
            ]
              .sort(([, a], [, b]) => b.at.index - a.at.index)
              .map(([side, sale]) => (
                <li key={`${side}-${sale.id}`}>
                  {t(side === 'sold' ? 'soldTo' : 'boughtFrom')}{' '}
                  <DidLink did={side === 'sold' ? sale.buyer : sale.seller} />:{' '}
                  <AssetLink id={sale.asset} title={title(sale.asset)} />
                  {sale.edition !== undefined && ` #${sale.edition}`} — ¥{sale.price},{' '}
                  <Time iso={sale.at.time} />
                </li>
              ))}
          </List>
          {c.spaces.items.length > 0 && (
            <List title={t('spaces')} empty={false}>
              {c.spaces.items.map((space) => (
                <li key={space.id}>
                  <a href={`/halls/${space.id}`}>{space.name}</a> <span class="muted">{space.category}</span>
                </li>
              ))}
            </List>
          )}
        </div>
      )}
    </article>
  );
}

function LicenceRow({
  licence,
  other,
  title,
}: {
  licence: LicenceRecord;
  other: string;
  title?: string | undefined;
}) {
  return (
    <li>
      <AssetLink id={licence.asset} title={title} /> — {licence.terms.uses.join(', ')} ·{' '}
      <DidLink did={other} /> · {t('from')} {licence.terms.start}
      {licence.revoked && <span class="status-chip bad">{t('revoked')}</span>}
    </li>
  );
}

function List({
  title,
  empty,
  note,
  children,
}: {
  title: string;
  empty: boolean;
  note?: string;
  children: ComponentChildren;
}) {
  return (
    <section>
      <h2>{title}</h2>
      {note && <p class="hint">{note}</p>}
      {empty ? <p class="muted">{t('none')}</p> : <ul class="plain">{children}</ul>}
    </section>
  );
}

/** The titles of the works that licences, listings, sales and editions name (at most 40 looked up). */
function useTitles(c: Circulation | undefined): Map<string, string> {
  const [titles, setTitles] = useState<Map<string, string>>(new Map());
  useEffect(() => {
    if (!c) return;
    let live = true;
    const known = new Map<string, string>();
    for (const item of c.holdings.items)
      if (item.kind === 'asset') known.set(item.id, workTitle(item.metadata));
    const wanted = new Set<string>();
    for (const item of c.holdings.items) if (item.kind === 'edition') wanted.add(item.asset);
    for (const list of [c.licensed, c.granted, c.listings, c.bought, c.sold])
      for (const item of list.items) wanted.add(item.asset);
    const missing = [...wanted].filter((id) => !known.has(id)).slice(0, 40);
    Promise.all(missing.map((id) => api.asset(id).catch(() => undefined))).then((found) => {
      if (!live) return;
      for (const asset of found) if (asset) known.set(asset.id, workTitle(asset.metadata));
      setTitles(new Map(known));
    });
    setTitles(new Map(known));
    return () => {
      live = false;
    };
  }, [c]);
  return titles;
}
