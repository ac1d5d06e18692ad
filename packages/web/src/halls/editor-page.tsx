// /halls/new and /halls/:id/edit: the curator builds a hall. Rooms on a plan drawn in SVG (drag to
// move, drag a corner to resize, or type the numbers), doors, and works the curator holds or holds
// a display licence for, placed by clicking the plan (geometry.ts snaps a picture to the nearest
// wall). Preview walks the draft; signing makes a space.create or space.update in the browser.
import {
  type AssetRecord,
  type EditionRecord,
  type JsonObject,
  type LicenceRecord,
  type Placement,
  type Room,
  SPACE_CATEGORIES,
  type SpaceCreate,
  type SpaceRecord,
  type SpaceUpdate,
} from '@cinnabar/core';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { getJson } from '../api.js';
import { workTitle } from '../components/work-title.js';
import { useLanguage } from '../i18n.js';
import { submit, useSession } from '../keys/session.js';
import { navigate, type PageProps } from '../router.js';
import { importSeed } from './curator-signer.js';
import { getSpace, shortDid, type WorkKind, workKind } from './data.js';
import { planBounds, roomAt, snapToWall, type Wall } from './geometry.js';
import { HallView } from './hall-view.js';
import { t } from './strings.js';

type Category = (typeof SPACE_CATEGORIES)[number];
const WALLS: Wall[] = ['north', 'east', 'south', 'west'];
const SNAP = 0.5;
const snap = (n: number) => Math.round(n / SNAP) * SNAP;
const round2 = (n: number) => Math.round(n * 100) / 100;

interface Draft {
  name: string;
  description: string;
  category: Category;
  placeName: string;
  rooms: Room[];
  placements: Placement[];
}

/** A work the curator may place. */
interface Candidate {
  asset: string;
  edition?: number;
  title: string;
  kind: WorkKind;
  licensed: boolean;
}

const FIRST_ROOM: Room = { id: 'room-1', name: 'Room 1', x: 0, z: 0, width: 10, depth: 8, height: 4 };

function emptyDraft(): Draft {
  return {
    name: '',
    description: '',
    category: 'gallery',
    placeName: '',
    rooms: [FIRST_ROOM],
    placements: [],
  };
}

function fromSpace(space: SpaceRecord): Draft {
  return {
    name: space.name,
    description: space.description ?? '',
    category: space.category,
    placeName: space.place?.name ?? '',
    rooms: structuredClone(space.rooms),
    placements: structuredClone(space.placements),
  };
}

/** What the curator may show: works and editions held, and works under a display licence in force. */
async function candidates(did: string): Promise<Candidate[]> {
  const enc = encodeURIComponent(did);
  const [holdings, licences] = await Promise.all([
    getJson<{ items: (AssetRecord | EditionRecord)[] }>(`/v1/identities/${enc}/holdings?limit=100`),
    getJson<{ items: LicenceRecord[] }>(`/v1/identities/${enc}/licences?as=licensee&limit=100`),
  ]);
  const today = new Date().toISOString().slice(0, 10);
  const assets = new Map<string, Promise<AssetRecord | undefined>>();
  const asset = (id: string) => {
    let found = assets.get(id);
    if (!found) {
      found = getJson<AssetRecord>(`/v1/assets/${encodeURIComponent(id)}`).catch(() => undefined);
      assets.set(id, found);
    }
    return found;
  };
  for (const item of holdings.items) if (item.kind === 'asset') assets.set(item.id, Promise.resolve(item));
  const out: Candidate[] = [];
  for (const item of holdings.items) {
    const record = item.kind === 'asset' ? item : await asset(item.asset);
    if (!record) continue;
    out.push({
      asset: record.id,
      ...(item.kind === 'edition' ? { edition: item.number } : {}),
      title: workTitle(record.metadata),
      kind: workKind(record.mediaType),
      licensed: false,
    });
  }
  for (const licence of licences.items) {
    const { terms } = licence;
    const inForce =
      !licence.revoked &&
      licence.licensee === did &&
      terms.uses.includes('display') &&
      terms.start <= today &&
      (terms.end === undefined || today <= terms.end);
    if (!inForce || out.some((c) => c.asset === licence.asset && c.edition === undefined)) continue;
    const record = await asset(licence.asset);
    if (record)
      out.push({
        asset: record.id,
        title: workTitle(record.metadata),
        kind: workKind(record.mediaType),
        licensed: true,
      });
  }
  return out;
}

function numberField(
  label: string,
  value: number,
  onChange: (n: number) => void,
  options: { min?: number; max?: number; step?: number } = {},
) {
  return (
    <label class="hall-field">
      <span>{label}</span>
      <input
        type="number"
        value={value}
        min={options.min}
        max={options.max}
        step={options.step ?? 0.1}
        onChange={(e) => {
          const n = Number((e.currentTarget as HTMLInputElement).value);
          if (Number.isFinite(n)) onChange(n);
        }}
      />
    </label>
  );
}

function KeyForm() {
  const [hex, setHex] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="hall-key"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        importSeed(hex.trim()).then(
          (did) => {
            setBusy(false);
            setProblem(did ? undefined : t('keyBad'));
            if (did) setHex('');
          },
          (cause: unknown) => {
            setBusy(false);
            setProblem(cause instanceof Error ? cause.message : String(cause));
          },
        );
      }}
    >
      <p class="hall-muted">{t('keyIntro')}</p>
      <label class="hall-field">
        <span>{t('keyLabel')}</span>
        <input
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={hex}
          aria-invalid={problem !== undefined}
          onInput={(e) => setHex((e.currentTarget as HTMLInputElement).value)}
        />
      </label>
      {problem && <p role="alert">{problem}</p>}
      <button type="submit" disabled={busy}>
        {t('useKey')}
      </button>
    </form>
  );
}

/** The plan: rooms, doors and placed works in SVG, 1 unit = 1 metre. */
function Plan(props: {
  draft: Draft;
  selectedRoom: number;
  onSelectRoom: (i: number) => void;
  onRooms: (rooms: Room[]) => void;
  onPlanClick: (x: number, z: number) => void;
  placing: boolean;
}) {
  const { draft, selectedRoom } = props;
  const svg = useRef<SVGSVGElement>(null);
  const drag = useRef<
    | { mode: 'move' | 'resize'; index: number; start: { x: number; z: number }; room: Room; moved: boolean }
    | undefined
  >(undefined);
  const bounds = planBounds(draft.rooms);
  const margin = 2;
  const view = {
    x: bounds.minX - margin,
    z: bounds.minZ - margin,
    w: bounds.maxX - bounds.minX + margin * 2 + 6,
    h: bounds.maxZ - bounds.minZ + margin * 2,
  };
  const toPlan = (e: PointerEvent | MouseEvent) => {
    const el = svg.current!;
    const point = el.createSVGPoint();
    point.x = e.clientX;
    point.y = e.clientY;
    const p = point.matrixTransform(el.getScreenCTM()!.inverse());
    return { x: p.x, z: p.y };
  };
  const onDown = (e: PointerEvent, index: number, mode: 'move' | 'resize') => {
    if (props.placing) return;
    e.stopPropagation();
    props.onSelectRoom(index);
    (e.currentTarget as Element).setPointerCapture?.(e.pointerId);
    drag.current = { mode, index, start: toPlan(e), room: { ...draft.rooms[index]! }, moved: false };
  };
  const onMove = (e: PointerEvent) => {
    const d = drag.current;
    if (!d) return;
    const p = toPlan(e);
    const dx = p.x - d.start.x;
    const dz = p.z - d.start.z;
    if (Math.abs(dx) + Math.abs(dz) > 0.2) d.moved = true;
    const room =
      d.mode === 'move'
        ? { ...d.room, x: snap(d.room.x + dx), z: snap(d.room.z + dz) }
        : {
            ...d.room,
            width: Math.max(2, snap(d.room.width + dx)),
            depth: Math.max(2, snap(d.room.depth + dz)),
          };
    props.onRooms(draft.rooms.map((r, i) => (i === d.index ? room : r)));
  };
  const onUp = () => {
    drag.current = undefined;
  };
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: without a pointer, each work's room button places it
    <svg
      ref={svg}
      class={`hall-plan${props.placing ? ' hall-plan-placing' : ''}`}
      viewBox={`${view.x} ${view.z} ${view.w} ${view.h}`}
      role="img"
      aria-label={t('planLabel')}
      onPointerMove={onMove}
      onPointerUp={onUp}
      onClick={(e) => {
        if (!props.placing) return;
        const p = toPlan(e);
        props.onPlanClick(p.x, p.z);
      }}
    >
      <defs>
        <pattern id="hall-grid" width="1" height="1" patternUnits="userSpaceOnUse">
          <path d="M 1 0 L 0 0 0 1" fill="none" stroke="#e3ddd3" stroke-width="0.03" />
        </pattern>
      </defs>
      <rect x={view.x} y={view.z} width={view.w} height={view.h} fill="url(#hall-grid)" />
      {draft.rooms.map((room, i) => (
        <g key={room.id} class={i === selectedRoom ? 'hall-plan-room selected' : 'hall-plan-room'}>
          <rect
            x={room.x}
            y={room.z}
            width={room.width}
            height={room.depth}
            fill={room.floorColour ?? '#f4ede2'}
            stroke="#1d1b19"
            stroke-width="0.12"
            onPointerDown={(e) => onDown(e, i, 'move')}
          />
          <text x={room.x + 0.3} y={room.z + 0.8} font-size="0.6" fill="#6b645c" pointer-events="none">
            {room.name ?? room.id}
          </text>
          {(room.doors ?? []).map((door, j) => {
            const horizontal = door.wall === 'north' || door.wall === 'south';
            const at =
              door.wall === 'north'
                ? room.z
                : door.wall === 'south'
                  ? room.z + room.depth
                  : door.wall === 'west'
                    ? room.x
                    : room.x + room.width;
            const from = (horizontal ? room.x : room.z) + door.offset - door.width / 2;
            const to = from + door.width;
            return horizontal ? (
              <line
                key={j}
                x1={from}
                x2={to}
                y1={at}
                y2={at}
                stroke="#faf7f2"
                stroke-width="0.2"
                pointer-events="none"
              />
            ) : (
              <line
                key={j}
                x1={at}
                x2={at}
                y1={from}
                y2={to}
                stroke="#faf7f2"
                stroke-width="0.2"
                pointer-events="none"
              />
            );
          })}
          {i === selectedRoom && (
            <rect
              class="hall-plan-handle"
              x={room.x + room.width - 0.35}
              y={room.z + room.depth - 0.35}
              width="0.7"
              height="0.7"
              onPointerDown={(e) => onDown(e, i, 'resize')}
            />
          )}
        </g>
      ))}
      {draft.placements.map((p, i) => {
        const room = draft.rooms.find((r) => r.id === p.room);
        if (!room) return null;
        const x = room.x + p.x;
        const z = room.z + p.z;
        const r = (p.yaw * Math.PI) / 180;
        return (
          <g key={i} pointer-events="none">
            <circle cx={x} cy={z} r="0.25" fill="#b8322a" />
            <line
              x1={x}
              y1={z}
              x2={x - Math.sin(r) * 0.7}
              y2={z + Math.cos(r) * 0.7}
              stroke="#b8322a"
              stroke-width="0.08"
            />
            <text x={x + 0.3} y={z - 0.3} font-size="0.45" fill="#1d1b19">
              {i + 1}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

export default function EditorPage({ params }: PageProps) {
  useLanguage();
  const id = params.id;
  const session = useSession();
  const curator = session.active?.did;
  const [space, setSpace] = useState<SpaceRecord | undefined>();
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [loadError, setLoadError] = useState<string | undefined>();
  const [works, setWorks] = useState<Candidate[] | undefined>();
  const [worksError, setWorksError] = useState<string | undefined>();
  const [selectedRoom, setSelectedRoom] = useState(0);
  const [picked, setPicked] = useState<Candidate | undefined>();
  const [preview, setPreview] = useState<{ rooms: Room[]; placements: Placement[] } | undefined>();
  const [status, setStatus] = useState<{ kind: 'busy' | 'ok' | 'error'; text: string } | undefined>();

  useEffect(() => {
    document.title = id ? t('editorEdit', { name: space?.name ?? '' }) : t('editorNew');
  }, [id, space]);
  useEffect(() => {
    if (!id) return;
    getSpace(id).then(
      (record) => {
        setSpace(record);
        setDraft(fromSpace(record));
      },
      (cause: unknown) => setLoadError(cause instanceof Error ? cause.message : String(cause)),
    );
  }, [id]);
  useEffect(() => {
    if (!curator) return;
    let live = true;
    setWorks(undefined);
    setWorksError(undefined);
    candidates(curator).then(
      (found) => live && setWorks(found),
      (cause: unknown) => live && setWorksError(cause instanceof Error ? cause.message : String(cause)),
    );
    return () => {
      live = false;
    };
  }, [curator]);

  const update = (change: Partial<Draft>) => setDraft((d) => ({ ...d, ...change }));
  const room = draft.rooms[selectedRoom] ?? draft.rooms[0]!;
  const setRoom = (change: Partial<Room>) =>
    update({ rooms: draft.rooms.map((r, i) => (i === selectedRoom ? { ...r, ...change } : r)) });

  const addRoom = () => {
    const b = planBounds(draft.rooms);
    let n = draft.rooms.length + 1;
    while (draft.rooms.some((r) => r.id === `room-${n}`)) n++;
    const next: Room = {
      id: `room-${n}`,
      name: `Room ${n}`,
      x: b.maxX,
      z: b.minZ,
      width: 8,
      depth: 8,
      height: 4,
    };
    update({ rooms: [...draft.rooms, next] });
    setSelectedRoom(draft.rooms.length);
  };
  const removeRoom = () => {
    if (draft.rooms.length <= 1) return;
    update({
      rooms: draft.rooms.filter((_, i) => i !== selectedRoom),
      placements: draft.placements.filter((p) => p.room !== room.id),
    });
    setSelectedRoom(0);
  };

  const place = (candidate: Candidate, target: Room, x: number, z: number) => {
    const base = {
      asset: candidate.asset,
      ...(candidate.edition === undefined ? {} : { edition: candidate.edition }),
      room: target.id,
    };
    let placement: Placement;
    if (candidate.kind === 'model') {
      const cx = Math.min(Math.max(x, 1), target.width - 1);
      const cz = Math.min(Math.max(z, 1), target.depth - 1);
      placement = { ...base, x: round2(cx), y: 0.8, z: round2(cz), yaw: 0, size: 1.2 };
    } else {
      const spot = snapToWall(target, x, z);
      placement = {
        ...base,
        x: spot.x,
        y: spot.y,
        z: spot.z,
        yaw: spot.yaw,
        size: candidate.kind === 'video' ? 1.6 : 1.2,
      };
    }
    update({
      placements: [
        ...draft.placements.filter((p) => !(p.asset === candidate.asset && p.edition === candidate.edition)),
        placement,
      ],
    });
    setPicked(undefined);
  };
  const onPlanClick = (x: number, z: number) => {
    const target = roomAt(draft.rooms, x, z);
    if (!picked || !target) return;
    place(picked, target, x - target.x, z - target.z);
  };
  /** Without a pointer: in the selected room, on the next wall (a picture) or in the middle (a model). */
  const placeInRoom = (candidate: Candidate) => {
    const count = draft.placements.filter((p) => p.room === room.id).length;
    const wall = WALLS[count % 4]!;
    const x = wall === 'west' ? 0 : wall === 'east' ? room.width : room.width / 2;
    const z = wall === 'north' ? 0 : wall === 'south' ? room.depth : room.depth / 2;
    place(
      candidate,
      room,
      candidate.kind === 'model' ? room.width / 2 : x,
      candidate.kind === 'model' ? room.depth / 2 : z,
    );
  };
  const setPlacement = (index: number, change: Partial<Placement>) =>
    update({ placements: draft.placements.map((p, i) => (i === index ? { ...p, ...change } : p)) });

  const body = useMemo((): SpaceCreate => {
    const name = draft.name.trim();
    const description = draft.description.trim();
    const placeName = draft.placeName.trim();
    return {
      name,
      ...(description ? { description } : {}),
      category: draft.category,
      ...(placeName
        ? { place: { ...(space?.place ?? {}), name: placeName } }
        : space?.place
          ? { place: space.place }
          : {}),
      rooms: draft.rooms,
      placements: draft.placements,
    };
  }, [draft, space]);

  const sign = async () => {
    if (!curator) return setStatus({ kind: 'error', text: t('needKey') });
    if (!body.name) return setStatus({ kind: 'error', text: t('needName') });
    setStatus({ kind: 'busy', text: t('signing') });
    try {
      const accepted = space
        ? await submit('space.update', {
            space: space.id,
            revision: space.revision + 1,
            ...body,
          } satisfies SpaceUpdate as unknown as JsonObject)
        : await submit('space.create', body as unknown as JsonObject);
      setStatus({ kind: 'ok', text: t('signed', { index: accepted.index }) });
      navigate(`/halls/${space?.id ?? accepted.txId}`);
    } catch (cause) {
      setStatus({
        kind: 'error',
        text: t('signFailed', { message: cause instanceof Error ? cause.message : String(cause) }),
      });
    }
  };

  if (loadError) return <p role="alert">{loadError}</p>;
  if (id && !space) return <p aria-busy="true">…</p>;
  const notCurator = space && curator && curator !== space.curator;
  const titleOf = (p: Placement) =>
    p.label ??
    works?.find((w) => w.asset === p.asset && w.edition === p.edition)?.title ??
    `${p.asset.slice(0, 10)}…`;

  return (
    <section class="hall-editor">
      <h1>{space ? t('editorEdit', { name: space.name }) : t('editorNew')}</h1>

      <section class="hall-panel" aria-labelledby="hall-editor-key">
        <h2 id="hall-editor-key">{t('curatorKey')}</h2>
        {curator ? (
          <p>
            {t('signingAs', { name: session.active?.name ?? shortDid(curator) })}{' '}
            <code title={curator}>{shortDid(curator)}</code>
          </p>
        ) : (
          session.ready && <KeyForm />
        )}
        {notCurator && <p role="alert">{t('notCurator', { did: shortDid(space.curator) })}</p>}
      </section>

      <section class="hall-panel" aria-labelledby="hall-editor-details">
        <h2 id="hall-editor-details">{t('details')}</h2>
        <div class="hall-fields">
          <label class="hall-field wide">
            <span>{t('name')}</span>
            <input
              value={draft.name}
              maxLength={200}
              onInput={(e) => update({ name: (e.currentTarget as HTMLInputElement).value })}
            />
          </label>
          <label class="hall-field">
            <span>{t('category')}</span>
            <select
              value={draft.category}
              onChange={(e) => update({ category: (e.currentTarget as HTMLSelectElement).value as Category })}
            >
              {SPACE_CATEGORIES.map((c) => (
                <option value={c}>{t(`category.${c}`)}</option>
              ))}
            </select>
          </label>
          <label class="hall-field">
            <span>{t('placeName')}</span>
            <input
              value={draft.placeName}
              maxLength={100}
              onInput={(e) => update({ placeName: (e.currentTarget as HTMLInputElement).value })}
            />
          </label>
          <label class="hall-field wide">
            <span>{t('description')}</span>
            <textarea
              rows={3}
              maxLength={4000}
              value={draft.description}
              onInput={(e) => update({ description: (e.currentTarget as HTMLTextAreaElement).value })}
            />
          </label>
        </div>
      </section>

      <section class="hall-panel" aria-labelledby="hall-editor-plan">
        <h2 id="hall-editor-plan">{t('plan')}</h2>
        <p class="hall-muted">{t('planHint')}</p>
        <div class="hall-plan-layout">
          <div>
            <Plan
              draft={draft}
              selectedRoom={selectedRoom}
              onSelectRoom={setSelectedRoom}
              onRooms={(rooms) => update({ rooms })}
              onPlanClick={onPlanClick}
              placing={picked !== undefined}
            />
            {picked && (
              <p role="status" class="hall-picked">
                {picked.title}: {t('picked')}
              </p>
            )}
          </div>
          <div class="hall-room-form">
            <div class="hall-row">
              <label class="hall-field">
                <span>{t('room')}</span>
                <select
                  value={selectedRoom}
                  onChange={(e) => setSelectedRoom(Number((e.currentTarget as HTMLSelectElement).value))}
                >
                  {draft.rooms.map((r, i) => (
                    <option value={i}>{r.name ?? r.id}</option>
                  ))}
                </select>
              </label>
              <button type="button" onClick={addRoom} disabled={draft.rooms.length >= 16}>
                {t('addRoom')}
              </button>
            </div>
            <label class="hall-field">
              <span>{t('roomName')}</span>
              <input
                value={room.name ?? ''}
                maxLength={100}
                onInput={(e) => setRoom({ name: (e.currentTarget as HTMLInputElement).value || room.id })}
              />
            </label>
            <div class="hall-fields">
              {numberField(t('x'), room.x, (x) => setRoom({ x }), { step: 0.5 })}
              {numberField(t('z'), room.z, (z) => setRoom({ z }), { step: 0.5 })}
              {numberField(t('width'), room.width, (width) => setRoom({ width }), {
                min: 2,
                max: 200,
                step: 0.5,
              })}
              {numberField(t('depth'), room.depth, (depth) => setRoom({ depth }), {
                min: 2,
                max: 200,
                step: 0.5,
              })}
              {numberField(t('height'), room.height, (height) => setRoom({ height }), {
                min: 2,
                max: 50,
                step: 0.5,
              })}
              <label class="hall-field">
                <span>{t('wallColour')}</span>
                <input
                  type="color"
                  value={room.wallColour ?? '#ece6dc'}
                  onChange={(e) => setRoom({ wallColour: (e.currentTarget as HTMLInputElement).value })}
                />
              </label>
              <label class="hall-field">
                <span>{t('floorColour')}</span>
                <input
                  type="color"
                  value={room.floorColour ?? '#b9a48a'}
                  onChange={(e) => setRoom({ floorColour: (e.currentTarget as HTMLInputElement).value })}
                />
              </label>
            </div>
            <fieldset class="hall-doors">
              <legend>{t('doors')}</legend>
              {(room.doors ?? []).map((door, j) => {
                const setDoor = (change: Partial<typeof door>) =>
                  setRoom({ doors: (room.doors ?? []).map((d, k) => (k === j ? { ...d, ...change } : d)) });
                return (
                  <div class="hall-row" key={j}>
                    <label class="hall-field">
                      <span>{t('wall')}</span>
                      <select
                        value={door.wall}
                        onChange={(e) =>
                          setDoor({ wall: (e.currentTarget as HTMLSelectElement).value as Wall })
                        }
                      >
                        {WALLS.map((w) => (
                          <option value={w}>{t(`wall.${w}`)}</option>
                        ))}
                      </select>
                    </label>
                    {numberField(t('offset'), door.offset, (offset) => setDoor({ offset }), {
                      min: 0,
                      step: 0.5,
                    })}
                    {numberField(t('doorWidth'), door.width, (width) => setDoor({ width }), {
                      min: 0.8,
                      max: 20,
                      step: 0.1,
                    })}
                    <button
                      type="button"
                      onClick={() => setRoom({ doors: (room.doors ?? []).filter((_, k) => k !== j) })}
                    >
                      {t('removeDoor')}
                    </button>
                  </div>
                );
              })}
              <button
                type="button"
                disabled={(room.doors ?? []).length >= 8}
                onClick={() =>
                  setRoom({
                    doors: [
                      ...(room.doors ?? []),
                      { wall: 'east', offset: round2(room.depth / 2), width: 1.6 },
                    ],
                  })
                }
              >
                {t('addDoor')}
              </button>
            </fieldset>
            <button type="button" onClick={removeRoom} disabled={draft.rooms.length <= 1}>
              {t('removeRoom')}
            </button>
          </div>
        </div>
      </section>

      <section class="hall-panel" aria-labelledby="hall-editor-works">
        <h2 id="hall-editor-works">{t('yourWorks')}</h2>
        <p class="hall-muted">{t('yourWorksHint')}</p>
        {!curator && <p>{t('needKey')}</p>}
        {worksError && <p role="alert">{worksError}</p>}
        {curator && !works && !worksError && <p aria-busy="true">{t('loadingHoldings')}</p>}
        {works && works.length === 0 && <p>{t('noWorks')}</p>}
        {works && works.length > 0 && (
          <ul class="hall-candidates">
            {works.map((w) => (
              <li key={`${w.asset}#${w.edition ?? ''}`} class={picked === w ? 'picked' : undefined}>
                <span>
                  {w.title}
                  {w.edition !== undefined && ` · ${t('edition', { n: w.edition })}`}
                  {w.licensed && <span class="hall-tag">{t('licensed')}</span>}
                </span>
                <span class="hall-row">
                  <button
                    type="button"
                    aria-pressed={picked === w}
                    onClick={() => setPicked(picked === w ? undefined : w)}
                  >
                    {t('pick')}
                  </button>
                  <button type="button" onClick={() => placeInRoom(w)} title={room.name ?? room.id}>
                    {room.name ?? room.id}
                  </button>
                </span>
              </li>
            ))}
          </ul>
        )}
        <h3>{t('placements')}</h3>
        {draft.placements.length === 0 && <p>{t('noPlacements')}</p>}
        <ol class="hall-placements">
          {draft.placements.map((p, i) => (
            <li key={`${p.asset}#${p.edition ?? ''}`}>
              <strong>{titleOf(p)}</strong>{' '}
              <span class="hall-muted">{draft.rooms.find((r) => r.id === p.room)?.name ?? p.room}</span>
              <div class="hall-fields">
                {numberField(t('size'), p.size, (size) => setPlacement(i, { size }), { min: 0.05, max: 50 })}
                {numberField(t('elevation'), p.y, (y) => setPlacement(i, { y }), { min: 0, max: 50 })}
                {numberField(t('yaw'), p.yaw, (yaw) => setPlacement(i, { yaw: ((yaw % 360) + 360) % 360 }), {
                  min: 0,
                  max: 359,
                  step: 90,
                })}
                <label class="hall-field">
                  <span>{t('label')}</span>
                  <input
                    value={p.label ?? ''}
                    maxLength={200}
                    onInput={(e) => {
                      const label = (e.currentTarget as HTMLInputElement).value;
                      const { label: _, ...rest } = p;
                      update({
                        placements: draft.placements.map((q, k) =>
                          k === i ? (label ? { ...rest, label } : rest) : q,
                        ),
                      });
                    }}
                  />
                </label>
                <button
                  type="button"
                  onClick={() => update({ placements: draft.placements.filter((_, k) => k !== i) })}
                >
                  {t('remove')}
                </button>
              </div>
            </li>
          ))}
        </ol>
      </section>

      <section class="hall-panel hall-actions">
        <button
          type="button"
          onClick={() =>
            setPreview(
              preview
                ? undefined
                : { rooms: structuredClone(draft.rooms), placements: structuredClone(draft.placements) },
            )
          }
        >
          {preview ? t('hidePreview') : t('preview')}
        </button>
        <button
          type="button"
          class="hall-primary"
          onClick={sign}
          disabled={status?.kind === 'busy' || Boolean(notCurator)}
        >
          {space ? t('signUpdate', { n: space.revision + 1 }) : t('sign')}
        </button>
        {status && (
          <p role={status.kind === 'error' ? 'alert' : 'status'} class={`hall-sign-${status.kind}`}>
            {status.text}
          </p>
        )}
      </section>
      {preview && <HallView rooms={preview.rooms} placements={preview.placements} label={t('preview')} />}
    </section>
  );
}
