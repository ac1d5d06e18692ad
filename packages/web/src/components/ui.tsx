// Small shared pieces of the explorer's pages: loading data, short identifiers, times, notices.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../explorer/strings.js';
import { formatTime, useLanguage } from '../i18n.js';

/** The state of something loaded: pending, loaded, or failed with a message. */
export type Loaded<T> =
  | { state: 'pending' }
  | { state: 'ok'; value: T }
  | { state: 'error'; message: string; status?: number };

/** Run `load` when `deps` change; stale answers (after a change or unmount) are dropped. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'pending' });
  useEffect(() => {
    let live = true;
    setLoaded({ state: 'pending' });
    load().then(
      (value) => live && setLoaded({ state: 'ok', value }),
      (error: unknown) => {
        if (!live) return;
        const status = (error as { status?: unknown }).status;
        setLoaded({
          state: 'error',
          message: error instanceof Error ? error.message : String(error),
          ...(typeof status === 'number' ? { status } : {}),
        });
      },
    );
    return () => {
      live = false;
    };
  }, deps);
  return loaded;
}

/** What a pending or failed load shows in place of its content. */
export function LoadState({ loaded }: { loaded: Loaded<unknown> }) {
  useLanguage();
  if (loaded.state === 'pending') return <p aria-busy="true">{t('loading')}</p>;
  if (loaded.state === 'error')
    return (
      <p role="alert" class="error-note">
        {t('loadFailed', { message: loaded.message })}
      </p>
    );
  return null;
}

/** "abcd1234…wxyz" for a long id; the whole id stays in the title and for screen readers' copy. */
export function shortId(id: string, head = 10, tail = 6): string {
  return id.length <= head + tail + 1 ? id : `${id.slice(0, head)}…${id.slice(-tail)}`;
}

/** A DID as a link to its identity page, shortened, with an optional known name. */
export function DidLink({ did, name }: { did: string; name?: string | undefined }) {
  return (
    <a class="did" href={`/identities/${encodeURIComponent(did)}`} title={did}>
      {name ?? shortId(did, 14, 6)}
    </a>
  );
}

/** A work's id as a link to its page. */
export function AssetLink({ id, title }: { id: string; title?: string | undefined }) {
  return (
    <a href={`/assets/${id}`} title={id}>
      {title ?? shortId(id)}
    </a>
  );
}

/** A hash or other long token, shortened, copyable in full from its title. */
export function Hash({ value }: { value: string }) {
  return (
    <code class="hash" title={value}>
      {shortId(value, 12, 6)}
    </code>
  );
}

export function Time({ iso }: { iso: string }) {
  useLanguage();
  return <time dateTime={iso}>{formatTime(iso)}</time>;
}

/** A definition list from label/value pairs, skipping empty values. */
export function Facts({ rows }: { rows: [label: string, value: ComponentChildren][] }) {
  return (
    <dl class="ex-facts">
      {rows
        .filter(([, value]) => value !== undefined && value !== null && value !== '')
        .map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
    </dl>
  );
}

/** Bytes as "12.3 KB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
