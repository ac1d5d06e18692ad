import type { AssetMetadata } from '@cinnabar/core';
import { t } from '../explorer/strings.js';

/** A work's title, or what stands for it where the policy sealed its description (no title on the log). */
export function workTitle(metadata: Pick<AssetMetadata, 'title' | 'grade'>): string {
  return metadata.title ?? t('sealedTitle', { grade: t(`grade.${metadata.grade}`) });
}
