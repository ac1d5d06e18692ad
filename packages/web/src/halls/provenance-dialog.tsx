// A work's verified provenance over the hall: the explorer's <ProvenancePanel asset=… /> in a modal
// dialog. The panel is the explorer's (src/explorer/provenance-panel.tsx); it is found with
// import.meta.glob, so this page builds before it exists and uses it as soon as it does. Until then,
// the dialog links to the work's page.
import type { ComponentType } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { HallWork } from './data.js';
import { t } from './strings.js';

type PanelModule = { ProvenancePanel: ComponentType<{ asset: string; level?: number }> };
const panels = import.meta.glob<PanelModule>('../explorer/provenance-panel.tsx');
const loadPanel = Object.values(panels)[0];

export function ProvenanceDialog(props: { work: HallWork; onClose: () => void }) {
  const { work, onClose } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  const [Panel, setPanel] = useState<PanelModule['ProvenancePanel'] | undefined>();
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    if (document.pointerLockElement) document.exitPointerLock();
  }, []);
  useEffect(() => {
    let live = true;
    loadPanel?.().then(
      (module) => live && setPanel(() => module.ProvenancePanel),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  const asset = work.placement.asset;
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: a click on the backdrop closes it; Escape does so natively
    <dialog
      ref={dialog}
      class="hall-dialog"
      aria-labelledby="hall-dialog-title"
      onClose={onClose}
      onClick={(e) => {
        if (e.target === dialog.current) dialog.current?.close();
      }}
    >
      <header class="hall-dialog-head">
        <h2 id="hall-dialog-title">{t('provenanceOf', { title: work.title })}</h2>
        <button type="button" class="hall-close" onClick={() => dialog.current?.close()}>
          {t('close')}
        </button>
      </header>
      {loadPanel && Panel ? (
        <Panel asset={asset} level={3} />
      ) : loadPanel ? null : (
        <p>{t('provenanceFallback')}</p>
      )}
      <p>
        <a href={`/assets/${asset}`} onClick={() => dialog.current?.close()}>
          {t('openWorkPage')}
        </a>
      </p>
    </dialog>
  );
}
