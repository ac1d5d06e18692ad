// Register a work from the browser: choose the file (drop it, or the file input), upload it with an
// upload authorization signed here, see what the node found in it, describe it, sign
// asset.register here, and keep the receipt (<cid>.receipt.json, as `cinnabar register` writes it,
// which `cinnabar verify` checks offline).
import {
  type AssetDescription,
  type BlobUploaded,
  cidFromBytes,
  DATA_GRADES,
  type JsonObject,
  type LedgerRecord,
  sealDescription,
  type TxAccepted,
  verifyReceipt,
} from '@cinnabar/core';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { useLoad } from '../components/ui.js';
import { useLanguage } from '../i18n.js';
import { authorizeUpload, submit, useSession } from '../keys/session.js';
import { useTextUrl } from './download.js';
import { IdentityPanel } from './identity-panel.js';
import { EMPTY_PLACE, type PlaceInput, PlacePicker, placeBody, placeGrid } from './place-picker.js';
import { Problem, Short } from './problem.js';
import { t } from './strings.js';

const LICENCES = [
  'CC-BY-4.0',
  'CC-BY-SA-4.0',
  'CC-BY-NC-4.0',
  'CC-BY-NC-ND-4.0',
  'CC0-1.0',
  'LicenseRef-Cinnabar-All-Rights-Reserved',
];

interface Chosen {
  name: string;
  bytes: Uint8Array;
  cid: string;
}

interface AiLabelInput {
  on: boolean;
  Label: '1' | '2' | '3';
  ContentProducer: string;
  ProduceID: string;
}

interface FoundLabel {
  source: string;
  location: string;
  fields: Record<string, string>;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

export default function RegisterPage() {
  useLanguage();
  const { active } = useSession();
  const [chosen, setChosen] = useState<Chosen | undefined>();
  const [dragging, setDragging] = useState(false);
  const [uploaded, setUploaded] = useState<BlobUploaded | undefined>();
  const [accepted, setAccepted] = useState<TxAccepted | undefined>();
  const [receiptOk, setReceiptOk] = useState<boolean | undefined>();
  const [busy, setBusy] = useState<'reading' | 'uploading' | 'signing' | undefined>();
  const [error, setError] = useState<unknown>();

  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [creators, setCreators] = useState<{ name: string; role: string }[]>([{ name: '', role: '' }]);
  const [created, setCreated] = useState('');
  const [licence, setLicence] = useState('CC-BY-4.0');
  const [grade, setGrade] = useState<(typeof DATA_GRADES)[number]>('general');
  const [ai, setAi] = useState<AiLabelInput>({ on: false, Label: '1', ContentProducer: '', ProduceID: '' });
  const [withPlace, setWithPlace] = useState(false);
  const [place, setPlace] = useState<PlaceInput>(EMPTY_PLACE);
  const [spanStart, setSpanStart] = useState('');
  const [spanEnd, setSpanEnd] = useState('');

  const ledger = useLoad<LedgerRecord>(() => api.ledger(), []);
  const sealedGrades: readonly string[] =
    ledger.state === 'ok' ? (ledger.value.policy.sealDescriptions ?? []) : [];
  const sealing = sealedGrades.includes(grade);

  const receiptText = accepted ? `${JSON.stringify(accepted.receipt, null, 2)}\n` : undefined;
  const receiptUrl = useTextUrl(receiptText);

  const choose = async (file: File | undefined) => {
    if (!file) return;
    setError(undefined);
    setUploaded(undefined);
    setAccepted(undefined);
    setBusy('reading');
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      setChosen({ name: file.name, bytes, cid: cidFromBytes(bytes) });
      if (!title) setTitle(file.name.replace(/\.[^.]+$/, ''));
    } catch (cause) {
      setError(cause);
    } finally {
      setBusy(undefined);
    }
  };

  const upload = async () => {
    if (!chosen) return;
    setBusy('uploading');
    setError(undefined);
    try {
      const size = chosen.bytes.length;
      const authorization = await authorizeUpload({ cid: chosen.cid, size });
      setUploaded(await api.uploadBlob({ bytes: chosen.bytes, cid: chosen.cid, size, authorization }));
    } catch (cause) {
      setError(cause);
    } finally {
      setBusy(undefined);
    }
  };

  const register = async (event: Event) => {
    event.preventDefault();
    if (!chosen || !uploaded) return;
    setBusy('signing');
    setError(undefined);
    try {
      const where = withPlace ? placeBody(place) : undefined;
      const described: JsonObject = {
        title: title.trim(),
        ...(description.trim() ? { description: description.trim() } : {}),
        creators: creators
          .filter((c) => c.name.trim())
          .map((c) => ({ name: c.name.trim(), ...(c.role.trim() ? { role: c.role.trim() } : {}) })),
        ...(created ? { created } : {}),
        ...(where ? { place: where as JsonObject } : {}),
        ...(spanStart ? { timeSpan: { start: spanStart, ...(spanEnd ? { end: spanEnd } : {}) } } : {}),
      };
      // Where the policy seals this grade's descriptions, the description goes to the node as a
      // sealed document (uploaded like the work), and the body names it by its CID.
      let describedOrSealed: JsonObject = described;
      const sealedNow: readonly string[] = (await api.ledger()).policy.sealDescriptions ?? [];
      if (sealedNow.includes(grade)) {
        const sealed = sealDescription(described as unknown as AssetDescription);
        const size = sealed.bytes.length;
        const authorization = await authorizeUpload({ cid: sealed.cid, size });
        await api.uploadBlob({ bytes: sealed.bytes, cid: sealed.cid, size, authorization });
        describedOrSealed = { sealed: sealed.cid };
      }
      const body: JsonObject = {
        cid: uploaded.cid,
        size: uploaded.size,
        mediaType: uploaded.mediaType,
        ...describedOrSealed,
        licence: licence.trim(),
        grade,
        ...(ai.on
          ? {
              aiLabel: {
                Label: ai.Label,
                ContentProducer: ai.ContentProducer.trim(),
                ProduceID: ai.ProduceID.trim(),
              },
            }
          : {}),
      };
      const result = await submit('asset.register', body);
      setAccepted(result);
      const vkey = await api.vkey();
      setReceiptOk(
        verifyReceipt(result.receipt, { vkey, file: { cid: chosen.cid, size: chosen.bytes.length } }).ok,
      );
    } catch (cause) {
      setError(cause);
    } finally {
      setBusy(undefined);
    }
  };

  const inspection = uploaded?.inspection as
    | (BlobUploaded['inspection'] & { aiLabel?: { found: FoundLabel[] } })
    | undefined;
  const foundLabels = inspection?.aiLabel?.found ?? [];
  const canUpload = Boolean(chosen && active?.registered && !busy);
  const grid = withPlace ? placeGrid(place) : {};

  return (
    <section class="wallet-page register-page">
      <h1>{t('registerTitle')}</h1>
      <p>{t('registerIntro')}</p>
      <IdentityPanel />

      <section class="panel" aria-labelledby="file-heading">
        <h2 id="file-heading">{t('fileHeading')}</h2>
        <label
          class={`dropzone${dragging ? ' dragging' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => {
            e.preventDefault();
            setDragging(false);
            void choose(e.dataTransfer?.files?.[0]);
          }}
          data-testid="dropzone"
        >
          <span>{t('dropHere')}</span>
          <span class="hint">{t('orChoose')}</span>
          <input
            type="file"
            aria-label={t('chooseFile')}
            onChange={(e) => void choose((e.currentTarget as HTMLInputElement).files?.[0])}
          />
        </label>
        {chosen ? (
          <dl class="facts">
            <dt>{t('fileName')}</dt>
            <dd>{chosen.name}</dd>
            <dt>{t('fileSize')}</dt>
            <dd>{formatBytes(chosen.bytes.length)}</dd>
            <dt>CID</dt>
            <dd>
              <code class="did">{chosen.cid}</code>
            </dd>
          </dl>
        ) : null}
        {chosen && !active?.registered ? <p class="hint">{t('registerIdentityFirst')}</p> : null}
        <button type="button" disabled={!canUpload || Boolean(uploaded)} onClick={upload}>
          {busy === 'uploading' ? t('uploading') : t('uploadInspect')}
        </button>
      </section>

      {inspection ? (
        <section class="panel" aria-labelledby="inspection-heading">
          <h2 id="inspection-heading">{t('inspectionHeading')}</h2>
          <dl class="facts" data-testid="inspection">
            <dt>{t('mediaType')}</dt>
            <dd>
              <code>{inspection.mediaType}</code> ({inspection.kind})
            </dd>
            <dt>{t('inspectionResult')}</dt>
            <dd class={inspection.ok ? 'ok' : 'bad'}>
              {inspection.ok ? t('inspectionOk') : t('inspectionBad')}
            </dd>
            {inspection.image ? (
              <>
                <dt>{t('imageSummary')}</dt>
                <dd>
                  {inspection.image.width} × {inspection.image.height} px
                  {inspection.image.perceptualHash ? (
                    <>
                      {' · '}
                      {t('perceptualHash')} <code>{inspection.image.perceptualHash}</code>
                    </>
                  ) : null}
                </dd>
              </>
            ) : null}
            {inspection.model ? (
              <>
                <dt>{t('modelSummary')}</dt>
                <dd>
                  {t('modelFacts', {
                    meshes: inspection.model.meshes,
                    triangles: inspection.model.triangles,
                    vertices: inspection.model.vertices,
                    materials: inspection.model.materials,
                    textures: inspection.model.textures,
                  })}
                </dd>
              </>
            ) : null}
            <dt>{t('aiLabelFound')}</dt>
            <dd>
              {foundLabels.length === 0
                ? t('noAiLabelFound')
                : foundLabels.map((found) => (
                    <div>
                      {found.location}:{' '}
                      {Object.entries(found.fields)
                        .map(([k, v]) => `${k}=${v}`)
                        .join(', ')}{' '}
                      <button
                        type="button"
                        class="link"
                        onClick={() =>
                          setAi({
                            on: true,
                            Label: (['1', '2', '3'].includes(found.fields.Label ?? '')
                              ? found.fields.Label
                              : '1') as AiLabelInput['Label'],
                            ContentProducer: found.fields.ContentProducer ?? '',
                            ProduceID: found.fields.ProduceID ?? '',
                          })
                        }
                      >
                        {t('useFoundLabel')}
                      </button>
                    </div>
                  ))}
            </dd>
          </dl>
          {[...inspection.errors, ...inspection.warnings].length > 0 ? (
            <>
              <h3>{t('issues')}</h3>
              <ul class="issues">
                {inspection.errors.map((issue) => (
                  <li class="bad">
                    <code>{issue.code}</code> {issue.message}
                  </li>
                ))}
                {inspection.warnings.map((issue) => (
                  <li>
                    <code>{issue.code}</code> {issue.message}
                  </li>
                ))}
              </ul>
            </>
          ) : (
            <p class="hint">{t('noIssues')}</p>
          )}
        </section>
      ) : null}

      {uploaded && !accepted ? (
        <form class="panel metadata" onSubmit={register} aria-labelledby="metadata-heading">
          <h2 id="metadata-heading">{t('metadataHeading')}</h2>
          <div class="field">
            <label for="work-title">{t('workTitle')}</label>
            <input
              id="work-title"
              required
              maxLength={200}
              value={title}
              onInput={(e) => setTitle((e.currentTarget as HTMLInputElement).value)}
            />
          </div>
          <div class="field">
            <label for="work-description">{t('workDescription')}</label>
            <textarea
              id="work-description"
              rows={3}
              maxLength={4000}
              value={description}
              onInput={(e) => setDescription((e.currentTarget as HTMLTextAreaElement).value)}
            />
          </div>
          <fieldset>
            <legend>{t('creators')}</legend>
            {creators.map((creator, i) => (
              <div class="row">
                <div class="field">
                  <label for={`creator-name-${i}`}>{t('creatorName', { n: i + 1 })}</label>
                  <input
                    id={`creator-name-${i}`}
                    required={i === 0}
                    maxLength={200}
                    value={creator.name}
                    onInput={(e) =>
                      setCreators(
                        creators.map((c, j) =>
                          j === i ? { ...c, name: (e.currentTarget as HTMLInputElement).value } : c,
                        ),
                      )
                    }
                  />
                </div>
                <div class="field">
                  <label for={`creator-role-${i}`}>{t('creatorRole', { n: i + 1 })}</label>
                  <input
                    id={`creator-role-${i}`}
                    maxLength={64}
                    value={creator.role}
                    onInput={(e) =>
                      setCreators(
                        creators.map((c, j) =>
                          j === i ? { ...c, role: (e.currentTarget as HTMLInputElement).value } : c,
                        ),
                      )
                    }
                  />
                </div>
                {i > 0 ? (
                  <button
                    type="button"
                    class="link"
                    onClick={() => setCreators(creators.filter((_, j) => j !== i))}
                  >
                    {t('removeCreator', { n: i + 1 })}
                  </button>
                ) : null}
              </div>
            ))}
            {creators.length < 32 ? (
              <button
                type="button"
                class="secondary"
                onClick={() => setCreators([...creators, { name: '', role: '' }])}
              >
                {t('addCreator')}
              </button>
            ) : null}
          </fieldset>
          <div class="row">
            <div class="field">
              <label for="work-created">{t('createdDate')}</label>
              <input
                id="work-created"
                placeholder="2025-06-01"
                pattern="[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?"
                value={created}
                onInput={(e) => setCreated((e.currentTarget as HTMLInputElement).value)}
              />
            </div>
            <div class="field">
              <label for="work-licence">{t('licence')}</label>
              <input
                id="work-licence"
                list="licence-ids"
                required
                maxLength={64}
                value={licence}
                onInput={(e) => setLicence((e.currentTarget as HTMLInputElement).value)}
              />
              <datalist id="licence-ids">
                {LICENCES.map((id) => (
                  <option value={id} />
                ))}
              </datalist>
            </div>
            <div class="field">
              <label for="work-grade">{t('dataGrade')}</label>
              <select
                id="work-grade"
                value={grade}
                onChange={(e) => setGrade((e.currentTarget as HTMLSelectElement).value as typeof grade)}
              >
                {DATA_GRADES.map((g) => (
                  <option value={g}>{t(`grade_${g}`)}</option>
                ))}
              </select>
              {sealing && (
                <p class="hint" role="note">
                  {t('sealedByPolicy')}
                </p>
              )}
            </div>
          </div>
          <fieldset>
            <legend>{t('aiLabelHeading')}</legend>
            <label>
              <input
                type="checkbox"
                checked={ai.on}
                onChange={(e) => setAi({ ...ai, on: (e.currentTarget as HTMLInputElement).checked })}
              />{' '}
              {t('aiLabelDeclare')}
            </label>
            {ai.on ? (
              <div class="row">
                <div class="field">
                  <label for="ai-label">{t('aiLabelCategory')}</label>
                  <select
                    id="ai-label"
                    value={ai.Label}
                    onChange={(e) =>
                      setAi({
                        ...ai,
                        Label: (e.currentTarget as HTMLSelectElement).value as AiLabelInput['Label'],
                      })
                    }
                  >
                    <option value="1">{t('aiLabel1')}</option>
                    <option value="2">{t('aiLabel2')}</option>
                    <option value="3">{t('aiLabel3')}</option>
                  </select>
                </div>
                <div class="field">
                  <label for="ai-producer">{t('aiProducer')}</label>
                  <input
                    id="ai-producer"
                    maxLength={256}
                    value={ai.ContentProducer}
                    onInput={(e) =>
                      setAi({ ...ai, ContentProducer: (e.currentTarget as HTMLInputElement).value })
                    }
                  />
                </div>
                <div class="field">
                  <label for="ai-produce-id">{t('aiProduceId')}</label>
                  <input
                    id="ai-produce-id"
                    maxLength={256}
                    value={ai.ProduceID}
                    onInput={(e) => setAi({ ...ai, ProduceID: (e.currentTarget as HTMLInputElement).value })}
                  />
                </div>
              </div>
            ) : null}
          </fieldset>
          <fieldset>
            <legend>{t('placeHeading')}</legend>
            <label>
              <input
                type="checkbox"
                checked={withPlace}
                onChange={(e) => setWithPlace((e.currentTarget as HTMLInputElement).checked)}
              />{' '}
              {t('placeDeclare')}
            </label>
            {withPlace ? <PlacePicker value={place} onChange={setPlace} /> : null}
          </fieldset>
          <fieldset>
            <legend>{t('timeSpanHeading')}</legend>
            <div class="row">
              <div class="field">
                <label for="span-start">{t('timeSpanStart')}</label>
                <input
                  id="span-start"
                  placeholder="1420"
                  pattern="[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?"
                  value={spanStart}
                  onInput={(e) => setSpanStart((e.currentTarget as HTMLInputElement).value)}
                />
              </div>
              <div class="field">
                <label for="span-end">{t('timeSpanEnd')}</label>
                <input
                  id="span-end"
                  placeholder="1911"
                  pattern="[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?"
                  value={spanEnd}
                  onInput={(e) => setSpanEnd((e.currentTarget as HTMLInputElement).value)}
                />
              </div>
            </div>
          </fieldset>
          <button type="submit" disabled={Boolean(busy) || (withPlace && !grid.code)}>
            {busy === 'signing' ? t('signing') : t('signRegister')}
          </button>
        </form>
      ) : null}

      <Problem error={error} />

      {accepted && chosen ? (
        <section class="panel result" aria-labelledby="result-heading">
          <h2 id="result-heading">{t('registeredHeading')}</h2>
          <dl class="facts">
            <dt>{t('assetId')}</dt>
            <dd>
              <a href={`/assets/${accepted.subject.asset ?? accepted.txId}`}>
                <code class="did" data-testid="asset-id">
                  {accepted.subject.asset ?? accepted.txId}
                </code>
              </a>
            </dd>
            <dt>{t('logIndex')}</dt>
            <dd>{accepted.index}</dd>
            <dt>{t('receiptCheck')}</dt>
            <dd class={receiptOk ? 'ok' : 'bad'}>
              {receiptOk === undefined
                ? t('checking')
                : receiptOk
                  ? t('receiptVerified')
                  : t('receiptNotVerified')}
            </dd>
          </dl>
          {receiptUrl ? (
            <p>
              <a class="button" href={receiptUrl} download={`${chosen.cid}.receipt.json`}>
                {t('downloadReceipt')}
              </a>
            </p>
          ) : null}
          <p class="hint">{t('receiptHint', { file: `${chosen.cid}.receipt.json` })}</p>
          {accepted.possiblePriorWork && accepted.possiblePriorWork.length > 0 ? (
            <>
              <h3>{t('priorWork')}</h3>
              <ul>
                {accepted.possiblePriorWork.map((mark) => (
                  <li>
                    <a href={`/assets/${mark.asset}`}>
                      <Short value={mark.asset} />
                    </a>{' '}
                    {t('priorWorkReason', { reason: mark.reason, distance: mark.distance })}
                  </li>
                ))}
              </ul>
            </>
          ) : (
            <p class="hint">{t('noPriorWork')}</p>
          )}
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setChosen(undefined);
              setUploaded(undefined);
              setAccepted(undefined);
              setReceiptOk(undefined);
              setTitle('');
            }}
          >
            {t('registerAnother')}
          </button>
        </section>
      ) : null}
    </section>
  );
}
