// cinnabar grid encode, decode and cover, offline.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { cliLedger } from './support/cli-ledger.js';
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

describe('cinnabar register with a place, and finding it', () => {
  test('--place LAT,LNG --level, --place-box, a grid code; --valid-from; refusals', async () => {
    const ledger = await cliLedger('grid-register', ['ann']);
    try {
      const file = async (name: string) => {
        const path = join(ledger.dir, name);
        await writeFile(path, `the bytes of ${name}`);
        return path;
      };
      const key = ledger.keys.ann!;
      const gate = await ledger.cli(
        'register',
        await file('gate.bin'),
        '--title',
        'Gate',
        '--place',
        '39.9087,116.3975',
        '--level',
        '8',
        '--height',
        '34',
        '--place-name',
        'Tiananmen',
        '--valid-from',
        '1420',
        '--key',
        key,
      );
      assert.equal(gate.code, 0, gate.err);
      const square = await ledger.cli(
        'register',
        await file('square.bin'),
        '--title',
        'Square',
        '--place-box',
        '39.9,116.39,39.91,116.4',
        '--level',
        '4',
        '--key',
        key,
      );
      assert.equal(square.code, 0, square.err);
      const coded = await ledger.cli(
        'register',
        await file('cell.bin'),
        '--title',
        'Cell',
        '--place',
        'N50J47539',
        '--key',
        key,
      );
      assert.equal(coded.code, 0, coded.err);
      const found = await ledger.client.assets({ near: '39.9087,116.3975', radius: 200 });
      assert.deepEqual(found.items.map((a) => a.metadata.title).sort(), ['Gate', 'Square']);
      const atGate = await ledger.client.assets({ cell: 'N50J47', at: '1500-01-01' });
      assert.deepEqual(atGate.items.map((a) => a.metadata.title).sort(), ['Cell', 'Gate', 'Square']);
      assert.deepEqual(
        (await ledger.client.assets({ cell: 'N50J47', at: '1400-01-01' })).items
          .map((a) => a.metadata.title)
          .sort(),
        ['Cell', 'Square'],
      );
      for (const [args, message] of [
        [['--place', '39.9,116.3'], /a point is indexed at a level/],
        [['--place', '39.9'], /--place takes 2 numbers/],
        [['--place', 'N50J476'], /level-3 digit/],
        [['--level', '3'], /go with --place or --place-box/],
        [['--place', 'N50J47', '--place-box', '1,2,3,4'], /not both/],
        [['--valid-until', '2000'], /goes with --valid-from/],
      ] as [string[], RegExp][]) {
        const refused = await ledger.cli(
          'register',
          await file('refused.bin'),
          '--title',
          'No',
          ...args,
          '--key',
          key,
        );
        assert.equal(refused.code, 2, args.join(' '));
        assert.match(refused.err, message);
      }
    } finally {
      await ledger.close();
    }
  });
});
