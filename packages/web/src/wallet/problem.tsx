// An error as the holder should see it: the node's stable problem code and its detail (RFC 9457),
// or core's error code and message for something refused before it was sent.
import { CinnabarApiError, CinnabarError } from '@cinnabar/core';
import { ApiProblem } from '../api.js';
import { t } from './strings.js';

export interface ShownProblem {
  code: string;
  detail: string;
  status?: number;
}

export function describeProblem(error: unknown): ShownProblem {
  if (error instanceof CinnabarApiError)
    return {
      code: error.code,
      detail: error.detail ?? error.problem?.title ?? error.message,
      ...(error.status ? { status: error.status } : {}),
    };
  if (error instanceof ApiProblem) return { code: error.code, detail: error.message, status: error.status };
  if (error instanceof CinnabarError) return { code: error.code, detail: error.message };
  if (error instanceof DOMException) return { code: error.name, detail: error.message };
  return { code: 'error', detail: error instanceof Error ? error.message : String(error) };
}

/** An alert naming the problem's code and what the node said. */
export function Problem({ error }: { error: unknown }) {
  if (error === undefined) return null;
  const { code, detail, status } = describeProblem(error);
  return (
    <p role="alert" class="problem">
      <strong>{t('problem')}</strong> <code>{code}</code>
      {status ? ` (HTTP ${status})` : ''}: {detail}
    </p>
  );
}

/** A short form of a DID or id for lists; the whole value stays in the title and for copying. */
export function Short({ value, keep = 14 }: { value: string; keep?: number }) {
  const shown = value.length > keep * 2 + 1 ? `${value.slice(0, keep)}…${value.slice(-6)}` : value;
  return (
    <code class="short" title={value}>
      {shown}
    </code>
  );
}
