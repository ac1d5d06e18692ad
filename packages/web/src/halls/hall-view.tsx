// A space to walk: the 3D stage (three.js, loaded here on demand), its start overlay, VR button and
// touch stick, and, always, the list of its works as the text alternative. The hall page shows a
// published space with it; the editor previews a draft with it.
import type { Placement, Room } from '@cinnabar/core';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useLanguage } from '../i18n.js';
import { type HallWork, loadWorks, workKind } from './data.js';
import { ProvenanceDialog } from './provenance-dialog.js';
import type { HallScene } from './scene.js';
import { t } from './strings.js';

/** Whether this browser gives a WebGL context (asked before three.js is fetched). */
export function webglAvailable(): boolean {
  try {
    const canvas = document.createElement('canvas');
    return Boolean(canvas.getContext('webgl2') ?? canvas.getContext('webgl'));
  } catch {
    return false;
  }
}

function coarsePointer(): boolean {
  return matchMedia('(pointer: coarse)').matches;
}

export function statusText(work: HallWork): string | undefined {
  switch (work.status.state) {
    case 'restricted':
      return t('restricted', { grade: work.status.grade });
    case 'taken-down':
      return t('takenDown');
    case 'missing':
      return t('missing');
    default:
      return undefined;
  }
}

function kindText(work: HallWork): string {
  const kind = work.status.state === 'ok' ? work.status.kind : work.asset && workKind(work.asset.mediaType);
  if (kind === 'image') return t('kindImage');
  if (kind === 'model') return t('kindModel');
  if (kind === 'video') return t('kindVideo');
  return t('kindOther');
}

export function HallView(props: { rooms: readonly Room[]; placements: readonly Placement[]; label: string }) {
  useLanguage();
  const { rooms, placements } = props;
  const stage = useRef<HTMLElement>(null);
  const host = useRef<HTMLDivElement>(null);
  const stick = useRef<HTMLDivElement>(null);
  const scene = useRef<HallScene | undefined>(undefined);
  const [works, setWorks] = useState<HallWork[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [webgl] = useState(webglAvailable);
  const [sceneError, setSceneError] = useState<string | undefined>();
  const [progress, setProgress] = useState<{ done: number; total: number } | undefined>();
  const [started, setStarted] = useState(false);
  const [vr, setVr] = useState<'no' | 'yes' | 'in'>('no');
  const [selected, setSelected] = useState<number | undefined>();
  const touch = coarsePointer();

  useEffect(() => {
    let live = true;
    setWorks(undefined);
    loadWorks(placements).then(
      (loaded) => live && setWorks(loaded),
      (cause: unknown) => live && setError(cause instanceof Error ? cause.message : String(cause)),
    );
    return () => {
      live = false;
    };
  }, [placements]);

  useEffect(() => {
    if (!works || !webgl || !stage.current || !host.current) return;
    let live = true;
    const container = stage.current;
    const canvasHost = host.current;
    import('./scene.js')
      .then(({ HallScene }) => {
        if (!live) return;
        scene.current = new HallScene({
          container: canvasHost,
          joystick: stick.current ?? undefined,
          rooms,
          works,
          cardText: (work, problem) =>
            `${work.title}\n${problem ? t('failedToLoad', { message: problem }) : (statusText(work) ?? kindText(work))}`,
          onSelect: (index) => setSelected(index),
          onProgress: (done, total) => setProgress({ done, total }),
          onReady: () => container.setAttribute('data-ready', 'true'),
        });
        return HallScene.vrSupported().then((yes) => live && yes && setVr('yes'));
      })
      .catch(
        (cause: unknown) => live && setSceneError(cause instanceof Error ? cause.message : String(cause)),
      );
    return () => {
      live = false;
      scene.current?.dispose();
      scene.current = undefined;
      container.removeAttribute('data-ready');
    };
  }, [works, webgl, rooms]);

  const start = () => {
    setStarted(true);
    scene.current?.start(!touch);
  };

  const enterVr = () => {
    const s = scene.current;
    if (!s) return;
    setVr('in');
    s.start(false);
    s.enterVr().then(
      () => setVr('yes'),
      (cause: unknown) => {
        setVr('yes');
        setSceneError(cause instanceof Error ? cause.message : String(cause));
      },
    );
  };

  const selectedWork = selected === undefined ? undefined : works?.[selected];
  const roomName = (id: string) => rooms.find((r) => r.id === id)?.name ?? id;

  return (
    <div class="hall-view">
      {webgl && !sceneError ? (
        <section ref={stage} class="hall-stage" aria-label={props.label} data-started={started}>
          <div ref={host} class="hall-canvas-host" />
          {!started && (
            <button type="button" class="hall-start" onClick={start} disabled={!progress}>
              <strong>{t('enterHall')}</strong>
              <span>{touch ? t('enterHintTouch') : t('enterHint')}</span>
            </button>
          )}
          {touch && (
            <div ref={stick} class="hall-joystick" role="img" aria-label={t('joystick')}>
              <span class="hall-knob" />
            </div>
          )}
          <div class="hall-hud">
            {progress && (
              <span role="status" class="hall-progress">
                {progress.done < progress.total
                  ? t('loadingWorks', progress)
                  : t('allLoaded', { total: progress.total })}
              </span>
            )}
            {vr !== 'no' && (
              <button type="button" class="hall-vr" onClick={enterVr} disabled={vr === 'in'}>
                {t('enterVr')}
              </button>
            )}
          </div>
          {started && !touch && <span class="hall-crosshair" aria-hidden="true" />}
        </section>
      ) : (
        <p class="notice hall-no-webgl" role="alert">
          {sceneError ? t('sceneFailed', { message: sceneError }) : t('noWebgl')}
        </p>
      )}
      <section class="hall-works" aria-labelledby="hall-works-title">
        <h2 id="hall-works-title">{t('worksInHall')}</h2>
        <p class="hall-muted">{t('worksInHallHint')}</p>
        {error && <p role="alert">{error}</p>}
        {!works && !error && <p aria-busy="true">…</p>}
        {works && (
          <ol class="hall-work-list">
            {works.map((work) => (
              <li key={work.index}>
                <div>
                  <a href={`/assets/${work.placement.asset}`}>{work.title}</a>
                  {work.placement.edition !== undefined && ` (#${work.placement.edition})`}{' '}
                  <span class="hall-muted">
                    {kindText(work)} · {t('inRoom', { room: roomName(work.placement.room) })}
                  </span>
                  {statusText(work) && <div class="hall-status">{statusText(work)}</div>}
                </div>
                <button type="button" onClick={() => setSelected(work.index)}>
                  {t('openProvenance')}
                </button>
              </li>
            ))}
          </ol>
        )}
      </section>
      {selectedWork && <ProvenanceDialog work={selectedWork} onClose={() => setSelected(undefined)} />}
    </div>
  );
}
