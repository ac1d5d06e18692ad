import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { base64Encode, CinnabarError, LogVerifier, verifierFromKey } from '@cinnabar/core';
import { Command } from 'commander';
import { type CliIo, jsonOption } from '../program.js';
import { parseInteger } from './serve.js';

export const LOG_VERIFY_DEFAULTS = {
  stateDir: join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'cinnabar', 'checkpoints'),
};

/** A --vkey value is the key text itself or the path of a file that holds it. */
export async function readVkey(value: string): Promise<string> {
  const isFile = await stat(value).then(
    (s) => s.isFile(),
    () => false,
  );
  return isFile ? (await readFile(value, 'utf8')).trim() : value.trim();
}

/**
 * The file where the last accepted checkpoint of a log is remembered: by origin and key id, since a
 * new log (a fresh `cinnabar init`) may reuse an origin such as the default localhost/cinnabar.
 */
export function stateFile(stateDir: string, origin: string, keyId: number, suffix = '.checkpoint'): string {
  return join(stateDir, `${encodeURIComponent(origin)}+${keyId.toString(16).padStart(8, '0')}${suffix}`);
}

interface VerifyReport {
  origin: string;
  size: number;
  rootHash: string;
  consistentWith?: number;
  inclusion?: number;
  audit?: { entries: number; tiles: number };
}

export function logVerifyCommand(io: CliIo): Command {
  return new Command('verify')
    .description(
      "verify a log from its base URL: the checkpoint's signature, consistency with the last checkpoint accepted for that origin, and optionally an entry's inclusion or (--audit) every entry and tile",
    )
    .argument('<url>', 'the log prefix, e.g. http://localhost:7470/log/')
    .requiredOption('--vkey <vkey>', 'the log verifier key (name+id+key), or a file holding it')
    .option('--index <n>', "verify this entry's inclusion", parseInteger(0, Number.MAX_SAFE_INTEGER))
    .option('--audit', 'fetch and check every entry and every tile from zero')
    .option('--state <dir>', 'where accepted checkpoints are remembered', LOG_VERIFY_DEFAULTS.stateDir)
    .addOption(jsonOption())
    .action(
      async (
        url: string,
        options: { vkey: string; index?: number; audit?: boolean; state: string; json?: boolean },
      ) => {
        const vkey = await readVkey(options.vkey);
        const { name: origin, keyId } = verifierFromKey(vkey);
        const baseUrl = url.endsWith('/') ? url : `${url}/`;
        const verifier = new LogVerifier({ baseUrl, vkey });
        const file = stateFile(options.state, origin, keyId);
        try {
          const current = await verifier.fetchCheckpoint();
          const report: VerifyReport = {
            origin,
            size: current.checkpoint.size,
            rootHash: base64Encode(current.checkpoint.rootHash),
          };
          const previous = await readFile(file, 'utf8').catch(() => undefined);
          if (previous !== undefined) {
            const { previousSize } = await verifier.verifyConsistency(previous, current);
            report.consistentWith = previousSize;
          }
          if (options.index !== undefined) {
            await verifier.verifyInclusion(options.index, current);
            report.inclusion = options.index;
          }
          if (options.audit) {
            const result = await verifier.audit(current);
            report.audit = { entries: result.entries, tiles: result.tiles };
          }
          await mkdir(options.state, { recursive: true, mode: 0o700 });
          await writeFile(`${file}.tmp`, current.note);
          await rename(`${file}.tmp`, file);
          printReport(io, report, options.json);
        } catch (error) {
          if (!(error instanceof CinnabarError)) throw error;
          if (options.json) io.out(JSON.stringify({ ok: false, code: error.code, message: error.message }));
          else io.err(`FAILED (${error.code}): ${error.message}`);
          if (error.code === 'inconsistent_log') io.err(`(the checkpoint accepted before is in ${file})`);
          io.exitCode = 1;
        }
      },
    );
}

function printReport(io: CliIo, report: VerifyReport, json?: boolean): void {
  if (json) {
    io.out(JSON.stringify({ ok: true, ...report }));
    return;
  }
  io.out(`checkpoint  ${report.origin} size ${report.size} root ${report.rootHash}: signature OK`);
  if (report.consistentWith !== undefined)
    io.out(`consistency with the checkpoint accepted before (size ${report.consistentWith}): OK`);
  else io.out('consistency: first checkpoint seen for this origin; remembered for next time');
  if (report.inclusion !== undefined) io.out(`inclusion of entry ${report.inclusion}: OK`);
  if (report.audit)
    io.out(
      `audit: ${plural(report.audit.entries, 'entry', 'entries')} and ${plural(report.audit.tiles, 'tile', 'tiles')} recomputed from zero: OK`,
    );
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
