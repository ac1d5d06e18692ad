// The pure geometry of a hall (src/halls/geometry.ts): walls with door openings, collision, where a
// placement stands, and snapping a click on the plan to a wall. Coordinates as core's RoomSchema.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Placement, Room } from '@cinnabar/core';
import {
  blocked,
  buildWalls,
  createCollider,
  GEOMETRY_DEFAULTS,
  move,
  placementWorld,
  plinthRect,
  roomAt,
  snapToWall,
  startPoint,
  yawDirection,
} from '../src/halls/geometry.js';

// Two rooms side by side, a 2 m door in the wall between them (declared on the west room only).
const WEST: Room = {
  id: 'west',
  x: 0,
  z: 0,
  width: 10,
  depth: 8,
  height: 4,
  doors: [{ wall: 'east', offset: 4, width: 2 }],
};
const EAST: Room = { id: 'east', x: 10, z: 0, width: 6, depth: 8, height: 3.5 };
const ROOMS = [WEST, EAST];

const close = (a: number, b: number, message?: string) =>
  assert.ok(Math.abs(a - b) < 1e-9, message ?? `${a} ≠ ${b}`);

describe('buildWalls', () => {
  const walls = buildWalls(ROOMS);

  test('a room without doors has four whole walls, built inside it', () => {
    const lone = buildWalls([{ id: 'a', x: 2, z: 3, width: 4, depth: 5, height: 3 }]);
    assert.equal(lone.length, 4);
    const t = GEOMETRY_DEFAULTS.wallThickness;
    const north = lone.find((w) => w.wall === 'north')!;
    assert.deepEqual([north.minX, north.maxX, north.minZ, north.bottom, north.top], [2, 6, 3, 0, 3]);
    close(north.maxZ, 3 + t);
    const east = lone.find((w) => w.wall === 'east')!;
    close(east.minX, 6 - t);
    assert.equal(east.maxX, 6);
    for (const w of lone) {
      assert.ok(w.minX >= 2 && w.maxX <= 6 && w.minZ >= 3 && w.maxZ <= 8, `${w.wall} stays inside the room`);
    }
  });

  test('a door opens both walls where two rooms meet, with a lintel above it', () => {
    for (const [room, wall] of [
      ['west', 'east'],
      ['east', 'west'],
    ] as const) {
      const pieces = walls.filter((w) => w.room === room && w.wall === wall);
      const full = pieces.filter((w) => w.bottom === 0).sort((a, b) => a.minZ - b.minZ);
      assert.equal(full.length, 2, `${room} ${wall}: two pieces either side of the door`);
      assert.deepEqual([full[0]!.minZ, full[0]!.maxZ, full[1]!.minZ, full[1]!.maxZ], [0, 3, 5, 8]);
      const lintel = pieces.find((w) => w.bottom > 0)!;
      assert.deepEqual([lintel.minZ, lintel.maxZ, lintel.bottom], [3, 5, GEOMETRY_DEFAULTS.doorHeight]);
      assert.equal(lintel.top, room === 'west' ? 4 : 3.5);
    }
    // The other walls are whole.
    assert.equal(walls.filter((w) => w.room === 'west' && w.wall === 'north').length, 1);
  });

  test('a door wider than the shared stretch is cut only where the walls are', () => {
    const a: Room = {
      id: 'a',
      x: 0,
      z: 0,
      width: 4,
      depth: 4,
      height: 3,
      doors: [{ wall: 'south', offset: 3, width: 2 }],
    };
    const b: Room = { id: 'b', x: 3, z: 4, width: 4, depth: 4, height: 3 };
    const bNorth = buildWalls([a, b]).filter((w) => w.room === 'b' && w.wall === 'north' && w.bottom === 0);
    assert.deepEqual(
      bNorth.map((w) => [w.minX, w.maxX]),
      [[4, 7]],
    );
  });

  test('a low room keeps its lintel below the ceiling', () => {
    const low: Room = {
      id: 'low',
      x: 0,
      z: 0,
      width: 4,
      depth: 4,
      height: 2.2,
      doors: [{ wall: 'north', offset: 2, width: 1 }],
    };
    const lintel = buildWalls([low]).find((w) => w.bottom > 0)!;
    close(lintel.bottom, 2.0);
  });
});

describe('collision', () => {
  const collider = createCollider(ROOMS, buildWalls(ROOMS));
  const r = GEOMETRY_DEFAULTS.radius;
  const t = GEOMETRY_DEFAULTS.wallThickness;

  test('walking into a wall stops short of it, whatever the speed', () => {
    for (const distance of [1, 5, 50]) {
      const end = move(collider, { x: 5, z: 1.5 }, 0, -distance);
      assert.ok(end.z >= t + r - 1e-6, `stopped at z=${end.z}`);
      close(end.x, 5);
    }
    const east = move(collider, { x: 14, z: 1 }, 50, 0);
    assert.ok(end(east.x) <= 16 - t - r + 1e-6, `stopped at x=${east.x}`);
    function end(n: number) {
      return n;
    }
  });

  test('a wall between two rooms stops the visitor; the door lets them through', () => {
    const wall = move(collider, { x: 8, z: 1.5 }, 6, 0);
    assert.ok(wall.x < 10 - t - r + 1e-6, `the wall stops at x=${wall.x}`);
    assert.equal(roomAt(ROOMS, wall.x, wall.z)?.id, 'west');
    const door = move(collider, { x: 8, z: 4 }, 6, 0);
    close(door.x, 14);
    assert.equal(roomAt(ROOMS, door.x, door.z)?.id, 'east');
  });

  test('sliding along a wall when walking into it at an angle', () => {
    const end = move(collider, { x: 5, z: 1 }, 2, -2);
    assert.ok(end.x > 6.5, `slid east to x=${end.x}`);
    assert.ok(end.z >= t + r - 1e-6);
  });

  test('a door in an outside wall leads nowhere', () => {
    const rooms: Room[] = [
      { id: 'a', x: 0, z: 0, width: 6, depth: 6, height: 3, doors: [{ wall: 'north', offset: 3, width: 2 }] },
    ];
    const c = createCollider(rooms, buildWalls(rooms));
    const end = move(c, { x: 3, z: 3 }, 0, -10);
    assert.ok(end.z >= -1e-9, `no further than the doorway: z=${end.z}`);
  });

  test('a plinth is an obstacle', () => {
    const placement: Placement = { asset: 'a'.repeat(64), room: 'west', x: 5, y: 0.9, z: 4, yaw: 0, size: 1 };
    const c = createCollider(ROOMS, buildWalls(ROOMS), [plinthRect(WEST, placement)]);
    const end = move(c, { x: 2, z: 4 }, 6, 0);
    assert.ok(end.x <= 5 - 0.3 - r + 1e-6, `stopped before the plinth at x=${end.x}`);
    assert.equal(blocked(c, end.x, end.z), false);
  });

  test('the start point is free', () => {
    const start = startPoint(ROOMS);
    assert.equal(blocked(collider, start.x, start.z), false);
    assert.equal(roomAt(ROOMS, start.x, start.z)?.id, 'west');
  });
});

describe('placements', () => {
  const base = { asset: 'a'.repeat(64), room: 'east', y: 1.6, size: 1 };

  test('a placement is offset by its room, and its yaw turns south (+z) the right way', () => {
    const p = placementWorld(EAST, { ...base, x: 1, z: 2, yaw: 90 });
    assert.deepEqual([p.x, p.y, p.z], [11, 1.6, 2]);
    // Rotating +z by rotationY about +y: (sin θ, 0, cos θ). Yaw 90 faces west (-x).
    close(Math.sin(p.rotationY), -1);
    close(Math.cos(p.rotationY), 0);
    for (const [yaw, x, z] of [
      [0, 0, 1],
      [90, -1, 0],
      [180, 0, -1],
      [270, 1, 0],
    ] as const) {
      const d = yawDirection(yaw);
      close(d.x, x, `yaw ${yaw} x`);
      close(d.z, z, `yaw ${yaw} z`);
      const rot = placementWorld(EAST, { ...base, x: 1, z: 1, yaw }).rotationY;
      close(Math.sin(rot), x, `yaw ${yaw} rotation`);
      close(Math.cos(rot), z, `yaw ${yaw} rotation`);
    }
  });

  test('a click on the plan snaps to the nearest wall, facing into the room, at eye height', () => {
    const gap = GEOMETRY_DEFAULTS.wallThickness + 0.05;
    const north = snapToWall(WEST, 3, 0.7);
    assert.deepEqual(
      { ...north, z: Math.round(north.z * 100) / 100 },
      { wall: 'north', x: 3, y: 1.6, z: Math.round(gap * 100) / 100, yaw: 0 },
    );
    assert.deepEqual(yawDirection(north.yaw), { x: 0, z: 1 }, 'faces south, into the room');
    const south = snapToWall(WEST, 6, 7.5);
    assert.equal(south.wall, 'south');
    assert.equal(south.yaw, 180);
    const west = snapToWall(WEST, 0.2, 4);
    assert.deepEqual([west.wall, west.yaw, west.z], ['west', 270, 4]);
    assert.deepEqual(yawDirection(west.yaw), { x: 1, z: 0 }, 'faces east, into the room');
    const east = snapToWall(WEST, 9.8, 0.3);
    assert.equal(east.wall, 'east');
    assert.equal(east.z, 0.5, 'kept off the corner');
    assert.deepEqual(yawDirection(east.yaw), { x: -1, z: 0 });
    // A low room: at most its height.
    assert.equal(snapToWall({ ...WEST, height: 2 }, 3, 1, { eyeHeight: 2.5 }).y, 2);
  });
});
