/**
 * A small map of a place drawn from its coordinates alone, as SVG: the grid cells, box or point on a
 * latitude/longitude graticule, with a scale bar. No map tiles, no network. With `onPick` it is
 * also a picker: a click (or Enter, at the centre) reports the point under it.
 */
import {
  coverBox,
  decodeGrid,
  decodeGrid3D,
  encodeGrid,
  type GridCell,
  isGridCode3D,
  MAX_GRID_LEVEL,
  type Place,
} from '@cinnabar/core';
import { useMemo, useState } from 'preact/hooks';
import { t } from '../explorer/strings.js';
import { useLanguage } from '../i18n.js';

export interface Bounds {
  south: number;
  west: number;
  north: number;
  east: number;
}

export interface PlaceMapProps {
  /** The place to draw (a work's or a space's). */
  place?: Place | undefined;
  /** What to show when there is no place (default: China and its neighbours). */
  view?: Bounds;
  /** Makes the map a picker: called with the point clicked. */
  onPick?: (point: { lat: number; lng: number }) => void;
  /** A picked point to mark. */
  picked?: { lat: number; lng: number } | undefined;
  /** Accessible name (default: the place's name or "Map"). */
  label?: string;
  width?: number;
  height?: number;
}

export const PLACE_MAP_DEFAULTS = Object.freeze({
  view: { south: 15, west: 70, north: 55, east: 140 } as Bounds,
  width: 480,
  height: 300,
  /** Smallest span shown around a point, in degrees (about 1 km). */
  minSpan: 0.01,
});

const EARTH_METRES_PER_DEGREE = 111_320;
const MAX_CELLS_DRAWN = 256;

interface Shapes {
  cells: GridCell[];
  box?: Bounds;
  point?: { lat: number; lng: number };
}

function cellOf(code: string): GridCell {
  return decodeGrid(code.length > 4 && isGridCode3D(code) ? decodeGrid3D(code).code2d : code);
}

/**
 * The grid codes a place is indexed under (as core's placeCells computes them; not imported from
 * there, which would bring the ledger's schemas into this chunk).
 */
function placeCodes(place: Place): string[] {
  const level = place.level ?? MAX_GRID_LEVEL;
  if (place.grid !== undefined) return [place.grid];
  if (place.cells !== undefined) return place.cells;
  if (place.point !== undefined) return [encodeGrid(place.point.lat, place.point.lng, level)];
  if (place.box !== undefined) return coverBox(place.box, level);
  return [];
}

/** The shapes a place is drawn with: its grid cells, and its box or point. */
export function placeShapes(place: Place): Shapes {
  const shapes: Shapes = { cells: [] };
  try {
    shapes.cells = placeCodes(place).slice(0, MAX_CELLS_DRAWN).map(cellOf);
  } catch {
    // a place the rules would refuse is drawn from its coordinates alone
  }
  if (place.box) shapes.box = place.box;
  if (place.point) shapes.point = { lat: place.point.lat, lng: place.point.lng };
  return shapes;
}

function shapesBounds(shapes: Shapes): Bounds | undefined {
  const all: Bounds[] = shapes.cells.map((c) => c.bounds);
  if (shapes.box) all.push(shapes.box);
  if (shapes.point)
    all.push({
      south: shapes.point.lat,
      north: shapes.point.lat,
      west: shapes.point.lng,
      east: shapes.point.lng,
    });
  if (all.length === 0) return undefined;
  return {
    south: Math.min(...all.map((b) => b.south)),
    north: Math.max(...all.map((b) => b.north)),
    west: Math.min(...all.map((b) => b.west)),
    east: Math.max(...all.map((b) => b.east)),
  };
}

/** A step of 1, 2 or 5 times a power of ten, near `rough`. */
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  const m = rough / power;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * power;
}

function formatDegrees(value: number, step: number, positive: string, negative: string): string {
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  return `${Math.abs(value).toFixed(digits)}°${value >= 0 ? positive : negative}`;
}

function formatMetres(m: number): string {
  return m >= 1000 ? `${m / 1000} km` : `${m} m`;
}

/** The view: the bounds padded, widened to the map's aspect (longitude scaled by cos(latitude)). */
function fitView(bounds: Bounds, width: number, height: number): Bounds & { kx: number } {
  const midLat = (bounds.south + bounds.north) / 2;
  const kx = Math.max(0.05, Math.cos((midLat * Math.PI) / 180));
  let latSpan = Math.max(bounds.north - bounds.south, PLACE_MAP_DEFAULTS.minSpan) * 1.6;
  let lngSpan = Math.max(bounds.east - bounds.west, PLACE_MAP_DEFAULTS.minSpan / kx) * 1.6;
  // Ground distances: lngSpan * kx across, latSpan up; match the map's aspect.
  if ((lngSpan * kx) / latSpan < width / height) lngSpan = (latSpan * width) / height / kx;
  else latSpan = (lngSpan * kx * height) / width;
  const midLng = (bounds.west + bounds.east) / 2;
  return {
    south: Math.max(-90, midLat - latSpan / 2),
    north: Math.min(90, midLat + latSpan / 2),
    west: midLng - lngSpan / 2,
    east: midLng + lngSpan / 2,
    kx,
  };
}

export function PlaceMap(props: PlaceMapProps) {
  useLanguage();
  const width = props.width ?? PLACE_MAP_DEFAULTS.width;
  const height = props.height ?? PLACE_MAP_DEFAULTS.height;
  const shapes = useMemo(() => (props.place ? placeShapes(props.place) : { cells: [] }), [props.place]);
  const bounds = shapesBounds(shapes) ?? props.view ?? PLACE_MAP_DEFAULTS.view;
  const view = fitView(bounds, width, height);
  const [hover, setHover] = useState<{ lat: number; lng: number } | undefined>();

  const x = (lng: number) => ((lng - view.west) / (view.east - view.west)) * width;
  const y = (lat: number) => ((view.north - lat) / (view.north - view.south)) * height;
  const toPoint = (px: number, py: number) => ({
    lat: view.north - (py / height) * (view.north - view.south),
    lng: view.west + (px / width) * (view.east - view.west),
  });

  // The graticule: about five lines each way.
  const latStep = niceStep((view.north - view.south) / 5);
  const lngStep = niceStep((view.east - view.west) / 5);
  const lats: number[] = [];
  for (let v = Math.ceil(view.south / latStep) * latStep; v <= view.north; v += latStep) lats.push(v);
  const lngs: number[] = [];
  for (let v = Math.ceil(view.west / lngStep) * lngStep; v <= view.east; v += lngStep) lngs.push(v);

  // The scale: a round distance about a quarter of the width.
  const metresAcross = (view.east - view.west) * view.kx * EARTH_METRES_PER_DEGREE;
  const scaleMetres = niceStep(metresAcross / 4);
  const scalePx = (scaleMetres / metresAcross) * width;

  const name = props.label ?? props.place?.name ?? t('map');
  const pick = props.onPick;
  const onClick = pick
    ? (event: MouseEvent) => {
        const svg = event.currentTarget as SVGSVGElement;
        const rect = svg.getBoundingClientRect();
        pick(
          toPoint(
            ((event.clientX - rect.left) / rect.width) * width,
            ((event.clientY - rect.top) / rect.height) * height,
          ),
        );
      }
    : undefined;
  const onKeyDown = pick
    ? (event: KeyboardEvent) => {
        if (event.key !== 'Enter' && event.key !== ' ') return;
        event.preventDefault();
        pick(toPoint(width / 2, height / 2));
      }
    : undefined;
  const description = [
    shapes.point && t('mapPoint', { lat: shapes.point.lat.toFixed(5), lng: shapes.point.lng.toFixed(5) }),
    shapes.cells.length > 0 &&
      t('mapCells', {
        n: shapes.cells.length,
        codes: shapes.cells
          .slice(0, 4)
          .map((c) => c.code)
          .join(', '),
      }),
    shapes.box &&
      t('mapBox', {
        south: shapes.box.south,
        west: shapes.box.west,
        north: shapes.box.north,
        east: shapes.box.east,
      }),
  ]
    .filter(Boolean)
    .join(' ');

  return (
    <figure class="place-map">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role={pick ? 'button' : 'img'}
        aria-label={pick ? `${name}: ${t('mapPickHint')}` : name}
        tabIndex={pick ? 0 : undefined}
        onClick={onClick}
        onKeyDown={onKeyDown}
        onMouseMove={
          pick
            ? (event: MouseEvent) => {
                const rect = (event.currentTarget as SVGSVGElement).getBoundingClientRect();
                setHover(
                  toPoint(
                    ((event.clientX - rect.left) / rect.width) * width,
                    ((event.clientY - rect.top) / rect.height) * height,
                  ),
                );
              }
            : undefined
        }
        onMouseLeave={pick ? () => setHover(undefined) : undefined}
        class={pick ? 'pickable' : undefined}
      >
        <rect class="map-sea" x="0" y="0" width={width} height={height} />
        <g class="graticule">
          {lats.map((lat) => (
            <g key={`lat${lat}`}>
              <line x1="0" x2={width} y1={y(lat)} y2={y(lat)} />
              <text x="4" y={y(lat) - 3}>
                {formatDegrees(lat, latStep, 'N', 'S')}
              </text>
            </g>
          ))}
          {lngs.map((lng) => (
            <g key={`lng${lng}`}>
              <line y1="0" y2={height} x1={x(lng)} x2={x(lng)} />
              <text x={x(lng) + 3} y={height - 4}>
                {formatDegrees(lng, lngStep, 'E', 'W')}
              </text>
            </g>
          ))}
        </g>
        {shapes.box && (
          <rect
            class="map-box"
            x={x(shapes.box.west)}
            y={y(shapes.box.north)}
            width={Math.max(1, x(shapes.box.east) - x(shapes.box.west))}
            height={Math.max(1, y(shapes.box.south) - y(shapes.box.north))}
          />
        )}
        {shapes.cells.map((cell) => (
          <rect
            key={cell.code}
            class="map-cell"
            x={x(cell.bounds.west)}
            y={y(cell.bounds.north)}
            width={Math.max(2, x(cell.bounds.east) - x(cell.bounds.west))}
            height={Math.max(2, y(cell.bounds.south) - y(cell.bounds.north))}
          >
            <title>{cell.code}</title>
          </rect>
        ))}
        {shapes.point && (
          <g class="map-point">
            <circle cx={x(shapes.point.lng)} cy={y(shapes.point.lat)} r="9" />
            <circle cx={x(shapes.point.lng)} cy={y(shapes.point.lat)} r="3" />
          </g>
        )}
        {props.picked && (
          <g class="map-picked">
            <circle cx={x(props.picked.lng)} cy={y(props.picked.lat)} r="6" />
          </g>
        )}
        <g class="map-scale" transform={`translate(${width - scalePx - 14}, ${height - 18})`}>
          <rect x="-6" y="-16" width={scalePx + 12} height="26" rx="3" />
          <line x1="0" x2={scalePx} y1="0" y2="0" />
          <line x1="0" x2="0" y1="-4" y2="4" />
          <line x1={scalePx} x2={scalePx} y1="-4" y2="4" />
          <text x={scalePx / 2} y="-5" text-anchor="middle">
            {formatMetres(scaleMetres)}
          </text>
        </g>
      </svg>
      <figcaption>
        {props.place?.name && <strong>{props.place.name}. </strong>}
        {description}
        {pick && hover && (
          <span class="map-hover">
            {' '}
            {hover.lat.toFixed(4)}, {hover.lng.toFixed(4)}
          </span>
        )}
      </figcaption>
    </figure>
  );
}
