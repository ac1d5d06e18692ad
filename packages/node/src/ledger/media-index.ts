import type { MarkRow, MediaRow } from '../storage/log-storage.js';

/** Set bits of a 32-bit integer. */
function popcount32(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * The fingerprints of every registered asset, to find a new asset's near duplicates: identical
 * glTF geometry by a hash lookup, and images whose 64-bit perceptual hashes differ in at most
 * `maxDistance` bits by a scan over packed integers (a few nanoseconds per asset, no allocation).
 */
export class MediaIndex {
  private readonly byGeometry = new Map<string, string[]>();
  private hashes = new Uint32Array(1024);
  private hashOwners: string[] = [];

  constructor(private readonly maxDistance: number) {}

  get size(): number {
    return this.hashOwners.length;
  }

  add(row: MediaRow): void {
    if (row.geometry) {
      const owners = this.byGeometry.get(row.geometry);
      if (owners) owners.push(row.asset);
      else this.byGeometry.set(row.geometry, [row.asset]);
    }
    if (row.phash && /^[0-9a-f]{16}$/.test(row.phash)) {
      const n = this.hashOwners.length;
      if (2 * n + 2 > this.hashes.length) {
        const grown = new Uint32Array(this.hashes.length * 2);
        grown.set(this.hashes);
        this.hashes = grown;
      }
      this.hashes[2 * n] = Number.parseInt(row.phash.slice(0, 8), 16);
      this.hashes[2 * n + 1] = Number.parseInt(row.phash.slice(8), 16);
      this.hashOwners.push(row.asset);
    }
  }

  /** Marks from `row`'s asset to the indexed assets it resembles, closest first, at most `limit`. */
  marks(row: MediaRow, limit: number): MarkRow[] {
    const found: MarkRow[] = [];
    const sameGeometry = row.geometry ? (this.byGeometry.get(row.geometry) ?? []) : [];
    for (const other of sameGeometry)
      if (other !== row.asset) found.push({ asset: row.asset, other, reason: 'geometry', distance: 0 });
    if (row.phash && /^[0-9a-f]{16}$/.test(row.phash)) {
      const high = Number.parseInt(row.phash.slice(0, 8), 16);
      const low = Number.parseInt(row.phash.slice(8), 16);
      const geometric = new Set(sameGeometry);
      for (let i = 0; i < this.hashOwners.length; i++) {
        const distance = popcount32(this.hashes[2 * i]! ^ high) + popcount32(this.hashes[2 * i + 1]! ^ low);
        const other = this.hashOwners[i]!;
        if (distance <= this.maxDistance && other !== row.asset && !geometric.has(other))
          found.push({ asset: row.asset, other, reason: 'perceptual-hash', distance });
      }
    }
    found.sort((a, b) => a.distance - b.distance);
    return found.slice(0, limit);
  }
}
