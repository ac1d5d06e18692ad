// The demo collection: a few identities and twelve works (six GLB sculptures, six PNG pictures)
// with their catalogue metadata, seeded on an empty data directory so a first look shows real
// works. Every byte is generated here, deterministically: the same code gives the same collection.
import { createHash } from 'node:crypto';
import type { Place } from '@cinnabar/core';
import {
  auspiciousClouds,
  cinnabarSeal,
  crackleGlaze,
  inkWashMountains,
  moonWindowLattice,
  sunsetOverWater,
} from './images.js';
import {
  amethystCluster,
  endlessKnot,
  meipingVase,
  mobiusRibbon,
  octagonalPagoda,
  scholarsRock,
} from './sculptures.js';

export interface DemoWork {
  fileName: string;
  mediaType: string;
  bytes: Uint8Array;
  title: string;
  description: string;
  creators: { name: string }[];
  /** YYYY-MM-DD. */
  created: string;
  /** An SPDX licence identifier, or LicenseRef-Cinnabar-All-Rights-Reserved. */
  licence: string;
  grade: 'general' | 'important' | 'core';
  /** Index into identities of the identity that registers the work. */
  creatorIndex: number;
  /** Where the work is (on the Beidou grid), for those that have a place. */
  place?: Place;
}

export interface DemoIdentity {
  name: string;
  kind: 'person' | 'organization';
  /** 32 bytes: SHA-256 of DEMO_IDENTITY_SEED_PREFIX + name. */
  seed: Uint8Array;
}

/** The demo identities' key seeds are SHA-256 of this prefix followed by the identity's name (UTF-8). */
export const DEMO_IDENTITY_SEED_PREFIX = 'cinnabar demo identity ';

export const ALL_RIGHTS_RESERVED = 'LicenseRef-Cinnabar-All-Rights-Reserved';

/** The Capital Museum, Beijing, where the museum's study models are shown. */
export const CAPITAL_MUSEUM: Place = {
  point: { lat: 39.9057, lng: 116.3417 },
  level: 7,
  name: 'Capital Museum, Beijing',
};

export const MUSEUM = 0;
export const ARTIST = 1;
export const STUDIO = 2;
export const CERAMICIST = 3;

const IDENTITIES: readonly { name: string; kind: DemoIdentity['kind'] }[] = [
  { name: 'Capital Museum Digital Studio', kind: 'organization' },
  { name: 'Lin Qiushi 林秋石', kind: 'person' },
  { name: 'Vermilion Bridge Studio', kind: 'organization' },
  { name: 'Zhou Lan 周岚', kind: 'person' },
];

const GLB = 'model/gltf-binary';
const PNG = 'image/png';
const PROCEDURAL = 'Procedurally generated for the Cinnabar demo collection.';

type WorkEntry = Omit<DemoWork, 'bytes' | 'creators'> & {
  make: () => Uint8Array | Promise<Uint8Array>;
  creators: number[];
};

const WORKS: readonly WorkEntry[] = [
  {
    fileName: 'meiping-vase-with-cloud-scrolls.glb',
    mediaType: GLB,
    make: meipingVase,
    title: 'Meiping Vase with Cloud Scrolls',
    description: `青花云纹梅瓶. A plum vase (meiping) in underglaze cobalt blue: a ruyi-cloud collar on the shoulder, paired cloud scrolls on the body and upright lotus panels above the foot. Turned from a spline profile, 1.2 m tall. ${PROCEDURAL}`,
    creators: [MUSEUM],
    created: '2021-09-18',
    licence: 'CC-BY-4.0',
    grade: 'core',
    creatorIndex: MUSEUM,
  },
  {
    fileName: 'mist-over-layered-peaks.png',
    mediaType: PNG,
    make: inkWashMountains,
    title: 'Mist over Layered Peaks',
    description: `层峦烟霭. Five ranges of mountains in ink wash, each paler and softer than the one before it, dissolving into mist on warm paper. ${PROCEDURAL}`,
    creators: [ARTIST],
    created: '2022-06-03',
    licence: ALL_RIGHTS_RESERVED,
    grade: 'core',
    creatorIndex: ARTIST,
  },
  {
    fileName: 'seven-storey-octagonal-pagoda.glb',
    mediaType: GLB,
    make: octagonalPagoda,
    title: 'Seven-Storey Octagonal Pagoda',
    description: `七层八角塔. A study model of a brick-and-timber pagoda: a stone platform, seven plastered storeys narrowing upwards, red columns and brackets, upswept tiled eaves and a gilt finial of seven rings and a pearl. 2.2 m tall. ${PROCEDURAL}`,
    creators: [MUSEUM],
    created: '2022-04-02',
    licence: 'CC-BY-NC-4.0',
    grade: 'important',
    creatorIndex: MUSEUM,
    place: CAPITAL_MUSEUM,
  },
  {
    fileName: 'four-glyph-cinnabar-seal.png',
    mediaType: PNG,
    make: cinnabarSeal,
    title: 'Four-Glyph Cinnabar Seal',
    description: `朱砂四字印. An intaglio (baiwen) seal impression in cinnabar paste: four geometric glyphs cut white into a worn red square, read from the right-hand column. ${PROCEDURAL}`,
    creators: [ARTIST],
    created: '2019-05-12',
    licence: 'CC-BY-4.0',
    grade: 'important',
    creatorIndex: ARTIST,
  },
  {
    fileName: 'endless-knot-in-carved-lacquer.glb',
    mediaType: GLB,
    make: endlessKnot,
    title: 'Endless Knot in Carved Lacquer',
    description: `剔红盘长结. A trefoil knot — the endless knot of no beginning and no end — as a lobed, twisting tube of carved cinnabar lacquer with a diamond-and-flower ground, on a black lacquer drum. ${PROCEDURAL}`,
    creators: [STUDIO, CERAMICIST],
    created: '2024-01-15',
    licence: 'CC-BY-4.0',
    grade: 'important',
    creatorIndex: STUDIO,
  },
  {
    fileName: 'auspicious-clouds.png',
    mediaType: PNG,
    make: auspiciousClouds,
    title: 'Auspicious Clouds',
    description: `祥云纹. A repeat pattern of auspicious clouds (xiangyun): paired scrolls outlined in gold on indigo, in staggered rows, for textiles and endpapers. ${PROCEDURAL}`,
    creators: [STUDIO],
    created: '2021-02-11',
    licence: 'CC0-1.0',
    grade: 'general',
    creatorIndex: STUDIO,
  },
  {
    fileName: 'scholars-rock-taihu-type.glb',
    mediaType: GLB,
    make: scholarsRock,
    title: "Scholar's Rock, Taihu Type",
    description: `太湖石. A tall, hollowed and twisting limestone of the kind collected for scholars' studios and gardens, valued for being thin, perforated, wrinkled and open; on a rosewood stand. 1.6 m tall. ${PROCEDURAL}`,
    creators: [ARTIST],
    created: '2022-10-30',
    licence: ALL_RIGHTS_RESERVED,
    grade: 'core',
    creatorIndex: ARTIST,
  },
  {
    fileName: 'moon-gate-lattice.png',
    mediaType: PNG,
    make: moonWindowLattice,
    title: 'Moon Gate Lattice',
    description: `月洞花窗. A round garden window in a whitewashed wall, its octagon-and-square timber lattice dark against back-lit paper. ${PROCEDURAL}`,
    creators: [MUSEUM],
    created: '2020-11-07',
    licence: 'CC-BY-4.0',
    grade: 'general',
    creatorIndex: MUSEUM,
    place: CAPITAL_MUSEUM,
  },
  {
    fileName: 'mobius-ribbon.glb',
    mediaType: GLB,
    make: mobiusRibbon,
    title: 'Möbius Ribbon',
    description: `莫比乌斯带. A band of patinated bronze with a single side and a single edge: half a turn in one loop, swelling and narrowing as it goes, set upright on a black granite plinth. ${PROCEDURAL}`,
    creators: [STUDIO],
    created: '2023-08-09',
    licence: 'CC0-1.0',
    grade: 'general',
    creatorIndex: STUDIO,
  },
  {
    fileName: 'ice-crackle-glaze.png',
    mediaType: PNG,
    make: crackleGlaze,
    title: 'Ice-Crackle Glaze',
    description: `冰裂纹. A study of Ge-ware crazing: a celadon-grey glaze crossed by a wide network of dark "iron thread" cracks and a fine one of "golden wire". ${PROCEDURAL}`,
    creators: [CERAMICIST],
    created: '2023-03-21',
    licence: 'CC-BY-SA-4.0',
    grade: 'important',
    creatorIndex: CERAMICIST,
  },
  {
    fileName: 'amethyst-cluster.glb',
    mediaType: GLB,
    make: amethystCluster,
    title: 'Amethyst Cluster',
    description: `紫晶簇. Forty hexagonal amethyst points, deep and pale, fanning out of a faceted matrix rock. 1.35 m tall. ${PROCEDURAL}`,
    creators: [STUDIO],
    created: '2024-03-02',
    licence: 'CC-BY-SA-4.0',
    grade: 'general',
    creatorIndex: STUDIO,
  },
  {
    fileName: 'evening-glow-on-still-water.png',
    mediaType: PNG,
    make: sunsetOverWater,
    title: 'Evening Glow on Still Water',
    description: `落霞秋水. The sun setting behind low hills, the sky from violet to amber, its light broken into a column of glints on the water. ${PROCEDURAL}`,
    creators: [CERAMICIST],
    created: '2023-10-05',
    licence: 'CC-BY-NC-4.0',
    grade: 'general',
    creatorIndex: CERAMICIST,
  },
];

/** The demo identities, with their key seeds. */
export function demoIdentities(): DemoIdentity[] {
  return IDENTITIES.map(({ name, kind }) => ({
    name,
    kind,
    seed: new Uint8Array(createHash('sha256').update(`${DEMO_IDENTITY_SEED_PREFIX}${name}`, 'utf8').digest()),
  }));
}

/** Generates the whole demo collection (1–2 s of CPU); nothing is cached, every call builds it anew. */
export async function demoCollection(): Promise<{ identities: DemoIdentity[]; works: DemoWork[] }> {
  const identities = demoIdentities();
  const works: DemoWork[] = [];
  for (const { make, creators, ...work } of WORKS) {
    works.push({
      ...work,
      bytes: await make(),
      creators: creators.map((i) => ({ name: (identities[i] as DemoIdentity).name })),
    });
  }
  return { identities, works };
}
