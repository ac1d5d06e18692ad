// The regulator console. The record of supervision (every freeze, takedown and dispute, with its
// grounds and author) and the market's reports and alerts are public and shown to everyone; the forms that freeze, unfreeze, take down
// and restore are shown to an active identity holding the regulator role, or to the operator.
import {
  type DisputeRecord,
  FREEZE_CATEGORIES,
  type FreezeRecord,
  type IdentityView,
  type JsonObject,
  type TakedownRecord,
} from '@cinnabar/core';
import { useEffect, useState } from 'preact/hooks';
import { api, getJson } from '../api.js';
import { formatTime, useLanguage } from '../i18n.js';
import { submit, useSession } from '../keys/session.js';
import { IdentityPanel } from './identity-panel.js';
import { MarketWatch } from './market-watch.js';
import { Problem, Short } from './problem.js';
import { RecordTable } from './record-table.js';
import { t } from './strings.js';

type Category = (typeof FREEZE_CATEGORIES)[number];
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

function isRegulator(view: IdentityView | undefined): boolean {
  if (!view) return false;
  const now = Date.now();
  return (
    view.isOperator ||
    view.roles.some(
      (r) =>
        r.role === 'regulator' &&
        Date.parse(r.validFrom) <= now &&
        (r.validUntil === undefined || Date.parse(r.validUntil) > now),
    )
  );
}

export default function RegulatorPage() {
  useLanguage();
  const { active } = useSession();
  const [view, setView] = useState<IdentityView | undefined>();
  const [tick, setTick] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string | undefined>();

  useEffect(() => {
    setView(undefined);
    if (!active?.registered) return;
    let live = true;
    api.identity(active.did).then(
      (found) => live && setView(found),
      (cause: unknown) => live && setError(cause),
    );
    return () => {
      live = false;
    };
  }, [active?.did, active?.registered]);

  const act = async (type: string, body: JsonObject, message: string) => {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      const accepted = await submit(type, body);
      setDone(`${message} ${t('onRecordAt', { index: accepted.index })}`);
      setTick((n) => n + 1);
    } catch (cause) {
      setError(cause);
    } finally {
      setBusy(false);
    }
  };
  const regulator = isRegulator(view);

  return (
    <section class="wallet-page regulator-page">
      <h1>{t('regulatorTitle')}</h1>
      <p>{t('regulatorIntro')}</p>
      <IdentityPanel />
      {regulator ? (
        <>
          <p class="done">{view?.isOperator ? t('youAreOperator') : t('youAreRegulator')}</p>
          <FreezeForm busy={busy} onSubmit={(body) => act('supervision.freeze', body, t('frozenDone'))} />
          <TakedownForm
            busy={busy}
            onSubmit={(body) => act('supervision.takedown', body, t('takenDownDone'))}
          />
        </>
      ) : (
        <p class="hint" data-testid="not-regulator">
          {t('notRegulator')}
        </p>
      )}
      <div aria-live="polite">{done ? <p class="done">{done}</p> : null}</div>
      <Problem error={error} />
      <Record
        tick={tick}
        regulator={regulator}
        busy={busy}
        onUnfreeze={(freeze, reason) =>
          act(
            'supervision.unfreeze',
            { target: freeze.target as JsonObject, freeze: freeze.id, ...(reason ? { reason } : {}) },
            t('unfrozenDone'),
          )
        }
        onRestore={(takedown, reason) =>
          act(
            'supervision.restore',
            { asset: takedown.asset, takedown: takedown.id, ...(reason ? { reason } : {}) },
            t('restoredDone'),
          )
        }
      />
      <MarketWatch tick={tick} />
    </section>
  );
}

function GroundsFields(props: {
  prefix: string;
  category: Category;
  text: string;
  onCategory: (c: Category) => void;
  onText: (text: string) => void;
}) {
  return (
    <>
      <div class="field">
        <label for={`${props.prefix}-category`}>{t('groundsCategory')}</label>
        <select
          id={`${props.prefix}-category`}
          value={props.category}
          onChange={(e) => props.onCategory((e.currentTarget as HTMLSelectElement).value as Category)}
        >
          {FREEZE_CATEGORIES.map((c) => (
            <option value={c}>{t(`category_${c}`)}</option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for={`${props.prefix}-grounds`}>{t('groundsText')}</label>
        <textarea
          id={`${props.prefix}-grounds`}
          rows={3}
          required
          maxLength={2000}
          value={props.text}
          onInput={(e) => props.onText((e.currentTarget as HTMLTextAreaElement).value)}
        />
      </div>
    </>
  );
}

function FreezeForm(props: { busy: boolean; onSubmit: (body: JsonObject) => void }) {
  const [kind, setKind] = useState<'asset' | 'edition' | 'identity'>('asset');
  const [asset, setAsset] = useState('');
  const [edition, setEdition] = useState('');
  const [did, setDid] = useState('');
  const [category, setCategory] = useState<Category>('investigation');
  const [text, setText] = useState('');
  const [until, setUntil] = useState('');
  return (
    <form
      class="panel"
      aria-labelledby="freeze-heading"
      onSubmit={(e) => {
        e.preventDefault();
        const target: JsonObject =
          kind === 'identity'
            ? { did: did.trim() }
            : { asset: asset.trim(), ...(kind === 'edition' ? { edition: Number(edition) } : {}) };
        props.onSubmit({
          target,
          grounds: { category, text: text.trim() },
          ...(until ? { until: new Date(until).toISOString().replace(/\.\d{3}Z$/, 'Z') } : {}),
        });
      }}
    >
      <h2 id="freeze-heading">{t('freezeHeading')}</h2>
      <fieldset class="choices">
        <legend>{t('freezeTarget')}</legend>
        {(['asset', 'edition', 'identity'] as const).map((k) => (
          <label>
            <input type="radio" name="freeze-kind" checked={kind === k} onChange={() => setKind(k)} />{' '}
            {t(`target_${k}`)}
          </label>
        ))}
      </fieldset>
      {kind === 'identity' ? (
        <div class="field">
          <label for="freeze-did">{t('targetDid')}</label>
          <input
            id="freeze-did"
            required
            pattern="did:key:z[1-9A-HJ-NP-Za-km-z]{40,60}"
            value={did}
            onInput={(e) => setDid((e.currentTarget as HTMLInputElement).value)}
          />
        </div>
      ) : (
        <div class="row">
          <div class="field">
            <label for="freeze-asset">{t('targetAsset')}</label>
            <input
              id="freeze-asset"
              required
              pattern="[0-9a-f]{64}"
              value={asset}
              onInput={(e) => setAsset((e.currentTarget as HTMLInputElement).value)}
            />
          </div>
          {kind === 'edition' ? (
            <div class="field">
              <label for="freeze-edition">{t('targetEdition')}</label>
              <input
                id="freeze-edition"
                type="number"
                min={1}
                required
                value={edition}
                onInput={(e) => setEdition((e.currentTarget as HTMLInputElement).value)}
              />
            </div>
          ) : null}
        </div>
      )}
      <GroundsFields
        prefix="freeze"
        category={category}
        text={text}
        onCategory={setCategory}
        onText={setText}
      />
      <div class="field">
        <label for="freeze-until">{t('freezeUntil')}</label>
        <input
          id="freeze-until"
          type="datetime-local"
          value={until}
          onInput={(e) => setUntil((e.currentTarget as HTMLInputElement).value)}
        />
      </div>
      <button type="submit" disabled={props.busy}>
        {t('signFreeze')}
      </button>
    </form>
  );
}

function TakedownForm(props: { busy: boolean; onSubmit: (body: JsonObject) => void }) {
  const [asset, setAsset] = useState('');
  const [category, setCategory] = useState<Category>('illegal-content');
  const [text, setText] = useState('');
  return (
    <form
      class="panel"
      aria-labelledby="takedown-heading"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit({ asset: asset.trim(), grounds: { category, text: text.trim() } });
      }}
    >
      <h2 id="takedown-heading">{t('takedownHeading')}</h2>
      <div class="field">
        <label for="takedown-asset">{t('targetAsset')}</label>
        <input
          id="takedown-asset"
          required
          pattern="[0-9a-f]{64}"
          value={asset}
          onInput={(e) => setAsset((e.currentTarget as HTMLInputElement).value)}
        />
      </div>
      <GroundsFields
        prefix="takedown"
        category={category}
        text={text}
        onCategory={setCategory}
        onText={setText}
      />
      <button type="submit" disabled={props.busy}>
        {t('signTakedown')}
      </button>
    </form>
  );
}

function usePages<T>(
  path: string,
  tick: number,
): { items: T[] | undefined; error: unknown; more?: () => void } {
  const [items, setItems] = useState<T[] | undefined>();
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let live = true;
    getJson<Page<T>>(`${path}?limit=100`).then(
      (page) => {
        if (!live) return;
        setItems(page.items);
        setCursor(page.nextCursor);
      },
      (cause: unknown) => live && setError(cause),
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  const more = async () => {
    if (!cursor) return;
    try {
      const page = await getJson<Page<T>>(`${path}?limit=100&cursor=${encodeURIComponent(cursor)}`);
      setItems((old) => [...(old ?? []), ...page.items]);
      setCursor(page.nextCursor);
    } catch (cause) {
      setError(cause);
    }
  };
  return { items, error, ...(cursor ? { more } : {}) };
}

function Target({ target }: { target: FreezeRecord['target'] }) {
  if ('did' in target)
    return (
      <a href={`/identities/${target.did}`}>
        <Short value={target.did} />
      </a>
    );
  return (
    <>
      <a href={`/assets/${target.asset}`}>
        <Short value={target.asset} />
      </a>
      {target.edition ? ` ${t('editionNumber', { n: target.edition })}` : ''}
    </>
  );
}

function ReasonAction(props: {
  label: string;
  busy: boolean;
  id: string;
  onSubmit: (reason: string) => void;
}) {
  const [reason, setReason] = useState('');
  return (
    <form
      class="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit(reason.trim());
      }}
    >
      <label for={`reason-${props.id}`} class="visually-hidden">
        {t('reasonFor', { action: props.label })}
      </label>
      <input
        id={`reason-${props.id}`}
        placeholder={t('reason')}
        maxLength={2000}
        value={reason}
        onInput={(e) => setReason((e.currentTarget as HTMLInputElement).value)}
      />
      <button type="submit" disabled={props.busy}>
        {props.label}
      </button>
    </form>
  );
}

function Record(props: {
  tick: number;
  regulator: boolean;
  busy: boolean;
  onUnfreeze: (freeze: FreezeRecord, reason: string) => void;
  onRestore: (takedown: TakedownRecord, reason: string) => void;
}) {
  const freezes = usePages<FreezeRecord>('/v1/supervision/freezes', props.tick);
  const takedowns = usePages<TakedownRecord>('/v1/supervision/takedowns', props.tick);
  const disputes = usePages<DisputeRecord>('/v1/supervision/disputes', props.tick);
  return (
    <section class="panel record" aria-labelledby="record-heading">
      <h2 id="record-heading">{t('recordHeading')}</h2>
      <p class="hint">{t('recordHint')}</p>

      <h3 id="freezes-heading">{t('freezesHeading')}</h3>
      <Problem error={freezes.error} />
      {freezes.items?.length === 0 ? <p>{t('noneYet')}</p> : null}
      {freezes.items?.length ? (
        <RecordTable
          labelledBy="freezes-heading"
          testId="freezes"
          columns={[t('colWhen'), t('colTarget'), t('colGrounds'), t('colBy'), t('colState')]}
        >
          {freezes.items.map((f) => (
            <tr>
              <td>{formatTime(f.at.time)}</td>
              <td>
                <Target target={f.target} />
              </td>
              <td>
                <strong>{t(`category_${f.grounds.category}`)}</strong>: {f.grounds.text}
              </td>
              <td>
                <Short value={f.regulator} keep={10} />
              </td>
              <td>
                {f.lifted ? (
                  t('liftedAt', { time: formatTime(f.lifted.time) })
                ) : f.until && Date.parse(f.until) <= Date.now() ? (
                  t('ended')
                ) : (
                  <>
                    {f.until ? t('inForceUntil', { time: formatTime(f.until) }) : t('inForce')}
                    {props.regulator ? (
                      <ReasonAction
                        id={f.id}
                        label={t('unfreeze')}
                        busy={props.busy}
                        onSubmit={(reason) => props.onUnfreeze(f, reason)}
                      />
                    ) : null}
                  </>
                )}
              </td>
            </tr>
          ))}
        </RecordTable>
      ) : null}
      {freezes.more ? (
        <button type="button" class="secondary" onClick={freezes.more}>
          {t('more')}
        </button>
      ) : null}

      <h3 id="takedowns-heading">{t('takedownsHeading')}</h3>
      <Problem error={takedowns.error} />
      {takedowns.items?.length === 0 ? <p>{t('noneYet')}</p> : null}
      {takedowns.items?.length ? (
        <RecordTable
          labelledBy="takedowns-heading"
          testId="takedowns"
          columns={[t('colWhen'), t('colTarget'), t('colGrounds'), t('colBy'), t('colState')]}
        >
          {takedowns.items.map((d) => (
            <tr>
              <td>{formatTime(d.at.time)}</td>
              <td>
                <a href={`/assets/${d.asset}`}>
                  <Short value={d.asset} />
                </a>
              </td>
              <td>
                <strong>{t(`category_${d.grounds.category}`)}</strong>: {d.grounds.text}
              </td>
              <td>
                <Short value={d.regulator} keep={10} />
              </td>
              <td>
                {d.restored ? (
                  t('restoredAt', { time: formatTime(d.restored.time) })
                ) : (
                  <>
                    {t('inForce')}
                    {props.regulator ? (
                      <ReasonAction
                        id={d.id}
                        label={t('restore')}
                        busy={props.busy}
                        onSubmit={(reason) => props.onRestore(d, reason)}
                      />
                    ) : null}
                  </>
                )}
              </td>
            </tr>
          ))}
        </RecordTable>
      ) : null}
      {takedowns.more ? (
        <button type="button" class="secondary" onClick={takedowns.more}>
          {t('more')}
        </button>
      ) : null}

      <h3 id="disputes-heading">{t('disputesHeading')}</h3>
      <Problem error={disputes.error} />
      {disputes.items?.length === 0 ? <p>{t('noneYet')}</p> : null}
      {disputes.items?.length ? (
        <RecordTable
          labelledBy="disputes-heading"
          columns={[t('colWhen'), t('colTarget'), t('colClaim'), t('colParties'), t('colState')]}
        >
          {disputes.items.map((d) => (
            <tr>
              <td>{formatTime(d.opened.time)}</td>
              <td>
                <Target target={{ asset: d.asset, ...(d.edition ? { edition: d.edition } : {}) }} />
              </td>
              <td>{d.claim}</td>
              <td>
                <Short value={d.claimant} keep={8} /> → <Short value={d.respondent} keep={8} />
              </td>
              <td>
                {d.resolution
                  ? t(d.resolution.outcome === 'dismissed' ? 'disputeDismissed' : 'disputeCorrected')
                  : d.response
                    ? t('disputeAnswered')
                    : t('disputeOpen')}
              </td>
            </tr>
          ))}
        </RecordTable>
      ) : null}
      {disputes.more ? (
        <button type="button" class="secondary" onClick={disputes.more}>
          {t('more')}
        </button>
      ) : null}
    </section>
  );
}
