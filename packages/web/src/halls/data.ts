// What the halls read from the node: spaces, the works placed in them, curators' names; and what a
// work's content is to the scene (a picture, a model, a video, or a placeholder saying why not).
import type { AssetRecord, Placement, SpaceRecord } from '@cinnabar/core';
import { ApiProblem, getJson } from '../api.js';
import { workTitle } from '../components/work-title.js';

export interface SpacePage {
  items: SpaceRecord[];
  nextCursor: string | null;
}

export function listSpaces(cursor?: string): Promise<SpacePage> {
  const query = new URLSearchParams({ limit: '50' });
  if (cursor) query.set('cursor', cursor);
  return getJson<SpacePage>(`/v1/spaces?${query}`);
}

export function getSpace(id: string): Promise<SpaceRecord> {
  return getJson<SpaceRecord>(`/v1/spaces/${encodeURIComponent(id)}`);
}

const names = new Map<string, Promise<string | undefined>>();

/** An identity's registered name, if it has one (cached for the page's life). */
export function identityName(did: string): Promise<string | undefined> {
  let name = names.get(did);
  if (!name) {
    name = getJson<{ name?: string }>(`/v1/identities/${encodeURIComponent(did)}`).then(
      (identity) => identity.name,
      () => undefined,
    );
    names.set(did, name);
  }
  return name;
}

/** A DID shortened for display: did:key:z6Mk…last6. */
export function shortDid(did: string): string {
  return did.length > 24 ? `${did.slice(0, 14)}…${did.slice(-6)}` : did;
}

export type WorkKind = 'image' | 'model' | 'video' | 'other';

/** What the scene shows for a placement. */
export type WorkStatus =
  | { state: 'ok'; kind: WorkKind; url: string }
  | { state: 'restricted'; grade: string }
  | { state: 'taken-down' }
  | { state: 'missing' };

export interface HallWork {
  placement: Placement;
  index: number;
  title: string;
  asset?: AssetRecord;
  status: WorkStatus;
}

export function workKind(mediaType: string): WorkKind {
  if (mediaType.startsWith('image/')) return 'image';
  if (mediaType === 'model/gltf-binary' || mediaType === 'model/gltf+json') return 'model';
  if (mediaType.startsWith('video/')) return 'video';
  return 'other';
}

/**
 * The works of a space, each with what can be shown of it. Content graded above `general` (401
 * without a signed read) and content taken down (451) are known from the record, so the scene
 * shows a placeholder and never asks for bytes it would be refused.
 */
export async function loadWorks(placements: readonly Placement[]): Promise<HallWork[]> {
  const records = new Map<string, Promise<AssetRecord | undefined>>();
  for (const p of placements)
    if (!records.has(p.asset))
      records.set(
        p.asset,
        getJson<AssetRecord>(`/v1/assets/${encodeURIComponent(p.asset)}`).catch((error: unknown) => {
          if (error instanceof ApiProblem && error.status === 404) return undefined;
          throw error;
        }),
      );
  return Promise.all(
    placements.map(async (placement, index): Promise<HallWork> => {
      const asset = await records.get(placement.asset)!;
      const title = placement.label ?? (asset ? workTitle(asset.metadata) : placement.asset.slice(0, 12));
      if (!asset) return { placement, index, title, status: { state: 'missing' } };
      return { placement, index, title, asset, status: workStatus(asset) };
    }),
  );
}

export function workStatus(asset: AssetRecord): WorkStatus {
  if (asset.takenDown) return { state: 'taken-down' };
  if (asset.metadata.grade !== 'general') return { state: 'restricted', grade: asset.metadata.grade };
  return { state: 'ok', kind: workKind(asset.mediaType), url: `/v1/blobs/${asset.cid}` };
}
