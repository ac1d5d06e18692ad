// /halls: the digital space aggregation platform. Museums, exhibition halls, galleries, venues and
// heritage sites side by side, newest first, filtered by kind.
import { SPACE_CATEGORIES, type SpaceRecord } from '@cinnabar/core';
import { useEffect, useState } from 'preact/hooks';
import { useLanguage } from '../i18n.js';
import type { PageProps } from '../router.js';
import { navigate } from '../router.js';
import { identityName, listSpaces, shortDid } from './data.js';
import { t } from './strings.js';

type Category = (typeof SPACE_CATEGORIES)[number];

function SpaceCard({ space }: { space: SpaceRecord }) {
  const [curator, setCurator] = useState<string | undefined>();
  useEffect(() => {
    let live = true;
    void identityName(space.curator).then((name) => live && setCurator(name));
    return () => {
      live = false;
    };
  }, [space.curator]);
  const works = space.placements.length;
  const rooms = space.rooms.length;
  return (
    <li class={`hall-card hall-card-${space.category}`}>
      <p class="hall-kicker">{t(`category.${space.category}`)}</p>
      <h2>
        <a href={`/halls/${space.id}`}>{space.name}</a>
      </h2>
      <p class="hall-muted">{t('curatedBy', { name: curator ?? shortDid(space.curator) })}</p>
      <p>
        {works === 1 ? t('oneWork') : t('works', { count: works })} ·{' '}
        {rooms === 1 ? t('oneRoom') : t('rooms', { count: rooms })}
      </p>
      {space.place?.name && <p class="hall-muted">{space.place.name}</p>}
    </li>
  );
}

export default function GalleryPage({ query }: PageProps) {
  useLanguage();
  const wanted = query.get('category');
  const category = SPACE_CATEGORIES.includes(wanted as Category) ? (wanted as Category) : undefined;
  const [spaces, setSpaces] = useState<SpaceRecord[] | undefined>();
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | undefined>();
  const load = (from?: string) =>
    listSpaces(from).then(
      (page) => {
        setSpaces((before) => [...(from ? (before ?? []) : []), ...page.items]);
        setCursor(page.nextCursor);
      },
      (cause: unknown) => setError(cause instanceof Error ? cause.message : String(cause)),
    );
  useEffect(() => {
    document.title = t('galleryTitle');
    void load();
  }, []);
  const shown = spaces?.filter((s) => !category || s.category === category);
  return (
    <section class="hall-gallery">
      <header class="hall-gallery-head">
        <div>
          <h1>{t('galleryTitle')}</h1>
          <p class="hall-muted">{t('galleryIntro')}</p>
        </div>
        <a class="hall-button" href="/halls/new">
          {t('newHall')}
        </a>
      </header>
      <fieldset class="hall-filter">
        <legend>{t('filterLabel')}</legend>
        {[undefined, ...SPACE_CATEGORIES].map((c) => (
          <label key={c ?? 'all'}>
            <input
              type="radio"
              name="category"
              checked={c === category}
              onChange={() => navigate(c ? `/halls?category=${c}` : '/halls', { replace: true })}
            />
            {c ? t(`category.${c}`) : t('filterAll')}
          </label>
        ))}
      </fieldset>
      {error && <p role="alert">{error}</p>}
      {!spaces && !error && <p aria-busy="true">…</p>}
      {shown && shown.length === 0 && <p>{category ? t('noSpacesInCategory') : t('noSpaces')}</p>}
      {shown && shown.length > 0 && (
        <ul class="hall-cards">
          {shown.map((space) => (
            <SpaceCard key={space.id} space={space} />
          ))}
        </ul>
      )}
      {cursor && (
        <button type="button" onClick={() => load(cursor)}>
          {t('more')}
        </button>
      )}
    </section>
  );
}
