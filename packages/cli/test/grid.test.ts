// cinnabar grid encode, decode and cover, offline.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCli } from './support/run-cli.js';

describe('cinnabar grid', () => {
  test("encode: the standard's example in degrees, minutes and seconds, and in decimal; 3D with --height", async () => {
    const dms = await runCli(
      'grid',
      'encode',
      '--lat',
      `39°59'35.38"N`,
      '--lng',
      `116°18'45.37"E`,
      '--level',
      '4',
    );
    assert.deepEqual([dms.code, dms.out], [0, 'N50J47539']);
    const decimal = await runCli('grid', 'encode', '--lat', '39.99316111', '--lng', '116.31260278');
    assert.equal(decimal.out, 'N50J47539B8255346152');
    const west = await runCli('grid', 'encode', '--lat=-34.6037', '--lng=-58.3816', '--height', '50');
    assert.equal(west.out, 'S021I0085010760D3000756024211474');
  });

  test('decode: the cell as JSON, for 2D and 3D codes', async () => {
    const cell = JSON.parse((await runCli('grid', 'decode', 'N50J47539')).out) as {
      level: number;
      bounds: { south: number; west: number; north: number; east: number };
    };
    assert.equal(cell.level, 4);
    assert.deepEqual(cell.bounds, { south: 39 + 59 / 60, west: 116.3, north: 40, east: 116 + 19 / 60 });
    const solid = JSON.parse((await runCli('grid', 'decode', 'N051H0016000480E7010366734331434')).out) as {
      code2d: string;
      height: { floor: number; ceiling: number };
    };
    assert.equal(solid.code2d, 'N51H16048E7136733343');
    assert.ok(solid.height.floor <= 50 && solid.height.ceiling > 50);
  });

  test('cover: one code per line', async () => {
    const cover = await runCli('grid', 'cover', '--bbox', '39.9,116.3,40.0,116.5', '--level', '2');
    assert.deepEqual(cover.out.split('\n'), ['N50J47', 'N50J57', 'N50K40', 'N50K50']);
  });

  test('bad input: exit 2 and what is wrong', async () => {
    const cases: [string[], RegExp][] = [
      [['grid', 'encode', '--lat', '91', '--lng', '0'], /beyond ±90°/],
      [['grid', 'encode', '--lat', '10', '--lng', '0', '--level', '11'], /level from 1 to 10/],
      [['grid', 'encode', '--lat', '89', '--lng', '0', '--level', '3'], /polar cap/],
      [['grid', 'decode', 'N50J476'], /level-3 digit/],
      [['grid', 'cover', '--bbox', '1,2,3', '--level', '2'], /four numbers/],
      [['grid', 'cover', '--bbox', '-80,-170,80,170', '--level', '6'], /coarser level/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(...args);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.err, message);
    }
  });
});
