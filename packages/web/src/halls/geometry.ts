/**
 * The plan of a space as geometry, with no three.js and no DOM: walls with their door openings cut,
 * where a work stands in the world, where the visitor may walk, and where a click on the plan puts a
 * work on a wall. The scene, the controls and the editor all use it; hall-geometry.test.ts tests it.
 *
 * Coordinates are the space's (core's RoomSchema): metres, x grows east, z grows south, y up; a
 * room's north-west floor corner is at (room.x, 0, room.z). A placement's x/y/z are from that corner.
 */
import type { Placement, Room } from '@cinnabar/core';

export type Wall = 'north' | 'south' | 'east' | 'west';
export type Door = NonNullable<Room['doors']>[number];

/** An axis-aligned rectangle on the floor plan. */
export interface Rect {
  minX: number;
  maxX: number;
  minZ: number;
  maxZ: number;
}

/** A piece of wall: a box from `bottom` to `top`; pieces with bottom 0 stop the visitor. */
export interface WallPiece extends Rect {
  room: string;
  wall: Wall;
  bottom: number;
  top: number;
}

export interface GeometryOptions {
  /** How thick a wall is; it is built inside its room, so the walls of rooms that meet stand back to back. */
  wallThickness: number;
  /** How high a door opening is (at most the room's height less 0.2 m). */
  doorHeight: number;
  /** The visitor's radius on the plan. */
  radius: number;
  /** Eye height, and the height of a picture's centre when it is put on a wall. */
  eyeHeight: number;
}

export const GEOMETRY_DEFAULTS: Readonly<GeometryOptions> = Object.freeze({
  wallThickness: 0.12,
  doorHeight: 2.4,
  radius: 0.3,
  eyeHeight: 1.6,
});

const EPSILON = 1e-6;

/** A door as an interval on a line of the plan: x from `from` to `to` at z = `at` (north/south walls), or z at x = `at`. */
interface Opening {
  axis: 'x' | 'z';
  at: number;
  from: number;
  to: number;
}

/** The line a room's wall stands on, and the interval it covers. */
function wallLine(room: Room, wall: Wall): Opening {
  switch (wall) {
    case 'north':
      return { axis: 'x', at: room.z, from: room.x, to: room.x + room.width };
    case 'south':
      return { axis: 'x', at: room.z + room.depth, from: room.x, to: room.x + room.width };
    case 'west':
      return { axis: 'z', at: room.x, from: room.z, to: room.z + room.depth };
    case 'east':
      return { axis: 'z', at: room.x + room.width, from: room.z, to: room.z + room.depth };
  }
}

/** A door as an opening on its line: offset is from the wall's west end (north and south walls) or north end. */
export function doorOpening(room: Room, door: Door): Opening {
  const line = wallLine(room, door.wall);
  const centre = line.from + door.offset;
  return { axis: line.axis, at: line.at, from: centre - door.width / 2, to: centre + door.width / 2 };
}

/** [from, to] less the openings on it, in order. */
function subtract(from: number, to: number, holes: { from: number; to: number }[]): [number, number][] {
  let pieces: [number, number][] = [[from, to]];
  for (const hole of holes) {
    const next: [number, number][] = [];
    for (const [a, b] of pieces) {
      if (hole.to <= a || hole.from >= b) {
        next.push([a, b]);
        continue;
      }
      if (hole.from > a) next.push([a, hole.from]);
      if (hole.to < b) next.push([hole.to, b]);
    }
    pieces = next;
  }
  return pieces.filter(([a, b]) => b - a > EPSILON);
}

const WALLS: readonly Wall[] = ['north', 'south', 'west', 'east'];

/**
 * Every room's four walls, each built just inside its room and cut where a door opens it: a door
 * declared on either of two rooms that meet opens both walls. Above each opening, a lintel.
 */
export function buildWalls(rooms: readonly Room[], options: Partial<GeometryOptions> = {}): WallPiece[] {
  const { wallThickness: t, doorHeight } = { ...GEOMETRY_DEFAULTS, ...options };
  const openings = rooms.flatMap((room) => (room.doors ?? []).map((door) => doorOpening(room, door)));
  const pieces: WallPiece[] = [];
  for (const room of rooms) {
    const lintelBottom = Math.min(doorHeight, room.height - 0.2);
    for (const wall of WALLS) {
      const line = wallLine(room, wall);
      const holes = openings
        .filter((o) => o.axis === line.axis && Math.abs(o.at - line.at) < EPSILON)
        .map((o) => ({ from: Math.max(o.from, line.from), to: Math.min(o.to, line.to) }))
        .filter((o) => o.to - o.from > EPSILON)
        .sort((a, b) => a.from - b.from);
      // The thickness goes into the room: north walls southwards, west walls eastwards, and so on.
      const inward = wall === 'north' || wall === 'west' ? 1 : -1;
      const across = [line.at, line.at + inward * t].sort((a, b) => a - b) as [number, number];
      const box = (a: number, b: number, bottom: number, top: number): WallPiece =>
        line.axis === 'x'
          ? { room: room.id, wall, minX: a, maxX: b, minZ: across[0], maxZ: across[1], bottom, top }
          : { room: room.id, wall, minX: across[0], maxX: across[1], minZ: a, maxZ: b, bottom, top };
      for (const [a, b] of subtract(line.from, line.to, holes)) pieces.push(box(a, b, 0, room.height));
      for (const hole of holes) pieces.push(box(hole.from, hole.to, lintelBottom, room.height));
    }
  }
  return pieces;
}

/** The room's floor as a rectangle. */
export function roomRect(room: Room): Rect {
  return { minX: room.x, maxX: room.x + room.width, minZ: room.z, maxZ: room.z + room.depth };
}

/** The room a point of the plan is in (edges included), if any. */
export function roomAt(rooms: readonly Room[], x: number, z: number): Room | undefined {
  return rooms.find(
    (r) =>
      x >= r.x - EPSILON &&
      x <= r.x + r.width + EPSILON &&
      z >= r.z - EPSILON &&
      z <= r.z + r.depth + EPSILON,
  );
}

/** Where a placement's centre is in the world, and the three.js rotation about y that turns +z (south) to face its yaw. */
export function placementWorld(
  room: Room,
  placement: Placement,
): { x: number; y: number; z: number; rotationY: number } {
  // Yaw is clockwise seen from above from facing south: 90 faces west (-x). A rotation of θ about
  // +y turns +z towards +x, so the rotation is -yaw.
  const rotationY = -(placement.yaw * Math.PI) / 180;
  return {
    x: room.x + placement.x,
    y: placement.y,
    z: room.z + placement.z,
    rotationY: rotationY === 0 ? 0 : rotationY,
  };
}

/** The unit vector on the plan (x, z) a yaw faces. */
export function yawDirection(yaw: number): { x: number; z: number } {
  const r = (yaw * Math.PI) / 180;
  const x = -Math.sin(r);
  const z = Math.cos(r);
  return { x: Math.abs(x) < EPSILON ? 0 : x, z: Math.abs(z) < EPSILON ? 0 : z };
}

/** The obstacle a free-standing work (a model on its plinth) makes on the plan. */
export function plinthRect(room: Room, placement: Placement, scale = 0.6): Rect {
  const half = (placement.size * scale) / 2;
  const x = room.x + placement.x;
  const z = room.z + placement.z;
  return { minX: x - half, maxX: x + half, minZ: z - half, maxZ: z + half };
}

/** Push a circle out of a rectangle it overlaps; undefined if it does not. */
function pushOut(x: number, z: number, radius: number, rect: Rect): { x: number; z: number } | undefined {
  const cx = Math.max(rect.minX, Math.min(x, rect.maxX));
  const cz = Math.max(rect.minZ, Math.min(z, rect.maxZ));
  const dx = x - cx;
  const dz = z - cz;
  const d2 = dx * dx + dz * dz;
  if (d2 >= radius * radius) return undefined;
  if (d2 > EPSILON * EPSILON) {
    const d = Math.sqrt(d2);
    return { x: cx + (dx / d) * radius, z: cz + (dz / d) * radius };
  }
  // The centre is inside the rectangle: out by the shortest way.
  const exits = [
    { x: rect.minX - radius, z, cost: x - rect.minX },
    { x: rect.maxX + radius, z, cost: rect.maxX - x },
    { x, z: rect.minZ - radius, cost: z - rect.minZ },
    { x, z: rect.maxZ + radius, cost: rect.maxZ - z },
  ].sort((a, b) => a.cost - b.cost);
  return { x: exits[0]!.x, z: exits[0]!.z };
}

/** What the visitor collides with: the walls that reach the floor, and any other obstacles. */
export interface Collider {
  rooms: readonly Room[];
  obstacles: readonly Rect[];
  radius: number;
}

export function createCollider(
  rooms: readonly Room[],
  walls: readonly WallPiece[],
  extra: readonly Rect[] = [],
  options: Partial<GeometryOptions> = {},
): Collider {
  const { radius } = { ...GEOMETRY_DEFAULTS, ...options };
  return { rooms, obstacles: [...walls.filter((w) => w.bottom <= EPSILON), ...extra], radius };
}

const MAX_STEP = 0.1;

/**
 * Move the visitor from `from` by (dx, dz) on the plan: in steps short enough not to tunnel through a
 * wall, sliding along what it meets, and never out of the rooms (a door in an outside wall leads
 * nowhere). Returns where the visitor ends up.
 */
export function move(
  collider: Collider,
  from: { x: number; z: number },
  dx: number,
  dz: number,
): { x: number; z: number } {
  const steps = Math.max(1, Math.ceil(Math.hypot(dx, dz) / MAX_STEP));
  let x = from.x;
  let z = from.z;
  for (let i = 0; i < steps; i++) {
    let nx = x + dx / steps;
    let nz = z + dz / steps;
    for (let pass = 0; pass < 3; pass++) {
      let moved = false;
      for (const rect of collider.obstacles) {
        const out = pushOut(nx, nz, collider.radius, rect);
        if (out) {
          nx = out.x;
          nz = out.z;
          moved = true;
        }
      }
      if (!moved) break;
    }
    if (!roomAt(collider.rooms, nx, nz) || blocked(collider, nx, nz)) {
      // Try each axis alone, so the visitor slides rather than sticks.
      if (roomAt(collider.rooms, nx, z) && !blocked(collider, nx, z)) nz = z;
      else if (roomAt(collider.rooms, x, nz) && !blocked(collider, x, nz)) nx = x;
      else break;
    }
    x = nx;
    z = nz;
  }
  return { x, z };
}

/** Whether a circle at (x, z) overlaps an obstacle (beyond a hair). */
export function blocked(collider: Collider, x: number, z: number): boolean {
  const r = collider.radius - 1e-4;
  return collider.obstacles.some((rect) => pushOut(x, z, r, rect) !== undefined);
}

/** Where a visitor starts: the middle of the first room's south half, looking north. */
export function startPoint(rooms: readonly Room[]): { x: number; z: number; yaw: number } {
  const room = rooms[0]!;
  return { x: room.x + room.width / 2, z: room.z + room.depth * 0.75, yaw: 180 };
}

export interface WallSpot {
  wall: Wall;
  /** Room-local, as a placement's. */
  x: number;
  y: number;
  z: number;
  /** Facing into the room. */
  yaw: number;
}

/** Which way a work on each wall faces: into the room. */
export const WALL_YAW: Readonly<Record<Wall, number>> = Object.freeze({
  north: 0,
  south: 180,
  west: 270,
  east: 90,
});

/**
 * A click on the plan at room-local (x, z) puts a picture on the nearest wall: `gap` in front of it,
 * at eye height, facing into the room, kept `margin` from the corners.
 */
export function snapToWall(
  room: Room,
  x: number,
  z: number,
  options: { gap?: number; margin?: number; eyeHeight?: number; wallThickness?: number } = {},
): WallSpot {
  const { gap = 0.05, margin = 0.5 } = options;
  const thickness = options.wallThickness ?? GEOMETRY_DEFAULTS.wallThickness;
  const y = Math.min(options.eyeHeight ?? GEOMETRY_DEFAULTS.eyeHeight, room.height);
  const inset = thickness + gap;
  const distances: [Wall, number][] = [
    ['north', z],
    ['south', room.depth - z],
    ['west', x],
    ['east', room.width - x],
  ];
  const wall = distances.reduce((best, d) => (d[1] < best[1] ? d : best))[0];
  const along = (value: number, length: number) =>
    Math.max(Math.min(margin, length / 2), Math.min(value, length - margin));
  const round = (n: number) => Math.round(n * 100) / 100;
  switch (wall) {
    case 'north':
      return { wall, x: round(along(x, room.width)), y, z: round(inset), yaw: WALL_YAW.north };
    case 'south':
      return { wall, x: round(along(x, room.width)), y, z: round(room.depth - inset), yaw: WALL_YAW.south };
    case 'west':
      return { wall, x: round(inset), y, z: round(along(z, room.depth)), yaw: WALL_YAW.west };
    case 'east':
      return { wall, x: round(room.width - inset), y, z: round(along(z, room.depth)), yaw: WALL_YAW.east };
  }
}

/** The plan's extent, for the editor's drawing and the camera's far plane. */
export function planBounds(rooms: readonly Room[]): Rect {
  return {
    minX: Math.min(...rooms.map((r) => r.x)),
    maxX: Math.max(...rooms.map((r) => r.x + r.width)),
    minZ: Math.min(...rooms.map((r) => r.z)),
    maxZ: Math.max(...rooms.map((r) => r.z + r.depth)),
  };
}
