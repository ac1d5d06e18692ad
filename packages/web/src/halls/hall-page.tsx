// /halls/:id: a published space, to walk in 3D (or read as a list), with who curated it.
import type { SpaceRecord } from '@cinnabar/core';
import { useEffect, useState } from 'preact/hooks';
import { useLanguage } from '../i18n.js';
import type { PageProps } from '../router.js';
import { getSpace, identityName, shortDid } from './data.js';
import { HallView } from './hall-view.js';
import { t } from './strings.js';

export default function HallPage({ params }: PageProps) {
  useLanguage();
  const id = params.id!;
  const [space, setSpace] = useState<SpaceRecord | undefined>();
  const [curator, setCurator] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let live = true;
    setSpace(undefined);
    setError(undefined);
    getSpace(id).then(
      (record) => {
        if (!live) return;
        setSpace(record);
        document.title = `${record.name} · ${t('galleryTitle')}`;
        void identityName(record.curator).then((name) => live && setCurator(name));
      },
      (cause: unknown) => live && setError(cause instanceof Error ? cause.message : String(cause)),
    );
    return () => {
      live = false;
    };
  }, [id]);
  if (error)
    return (
      <section class="notice" role="alert">
        <p>{error}</p>
        <a href="/halls">{t('galleryTitle')}</a>
      </section>
    );
  if (!space) return <p aria-busy="true">…</p>;
  return (
    <article class="hall-page">
      <header class="hall-head">
        <p class="hall-kicker">
          <a href="/halls">{t('galleryTitle')}</a> · {t(`category.${space.category}`)}
          {space.place?.name && ` · ${space.place.name}`}
        </p>
        <h1>{space.name}</h1>
        <p class="hall-muted">
          {t('curatedBy', { name: curator ?? shortDid(space.curator) })} ·{' '}
          {t('revision', { n: space.revision })} · <a href={`/halls/${space.id}/edit`}>{t('editHall')}</a>
        </p>
        {space.description && <p class="hall-description">{space.description}</p>}
      </header>
      <HallView rooms={space.rooms} placements={space.placements} label={space.name} />
    </article>
  );
}
