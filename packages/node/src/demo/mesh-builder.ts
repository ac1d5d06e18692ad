// Indexed triangle meshes built from parametric surfaces, with area-weighted vertex normals.
//
// Vertices that stand for the same surface point (a wrapped seam, a pole) are "welded": they keep
// their own texture coordinates but share one normal, so seams do not show in the shading. Hard
// edges are made by not welding, i.e. by giving each side its own vertices.

export type Vec3 = [number, number, number];
export type Vec2 = [number, number];

export class MeshBuilder {
  readonly positions: number[] = [];
  readonly uvs: number[] = [];
  readonly colors: number[] = [];
  readonly indices: number[] = [];
  /** Union-find parents: welded vertices share the normal of their root. */
  private readonly parent: number[] = [];

  get vertexCount(): number {
    return this.parent.length;
  }

  get triangleCount(): number {
    return this.indices.length / 3;
  }

  /** Adds a vertex and returns its index. Colors, when used, must be given for every vertex. */
  vertex(p: Vec3, uv: Vec2 = [0, 0], color?: Vec3): number {
    const index = this.parent.length;
    this.positions.push(p[0], p[1], p[2]);
    this.uvs.push(uv[0], uv[1]);
    if (color) this.colors.push(color[0], color[1], color[2]);
    this.parent.push(index);
    return index;
  }

  /** A triangle, counter-clockwise when seen from its front (glTF 2.0 §3.7.2.1). */
  triangle(a: number, b: number, c: number): void {
    this.indices.push(a, b, c);
  }

  /** A quad a-b-c-d, counter-clockwise from its front; triangles with coincident corners are skipped. */
  quad(a: number, b: number, c: number, d: number): void {
    if (!this.samePosition(a, b) && !this.samePosition(b, c) && !this.samePosition(a, c)) {
      this.triangle(a, b, c);
    }
    if (!this.samePosition(a, c) && !this.samePosition(c, d) && !this.samePosition(a, d)) {
      this.triangle(a, c, d);
    }
  }

  /** Flat-shaded polygon (convex, counter-clockwise from its front), with its own vertices. */
  facet(points: readonly Vec3[], uvs?: readonly Vec2[]): void {
    const first = this.vertexCount;
    points.forEach((p, i) => {
      this.vertex(p, uvs?.[i] ?? [0, 0]);
    });
    for (let i = 1; i + 1 < points.length; i++) this.triangle(first, first + i, first + i + 1);
  }

  /** Vertices a and b share a normal from now on. */
  weld(a: number, b: number): void {
    const ra = this.root(a);
    const rb = this.root(b);
    if (ra !== rb) this.parent[rb] = ra;
  }

  /** Applies fn to the positions of vertices from index `from` on (by default all). */
  transform(fn: (p: Vec3) => Vec3, from = 0): void {
    const pos = this.positions;
    for (let i = from * 3; i < pos.length; i += 3) {
      const q = fn([pos[i] as number, pos[i + 1] as number, pos[i + 2] as number]);
      pos[i] = q[0];
      pos[i + 1] = q[1];
      pos[i + 2] = q[2];
    }
  }

  /** Unit vertex normals: area-weighted face normals summed over each welded group. */
  normals(): Float32Array {
    const pos = this.positions;
    const n = this.vertexCount;
    const sum = new Float64Array(n * 3);
    const idx = this.indices;
    for (let t = 0; t < idx.length; t += 3) {
      const a = (idx[t] as number) * 3;
      const b = (idx[t + 1] as number) * 3;
      const c = (idx[t + 2] as number) * 3;
      const ux = (pos[b] as number) - (pos[a] as number);
      const uy = (pos[b + 1] as number) - (pos[a + 1] as number);
      const uz = (pos[b + 2] as number) - (pos[a + 2] as number);
      const vx = (pos[c] as number) - (pos[a] as number);
      const vy = (pos[c + 1] as number) - (pos[a + 1] as number);
      const vz = (pos[c + 2] as number) - (pos[a + 2] as number);
      const nx = uy * vz - uz * vy;
      const ny = uz * vx - ux * vz;
      const nz = ux * vy - uy * vx;
      for (const v of [idx[t], idx[t + 1], idx[t + 2]] as number[]) {
        const r = this.root(v) * 3;
        sum[r] = (sum[r] as number) + nx;
        sum[r + 1] = (sum[r + 1] as number) + ny;
        sum[r + 2] = (sum[r + 2] as number) + nz;
      }
    }
    const out = new Float32Array(n * 3);
    for (let v = 0; v < n; v++) {
      const r = this.root(v) * 3;
      const x = sum[r] as number;
      const y = sum[r + 1] as number;
      const z = sum[r + 2] as number;
      const length = Math.hypot(x, y, z);
      if (length > 1e-20) {
        out[v * 3] = x / length;
        out[v * 3 + 1] = y / length;
        out[v * 3 + 2] = z / length;
      } else {
        out[v * 3 + 1] = 1; // an unused or isolated vertex: any unit vector will do
      }
    }
    return out;
  }

  private root(v: number): number {
    let r = v;
    while (this.parent[r] !== r) r = this.parent[r] as number;
    let x = v;
    while (this.parent[x] !== r) {
      const next = this.parent[x] as number;
      this.parent[x] = r;
      x = next;
    }
    return r;
  }

  private samePosition(a: number, b: number): boolean {
    const p = this.positions;
    return p[a * 3] === p[b * 3] && p[a * 3 + 1] === p[b * 3 + 1] && p[a * 3 + 2] === p[b * 3 + 2];
  }
}

export interface GridOptions {
  /**
   * Column nu is the same surface as column 0: vertex (nu, j) is welded to (0, seam(j)). `true`
   * means seam(j) = j; a function allows twisted closures such as a Möbius band.
   */
  wrapU?: boolean | ((j: number) => number);
  /** Row nv is the same surface as row 0: vertex (i, nv) is welded to (i, 0). */
  wrapV?: boolean;
}

/**
 * A surface sampled on an (nu + 1) × (nv + 1) grid of vertices, point(i, j) for i in 0..nu and
 * j in 0..nv. Quads are wound (i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1): the front is the side
 * where ∂p/∂i × ∂p/∂j points. Lines of the grid that collapse to a point (poles) are welded, and
 * the degenerate triangles they would make are left out.
 */
export function grid(
  mesh: MeshBuilder,
  nu: number,
  nv: number,
  point: (i: number, j: number) => Vec3,
  uv: (i: number, j: number) => Vec2,
  options: GridOptions = {},
): void {
  const base = mesh.vertexCount;
  const at = (i: number, j: number) => base + i * (nv + 1) + j;
  for (let i = 0; i <= nu; i++) {
    for (let j = 0; j <= nv; j++) mesh.vertex(point(i, j), uv(i, j));
  }
  const { wrapU, wrapV } = options;
  if (wrapU) {
    const seam = typeof wrapU === 'function' ? wrapU : (j: number) => j;
    for (let j = 0; j <= nv; j++) mesh.weld(at(0, seam(j)), at(nu, j));
  }
  if (wrapV) for (let i = 0; i <= nu; i++) mesh.weld(at(i, 0), at(i, nv));
  const same = (a: number, b: number) =>
    mesh.positions[a * 3] === mesh.positions[b * 3] &&
    mesh.positions[a * 3 + 1] === mesh.positions[b * 3 + 1] &&
    mesh.positions[a * 3 + 2] === mesh.positions[b * 3 + 2];
  for (let j = 0; j <= nv; j++) {
    let pole = true;
    for (let i = 1; i <= nu && pole; i++) pole = same(at(0, j), at(i, j));
    if (pole) for (let i = 1; i <= nu; i++) mesh.weld(at(0, j), at(i, j));
  }
  for (let i = 0; i <= nu; i++) {
    let pole = true;
    for (let j = 1; j <= nv && pole; j++) pole = same(at(i, 0), at(i, j));
    if (pole) for (let j = 1; j <= nv; j++) mesh.weld(at(i, 0), at(i, j));
  }
  for (let i = 0; i < nu; i++) {
    for (let j = 0; j < nv; j++) mesh.quad(at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1));
  }
}

export interface LatheOptions {
  /** Sides around the axis. */
  segments: number;
  /** Flat sides (a prism-like solid) instead of a smooth surface of revolution. */
  faceted?: boolean;
  /** Angle of the first side, radians. */
  startAngle?: number;
  /** Texture coordinate u spans 0..uRepeat around the axis. */
  uRepeat?: number;
  /** Texture coordinate v follows the profile's length, from vRange[1] at its start to vRange[0] at its end. */
  vRange?: Vec2;
}

/**
 * Revolves a profile of [radius, y] points about the y axis. The profile is smooth along its
 * length; start a new lathe() for a crease. Walking the profile counter-clockwise in the (r, y)
 * half-plane (outward along the bottom, up the outside, inward across the top) makes the front
 * face outward.
 */
export function lathe(mesh: MeshBuilder, profile: readonly Vec2[], options: LatheOptions): void {
  const { segments, faceted = false, startAngle = 0, uRepeat = 1, vRange = [0, 1] } = options;
  const lengths = [0];
  for (let j = 1; j < profile.length; j++) {
    const [r0, y0] = profile[j - 1] as Vec2;
    const [r1, y1] = profile[j] as Vec2;
    lengths.push((lengths[j - 1] as number) + Math.hypot(r1 - r0, y1 - y0));
  }
  const total = (lengths[lengths.length - 1] as number) || 1;
  const nv = profile.length - 1;
  const angle = (i: number) => startAngle + (i / segments) * 2 * Math.PI;
  // With θ measured from +x towards -z, ∂p/∂θ × ∂p/∂s points outward for a profile going up.
  const point = (a: number, j: number): Vec3 => {
    const [r, y] = profile[j] as Vec2;
    return r === 0 ? [0, y, 0] : [r * Math.cos(a), y, -r * Math.sin(a)];
  };
  const v = (j: number) => vRange[1] - ((vRange[1] - vRange[0]) * (lengths[j] as number)) / total;
  if (!faceted) {
    grid(
      mesh,
      segments,
      nv,
      (i, j) => point(angle(i), j),
      (i, j) => [(i / segments) * uRepeat, v(j)],
      { wrapU: true },
    );
    return;
  }
  for (let s = 0; s < segments; s++) {
    grid(
      mesh,
      1,
      nv,
      (i, j) => point(angle(s + i), j),
      (i, j) => [((s + i) / segments) * uRepeat, v(j)],
    );
  }
}

/** A unit icosphere: 20 · 4^subdivisions triangles, counter-clockwise from outside. */
export function icosphere(subdivisions: number): { points: Vec3[]; triangles: [number, number, number][] } {
  const t = (1 + Math.sqrt(5)) / 2;
  const points: Vec3[] = [
    [-1, t, 0],
    [1, t, 0],
    [-1, -t, 0],
    [1, -t, 0],
    [0, -1, t],
    [0, 1, t],
    [0, -1, -t],
    [0, 1, -t],
    [t, 0, -1],
    [t, 0, 1],
    [-t, 0, -1],
    [-t, 0, 1],
  ].map(([x, y, z]) => normalize([x as number, y as number, z as number]));
  let triangles: [number, number, number][] = [
    [0, 11, 5],
    [0, 5, 1],
    [0, 1, 7],
    [0, 7, 10],
    [0, 10, 11],
    [1, 5, 9],
    [5, 11, 4],
    [11, 10, 2],
    [10, 7, 6],
    [7, 1, 8],
    [3, 9, 4],
    [3, 4, 2],
    [3, 2, 6],
    [3, 6, 8],
    [3, 8, 9],
    [4, 9, 5],
    [2, 4, 11],
    [6, 2, 10],
    [8, 6, 7],
    [9, 8, 1],
  ];
  for (let level = 0; level < subdivisions; level++) {
    const midpoints = new Map<number, number>();
    const midpoint = (a: number, b: number) => {
      const key = a < b ? a * 1_000_000 + b : b * 1_000_000 + a;
      let m = midpoints.get(key);
      if (m === undefined) {
        const pa = points[a] as Vec3;
        const pb = points[b] as Vec3;
        m = points.push(normalize([pa[0] + pb[0], pa[1] + pb[1], pa[2] + pb[2]])) - 1;
        midpoints.set(key, m);
      }
      return m;
    };
    const next: [number, number, number][] = [];
    for (const [a, b, c] of triangles) {
      const ab = midpoint(a, b);
      const bc = midpoint(b, c);
      const ca = midpoint(c, a);
      next.push([a, ab, ca], [b, bc, ab], [c, ca, bc], [ab, bc, ca]);
    }
    triangles = next;
  }
  return { points, triangles };
}

export function normalize(v: Vec3): Vec3 {
  const length = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / length, v[1] / length, v[2] / length];
}

export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function add(a: Vec3, b: Vec3, scale = 1): Vec3 {
  return [a[0] + b[0] * scale, a[1] + b[1] * scale, a[2] + b[2] * scale];
}

/** Rotation of p about the y axis by angle (radians, counter-clockwise seen from +y). */
export function rotateY(p: Vec3, angle: number): Vec3 {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return [c * p[0] + s * p[2], p[1], -s * p[0] + c * p[2]];
}

/** Rotation of p about the z axis by angle (radians). */
export function rotateZ(p: Vec3, angle: number): Vec3 {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return [c * p[0] - s * p[1], s * p[0] + c * p[1], p[2]];
}
