// The demo's virtual spaces: a museum of two rooms joined by a door (sculptures on plinths, pictures
// on the walls), and a small gallery by another curator with a work it holds a display licence for.
// Works a curator does not hold are lent for display first (licence.grant, `display` only). Every
// number is fixed here, so the seed is the same on every run. Plan coordinates as core's RoomSchema:
// metres, x east, z south; a placement is from its room's north-west floor corner; yaw 0 faces south,
// 90 west, 180 north, 270 east; a model's y is the top of its plinth, a picture's y its centre.
import type { Placement, SpaceCreate } from '@cinnabar/core';
import { CAPITAL_MUSEUM, CERAMICIST, MUSEUM, STUDIO } from './catalogue.js';

/** The catalogue's works by their index in it (demoCollection().works). */
const W = {
  meipingVase: 0,
  inkWash: 1,
  endlessKnot: 4,
  auspiciousClouds: 5,
  moonGate: 7,
  mobiusRibbon: 8,
  crackleGlaze: 9,
  amethystCluster: 10,
  eveningGlow: 11,
} as const;

/** Display loans for the spaces: the work's owner lends it to the curator (identity indices). */
export const DEMO_LOANS: readonly { work: number; from: number; to: number }[] = [
  { work: W.mobiusRibbon, from: STUDIO, to: MUSEUM },
  { work: W.endlessKnot, from: STUDIO, to: MUSEUM },
  { work: W.amethystCluster, from: STUDIO, to: MUSEUM },
  { work: W.auspiciousClouds, from: STUDIO, to: MUSEUM },
  { work: W.amethystCluster, from: STUDIO, to: CERAMICIST },
];

export interface DemoSpace {
  /** Index into the demo identities of the curator who signs it. */
  curator: number;
  body: SpaceCreate;
}

const WALL_GAP = 0.17;

/** The spaces, given the asset ids of the catalogue's works in order. */
export function demoSpaces(assets: readonly string[]): DemoSpace[] {
  const at = (work: number, room: string, p: Omit<Placement, 'asset' | 'room'>): Placement => ({
    asset: assets[work]!,
    room,
    ...p,
  });
  return [
    {
      curator: MUSEUM,
      body: {
        name: 'Capital Museum Digital Hall',
        description:
          '首都博物馆数字展厅. Study models in the sculpture hall, pictures in the painting gallery through the door to the east. Works lent by Vermilion Bridge Studio are marked on their provenance.',
        category: 'museum',
        place: CAPITAL_MUSEUM,
        rooms: [
          {
            id: 'sculpture',
            name: 'Sculpture Hall 雕塑厅',
            x: 0,
            z: 0,
            width: 12,
            depth: 10,
            height: 5,
            doors: [{ wall: 'east', offset: 5, width: 2.4 }],
            wallColour: '#ebe4d8',
            floorColour: '#8d6e55',
          },
          {
            id: 'paintings',
            name: 'Painting Gallery 书画厅',
            x: 12,
            z: 1,
            width: 9,
            depth: 8,
            height: 4,
            wallColour: '#d9e2dc',
            floorColour: '#a38b6d',
          },
        ],
        placements: [
          at(W.meipingVase, 'sculpture', { x: 3, y: 0.9, z: 3, yaw: 0, size: 1.3 }),
          at(W.mobiusRibbon, 'sculpture', { x: 9, y: 0.9, z: 3, yaw: 0, size: 1.4 }),
          at(W.endlessKnot, 'sculpture', { x: 3, y: 0.9, z: 7, yaw: 0, size: 1.3 }),
          at(W.amethystCluster, 'sculpture', { x: 9, y: 0.9, z: 7, yaw: 0, size: 1.4 }),
          at(W.moonGate, 'sculpture', {
            x: 6,
            y: 2,
            z: WALL_GAP,
            yaw: 0,
            size: 2.2,
            label: 'Moon Gate Lattice 月洞花窗',
          }),
          at(W.auspiciousClouds, 'paintings', { x: 9 - WALL_GAP, y: 1.7, z: 4, yaw: 90, size: 1.8 }),
          at(W.inkWash, 'paintings', { x: 4.5, y: 1.7, z: WALL_GAP, yaw: 0, size: 1.8 }),
        ],
      },
    },
    {
      curator: CERAMICIST,
      body: {
        name: 'Still Water Gallery',
        description:
          '静水画廊. Zhou Lan shows her glaze study and an evening on the water, with an amethyst cluster on loan from Vermilion Bridge Studio.',
        category: 'gallery',
        rooms: [
          {
            id: 'gallery',
            name: 'Gallery 画廊',
            x: 0,
            z: 0,
            width: 8,
            depth: 7,
            height: 3.5,
            wallColour: '#f3efe8',
            floorColour: '#6f5b4b',
          },
        ],
        placements: [
          at(W.crackleGlaze, 'gallery', { x: 2.5, y: 1.6, z: WALL_GAP, yaw: 0, size: 1.2 }),
          at(W.eveningGlow, 'gallery', { x: 5.5, y: 1.6, z: WALL_GAP, yaw: 0, size: 1.4 }),
          at(W.amethystCluster, 'gallery', { x: 4, y: 0.6, z: 2.6, yaw: 0, size: 1.2 }),
        ],
      },
    },
  ];
}
