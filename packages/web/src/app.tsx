import type { ComponentType } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { LANGUAGES, type Language, setLanguage, useLanguage } from './i18n.js';
import { interceptLinks, matchPath, type PageProps, useLocation } from './router.js';
import { ROUTES } from './routes.js';
import { t } from './strings.js';

const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', zh: '简体中文' };

/** The page for the current path, loaded on demand. */
function Outlet() {
  const { path, query } = useLocation();
  const [page, setPage] = useState<{ path: string; Component: ComponentType<PageProps> } | undefined>();
  const [error, setError] = useState<string | undefined>();
  const match = ROUTES.map((route) => ({ route, params: matchPath(route.path, path) })).find((m) => m.params);
  useEffect(() => {
    setError(undefined);
    if (!match) return;
    let live = true;
    match.route.load().then(
      (module) => live && setPage({ path: match.route.path, Component: module.default }),
      (cause: unknown) => live && setError(String(cause)),
    );
    return () => {
      live = false;
    };
  }, [match?.route.path]);
  if (!match)
    return (
      <section class="notice">
        <p>{t('notFound')}</p>
        <a href="/">{t('backHome')}</a>
      </section>
    );
  if (error) return <p role="alert">{t('failed', { message: error })}</p>;
  if (!page || page.path !== match.route.path) return <p aria-busy="true">{t('loading')}</p>;
  return <page.Component params={match.params!} query={query} />;
}

export function App() {
  const lang = useLanguage();
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => (root.current ? interceptLinks(root.current) : undefined), []);
  useEffect(() => {
    document.title = t('brand');
  }, [lang]);
  return (
    <div ref={root} class="shell">
      <a class="skip" href="#main">
        {t('skip')}
      </a>
      <header class="top">
        <a class="brand" href="/">
          <span class="seal" aria-hidden="true">
            朱
          </span>
          {t('brand')}
        </a>
        <nav aria-label="main">
          <a href="/">{t('navHome')}</a>
          <a href="/halls">{t('navHalls')}</a>
          <a href="/register">{t('navRegister')}</a>
          <a href="/wallet">{t('navWallet')}</a>
          <a href="/regulator">{t('navRegulator')}</a>
        </nav>
        <label class="lang">
          <span class="visually-hidden">{t('language')}</span>
          <select
            value={lang}
            onChange={(e) => setLanguage((e.currentTarget as HTMLSelectElement).value as Language)}
          >
            {LANGUAGES.map((code) => (
              <option value={code}>{LANGUAGE_NAMES[code]}</option>
            ))}
          </select>
        </label>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
      <footer class="bottom">{t('footer')}</footer>
    </div>
  );
}
