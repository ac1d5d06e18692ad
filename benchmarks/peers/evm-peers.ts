// The EVM peers of the registration benchmark: minting ERC-721 tokens (OpenZeppelin ERC721URIStorage) in blocks of
// 200 pre-signed transactions on Hardhat's in-process network (EDR) and on @ethereumjs/vm. They live in
// benchmarks/peers/evm, a directory with its own package.json and lockfile (not a workspace), installed on demand by
// its setup.mjs; run.mjs measures and prints one JSON object, parsed here.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const peersDir = join(dirname(fileURLToPath(import.meta.url)), 'evm');

export type EvmPeerName = 'hardhat' | 'ethereumjs';

/** One peer's mint phase (compiling, deploying and signing are not timed). */
export interface EvmPeerMeasurement {
  mints: number;
  seconds: number;
  mintsPerSecond: number;
  blockSize: number;
  blocks: number;
  gasPerMint: number;
  /** How the transactions reached the chain. */
  submission: string;
  versions: Record<string, string>;
}

export interface EthereumjsMeasurement extends EvmPeerMeasurement {
  api: 'builder' | 'runblock';
}

export interface EvmPeerResult {
  hardhat?: EvmPeerMeasurement;
  ethereumjs?: EthereumjsMeasurement;
  workload: {
    contract: string;
    compiler: { solc: string; optimizer: boolean; runs: number; evmVersion: string };
    openzeppelin: string;
    hardfork: string;
    transaction: string;
    recipients: string;
    tokenUri: { example: string; bytes: number };
    timed: string;
  };
  machine: { cpus: number; cpu: string; loadAverage1m: { before: number; after: number } };
  node: string;
}

export interface EvmPeerOptions {
  /** Mints per peer; defaults: hardhat 20,000, ethereumjs 600 (each about 10-20 s on 2 cores). */
  mints?: { hardhat?: number; ethereumjs?: number };
  /** Peers to run; default both. */
  only?: EvmPeerName[];
  /** A cap on each peer's mint phase, in seconds: it stops at the next block boundary (default 60). */
  seconds?: number;
  /** builder (buildBlock + addTransaction, the default) or runblock (runBlock on an assembled block). */
  ethereumjsApi?: 'builder' | 'runblock';
}

function run(script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // Plain JavaScript: no tsx loader or development conditions for the child.
    const child = spawn(process.execPath, [join(peersDir, script), ...args], {
      cwd: peersDir,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`benchmarks/peers/evm/${script} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

/** Installs the peers' dependencies if needed, runs them, and returns their figures. */
export async function runEvmPeers(options: EvmPeerOptions = {}): Promise<EvmPeerResult> {
  await run('setup.mjs', []);
  const args: string[] = [];
  if (options.mints?.hardhat !== undefined) args.push('--hardhat-mints', String(options.mints.hardhat));
  if (options.mints?.ethereumjs !== undefined)
    args.push('--ethereumjs-mints', String(options.mints.ethereumjs));
  if (options.only !== undefined) args.push('--only', options.only.join(','));
  if (options.seconds !== undefined) args.push('--seconds', String(options.seconds));
  if (options.ethereumjsApi !== undefined) args.push('--ethereumjs-api', options.ethereumjsApi);
  const stdout = await run('run.mjs', args);
  const line = stdout.trim().split('\n').at(-1);
  if (line === undefined || line === '') throw new Error('benchmarks/peers/evm/run.mjs printed no result');
  return JSON.parse(line) as EvmPeerResult;
}
