/**
 * Interface text in English and Simplified Chinese (简体中文), switchable at any time. Each area of
 * the app defines its own strings with `defineStrings`; the Chinese table must have exactly the
 * English one's keys (the type checker says so). `{name}` in a string is replaced by vars.name.
 */
import { useEffect, useState } from 'preact/hooks';

export const LANGUAGES = ['en', 'zh'] as const;
export type Language = (typeof LANGUAGES)[number];
const STORAGE_KEY = 'cinnabar.lang';

function initialLanguage(): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'en' || stored === 'zh') return stored;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

let current: Language = initialLanguage();
const listeners = new Set<() => void>();
document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';

export function language(): Language {
  return current;
}

export function setLanguage(next: Language): void {
  if (next === current) return;
  current = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
  for (const listener of listeners) listener();
}

/** Re-render the calling component when the language changes; returns it. */
export function useLanguage(): Language {
  const [, setTick] = useState(0);
  useEffect(() => {
    const listener = () => setTick((n) => n + 1);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
  return current;
}

export type Vars = Record<string, string | number>;

function fill(text: string, vars: Vars | undefined): string {
  return vars === undefined
    ? text
    : text.replace(/\{(\w+)\}/g, (whole, name: string) => String(vars[name] ?? whole));
}

/** An area's strings: `t('key', vars)` in the current language. */
export function defineStrings<K extends string>(tables: { en: Record<K, string>; zh: Record<K, string> }) {
  const t = (key: K, vars?: Vars): string => fill(tables[current][key], vars);
  return Object.assign(t, { tables });
}

/** A date and time in the current language, in the reader's time zone. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(current === 'zh' ? 'zh-CN' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
  });
}
