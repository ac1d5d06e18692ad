// Beidou grid location codes (GB/T 39409-2020): the standard's worked example, codes published by
// other implementations (their tests), the boundary choices this codec makes, and a differential
// property against an independent reference written here from the level table alone (exact
// BigInt arithmetic, each level's index computed from the whole angle rather than by remainders).
//
// The npm package beidou-grid-location-codec, the peer the issue names, is not in the registry
// this project installs from (npm view and npm pack answer E404), so the published codes below are
// taken from its repository's tests (CN-Shopkeeper/beidou-grid-location-codec) and from
// ywx001/BeidouGridCodec's, and docs/grid.md says where those implementations differ from this one.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isCinnabarError } from '../src/errors.js';
import { angleUnits, UNITS_PER_DEGREE } from '../src/grid/angle.js';
import {
  CODE_LENGTHS,
  coverBox,
  coverPolygon,
  decodeGrid,
  encodeGrid,
  gridChildren,
  gridNeighbours,
  gridParent,
  LAT_CELL_UNITS,
  LON_CELL_UNITS,
} from '../src/grid/beidou-2d.js';
import { decodeGrid3D, encodeGrid3D, heightIndex } from '../src/grid/beidou-3d.js';

const rejects = (fn: () => unknown, code: string) =>
  assert.throws(fn, (error: unknown) => isCinnabarError(error) && error.code === code);

describe('Beidou grid: 2D codes', () => {
  test("the standard's worked example, 116°18'45.37\"E 39°59'35.38\"N, at every level", () => {
    // Levels 1 and 4 are the standard's; 6, 9 and 10 are in the CN-Shopkeeper codec's tests; the
    // others follow from the same cells.
    const expected = [
      'N50J',
      'N50J47',
      'N50J475',
      'N50J47539',
      'N50J47539B8',
      'N50J47539B82',
      'N50J47539B8255',
      'N50J47539B825534',
      'N50J47539B82553461',
      'N50J47539B8255346152',
    ];
    for (const [i, code] of expected.entries()) {
      assert.equal(encodeGrid(`39°59'35.38"N`, `116°18'45.37"E`, i + 1), code);
      assert.equal(encodeGrid('39°59′35.38″N', '116°18′45.37″E', i + 1), code);
    }
    // The same point in decimal degrees (ywx001's demo input).
    assert.equal(encodeGrid(39.99316111, 116.31260278), expected[9]);
    // Mirrored into the other hemispheres: the same characters after level 1.
    assert.equal(encodeGrid(`39°59'35.38"S`, `116°18'45.37"W`), 'S11J47539B8255346152');
    assert.equal(encodeGrid(`39°59'35.38"N`, `116°18'45.37"W`), 'N11J47539B8255346152');
    assert.equal(encodeGrid(`39°59'35.38"S`, `116°18'45.37"E`), 'S50J47539B8255346152');
  });

  test('codes from ywx001/BeidouGridCodec, one in each hemisphere', () => {
    const cases: [number, number, string][] = [
      [31.1415575, 120.5830508, 'N51H16048E7136733343'],
      [-34.6037, -58.3816, 'S21I85176D3075022147'],
      [47.6062, -122.3321, 'N10L47146D5361127127'],
      [-33.8688, 151.2093, 'S56I234C281256752670'],
    ];
    for (const [lat, lng, code] of cases) assert.equal(encodeGrid(lat, lng), code, `${lat}, ${lng}`);
  });

  test('boundaries: the equator and meridian are N and E; an edge belongs to the cell farther out; ±180°', () => {
    assert.equal(encodeGrid(0, 0), 'N31A0000000000000000');
    assert.equal(encodeGrid('-0.0', '-0'), 'N31A0000000000000000');
    assert.equal(encodeGrid(-1e-7, -1e-7), 'S30A0000000000000000');
    assert.equal(encodeGrid(4, 6), 'N32B0000000000000000');
    assert.equal(encodeGrid(-4, -6), 'S29B0000000000000000');
    assert.equal(encodeGrid(0, 180), encodeGrid(0, '179.99999999999'));
    assert.equal(encodeGrid(0, -180, 1), 'N01A');
    assert.equal(encodeGrid(0, 180, 1), 'N60A');
    // A decimal on a cell edge is on the edge, though its double is just below it.
    assert.equal(39.9 * UNITS_PER_DEGREE < 294_174_720, false); // (the double product rounds up here)
    assert.equal(angleUnits(39.9, 'latitude').units, 294_174_720);
    assert.equal(angleUnits(0.3, 'latitude').units, 2_211_840);
    assert.equal(angleUnits('0.3', 'latitude').units, 2_211_840);
    assert.equal(angleUnits(-1e-7, 'longitude').units, 0);
    assert.equal(angleUnits(-1e-7, 'longitude').negative, true);
  });

  test('polar caps: one cell each at level 1, refused finer', () => {
    assert.equal(encodeGrid(88, 10, 1), 'N000');
    assert.equal(encodeGrid(-89.5, -170, 1), 'S000');
    rejects(() => encodeGrid(88, 10, 2), 'grid_polar_cap');
    const cap = decodeGrid('N000');
    assert.deepEqual(cap.bounds, { south: 88, west: -180, north: 90, east: 180 });
    rejects(() => gridChildren('N000'), 'invalid_grid_code');
    assert.deepEqual(gridNeighbours('S000'), []);
  });

  test('decode: the cell, exactly, in every hemisphere', () => {
    const north = decodeGrid('N50J47539');
    assert.deepEqual(north.units, {
      south: false,
      west: false,
      lat: 39 * UNITS_PER_DEGREE + 59 * 122_880,
      lng: 116 * UNITS_PER_DEGREE + 18 * 122_880,
      latSize: 122_880,
      lngSize: 122_880,
    });
    assert.deepEqual(north.bounds, { south: 39 + 59 / 60, west: 116.3, north: 40, east: 116 + 19 / 60 });
    const south = decodeGrid('S11J47539');
    assert.deepEqual(south.bounds, {
      south: -40,
      west: -(116 + 19 / 60),
      north: -(39 + 59 / 60),
      east: -116.3,
    });
    // Lower-case hex letters are read; the canonical code is upper-case.
    assert.equal(decodeGrid('N50J47539b82').code, 'N50J47539B82');
  });

  test('validation: a clear error for every malformed code', () => {
    const bad = [
      '',
      'N',
      'N50',
      'X50J',
      'N61J',
      'N00J',
      'NAAJ',
      'N50W',
      'N50J4',
      'N50JC0',
      'N50J08',
      'N50J476',
      'N50J475F9',
      'N50J475AF',
      'N50J47539FF',
      'N50J47539B84',
      'N50J47539B8280',
      'N50J47539B8255346158',
      'N50J47539B825534615',
      'N0000',
      'N000A',
    ];
    for (const code of bad) rejects(() => decodeGrid(code), 'invalid_grid_code');
    for (const coordinate of ['91', '-90.1', 'abc', '1e400', '', "40°60'N", '40°5\'61"N', '40°E']) {
      assert.throws(
        () => encodeGrid(coordinate, 0),
        (error: unknown) => isCinnabarError(error) && error.code === 'invalid_coordinate',
        coordinate,
      );
    }
    rejects(() => encodeGrid(10, '181'), 'invalid_coordinate');
    rejects(() => encodeGrid(10, '10°N'), 'invalid_coordinate');
    rejects(() => encodeGrid(10, 10, 11), 'invalid_coordinate');
    rejects(() => encodeGrid(Number.NaN, 10), 'invalid_coordinate');
  });

  test('parent, children and neighbours', () => {
    assert.equal(gridParent('N50J47539B8255346152'), 'N50J47539B82553461');
    assert.equal(gridParent('N50J'), 'N');
    const children = gridChildren('N50J475');
    assert.equal(children.length, 150);
    assert.ok(children.includes('N50J47539'));
    for (const child of children) assert.equal(gridParent(child), 'N50J475');
    assert.equal(gridChildren('N50J47539B8').length, 4);
    rejects(() => gridChildren('N50J47539B8255346152'), 'invalid_grid_code');
    // Around a cell in the open: 8 distinct cells, each sharing an edge or a corner with it.
    const around = gridNeighbours('N50J47539');
    assert.equal(new Set(around).size, 8);
    const centre = decodeGrid('N50J47539');
    for (const code of around) {
      const cell = decodeGrid(code);
      assert.equal(cell.level, 4);
      assert.ok(Math.abs(cell.centre.lat - centre.centre.lat) < 1.01 / 60);
      assert.ok(Math.abs(cell.centre.lng - centre.centre.lng) < 1.01 / 60);
    }
    // Across the equator, the meridian and the antimeridian.
    assert.ok(gridNeighbours('N31A0000000000000000').includes('S30A0000000000000000'));
    assert.ok(gridNeighbours(encodeGrid(0.5, 179.9, 2)).includes(encodeGrid(0.5, -179.9, 2)));
    // Beside a polar cap: no neighbour to the north.
    assert.equal(gridNeighbours(encodeGrid(87.9, 10, 1)).length, 5);
  });

  test('cover a box and a polygon', () => {
    const box = coverBox({ south: 39.9, west: 116.3, north: 40.0, east: 116.5 }, 2);
    // 40.0° and 116.5° are cell edges, and inside the box: the cells beyond them are in too.
    assert.deepEqual(box, ['N50J47', 'N50J57', 'N50K40', 'N50K50']);
    assert.equal(coverBox({ south: 39.95, west: 116.31, north: 39.95, east: 116.31 }, 10).length, 1);
    rejects(() => coverBox({ south: 40, west: 116, north: 39, east: 117 }, 2), 'invalid_coordinate');
    rejects(() => coverBox({ south: -80, west: -170, north: 80, east: 170 }, 5), 'grid_cover_too_large');
    // A triangle covers fewer cells than its bounding box, and every one of them touches it.
    const ring = [
      { lat: 39.9, lng: 116.3 },
      { lat: 39.9, lng: 116.5 },
      { lat: 40.1, lng: 116.3 },
    ];
    const cells = coverPolygon(ring, 4);
    const all = coverBox({ south: 39.9, west: 116.3, north: 40.1, east: 116.5 }, 4);
    assert.ok(cells.length < all.length && cells.length > all.length / 2, `${cells.length} of ${all.length}`);
    assert.ok(cells.includes(encodeGrid(39.95, 116.35, 4)));
    assert.ok(!cells.includes(encodeGrid(40.09, 116.49, 4)));
    // The cell just beyond the hypotenuse is out; the one it passes through is in.
    assert.ok(cells.includes(encodeGrid(39.99, 116.4, 4)));
    assert.ok(!cells.includes(encodeGrid(40.02, 116.42, 4)));
  });
});

// ---------------------------------------------------------------------------------------------
// An independent reference: the code from the level table alone, exactly, with BigInt.

const LON_SPLIT = [60n, 12n, 2n, 15n, 15n, 2n, 8n, 8n, 8n, 8n];
const LAT_SPLIT = [22n, 8n, 3n, 10n, 15n, 2n, 8n, 8n, 8n, 8n];

/** floor(|decimal degrees| x 7,372,800), exactly, from the decimal's digits. */
function referenceUnits(decimal: string): bigint {
  const [whole, fraction = ''] = decimal.replace('-', '').split('.');
  const scale = 10n ** BigInt(fraction.length);
  return ((BigInt(whole!) * scale + BigInt(fraction || '0')) * 7_372_800n) / scale;
}

function referenceCode(lat: string, lng: string, level: number): string {
  // Only a value below zero (not "-0.0") is south or west.
  const south = lat.startsWith('-') && /[1-9]/.test(lat);
  const west = lng.startsWith('-') && /[1-9]/.test(lng);
  const aLat = referenceUnits(lat);
  let aLon = referenceUnits(lng);
  if (aLon >= 180n * 7_372_800n) aLon = 180n * 7_372_800n - 1n;
  let code = south ? 'S' : 'N';
  for (let n = 1; n <= level; n++) {
    // The index at level n is the whole angle's count of level-n cells, modulo the split.
    const i = (aLon / BigInt(LON_CELL_UNITS[n]!)) % LON_SPLIT[n - 1]!;
    const j = (aLat / BigInt(LAT_CELL_UNITS[n]!)) % LAT_SPLIT[n - 1]!;
    if (n === 1) {
      const zone = west ? 30n - i : 31n + i;
      code += zone.toString().padStart(2, '0') + 'ABCDEFGHIJKLMNOPQRSTUV'[Number(j)];
    } else if (n === 3 || n === 6) code += (2n * j + i).toString();
    else code += i.toString(16).toUpperCase() + j.toString(16).toUpperCase();
  }
  return code;
}

/** Decimal strings of latitudes below the polar caps and of longitudes, some right on cell edges. */
const decimalAngle = (max: number) =>
  fc.oneof(
    fc
      .tuple(fc.integer({ min: -max + 1, max: max - 1 }), fc.integer({ min: 0, max: 9_999_999 }), fc.nat(9))
      .map(([whole, fraction, digits]) => {
        const text = `${Math.abs(whole)}.${String(fraction)
          .padStart(7, '0')
          .slice(0, 1 + digits)}`;
        return whole < 0 ? `-${text}` : text;
      }),
    // Exactly on a cell edge at some level: 9n cells (7,372,800 = 2^15 x 3^2 x 5^2, so 9n units of
    // any size make a terminating decimal of degrees), written out in full.
    fc
      .integer({ min: 1, max: 10 })
      .chain((level) => {
        const size = max === 88 ? LAT_CELL_UNITS[level]! : LON_CELL_UNITS[level]!;
        const most = Math.floor(((max - 1) * UNITS_PER_DEGREE) / (9 * size));
        return fc.tuple(fc.constant(size), fc.integer({ min: -most, max: most }));
      })
      .map(([size, cells]) => {
        const units = BigInt(9 * cells) * BigInt(size);
        const scaled = (units < 0n ? -units : units) * 10n ** 15n;
        const digits = (scaled / 7_372_800n).toString().padStart(16, '0');
        const text = `${BigInt(digits.slice(0, -15))}.${digits.slice(-15)}`;
        return units < 0n ? `-${text}` : text;
      }),
  );

describe('Beidou grid: against the reference', () => {
  test('property: every level of random points (and points on cell edges) matches the reference', () => {
    fc.assert(
      fc.property(decimalAngle(88), decimalAngle(180), fc.integer({ min: 1, max: 10 }), (lat, lng, level) => {
        const code = encodeGrid(lat, lng, level);
        assert.equal(code, referenceCode(lat, lng, level), `${lat}, ${lng} at level ${level}`);
        assert.equal(code.length, CODE_LENGTHS[level]);
        // Numbers read as the decimal that prints them give the same code.
        if (
          String(Number(lat)) === lat.replace(/\.?0+$/, '') &&
          String(Number(lng)) === lng.replace(/\.?0+$/, '')
        )
          assert.equal(encodeGrid(Number(lat), Number(lng), level), code);
        // The cell decoded holds the point, and encoding its corner gives the code back.
        const cell = decodeGrid(code);
        assert.equal(cell.code, code);
        const aLat = referenceUnits(lat);
        const aLon = referenceUnits(lng);
        assert.ok(aLat >= BigInt(cell.units.lat) && aLat < BigInt(cell.units.lat + cell.units.latSize));
        assert.ok(
          (aLon >= BigInt(cell.units.lng) && aLon < BigInt(cell.units.lng + cell.units.lngSize)) ||
            aLon === 180n * 7_372_800n,
        );
      }),
      { numRuns: 3000 },
    );
  });
});

describe('Beidou grid: 3D codes', () => {
  test('codes from ywx001/BeidouGridCodec at 50 m, one in each hemisphere, at levels 7, 8 and 10', () => {
    const cases: [number, number, string][] = [
      [31.1415575, 120.5830508, 'N051H0016000480E7010366734331434'],
      [-34.6037, -58.3816, 'S021I0085010760D3000756024211474'],
      [47.6062, -122.3321, 'N010L0047010460D5030616124711274'],
      [-33.8688, 151.2093, 'S056I0023040C2081020566754261704'],
    ];
    for (const [lat, lng, code] of cases) assert.equal(encodeGrid3D(lat, lng, 50), code);
    assert.equal(encodeGrid3D(31.1415575, 120.5830508, 50, 7), 'N051H0016000480E7010366');
    assert.equal(encodeGrid3D(31.1415575, 120.5830508, 50, 8), 'N051H0016000480E7010366734');
    const lengths = Array.from({ length: 10 }, (_, i) => encodeGrid3D(39.9, 116.3, 100, i + 1).length);
    assert.deepEqual(lengths, [7, 10, 12, 15, 18, 20, 23, 26, 29, 32]);
  });

  test('height indexes: 50 m, the 1,839.585 m step, Everest, below ground', () => {
    assert.deepEqual(heightIndex(50), { below: false, index: 3340 });
    assert.deepEqual(heightIndex(0), { below: false, index: 0 });
    assert.deepEqual(heightIndex(-0.001), { below: true, index: 0 });
    const height = (metres: number) => encodeGrid3D(39.9, 116.3, metres).replace(/^N\d/, '');
    // Below 1,839.585 m every published reading agrees; above it, the level-5 character is 0-E
    // as the standard's value table says (bit-field codecs write F there).
    const digits = (metres: number) => {
      const code = encodeGrid3D(39.9, 116.3, metres);
      return [
        code[1],
        code.slice(5, 7),
        code[9],
        code[11],
        code[14],
        code[17],
        code[19],
        code[22],
        code[25],
        code[28],
        code[31],
      ].join('');
    };
    assert.equal(digits(50), '000000006414');
    assert.equal(digits(1839.58), '000000E17777');
    assert.equal(digits(1839.6), '000001000000');
    assert.equal(digits(8848.86), '000004C01646');
    assert.equal(digits(-0.001), '100000000000');
    assert.ok(height(1).length > 0);
  });

  test('decode: the 2D cell and the floor and ceiling of the height cell; strict', () => {
    const code = encodeGrid3D(39.9, 116.3, 50);
    const cell = decodeGrid3D(code);
    assert.equal(cell.code2d, encodeGrid(39.9, 116.3));
    assert.equal(cell.height.index, 3340);
    assert.ok(cell.height.floor <= 50 && cell.height.ceiling > 50, JSON.stringify(cell.height));
    assert.ok(cell.height.ceiling - cell.height.floor < 0.02);
    const coarse = decodeGrid3D(encodeGrid3D(39.9, 116.3, 50, 5));
    assert.ok(coarse.height.floor <= 50 && coarse.height.ceiling > 50);
    const below = decodeGrid3D(encodeGrid3D(39.9, 116.3, -30));
    assert.ok(below.height.floor <= -30 && below.height.ceiling > -30, JSON.stringify(below.height));
    for (const bad of ['N050J0', 'N250J00', 'N050J0A', 'N050J0047F', 'N050J6400'])
      rejects(() => decodeGrid3D(bad), 'invalid_grid_code');
    rejects(() => encodeGrid3D(39.9, 116.3, Number.POSITIVE_INFINITY), 'invalid_coordinate');
  });

  test('property: a height is within the cell its code decodes to, at every level', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -10_000, max: 100_000, noNaN: true }),
        fc.integer({ min: 1, max: 10 }),
        (metres, level) => {
          const cell = decodeGrid3D(encodeGrid3D(10, 20, metres, level));
          const slack = 1e-6 * Math.max(1, Math.abs(metres));
          assert.ok(
            cell.height.floor - slack <= metres && metres < cell.height.ceiling + slack,
            `${metres} at ${level}`,
          );
        },
      ),
      { numRuns: 2000 },
    );
  });
});
