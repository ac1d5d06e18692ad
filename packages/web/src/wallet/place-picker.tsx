// Where a work is: picked on the explorer's place map (components/place-map.tsx), or latitude,
// longitude and grid level typed in (the keyboard way); the Beidou grid code (GB/T 39409-2020)
// of the point is shown as it changes, from core's grid codec.
import { encodeGrid } from '@cinnabar/core';
import { PlaceMap } from '../components/place-map.js';
import { t } from './strings.js';

export interface PlaceInput {
  lat: string;
  lng: string;
  level: string;
  height: string;
  name: string;
}

export const EMPTY_PLACE: PlaceInput = { lat: '', lng: '', level: '7', height: '', name: '' };

/** The grid code of a typed place, or why there is none. */
export function placeGrid(place: PlaceInput): { code?: string; problem?: string } {
  if (place.lat.trim() === '' || place.lng.trim() === '') return {};
  const lat = Number(place.lat);
  const lng = Number(place.lng);
  if (!Number.isFinite(lat) || lat < -90 || lat > 90) return { problem: t('latitudeRange') };
  if (!Number.isFinite(lng) || lng < -180 || lng > 180) return { problem: t('longitudeRange') };
  try {
    return { code: encodeGrid(lat, lng, Number(place.level)) };
  } catch (error) {
    return { problem: (error as Error).message };
  }
}

export function PlacePicker(props: { value: PlaceInput; onChange: (next: PlaceInput) => void }) {
  const { value, onChange } = props;
  const grid = placeGrid(value);
  const picked = grid.code ? { lat: Number(value.lat), lng: Number(value.lng) } : undefined;
  const field = (name: keyof PlaceInput, labelText: string, extra: Record<string, unknown> = {}) => (
    <div class="field">
      <label for={`place-${name}`}>{labelText}</label>
      <input
        id={`place-${name}`}
        value={value[name]}
        onInput={(e) => onChange({ ...value, [name]: (e.currentTarget as HTMLInputElement).value })}
        {...extra}
      />
    </div>
  );
  return (
    <div class="place-picker">
      <PlaceMap
        label={t('placeMap')}
        place={picked ? { point: picked, level: Number(value.level) } : undefined}
        picked={picked}
        onPick={(point) => onChange({ ...value, lat: point.lat.toFixed(6), lng: point.lng.toFixed(6) })}
      />
      <div class="row">
        {field('lat', t('latitude'), { inputMode: 'decimal', placeholder: '39.9163' })}
        {field('lng', t('longitude'), { inputMode: 'decimal', placeholder: '116.3972' })}
        <div class="field">
          <label for="place-level">{t('gridLevel')}</label>
          <select
            id="place-level"
            value={value.level}
            onChange={(e) => onChange({ ...value, level: (e.currentTarget as HTMLSelectElement).value })}
          >
            {[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => (
              <option value={String(n)}>{n}</option>
            ))}
          </select>
        </div>
      </div>
      <div class="row">
        {field('height', t('height'), { inputMode: 'decimal' })}
        {field('name', t('placeName'), { maxLength: 200 })}
      </div>
      <p aria-live="polite" class="grid-code">
        {grid.code ? (
          <>
            {t('gridCode')} <code data-testid="grid-code">{grid.code}</code>
          </>
        ) : grid.problem ? (
          <span class="bad">{grid.problem}</span>
        ) : (
          <span class="hint">{t('gridCodeHint')}</span>
        )}
      </p>
    </div>
  );
}

/** The place for a transaction body, or undefined when none is typed. */
export function placeBody(place: PlaceInput): Record<string, unknown> | undefined {
  if (place.lat.trim() === '' && place.lng.trim() === '') return undefined;
  const point: Record<string, number> = { lat: Number(place.lat), lng: Number(place.lng) };
  if (place.height.trim() !== '') point.height = Number(place.height);
  return {
    point,
    level: Number(place.level),
    ...(place.name.trim() ? { name: place.name.trim() } : {}),
  };
}
