// Procedural GLB sculptures for the demo collection.
//
// Each work is built from parametric surfaces (see mesh-builder.ts), then scaled to a set height,
// centred on the y axis and stood on y = 0 (glTF 2.0 §3.4: y up, metres), and written as a
// self-contained GLB with glTF-Transform. No clock and no Math.random: the bytes depend only on
// the code and the seeds below.
import { Document, Logger, NodeIO } from '@gltf-transform/core';
import {
  add,
  cross,
  grid,
  icosphere,
  type LatheOptions,
  lathe,
  MeshBuilder,
  normalize,
  rotateY,
  rotateZ,
  type Vec2,
  type Vec3,
} from './mesh-builder.js';
import { between, fbm3, mix, mulberry32, perlin3, smoothstep } from './random.js';
import { blueAndWhiteTexture, carvedLacquerTexture } from './textures.js';

/** asset.generator of every demo GLB. */
export const DEMO_GENERATOR = 'Cinnabar demo collection';

interface MaterialSpec {
  name: string;
  /** sRGB base colour (0xrrggbb); it multiplies the texture when there is one. */
  color: number;
  metallic: number;
  roughness: number;
  /** A PNG base-colour texture, sampled with TEXCOORD_0. */
  texture?: Uint8Array;
}

interface Part {
  mesh: MeshBuilder;
  material: MaterialSpec;
}

interface SculptureSpec {
  name: string;
  /** Height of the finished work in metres. */
  height: number;
  parts: Part[];
}

// ---------------------------------------------------------------------------------------------
// The works

/** A (2, 3) torus knot — the trefoil — as a lobed, twisting tube of carved lacquer on a drum stand. */
export function endlessKnot(): Promise<Uint8Array> {
  const p = 2;
  const q = 3;
  const nu = 384;
  const nv = 28;
  const tube = 0.3;
  const lobes = 6;
  const twists = 24;
  // The torus-knot curve of three.js's TorusKnotGeometry (radius 1), period p · 2π.
  const curve = (u: number): Vec3 => {
    const cs = Math.cos((q / p) * u);
    return [(2 + cs) * 0.5 * Math.cos(u), (2 + cs) * 0.5 * Math.sin(u), Math.sin((q / p) * u) * 0.5];
  };
  const knot = new MeshBuilder();
  grid(
    knot,
    nu,
    nv,
    (i, j) => {
      const s = i / nu;
      const u = s * p * 2 * Math.PI;
      const p1 = curve(u);
      const p2 = curve(u + 0.01);
      const tangent = add(p2, p1, -1);
      const b = normalize(cross(tangent, add(p2, p1)));
      const n = normalize(cross(b, tangent));
      // Clockwise about the tangent, so that ∂p/∂i × ∂p/∂j points out of the tube.
      const theta = -(j / nv) * 2 * Math.PI;
      const r = tube * (1 + 0.13 * Math.cos(lobes * theta + twists * 2 * Math.PI * s));
      return add(add(p1, n, r * Math.cos(theta)), b, r * Math.sin(theta));
    },
    (i, j) => [(i / nu) * 24, j / nv],
    { wrapU: true, wrapV: true },
  );
  knot.transform(([x, y, z]) => [x * 0.36, y * 0.36, z * 0.36]);

  const stand = new MeshBuilder();
  creasedLathe(
    stand,
    [
      [0, 0],
      [0.34, 0],
      [0.34, 0.05],
      [0.29, 0.09],
      [0.24, 0.09],
      [0.24, 0.3],
      [0.28, 0.33],
      [0.28, 0.36],
      [0, 0.36],
    ],
    { segments: 48 },
  );
  restOn(knot, 0.36 - 0.03);
  return writeSculpture({
    name: 'Endless Knot',
    height: 1.45,
    parts: [
      {
        mesh: knot,
        material: {
          name: 'carved cinnabar lacquer',
          color: 0xffffff,
          metallic: 0,
          roughness: 0.35,
          texture: carvedLacquerTexture(),
        },
      },
      { mesh: stand, material: { name: 'black lacquer', color: 0x1c1412, metallic: 0, roughness: 0.3 } },
    ],
  });
}

/** A meiping (plum) vase turned from a spline profile, painted in underglaze blue. */
export function meipingVase(): Promise<Uint8Array> {
  const outer = smoothProfile(
    [
      [0.17, 0],
      [0.165, 0.03],
      [0.18, 0.1],
      [0.235, 0.3],
      [0.3, 0.55],
      [0.355, 0.78],
      [0.37, 0.88],
      [0.345, 0.96],
      [0.27, 1.03],
      [0.16, 1.08],
      [0.09, 1.11],
      [0.082, 1.15],
      [0.105, 1.2],
    ],
    8,
  );
  const vase = new MeshBuilder();
  // The texture holds four repeats of its design; 1.5 turns of it around the widest part keep the
  // painted circles round (about 330 texels a metre both ways).
  const options: LatheOptions = { segments: 128, uRepeat: 1.5 };
  const plain: Vec2 = [0.005, 0.02]; // the undecorated lip band of the texture
  lathe(
    vase,
    [
      [0, 0],
      [0.17, 0],
    ],
    { ...options, vRange: plain },
  );
  lathe(vase, outer, options);
  lathe(
    vase,
    [
      [0.105, 1.2],
      [0.072, 1.2],
    ],
    { ...options, vRange: plain },
  );
  lathe(
    vase,
    [
      [0.072, 1.2],
      [0.062, 1.1],
    ],
    { ...options, vRange: plain },
  );
  lathe(
    vase,
    [
      [0.062, 1.1],
      [0, 1.1],
    ],
    { ...options, vRange: plain },
  );
  return writeSculpture({
    name: 'Meiping Vase',
    height: 1.2,
    parts: [
      {
        mesh: vase,
        material: {
          name: 'blue-and-white porcelain',
          color: 0xffffff,
          metallic: 0,
          roughness: 0.12,
          texture: blueAndWhiteTexture(),
        },
      },
    ],
  });
}

/** Hexagonal amethyst points, seeded, growing from a faceted matrix rock. */
export function amethystCluster(): Promise<Uint8Array> {
  const random = mulberry32(0xa3e7);
  const rock = new MeshBuilder();
  const sphere = icosphere(3);
  const points = sphere.points.map(([x, y, z]): Vec3 => {
    const r = 1 + 0.22 * fbm3(x * 1.8, y * 1.8, z * 1.8, 0xa3e8, 4);
    return [x * r * 0.62, Math.max(y * r * 0.3, -0.14), z * r * 0.52];
  });
  for (const [a, b, c] of sphere.triangles)
    rock.facet([points[a] as Vec3, points[b] as Vec3, points[c] as Vec3]);

  const deep = new MeshBuilder();
  const pale = new MeshBuilder();
  const count = 40;
  for (let k = 0; k < count; k++) {
    const mesh = k % 3 === 2 ? pale : deep;
    const from = mesh.vertexCount;
    const phi = random() * 2 * Math.PI;
    const d = k === 0 ? 0 : Math.sqrt(random()) * 0.85;
    const length = (k === 0 ? 1.15 : mix(1.0, 0.3, d)) * between(random, 0.75, 1.1);
    const radius = length * between(random, 0.08, 0.12) + 0.015;
    const tilt = d * 0.8 + between(random, -0.12, 0.12);
    const heading = phi + between(random, -0.3, 0.3);
    const shoulder = length * between(random, 0.72, 0.84);
    const apex: Vec3 = [between(random, -0.2, 0.2) * radius, length, between(random, -0.2, 0.2) * radius];
    const bottom: Vec3[] = [];
    const top: Vec3[] = [];
    for (let s = 0; s < 6; s++) {
      const angle = (s / 6) * 2 * Math.PI + between(random, -0.12, 0.12);
      const r = radius * between(random, 0.85, 1.15);
      bottom.push([r * Math.cos(angle), -0.25, -r * Math.sin(angle)]);
      top.push([r * 0.97 * Math.cos(angle), shoulder, -r * 0.97 * Math.sin(angle)]);
    }
    for (let s = 0; s < 6; s++) {
      const t = (s + 1) % 6;
      mesh.facet([bottom[s] as Vec3, bottom[t] as Vec3, top[t] as Vec3, top[s] as Vec3]);
      mesh.facet([top[s] as Vec3, top[t] as Vec3, apex]);
    }
    mesh.facet([...bottom].reverse());
    const base: Vec3 = [
      d * 0.45 * Math.cos(phi),
      0.3 * Math.sqrt(Math.max(0, 1 - d * d)) * 0.85,
      d * 0.38 * Math.sin(phi),
    ];
    mesh.transform((v) => add(rotateY(rotateZ(v, -tilt), -heading), base), from);
  }
  return writeSculpture({
    name: 'Amethyst Cluster',
    height: 1.35,
    parts: [
      { mesh: rock, material: { name: 'matrix rock', color: 0x57514b, metallic: 0, roughness: 0.95 } },
      { mesh: deep, material: { name: 'deep amethyst', color: 0x6a3fa8, metallic: 0, roughness: 0.1 } },
      { mesh: pale, material: { name: 'pale amethyst', color: 0xc6b0e8, metallic: 0, roughness: 0.12 } },
    ],
  });
}

/** A seven-storey octagonal pagoda: stone platform, plastered storeys, red columns, upswept eaves. */
export function octagonalPagoda(): Promise<Uint8Array> {
  const stone = new MeshBuilder();
  const plaster = new MeshBuilder();
  const timber = new MeshBuilder();
  const tiles = new MeshBuilder();
  const gold = new MeshBuilder();
  const octagon: LatheOptions = { segments: 8, faceted: true, startAngle: Math.PI / 8 };
  creasedLathe(
    stone,
    [
      [0, 0],
      [0.82, 0],
      [0.82, 0.07],
      [0.7, 0.07],
      [0.7, 0.14],
      [0, 0.14],
    ],
    octagon,
  );
  let y = 0.14;
  for (let k = 0; k < 7; k++) {
    const r = 0.5 - 0.04 * k;
    const h = k === 0 ? 0.24 : 0.17 - 0.008 * k;
    const wall = r * 0.92;
    creasedLathe(
      plaster,
      [
        [0, y],
        [wall, y],
        [wall, y + h],
        [0, y + h],
      ],
      octagon,
    );
    for (let c = 0; c < 8; c++) {
      const angle = Math.PI / 8 + (c / 8) * 2 * Math.PI;
      const from = timber.vertexCount;
      creasedLathe(
        timber,
        [
          [0, 0],
          [0.022, 0],
          [0.022, h],
          [0, h],
        ],
        { segments: 10 },
      );
      timber.transform((v) => add(v, [wall * Math.cos(angle), y, -wall * Math.sin(angle)]), from);
    }
    const bracket = y + h;
    creasedLathe(
      timber,
      [
        [0, bracket],
        [r + 0.03, bracket],
        [r + 0.03, bracket + 0.025],
        [0, bracket + 0.025],
      ],
      octagon,
    );
    const y0 = bracket + 0.025;
    const eave = r + 0.15;
    lathe(
      tiles,
      [
        [0, y0],
        [eave, y0 + 0.04],
      ],
      octagon,
    );
    lathe(
      tiles,
      [
        [eave, y0 + 0.04],
        [eave + 0.01, y0 + 0.075],
      ],
      octagon,
    );
    const slope: Vec2[] = [];
    for (let s = 0; s <= 6; s++) {
      const t = s / 6;
      slope.push([mix(eave + 0.01, r * 0.7, t), y0 + 0.075 + 0.085 * t * t]);
    }
    lathe(tiles, slope, octagon);
    lathe(
      tiles,
      [
        [r * 0.7, y0 + 0.16],
        [0, y0 + 0.16],
      ],
      octagon,
    );
    y = y0 + 0.16;
  }
  // The finial: a base, a shaft of seven rings, a pearl and a spike.
  const round: LatheOptions = { segments: 20 };
  creasedLathe(
    gold,
    [
      [0, y - 0.01],
      [0.08, y - 0.01],
      [0.08, y + 0.03],
      [0.05, y + 0.05],
      [0, y + 0.05],
    ],
    round,
  );
  const shaft: Vec2[] = [[0, y + 0.05]];
  for (let s = 0; s <= 56; s++) {
    const t = s / 56;
    shaft.push([0.033 + 0.01 * Math.cos(2 * Math.PI * 7 * t), y + 0.05 + 0.25 * t]);
  }
  shaft.push([0, y + 0.3]);
  lathe(gold, shaft, round);
  const pearl: Vec2[] = [];
  const centre = y + 0.34;
  for (let s = 0; s <= 12; s++) {
    const a = -Math.PI / 2 + (s / 12) * Math.PI;
    const r = s === 0 || s === 12 ? 0 : 0.045 * Math.cos(a); // exact poles, so they are welded
    pearl.push([r, centre + 0.045 * Math.sin(a)]);
  }
  lathe(gold, pearl, round);
  creasedLathe(
    gold,
    [
      [0, centre + 0.035],
      [0.014, centre + 0.035],
      [0, centre + 0.14],
    ],
    round,
  );
  return writeSculpture({
    name: 'Octagonal Pagoda',
    height: 2.2,
    parts: [
      { mesh: stone, material: { name: 'stone', color: 0xb5ad9f, metallic: 0, roughness: 0.85 } },
      { mesh: plaster, material: { name: 'lime plaster', color: 0xe8dfcc, metallic: 0, roughness: 0.9 } },
      { mesh: timber, material: { name: 'red timber', color: 0xa3302a, metallic: 0, roughness: 0.6 } },
      { mesh: tiles, material: { name: 'roof tiles', color: 0x34383d, metallic: 0, roughness: 0.7 } },
      { mesh: gold, material: { name: 'gilt bronze', color: 0xd4a640, metallic: 1, roughness: 0.3 } },
    ],
  });
}

/** A bronze Möbius band of elliptical section, breathing in width, on a granite plinth. */
export function mobiusRibbon(): Promise<Uint8Array> {
  const nu = 384;
  const nv = 32;
  const radius = 0.5;
  const ribbon = new MeshBuilder();
  grid(
    ribbon,
    nu,
    nv,
    (i, j) => {
      const t = i / nu;
      const angle = 2 * Math.PI * t;
      // Half a turn over the loop; at t = 0.75 (the bottom) the band lies flat on the plinth.
      const phi = Math.PI * t - Math.PI / 4;
      const [c, s] = [Math.cos(angle), Math.sin(angle)];
      // The section's axes: w across the band, n through its thickness, turned by phi in the
      // plane of the radial direction (c, s, 0) and the z axis.
      const w: Vec3 = [Math.cos(phi) * c, Math.cos(phi) * s, Math.sin(phi)];
      const n: Vec3 = [-Math.sin(phi) * c, -Math.sin(phi) * s, Math.cos(phi)];
      const theta = (j / nv) * 2 * Math.PI;
      const a = 0.17 * (1 + 0.25 * Math.cos(4 * Math.PI * t));
      const b = 0.022;
      return add(add([radius * c, radius * s, 0], w, a * Math.cos(theta)), n, b * Math.sin(theta));
    },
    (i, j) => [i / nu, j / nv],
    // After one loop the section has turned by π: (nu, j) is the point (0, j + nv/2).
    { wrapU: (j) => (j + nv / 2) % nv, wrapV: true },
  );
  const plinth = new MeshBuilder();
  creasedLathe(
    plinth,
    [
      [0, 0],
      [0.42, 0],
      [0.42, 0.06],
      [0.34, 0.1],
      [0.3, 0.1],
      [0.3, 0.22],
      [0, 0.22],
    ],
    { segments: 4, faceted: true, startAngle: Math.PI / 4 },
  );
  restOn(ribbon, 0.22 - 0.015);
  return writeSculpture({
    name: 'Möbius Ribbon',
    height: 1.45,
    parts: [
      { mesh: ribbon, material: { name: 'patinated bronze', color: 0xb08d57, metallic: 1, roughness: 0.32 } },
      { mesh: plinth, material: { name: 'black granite', color: 0x2e2e33, metallic: 0, roughness: 0.55 } },
    ],
  });
}

/** A Taihu scholar's rock: a seeded noise-displaced sphere, hollowed and twisted, on a wooden stand. */
export function scholarsRock(): Promise<Uint8Array> {
  const seed = 0x5eed;
  const sphere = icosphere(5);
  const rock = new MeshBuilder();
  for (const [x, y, z] of sphere.points) {
    const bulge = fbm3(x * 1.3, y * 1.3, z * 1.3, seed, 4);
    const ridge = 1 - Math.abs(perlin3(x * 2.6, y * 2.6, z * 2.6, seed + 7));
    const hollow = smoothstep(0.18, 0.42, perlin3(x * 2.1 + 5.3, y * 2.1, z * 2.1, seed + 13));
    // r stays above 0.4, so the surface stays star-shaped and cannot fold through itself.
    const r = 1 + 0.32 * bulge + 0.1 * ridge - 0.38 * hollow;
    let p: Vec3 = [x * r * 0.36, y * r * 0.78, z * r * 0.3];
    p = rotateY(p, 0.7 * p[1]);
    p = [p[0] + 0.12 * p[1] * p[1], p[1], p[2]];
    // Linear vertex colour: darker in the hollows, lighter on the ridges.
    const shade = (0.45 + 0.55 * (1 - hollow)) * (0.85 + 0.15 * ridge);
    rock.vertex(p, [0, 0], [0.3 * shade, 0.32 * shade, 0.33 * shade]);
  }
  for (const [a, b, c] of sphere.triangles) rock.triangle(a, b, c);
  centreXZ(rock);
  const stand = new MeshBuilder();
  const round: LatheOptions = { segments: 64 };
  lathe(
    stand,
    [
      [0, 0],
      [0.34, 0],
    ],
    round,
  );
  lathe(
    stand,
    [
      [0.34, 0],
      [0.36, 0.03],
      [0.36, 0.06],
      [0.32, 0.1],
    ],
    round,
  );
  lathe(
    stand,
    [
      [0.32, 0.1],
      [0, 0.1],
    ],
    round,
  );
  restOn(rock, 0.1 - 0.05);
  return writeSculpture({
    name: "Scholar's Rock",
    height: 1.6,
    parts: [
      { mesh: rock, material: { name: 'limestone', color: 0xffffff, metallic: 0, roughness: 0.85 } },
      { mesh: stand, material: { name: 'rosewood', color: 0x3d2216, metallic: 0, roughness: 0.5 } },
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** A lathe with a crease at every profile point: each segment of the profile is its own surface. */
function creasedLathe(mesh: MeshBuilder, profile: readonly Vec2[], options: LatheOptions): void {
  for (let k = 0; k + 1 < profile.length; k++) {
    lathe(mesh, [profile[k] as Vec2, profile[k + 1] as Vec2], options);
  }
}

/** Uniform Catmull-Rom spline through the control points, samplesPerSpan points per span. */
function smoothProfile(points: readonly Vec2[], samplesPerSpan: number): Vec2[] {
  const out: Vec2[] = [];
  const n = points.length;
  for (let i = 0; i + 1 < n; i++) {
    const p0 = points[Math.max(i - 1, 0)] as Vec2;
    const p1 = points[i] as Vec2;
    const p2 = points[i + 1] as Vec2;
    const p3 = points[Math.min(i + 2, n - 1)] as Vec2;
    for (let s = 0; s < samplesPerSpan; s++) {
      const t = s / samplesPerSpan;
      const t2 = t * t;
      const t3 = t2 * t;
      const at = (c: 0 | 1) =>
        0.5 *
        (2 * p1[c] +
          (-p0[c] + p2[c]) * t +
          (2 * p0[c] - 5 * p1[c] + 4 * p2[c] - p3[c]) * t2 +
          (-p0[c] + 3 * p1[c] - 3 * p2[c] + p3[c]) * t3);
      out.push([at(0), at(1)]);
    }
  }
  out.push(points[n - 1] as Vec2);
  return out;
}

function bounds(meshes: readonly MeshBuilder[]): { min: Vec3; max: Vec3 } {
  const min: Vec3 = [Infinity, Infinity, Infinity];
  const max: Vec3 = [-Infinity, -Infinity, -Infinity];
  for (const mesh of meshes) {
    const pos = mesh.positions;
    for (let i = 0; i < pos.length; i += 3) {
      for (let c = 0; c < 3; c++) {
        const v = pos[i + c] as number;
        if (v < min[c]!) min[c] = v;
        if (v > max[c]!) max[c] = v;
      }
    }
  }
  return { min, max };
}

/** Moves the mesh up or down so that its lowest point is at height y. */
function restOn(mesh: MeshBuilder, y: number): void {
  const dy = y - bounds([mesh]).min[1];
  mesh.transform(([px, py, pz]) => [px, py + dy, pz]);
}

/** Moves the mesh horizontally so that its bounding box is centred on the y axis. */
function centreXZ(mesh: MeshBuilder): void {
  const { min, max } = bounds([mesh]);
  const cx = (min[0] + max[0]) / 2;
  const cz = (min[2] + max[2]) / 2;
  mesh.transform(([px, py, pz]) => [px - cx, py, pz - cz]);
}

/** sRGB (0xrrggbb) to the linear RGBA factor glTF materials take (glTF 2.0 §3.9.2). */
function linearRgba(hex: number): [number, number, number, number] {
  const channel = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return [channel((hex >> 16) & 0xff), channel((hex >> 8) & 0xff), channel(hex & 0xff), 1];
}

async function writeSculpture(spec: SculptureSpec): Promise<Uint8Array> {
  const { min, max } = bounds(spec.parts.map((part) => part.mesh));
  const scale = spec.height / (max[1] - min[1]);
  const cx = (min[0] + max[0]) / 2;
  const cz = (min[2] + max[2]) / 2;
  for (const { mesh } of spec.parts) {
    mesh.transform(([x, y, z]) => [(x - cx) * scale, (y - min[1]) * scale, (z - cz) * scale]);
  }

  const doc = new Document();
  doc.setLogger(new Logger(Logger.Verbosity.SILENT));
  const root = doc.getRoot();
  root.getAsset().generator = DEMO_GENERATOR;
  const buffer = doc.createBuffer();
  const mesh = doc.createMesh(spec.name);
  for (const { mesh: part, material: m } of spec.parts) {
    const material = doc
      .createMaterial(m.name)
      .setBaseColorFactor(linearRgba(m.color))
      .setMetallicFactor(m.metallic)
      .setRoughnessFactor(m.roughness);
    const accessor = (array: Float32Array | Uint16Array | Uint32Array, type: 'SCALAR' | 'VEC2' | 'VEC3') =>
      doc.createAccessor().setType(type).setArray(array).setBuffer(buffer);
    const primitive = doc
      .createPrimitive()
      .setAttribute('POSITION', accessor(new Float32Array(part.positions), 'VEC3'))
      .setAttribute('NORMAL', accessor(part.normals(), 'VEC3'))
      .setMaterial(material);
    if (m.texture) {
      const texture = doc.createTexture(m.name).setImage(m.texture).setMimeType('image/png');
      material.setBaseColorTexture(texture);
      primitive.setAttribute('TEXCOORD_0', accessor(new Float32Array(part.uvs), 'VEC2'));
    }
    if (part.colors.length > 0) {
      if (part.colors.length !== part.positions.length) {
        throw new Error(`${spec.name}: vertex colours must be given for every vertex`);
      }
      primitive.setAttribute('COLOR_0', accessor(new Float32Array(part.colors), 'VEC3'));
    }
    const indices =
      part.vertexCount <= 0xffff ? new Uint16Array(part.indices) : new Uint32Array(part.indices);
    primitive.setIndices(accessor(indices, 'SCALAR'));
    mesh.addPrimitive(primitive);
  }
  const scene = doc.createScene(spec.name).addChild(doc.createNode(spec.name).setMesh(mesh));
  root.setDefaultScene(scene);
  return new NodeIO().setLogger(new Logger(Logger.Verbosity.SILENT)).writeBinary(doc);
}
