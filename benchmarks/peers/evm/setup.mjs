// Installs this directory's own node_modules (it is not an npm workspace, so the repository's `npm ci` stays
// fast): `npm ci --ignore-scripts` from the committed package-lock.json when node_modules is missing or stale.
//
//   node benchmarks/peers/evm/setup.mjs [--force]
//
// Everything goes to stderr. No install script is needed: solc ships soljson.js, and EDR's native binding
// is the registry package @nomicfoundation/edr-linux-x64-gnu, a direct dependency because npm skips it as EDR's
// optional dependency on Node 20 (its `engines` asks for Node 22, which npm only warns about for direct ones).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const marker = join(here, 'node_modules', '.cinnabar-setup.json');
const log = (line) => process.stderr.write(`[evm-peers setup] ${line}\n`);

const lockHash = () =>
  createHash('sha256')
    .update(readFileSync(join(here, 'package-lock.json')))
    .digest('hex');

/** Why node_modules needs a (re)install, or undefined when it is up to date. */
function staleness() {
  if (!existsSync(join(here, 'node_modules'))) return 'node_modules is missing';
  if (!existsSync(marker)) return 'node_modules was not installed by setup.mjs';
  let recorded;
  try {
    recorded = JSON.parse(readFileSync(marker, 'utf8'));
  } catch {
    return 'the setup marker is unreadable';
  }
  if (recorded.lockfile !== lockHash()) return 'package-lock.json changed since the last install';
  const { dependencies } = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
  for (const [name, version] of Object.entries(dependencies)) {
    const manifest = join(here, 'node_modules', name, 'package.json');
    if (!existsSync(manifest)) return `${name} is missing`;
    const installed = JSON.parse(readFileSync(manifest, 'utf8')).version;
    if (installed !== version) return `${name} is ${installed}, package.json pins ${version}`;
  }
  return undefined;
}

const NETWORK_ERRORS =
  /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|socket hang up|network|E40[134]|E5\d\d/i;

function install() {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const args = ['ci', '--ignore-scripts', '--engine-strict=false', '--no-audit', '--no-fund'];
  // Fail within a minute or so when the registry is unreachable, rather than npm's default of several.
  args.push(
    '--fetch-timeout=60000',
    '--fetch-retries=2',
    '--fetch-retry-mintimeout=2000',
    '--fetch-retry-maxtimeout=10000',
  );
  log(`running npm ${args.join(' ')} in ${here}`);
  const result = spawnSync(npm, args, { cwd: here, stdio: ['ignore', 2, 'pipe'], encoding: 'utf8' });
  if (result.stderr) process.stderr.write(result.stderr);
  if (result.error) throw new Error(`could not run npm: ${result.error.message}`);
  if (result.status !== 0) {
    const reason = NETWORK_ERRORS.test(result.stderr ?? '')
      ? "the npm registry could not be reached or refused a package (see npm's output above); the EVM peer " +
        'benchmark needs it once to install hardhat, EDR, solc, OpenZeppelin and @ethereumjs/*'
      : "see npm's output above";
    throw new Error(`npm ci failed in ${here} (exit ${result.status}): ${reason}`);
  }
}

/** The native binding is the piece most likely to go wrong (platform, Node version): load it now. */
function checkEdr() {
  const check = spawnSync(process.execPath, ['-e', "require('@nomicfoundation/edr')"], {
    cwd: here,
    encoding: 'utf8',
  });
  if (check.status !== 0) {
    throw new Error(
      `EDR's native binding does not load on ${process.platform}-${process.arch} with Node ${process.version} ` +
        `(this directory pins @nomicfoundation/edr-linux-x64-gnu, for glibc x64 Linux):\n${check.stderr}`,
    );
  }
}

export function setup({ force = false } = {}) {
  const reason = force ? 'forced' : staleness();
  if (reason === undefined) {
    log('node_modules is up to date');
  } else {
    log(`installing: ${reason}`);
    install();
  }
  checkEdr();
  if (reason !== undefined) {
    writeFileSync(marker, `${JSON.stringify({ lockfile: lockHash() })}\n`);
    log('installed');
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    setup({ force: process.argv.includes('--force') });
  } catch (error) {
    log(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
