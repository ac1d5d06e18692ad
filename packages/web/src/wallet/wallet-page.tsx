// The wallet: what the active identity holds (works and editions), what it can do with each
// (transfer, licence, list for sale or cancel a listing, certificates, the content itself, with a
// signed read where the work is graded), offers waiting for it to accept, and licences it holds.
import {
  type AssetDescription,
  type AssetRecord,
  type EditionRecord,
  hexEncode,
  type JsonObject,
  LICENCE_USES,
  type LicenceRecord,
  sha256,
  utf8Encode,
} from '@cinnabar/core';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { workTitle } from '../components/work-title.js';
import { useLanguage } from '../i18n.js';
import { authorizeRead, submit, useSession } from '../keys/session.js';
import { IdentityPanel } from './identity-panel.js';
import { Problem, Short } from './problem.js';
import { t } from './strings.js';

type Item = AssetRecord | EditionRecord;

function itemKey(item: Item): string {
  return item.kind === 'asset' ? item.id : `${item.asset}#${item.number}`;
}
function assetOf(item: Item): string {
  return item.kind === 'asset' ? item.id : item.asset;
}
function editionFields(item: Item): { edition?: number } {
  return item.kind === 'edition' ? { edition: item.number } : {};
}

/** Runs one action at a time and reports its outcome. */
function useAction() {
  const [busy, setBusy] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string | undefined>();
  const run = async (what: string, work: () => Promise<string>): Promise<boolean> => {
    setBusy(what);
    setError(undefined);
    setDone(undefined);
    try {
      setDone(await work());
      return true;
    } catch (cause) {
      setError(cause);
      return false;
    } finally {
      setBusy(undefined);
    }
  };
  return { busy, error, done, run };
}

export default function WalletPage() {
  useLanguage();
  const { active } = useSession();
  return (
    <section class="wallet-page">
      <h1>{t('walletTitle')}</h1>
      <IdentityPanel />
      {active?.registered ? (
        <Wallet did={active.did} key={active.did} />
      ) : active ? (
        <p>{t('walletRegisterFirst')}</p>
      ) : null}
    </section>
  );
}

function Wallet({ did }: { did: string }) {
  const [items, setItems] = useState<Item[] | undefined>();
  const [cursor, setCursor] = useState<string | null>(null);
  const [titles, setTitles] = useState<Record<string, string>>({});
  const [licences, setLicences] = useState<LicenceRecord[]>([]);
  const [loadError, setLoadError] = useState<unknown>();
  const [tick, setTick] = useState(0);
  const action = useAction();

  const reload = () => setTick((n) => n + 1);

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const [page, held] = await Promise.all([
          api.holdings(did, { limit: 100 }),
          api.identityLicences(did),
        ]);
        if (!live) return;
        setItems(page.items);
        setCursor(page.nextCursor);
        setLicences(held.items);
        setLoadError(undefined);
        const missing = [
          ...new Set([
            ...page.items.filter((i) => i.kind === 'edition').map(assetOf),
            ...held.items.map((l) => l.asset),
          ]),
        ].filter((id) => !(id in titles));
        const found = await Promise.all(
          missing.map((id) => api.asset(id).then((a) => [id, a ? workTitle(a.metadata) : id])),
        );
        if (live && found.length) setTitles((old) => ({ ...old, ...Object.fromEntries(found) }));
      } catch (cause) {
        if (live) setLoadError(cause);
      }
    })();
    return () => {
      live = false;
    };
  }, [did, tick]);

  const more = async () => {
    if (!cursor) return;
    try {
      const page = await api.holdings(did, { limit: 100, cursor });
      setItems([...(items ?? []), ...page.items]);
      setCursor(page.nextCursor);
    } catch (cause) {
      setLoadError(cause);
    }
  };

  const titleOf = (item: Item) =>
    item.kind === 'asset' ? workTitle(item.metadata) : (titles[item.asset] ?? item.asset);
  const act = async (what: string, work: () => Promise<string>) => {
    if (await action.run(what, work)) reload();
  };

  return (
    <>
      <div aria-live="polite" class="status-line">
        {action.done ? <p class="done">{action.done}</p> : null}
      </div>
      <Problem error={action.error} />
      <section class="panel" aria-labelledby="holdings-heading">
        <h2 id="holdings-heading">{t('holdingsHeading')}</h2>
        <Problem error={loadError} />
        {items === undefined ? (
          <p aria-busy="true">{t('loadingHoldings')}</p>
        ) : items.length === 0 ? (
          <p>{t('noHoldings')}</p>
        ) : (
          <ul class="holdings">
            {items.map((item) => (
              <Holding
                key={itemKey(item)}
                item={item}
                title={titleOf(item)}
                did={did}
                busy={action.busy}
                act={act}
              />
            ))}
          </ul>
        )}
        {cursor ? (
          <button type="button" class="secondary" onClick={more}>
            {t('more')}
          </button>
        ) : null}
      </section>
      <Offers did={did} act={act} tick={tick} />
      <section class="panel" aria-labelledby="licences-heading">
        <h2 id="licences-heading">{t('licencesHeading')}</h2>
        {licences.length === 0 ? (
          <p>{t('noLicences')}</p>
        ) : (
          <ul class="holdings">
            {licences.map((licence) => (
              <li class="holding">
                <div class="holding-head">
                  <a href={`/assets/${licence.asset}`}>{titles[licence.asset] ?? licence.asset}</a>
                  <span class="badges">
                    {licence.revoked ? <span class="badge bad">{t('revoked')}</span> : null}
                  </span>
                </div>
                <p class="hint">
                  {t('licenceSummary', {
                    uses: licence.terms.uses.join(', '),
                    start: licence.terms.start,
                    end: licence.terms.end ?? '—',
                  })}
                </p>
                <Certificates asset={licence.asset} holder={did} extra={{ licence: licence.id }} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

function Certificates(props: { asset: string; holder: string; extra?: Record<string, string> }) {
  const link = (format: string) => {
    const query = new URLSearchParams({ holder: props.holder, ...props.extra, format });
    return `/v1/assets/${props.asset}/certificate?${query}`;
  };
  return (
    <p class="certificates">
      {t('certificate')}:{' '}
      <a href={link('pdf')} download>
        PDF
      </a>{' '}
      ·{' '}
      <a href={link('png')} download>
        PNG
      </a>{' '}
      ·{' '}
      <a href={link('json')} download>
        {t('certificateJson')}
      </a>
    </p>
  );
}

type Act = (what: string, work: () => Promise<string>) => Promise<void>;

function Holding(props: { item: Item; title: string; did: string; busy: string | undefined; act: Act }) {
  const { item, did, act } = props;
  const asset = assetOf(item);
  const key = itemKey(item);
  const label =
    item.kind === 'edition' ? t('editionOf', { n: item.number, supply: item.supply }) : t('theWork');
  const busy = props.busy?.startsWith(key) ?? false;
  return (
    <li class="holding" data-asset={asset}>
      <div class="holding-head">
        <a href={`/assets/${asset}`}>{props.title}</a> <span class="hint">{label}</span>
        <span class="badges">
          {item.listing ? <span class="badge">{t('listedAt', { price: item.listing.price })}</span> : null}
          {item.pendingTransfer ? (
            <span class="badge">
              {t('offeredTo')} <Short value={item.pendingTransfer.to} keep={10} />
            </span>
          ) : null}
          {item.frozen ? <span class="badge bad">{t('frozen')}</span> : null}
          {item.custody ? <span class="badge">{t('inCustody')}</span> : null}
          {item.kind === 'asset' && item.takenDown ? <span class="badge bad">{t('takenDown')}</span> : null}
        </span>
      </div>
      {item.kind === 'asset' ? <ContentLink record={item} /> : null}
      {item.kind === 'asset' && item.metadata.sealed ? (
        <SealedDescription cid={item.metadata.sealed} />
      ) : null}
      <Certificates
        asset={asset}
        holder={did}
        extra={item.kind === 'edition' ? { edition: String(item.number) } : {}}
      />
      <details class="subform">
        <summary>{t('transferHeading')}</summary>
        <TransferForm
          id={key}
          busy={busy}
          onSubmit={(to, note) =>
            act(`${key}:transfer`, async () => {
              const accepted = await submit('asset.transfer', {
                asset,
                ...editionFields(item),
                to,
                ...(note ? { note } : {}),
              });
              return t('transferDone', { index: accepted.index });
            })
          }
        />
      </details>
      {item.listing ? (
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            act(`${key}:cancel`, async () => {
              const accepted = await submit('listing.cancel', {
                asset,
                ...editionFields(item),
                listing: item.listing!.id,
              });
              return t('listingCancelled', { index: accepted.index });
            })
          }
        >
          {t('cancelListing')}
        </button>
      ) : (
        <details class="subform">
          <summary>{t('listHeading')}</summary>
          <ListForm
            id={key}
            busy={busy}
            onSubmit={(price) =>
              act(`${key}:list`, async () => {
                const accepted = await submit('listing.create', { asset, ...editionFields(item), price });
                return t('listed', { index: accepted.index });
              })
            }
          />
        </details>
      )}
      {item.kind === 'asset' ? (
        <details class="subform">
          <summary>{t('licenceHeading')}</summary>
          <LicenceForm
            id={key}
            busy={busy}
            onSubmit={(licensee, terms) =>
              act(`${key}:licence`, async () => {
                const accepted = await submit('licence.grant', { asset, licensee, terms });
                return t('licensed', { index: accepted.index });
              })
            }
          />
        </details>
      ) : null}
    </li>
  );
}

/** The work's bytes: a plain link for a general work; a signed read for one graded important or core. */
function ContentLink({ record }: { record: AssetRecord }) {
  const [error, setError] = useState<unknown>();
  const [url, setUrl] = useState<string | undefined>();
  useEffect(() => () => (url ? URL.revokeObjectURL(url) : undefined), [url]);
  if (record.takenDown) return null;
  const path = `/v1/blobs/${record.cid}`;
  if (record.metadata.grade === 'general')
    return (
      <p>
        <a href={path} target="_blank" rel="noopener">
          {t('openContent')}
        </a>
      </p>
    );
  const open = async () => {
    setError(undefined);
    try {
      // The node asks graded works' readers to sign (401 read_authorization_required): sign up
      // front, since the grade says it will.
      const header = await authorizeRead(`GET ${path}`);
      const response = await api.openBlob(record.cid, { authorize: () => header, signFirst: true });
      const blob = await response.blob();
      setUrl(URL.createObjectURL(blob));
    } catch (cause) {
      setError(cause);
    }
  };
  return (
    <div>
      {url ? (
        <a href={url} download={record.cid}>
          {t('saveContent')}
        </a>
      ) : (
        <button type="button" class="secondary" onClick={open}>
          {t('signedRead')}
        </button>
      )}
      <Problem error={error} />
    </div>
  );
}

/**
 * A sealed description (docs/sealed-descriptions.md), read for its holder: signed like graded content,
 * recorded in the work's access log, and checked against the CID on the log before it is shown.
 */
function SealedDescription({ cid }: { cid: string }) {
  const [error, setError] = useState<unknown>();
  const [description, setDescription] = useState<AssetDescription | undefined>();
  const read = async () => {
    setError(undefined);
    try {
      const header = await authorizeRead(`GET /v1/blobs/${cid}`);
      setDescription(await api.sealedDescription(cid, () => header));
    } catch (cause) {
      setError(cause);
    }
  };
  if (!description)
    return (
      <div>
        <button type="button" class="secondary" onClick={read}>
          {t('readSealed')}
        </button>
        <Problem error={error} />
      </div>
    );
  return (
    <div class="unsealed" data-testid="unsealed">
      <p class="hint">{t('sealedChecked')}</p>
      <p>
        <strong>{description.title}</strong>
        {' · '}
        {description.creators.map((c) => c.name).join(', ')}
        {description.created ? ` · ${description.created}` : ''}
      </p>
      {description.description ? <p>{description.description}</p> : null}
      {description.place?.name ? <p>{description.place.name}</p> : null}
    </div>
  );
}

function TransferForm(props: { id: string; busy: boolean; onSubmit: (to: string, note: string) => void }) {
  const [to, setTo] = useState('');
  const [note, setNote] = useState('');
  const id = props.id.replace(/[^a-z0-9]/gi, '');
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit(to.trim(), note.trim());
      }}
    >
      <div class="field">
        <label for={`to-${id}`}>{t('recipientDid')}</label>
        <input
          id={`to-${id}`}
          required
          pattern="did:key:z[1-9A-HJ-NP-Za-km-z]{40,60}"
          value={to}
          onInput={(e) => setTo((e.currentTarget as HTMLInputElement).value)}
        />
      </div>
      <div class="field">
        <label for={`note-${id}`}>{t('note')}</label>
        <input
          id={`note-${id}`}
          maxLength={500}
          value={note}
          onInput={(e) => setNote((e.currentTarget as HTMLInputElement).value)}
        />
      </div>
      <button type="submit" disabled={props.busy}>
        {t('signTransfer')}
      </button>
    </form>
  );
}

function ListForm(props: { id: string; busy: boolean; onSubmit: (price: string) => void }) {
  const [price, setPrice] = useState('');
  const id = props.id.replace(/[^a-z0-9]/gi, '');
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit(price.trim());
      }}
    >
      <div class="field">
        <label for={`price-${id}`}>{t('priceCny')}</label>
        <input
          id={`price-${id}`}
          required
          inputMode="decimal"
          pattern="(0|[1-9][0-9]{0,15})(\.[0-9]{1,2})?"
          placeholder="88.00"
          value={price}
          onInput={(e) => setPrice((e.currentTarget as HTMLInputElement).value)}
        />
      </div>
      <button type="submit" disabled={props.busy}>
        {t('signListing')}
      </button>
    </form>
  );
}

function LicenceForm(props: {
  id: string;
  busy: boolean;
  onSubmit: (licensee: string, terms: JsonObject) => void;
}) {
  const id = props.id.replace(/[^a-z0-9]/gi, '');
  const today = new Date().toISOString().slice(0, 10);
  const [licensee, setLicensee] = useState('');
  const [uses, setUses] = useState<string[]>(['display']);
  const [territory, setTerritory] = useState('worldwide');
  const [start, setStart] = useState(today);
  const [end, setEnd] = useState('');
  const [exclusive, setExclusive] = useState(false);
  const [sublicensable, setSublicensable] = useState(false);
  const [attribution, setAttribution] = useState('');
  const [royalty, setRoyalty] = useState('0');
  const [legalText, setLegalText] = useState('');
  const input = (
    name: string,
    labelText: string,
    value: string,
    set: (v: string) => void,
    extra: Record<string, unknown> = {},
  ) => (
    <div class="field">
      <label for={`${name}-${id}`}>{labelText}</label>
      <input
        id={`${name}-${id}`}
        value={value}
        onInput={(e) => set((e.currentTarget as HTMLInputElement).value)}
        {...extra}
      />
    </div>
  );
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        const places =
          territory.trim().toLowerCase() === 'worldwide'
            ? 'worldwide'
            : territory
                .split(/[\s,]+/)
                .filter(Boolean)
                .map((c) => c.toUpperCase());
        props.onSubmit(licensee.trim(), {
          uses,
          territory: places,
          start,
          ...(end ? { end } : {}),
          exclusive,
          sublicensable,
          ...(attribution.trim() ? { attribution: attribution.trim() } : {}),
          royaltyBasisPoints: Math.round(Number(royalty) * 100),
          legalTextHash: hexEncode(sha256(utf8Encode(legalText))),
        });
      }}
    >
      {input('licensee', t('licenseeDid'), licensee, setLicensee, {
        required: true,
        pattern: 'did:key:z[1-9A-HJ-NP-Za-km-z]{40,60}',
      })}
      <fieldset class="choices">
        <legend>{t('licenceUses')}</legend>
        {LICENCE_USES.map((use) => (
          <label>
            <input
              type="checkbox"
              checked={uses.includes(use)}
              onChange={(e) =>
                setUses(
                  (e.currentTarget as HTMLInputElement).checked
                    ? [...uses, use]
                    : uses.filter((u) => u !== use),
                )
              }
            />{' '}
            {t(`use_${use}`)}
          </label>
        ))}
      </fieldset>
      <div class="row">
        {input('territory', t('territory'), territory, setTerritory, { required: true })}
        {input('start', t('licenceStart'), start, setStart, { type: 'date', required: true })}
        {input('end', t('licenceEnd'), end, setEnd, { type: 'date' })}
      </div>
      <div class="row">
        <label>
          <input
            type="checkbox"
            checked={exclusive}
            onChange={(e) => setExclusive((e.currentTarget as HTMLInputElement).checked)}
          />{' '}
          {t('exclusive')}
        </label>
        <label>
          <input
            type="checkbox"
            checked={sublicensable}
            onChange={(e) => setSublicensable((e.currentTarget as HTMLInputElement).checked)}
          />{' '}
          {t('sublicensable')}
        </label>
      </div>
      <div class="row">
        {input('attribution', t('attribution'), attribution, setAttribution, { maxLength: 500 })}
        {input('royalty', t('royaltyPercent'), royalty, setRoyalty, {
          type: 'number',
          min: 0,
          max: 100,
          step: 0.01,
        })}
      </div>
      <div class="field">
        <label for={`legal-${id}`}>{t('legalText')}</label>
        <textarea
          id={`legal-${id}`}
          rows={3}
          required
          value={legalText}
          onInput={(e) => setLegalText((e.currentTarget as HTMLTextAreaElement).value)}
        />
        <p class="hint">{t('legalTextHint')}</p>
      </div>
      <button type="submit" disabled={props.busy || uses.length === 0}>
        {t('signLicence')}
      </button>
    </form>
  );
}

interface Offer {
  asset: string;
  edition?: number;
  title: string;
  from: string;
  transfer: string;
}

function offerOf(record: Item, did: string, title: string): Offer | undefined {
  if (record.pendingTransfer?.to !== did) return undefined;
  return {
    asset: assetOf(record),
    ...editionFields(record),
    title,
    from: record.owner,
    transfer: record.pendingTransfer.offer.txId,
  };
}

/** Offers to this identity waiting for it to accept (GET /v1/identities/:did/offers). */
function Offers(props: { did: string; act: Act; tick: number }) {
  const { did, act } = props;
  const [offers, setOffers] = useState<Offer[] | undefined>();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const found: Offer[] = [];
        let cursor: string | undefined;
        do {
          const page = await api.offers(did, { limit: 100, ...(cursor ? { cursor } : {}) });
          for (const record of page.items) {
            const title =
              record.kind === 'asset'
                ? workTitle(record.metadata)
                : await api.asset(record.asset).then((a) => (a ? workTitle(a.metadata) : ''));
            const offer = offerOf(record, did, title);
            if (offer) found.push(offer);
          }
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        if (live) setOffers(found);
      } catch (cause) {
        if (live) setError(cause);
      }
    })();
    return () => {
      live = false;
    };
  }, [did, props.tick]);

  return (
    <section class="panel" aria-labelledby="offers-heading">
      <h2 id="offers-heading">{t('offersHeading')}</h2>
      {offers === undefined ? (
        <p aria-busy="true">{t('loadingOffers')}</p>
      ) : offers.length === 0 ? (
        <p>{t('noOffers')}</p>
      ) : (
        <ul class="holdings">
          {offers.map((offer) => (
            <li class="holding offer">
              <div class="holding-head">
                <a href={`/assets/${offer.asset}`}>{offer.title}</a>
                {offer.edition ? <span class="hint"> {t('editionNumber', { n: offer.edition })}</span> : null}
              </div>
              <p class="hint">
                {t('offeredBy')} <Short value={offer.from} />
              </p>
              <button
                type="button"
                onClick={() =>
                  act(`offer:${offer.transfer}`, async () => {
                    const accepted = await submit('asset.accept', {
                      asset: offer.asset,
                      ...(offer.edition ? { edition: offer.edition } : {}),
                      transfer: offer.transfer,
                    });
                    return t('accepted', { index: accepted.index });
                  })
                }
              >
                {t('acceptOffer')}
              </button>
            </li>
          ))}
        </ul>
      )}
      <Problem error={error} />
    </section>
  );
}
