/**
 * A registered work's content, shown as what it is: glTF/GLB in the 3D viewer, images, video and
 * audio in the browser's own players, and a file card for anything else. Bytes come from
 * GET /v1/blobs/:cid; a taken-down work (451) shows its takedown and grounds instead, and a work
 * graded `important` or `core` (401 without a signed read) says who may read it. Both are known
 * from the asset's record, so the page does not ask for bytes it will be refused.
 */
import type { AssetRecord, TakedownRecord } from '@cinnabar/core';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../explorer/strings.js';
import { useLanguage } from '../i18n.js';
import type { ModelStats, ModelViewer } from './model-viewer.js';
import { DidLink, formatBytes, Hash, LoadState, Time, useLoad } from './ui.js';
import { workTitle } from './work-title.js';

export const MODEL_MEDIA_TYPES = ['model/gltf-binary', 'model/gltf+json'];
/** Grades whose content is served only on a signed read (docs/data-grades.md). */
export const GRADES_NEEDING_SIGNED_READ = ['important', 'core'];

/** Whether this browser can draw WebGL (software rendering counts). */
export function hasWebGL(): boolean {
  try {
    const canvas = document.createElement('canvas');
    const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
    if (!gl) return false;
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return true;
  } catch {
    return false;
  }
}

export function WorkMedia({ asset }: { asset: AssetRecord }) {
  useLanguage();
  const title = workTitle(asset.metadata);
  if (asset.takenDown) return <TakedownNotice id={asset.takenDown.takedown} />;
  if (GRADES_NEEDING_SIGNED_READ.includes(asset.metadata.grade)) return <GradedNotice asset={asset} />;
  const url = api.blobUrl(asset.cid);
  const type = asset.mediaType;
  if (MODEL_MEDIA_TYPES.includes(type)) return <ModelView url={url} title={title} asset={asset} />;
  if (type.startsWith('image/') && type !== 'image/svg+xml')
    return (
      <figure class="media media-image">
        <img src={url} alt={title} loading="lazy" decoding="async" />
      </figure>
    );
  if (type.startsWith('video/'))
    return (
      <figure class="media">
        {/* biome-ignore lint/a11y/useMediaCaption: registered works carry no caption track */}
        <video src={url} controls preload="metadata" aria-label={title} />
      </figure>
    );
  if (type.startsWith('audio/'))
    return (
      <figure class="media">
        {/* biome-ignore lint/a11y/useMediaCaption: registered works carry no caption track */}
        <audio src={url} controls preload="metadata" aria-label={title} />
      </figure>
    );
  return <FileCard asset={asset} />;
}

export function FileCard({ asset }: { asset: AssetRecord }) {
  return (
    <div class="file-card">
      <span class="file-icon" aria-hidden="true">
        {asset.mediaType.split('/')[1]?.slice(0, 4).toUpperCase() ?? 'FILE'}
      </span>
      <div>
        <p>
          <strong>{workTitle(asset.metadata)}</strong>
        </p>
        <p>
          {asset.mediaType} · {formatBytes(asset.size)}
        </p>
        <p>
          <Hash value={asset.cid} />
        </p>
        <a href={api.blobUrl(asset.cid)} download>
          {t('download')}
        </a>
      </div>
    </div>
  );
}

function TakedownNotice({ id }: { id: string }) {
  const takedown = useLoad<TakedownRecord | undefined>(() => api.takedown(id), [id]);
  return (
    <div class="notice takedown" role="note">
      <p>
        <strong>{t('takenDown')}</strong>
      </p>
      {takedown.state === 'ok' && takedown.value ? (
        <>
          <p>
            {t('takedownGrounds', { category: takedown.value.grounds.category })}:{' '}
            {takedown.value.grounds.text}
          </p>
          <p>
            {t('takedownBy')} <DidLink did={takedown.value.regulator} />,{' '}
            <Time iso={takedown.value.at.time} /> ({t('entryNo', { index: takedown.value.at.index })})
          </p>
        </>
      ) : (
        <LoadState loaded={takedown} />
      )}
    </div>
  );
}

function GradedNotice({ asset }: { asset: AssetRecord }) {
  return (
    <div class="notice graded" role="note">
      <p>
        <strong>{t('gradedTitle', { grade: t(`grade.${asset.metadata.grade}`) })}</strong>
      </p>
      <p>{t('gradedWho')}</p>
      <p>
        {asset.mediaType} · {formatBytes(asset.size)} · <Hash value={asset.cid} />
      </p>
    </div>
  );
}

type ViewerState =
  | { state: 'loading' }
  | { state: 'ready'; stats: ModelStats }
  | { state: 'no-webgl' }
  | { state: 'error'; message: string };

export function ModelView({ url, title, asset }: { url: string; title: string; asset?: AssetRecord }) {
  useLanguage();
  const holder = useRef<HTMLDivElement>(null);
  const describedBy = `model-alt-${asset?.id ?? 'work'}`;
  const viewer = useRef<ModelViewer | undefined>(undefined);
  const [status, setStatus] = useState<ViewerState>({ state: 'loading' });
  useEffect(() => {
    if (!hasWebGL()) {
      setStatus({ state: 'no-webgl' });
      return;
    }
    const controller = new AbortController();
    setStatus({ state: 'loading' });
    import('./model-viewer.js')
      .then(({ mountModelViewer }) =>
        mountModelViewer(holder.current!, url, {
          label: t('modelLabel', { title }),
          signal: controller.signal,
        }),
      )
      .then(
        (mounted) => {
          if (controller.signal.aborted) return mounted.dispose();
          viewer.current = mounted;
          mounted.canvas.setAttribute('aria-describedby', describedBy);
          setStatus({ state: 'ready', stats: mounted.stats });
        },
        (error: unknown) => {
          if (!controller.signal.aborted) setStatus({ state: 'error', message: String(error) });
        },
      );
    return () => {
      controller.abort();
      viewer.current?.dispose();
      viewer.current = undefined;
    };
  }, [url]);

  const stats = status.state === 'ready' ? status.stats : undefined;
  const fallback = (message: string) => (
    <div class="notice no-webgl" role="note">
      <p>{message}</p>
      {asset && <FileCard asset={asset} />}
    </div>
  );
  return (
    <figure class="media media-model">
      <div ref={holder} class="model-holder" aria-busy={status.state === 'loading'} />
      {status.state === 'loading' && <p aria-busy="true">{t('modelLoading')}</p>}
      {status.state === 'no-webgl' && fallback(t('noWebGL'))}
      {status.state === 'error' && fallback(t('modelFailed', { message: status.message }))}
      {status.state === 'ready' && (
        <fieldset class="model-controls">
          <legend class="visually-hidden">{t('modelControls')}</legend>
          <button type="button" onClick={() => viewer.current?.rotate(-Math.PI / 8)}>
            {t('rotateLeft')}
          </button>
          <button type="button" onClick={() => viewer.current?.rotate(Math.PI / 8)}>
            {t('rotateRight')}
          </button>
          <button type="button" onClick={() => viewer.current?.zoom(0.8)}>
            {t('zoomIn')}
          </button>
          <button type="button" onClick={() => viewer.current?.zoom(1.25)}>
            {t('zoomOut')}
          </button>
          <button type="button" onClick={() => viewer.current?.resetView()}>
            {t('resetView')}
          </button>
        </fieldset>
      )}
      <figcaption id={describedBy} class="model-alt">
        {t('modelAlt', { title })}
        {stats &&
          ` ${t('modelStats', {
            meshes: stats.meshes,
            triangles: stats.triangles.toLocaleString(),
            size: stats.size.map((v) => v.toFixed(2)).join(' × '),
          })}`}
        {status.state === 'ready' && ` ${t('modelKeys')}`}
      </figcaption>
    </figure>
  );
}
