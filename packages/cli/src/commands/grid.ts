// `cinnabar grid encode|decode|cover`: Beidou grid location codes (GB/T 39409-2020), offline.

import {
  coverBox,
  decodeGrid,
  decodeGrid3D,
  encodeGrid,
  encodeGrid3D,
  isCinnabarError,
  isGridCode3D,
  MAX_GRID_LEVEL,
} from '@cinnabar/core';
import { Command, InvalidArgumentError } from 'commander';
import type { CliIo } from '../program.js';

function level(value: string): number {
  const n = Number(value);
  if (!/^\d{1,2}$/.test(value) || n < 1 || n > MAX_GRID_LEVEL)
    throw new InvalidArgumentError(`${value} is not a level from 1 to ${MAX_GRID_LEVEL}`);
  return n;
}

function metres(value: string): number {
  const n = Number(value);
  if (!/^[-+]?\d+(\.\d+)?$/.test(value) || !Number.isFinite(n))
    throw new InvalidArgumentError(`${value} is not a height in metres`);
  return n;
}

/** Run `work`, printing a grid error (bad coordinates or codes) as a usage error: exit 2. */
function guarded(io: CliIo, name: string, work: () => void): void {
  try {
    work();
  } catch (error) {
    if (!isCinnabarError(error) && !(error instanceof InvalidArgumentError)) throw error;
    io.err(`cinnabar grid ${name}: ${error.message}`);
    io.exitCode = 2;
  }
}

const ENCODE_HELP = `
LAT and LNG are decimal degrees (39.9163, -116.3) or degrees, minutes and seconds with their
hemisphere (39°59'35.38"N); either is read exactly, so a point on a cell edge is in the cell the
standard puts it in. With --height, the 3D code (height in metres above the reference surface).

Example:
  cinnabar grid encode --lat 39°59\\'35.38\\"N --lng 116°18\\'45.37\\"E --level 4     N50J47539`;

export function gridCommand(io: CliIo): Command {
  const command = new Command('grid').description('Beidou grid location codes (GB/T 39409-2020), offline');
  command.addCommand(
    new Command('encode')
      .description('the code of the cell holding a point')
      .requiredOption('--lat <degrees>', 'latitude')
      .requiredOption('--lng <degrees>', 'longitude')
      .option('--height <metres>', 'height above the reference surface: a 3D code', metres)
      .option('--level <n>', `level, 1 (6° x 4°) to ${MAX_GRID_LEVEL} (1/2048")`, level, MAX_GRID_LEVEL)
      .addHelpText('after', ENCODE_HELP)
      .action((options: { lat: string; lng: string; height?: number; level: number }) =>
        guarded(io, 'encode', () =>
          io.out(
            options.height === undefined
              ? encodeGrid(options.lat, options.lng, options.level)
              : encodeGrid3D(options.lat, options.lng, options.height, options.level),
          ),
        ),
      ),
  );
  command.addCommand(
    new Command('decode')
      .description('the cell of a code, as JSON: level, bounds, centre (and heights for a 3D code)')
      .argument('<code>', 'a 2D or 3D code')
      .action((code: string) =>
        guarded(io, 'decode', () => {
          const cell = code.length > 4 && isGridCode3D(code) ? decodeGrid3D(code) : decodeGrid(code);
          io.out(JSON.stringify(cell, null, 2));
        }),
      ),
  );
  command.addCommand(
    new Command('cover')
      .description('the codes of the cells a box touches, one per line')
      .requiredOption('--bbox <south,west,north,east>', 'the box, in degrees')
      .requiredOption('--level <n>', `level, 1 to ${MAX_GRID_LEVEL}`, level)
      .action((options: { bbox: string; level: number }) =>
        guarded(io, 'cover', () => {
          const parts = options.bbox.split(',');
          if (parts.length !== 4)
            throw new InvalidArgumentError(
              '--bbox is south,west,north,east: four numbers separated by commas',
            );
          const [south, west, north, east] = parts as [string, string, string, string];
          for (const code of coverBox({ south, west, north, east }, options.level)) io.out(code);
        }),
      ),
  );
  return command;
}
