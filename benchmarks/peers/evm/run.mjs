// Peer benchmark: minting ERC-721 tokens (OpenZeppelin ERC721URIStorage) on Hardhat's in-process network
// (EDR) and on @ethereumjs/vm, in blocks of 200 pre-signed transactions.
//
//   node benchmarks/peers/evm/setup.mjs          # once: installs this directory's own node_modules
//   node benchmarks/peers/evm/run.mjs [--mints N] [--hardhat-mints N] [--ethereumjs-mints N]
//                                      [--seconds S] [--only hardhat|ethereumjs]
//                                      [--ethereumjs-api builder|runblock]
//
// --mints sets both peers' counts (defaults: hardhat 20,000, ethereumjs 600, about 10-20 s each on 2 cores);
// --seconds caps each peer's mint phase (default 60: it stops at the next block boundary and reports what it
// minted).
// Prints ONE JSON object on stdout; progress goes to stderr. Only the mint phase is timed: compiling, deploying
// and signing happen before the clock starts, and the on-chain checks after it stops. The timed phase does
// include decoding the raw signed transactions (both peers receive the same serialized bytes), executing them,
// and sealing blocks (state root, receipts and transactions tries).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const { values: args } = parseArgs({
  options: {
    mints: { type: 'string' },
    'hardhat-mints': { type: 'string' },
    'ethereumjs-mints': { type: 'string' },
    'ethereumjs-api': { type: 'string', default: 'builder' },
    seconds: { type: 'string', default: '60' },
    only: { type: 'string', default: 'hardhat,ethereumjs' },
  },
});
const positiveInt = (name, value) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new Error(`--${name} must be a positive integer, got ${value}`);
  return n;
};
const peers = args.only.split(',').map((p) => p.trim());
for (const peer of peers) {
  if (peer !== 'hardhat' && peer !== 'ethereumjs') throw new Error(`--only: unknown peer ${peer}`);
}
// builder: buildBlock + addTransaction, how a block producer uses the VM (each addTransaction re-creates the block
// so far, so a block of 200 costs ~20,000 transaction copies). runblock: assemble the block of 200, then runBlock
// with generate: true, how a node executes a block it was handed.
const ethereumjsApi = args['ethereumjs-api'];
if (ethereumjsApi !== 'builder' && ethereumjsApi !== 'runblock') {
  throw new Error(`--ethereumjs-api must be builder or runblock, got ${ethereumjsApi}`);
}
// Defaults aim at 10-20 s per peer on a 2-core machine.
const mintsFor = {
  hardhat: positiveInt('hardhat-mints', args['hardhat-mints'] ?? args.mints ?? '20000'),
  ethereumjs: positiveInt('ethereumjs-mints', args['ethereumjs-mints'] ?? args.mints ?? '600'),
};
// A cap on each peer's mint phase: it stops at the first block boundary past it and reports what it minted.
const capMs = Number(args.seconds) * 1000;
if (!(capMs > 0)) throw new Error(`--seconds must be a positive number, got ${args.seconds}`);

const log = (line) => process.stderr.write(`[evm-peers] ${line}\n`);

const CHAIN_ID = 31337n;
const HARDFORK = 'prague';
const BLOCK_SIZE = 200;
const MINT_GAS_LIMIT = 400_000n;
const DEPLOY_GAS_LIMIT = 5_000_000n;
// 200 × 400k = 80M must fit: both peers pack a block by the transactions' gas limits, not the gas they use.
const BLOCK_GAS_LIMIT = 120_000_000n;
const MAX_FEE_PER_GAS = 100_000_000_000n; // 100 gwei
const MAX_PRIORITY_FEE_PER_GAS = 1_000_000_000n; // 1 gwei
const INITIAL_BASE_FEE = 1_000_000_000n;
const BALANCE = 10n ** 24n; // 1M ether: enough for 20,000+ mints at 100 gwei × 400k gas
// Hardhat's well-known, public development key (account #0); it guards nothing.
const OWNER_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';

const CONTRACT_NAME = 'CinnabarBenchNFT';
// OpenZeppelin Wizard's ERC721 + URIStorage + Ownable + auto-increment ids, with the mint named `mint`.
// Owner-only: every mint is sent by the deployer, the usual shape of a custodial minting service.
const CONTRACT_SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC721URIStorage} from "@openzeppelin/contracts/token/ERC721/extensions/ERC721URIStorage.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

contract ${CONTRACT_NAME} is ERC721, ERC721URIStorage, Ownable {
    uint256 private _nextTokenId;

    constructor(address initialOwner) ERC721("Cinnabar Bench", "CNBR") Ownable(initialOwner) {}

    function mint(address to, string memory uri) public onlyOwner returns (uint256) {
        uint256 tokenId = _nextTokenId++;
        _safeMint(to, tokenId);
        _setTokenURI(tokenId, uri);
        return tokenId;
    }

    function totalSupply() public view returns (uint256) {
        return _nextTokenId;
    }

    function tokenURI(uint256 tokenId) public view override(ERC721, ERC721URIStorage) returns (string memory) {
        return super.tokenURI(tokenId);
    }

    function supportsInterface(bytes4 interfaceId) public view override(ERC721, ERC721URIStorage) returns (bool) {
        return super.supportsInterface(interfaceId);
    }
}
`;

const versionOf = (name) =>
  JSON.parse(readFileSync(join(here, 'node_modules', name, 'package.json'), 'utf8')).version;

// ---------------------------------------------------------------- compile (solc-js, standard JSON)

function compile() {
  const solc = require('solc');
  const input = {
    language: 'Solidity',
    sources: { [`${CONTRACT_NAME}.sol`]: { content: CONTRACT_SOURCE } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: HARDFORK,
      outputSelection: { '*': { [CONTRACT_NAME]: ['abi', 'evm.bytecode.object', 'evm.methodIdentifiers'] } },
    },
  };
  const findImports = (path) => {
    if (!path.startsWith('@openzeppelin/contracts/'))
      return { error: `import outside OpenZeppelin: ${path}` };
    try {
      return { contents: readFileSync(join(here, 'node_modules', path), 'utf8') };
    } catch (error) {
      return { error: String(error) };
    }
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(`solc: ${errors.map((e) => e.formattedMessage).join('\n')}`);
  const contract = output.contracts[`${CONTRACT_NAME}.sol`][CONTRACT_NAME];
  const selectors = {};
  for (const [signature, id] of Object.entries(contract.evm.methodIdentifiers)) selectors[signature] = id;
  return { bytecode: contract.evm.bytecode.object, selectors, solcVersion: solc.version() };
}

// ---------------------------------------------------------------- ABI encoding (only what this contract needs)

const word = (hex) => hex.replace(/^0x/, '').padStart(64, '0');
const uintWord = (n) => word(BigInt(n).toString(16));
const encodeCall = (selector, ...words) => `0x${selector}${words.join('')}`;
function encodeMint(selectors, to, uri) {
  const data = Buffer.from(uri, 'utf8');
  const padded = data.toString('hex').padEnd(Math.ceil(data.length / 32) * 64, '0');
  return encodeCall(selectors['mint(address,string)'], word(to), uintWord(64), uintWord(data.length), padded);
}
const decodeUint = (hex) => BigInt(`0x${hex.replace(/^0x/, '').slice(0, 64) || '0'}`);
const decodeAddress = (hex) => `0x${hex.replace(/^0x/, '').slice(24, 64)}`;
function decodeString(hex) {
  const body = hex.replace(/^0x/, '');
  const offset = Number(decodeUint(body.slice(0, 64))) * 2;
  const length = Number(decodeUint(body.slice(offset, offset + 64)));
  return Buffer.from(body.slice(offset + 64, offset + 64 + length * 2), 'hex').toString('utf8');
}

// ---------------------------------------------------------------- workload

const sha256 = (text) => createHash('sha256').update(text).digest();
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
function base32(bytes) {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}
// A real CIDv1 (raw codec, sha2-256): 'bafkrei…', 59 characters; the token URI is `ipfs://<cid>`, 66 bytes.
const tokenUri = (i) =>
  `ipfs://b${base32(Buffer.concat([Buffer.from([0x01, 0x55, 0x12, 0x20]), sha256(`cinnabar-bench-asset-${i}`)]))}`;
// One fresh recipient per token, as when each registration belongs to a different owner.
const recipient = (i) => `0x${sha256(`cinnabar-bench-owner-${i}`).subarray(0, 20).toString('hex')}`;

// A dev chain with every fork up to Prague active from genesis, as Hardhat's is (Mainnet's own schedule would
// switch forks by timestamp).
async function devCommon() {
  const { createCustomCommon, Hardfork, Mainnet } = await import('@ethereumjs/common');
  const last = Mainnet.hardforks.findIndex((h) => h.name === HARDFORK);
  const paris = Mainnet.hardforks.findIndex((h) => h.name === 'paris');
  const hardforks = Mainnet.hardforks
    .slice(0, last + 1)
    .filter((h) => h.name !== 'mergeNetsplitBlock')
    .map((h, i) => (i <= paris ? { name: h.name, block: 0 } : { name: h.name, block: null, timestamp: 0 }));
  return createCustomCommon({ chainId: Number(CHAIN_ID), hardforks }, Mainnet, { hardfork: Hardfork.Prague });
}

async function signAll(total) {
  const { createFeeMarket1559Tx } = await import('@ethereumjs/tx');
  const { createAddressFromPrivateKey, createContractAddress, hexToBytes } = await import('@ethereumjs/util');
  const common = await devCommon();
  const key = hexToBytes(OWNER_KEY);
  const owner = createAddressFromPrivateKey(key);
  const contract = createContractAddress(owner, 0n).toString();
  const { bytecode, selectors, solcVersion } = compiled;
  const fees = {
    maxFeePerGas: MAX_FEE_PER_GAS,
    maxPriorityFeePerGas: MAX_PRIORITY_FEE_PER_GAS,
    chainId: CHAIN_ID,
  };
  const sign = (data) => createFeeMarket1559Tx(data, { common }).sign(key).serialize();
  const deploy = sign({
    ...fees,
    nonce: 0n,
    gasLimit: DEPLOY_GAS_LIMIT,
    data: `0x${bytecode}${word(owner.toString())}`,
  });
  const mints = [];
  for (let i = 0; i < total; i++) {
    const data = encodeMint(selectors, recipient(i), tokenUri(i));
    mints.push(sign({ ...fees, nonce: BigInt(i + 1), gasLimit: MINT_GAS_LIMIT, to: contract, data }));
    if ((i + 1) % 5000 === 0) log(`signed ${i + 1}/${total}`);
  }
  return { owner: owner.toString(), contract, deploy, mints, selectors, solcVersion };
}

const hex = (bytes) => `0x${Buffer.from(bytes).toString('hex')}`;

// Both peers answer the same four calls; a benchmark that did not actually mint is worthless.
async function verify(peer, call, minted, selectors) {
  const last = minted - 1;
  const supply = decodeUint(await call(encodeCall(selectors['totalSupply()'])));
  const owner = decodeAddress(await call(encodeCall(selectors['ownerOf(uint256)'], uintWord(last))));
  const balance = decodeUint(await call(encodeCall(selectors['balanceOf(address)'], word(recipient(last)))));
  const uri = decodeString(await call(encodeCall(selectors['tokenURI(uint256)'], uintWord(last))));
  const problems = [];
  if (supply !== BigInt(minted)) problems.push(`totalSupply ${supply}, expected ${minted}`);
  if (owner.toLowerCase() !== recipient(last))
    problems.push(`ownerOf(${last}) ${owner}, expected ${recipient(last)}`);
  if (balance !== 1n) problems.push(`balanceOf(recipient ${last}) ${balance}, expected 1`);
  if (uri !== tokenUri(last)) problems.push(`tokenURI(${last}) ${uri}, expected ${tokenUri(last)}`);
  if (problems.length > 0) throw new Error(`${peer}: the mints did not all happen: ${problems.join('; ')}`);
  log(`${peer}: verified totalSupply=${supply}, ownerOf(${last}) and tokenURI(${last})`);
}

// ---------------------------------------------------------------- Hardhat 3 in-process network (EDR)

async function runHardhat(signed, n) {
  process.env.HARDHAT_DISABLE_TELEMETRY ??= 'true';
  const { createHardhatRuntimeEnvironment } = await import('hardhat/hre');
  const hre = await createHardhatRuntimeEnvironment(
    {
      networks: {
        bench: {
          type: 'edr-simulated',
          chainId: Number(CHAIN_ID),
          hardfork: HARDFORK,
          blockGasLimit: BLOCK_GAS_LIMIT,
          initialBaseFeePerGas: INITIAL_BASE_FEE,
          mining: { auto: false, interval: 0 },
          accounts: [{ privateKey: OWNER_KEY, balance: BALANCE.toString() }],
          loggingEnabled: false,
        },
      },
    },
    {},
    here,
  );
  const connection = await hre.network.connect({ network: 'bench' });
  const rpc = (method, params = []) => connection.provider.request({ method, params });
  try {
    const deployHash = await rpc('eth_sendRawTransaction', [hex(signed.deploy)]);
    await rpc('evm_mine');
    const deployReceipt = await rpc('eth_getTransactionReceipt', [deployHash]);
    if (
      deployReceipt?.status !== '0x1' ||
      deployReceipt.contractAddress?.toLowerCase() !== signed.contract.toLowerCase()
    ) {
      throw new Error(`hardhat: the contract was not deployed: ${JSON.stringify(deployReceipt)}`);
    }
    const firstBlock = Number(await rpc('eth_blockNumber')) + 1;
    const raw = signed.mints.slice(0, n).map(hex);

    log(`hardhat: minting ${n} in blocks of ${BLOCK_SIZE}`);
    const start = performance.now();
    let minted = 0;
    while (minted < n) {
      const batch = raw.slice(minted, minted + BLOCK_SIZE);
      // A block's worth in flight at once, as a client batching its JSON-RPC calls would send them; awaiting
      // them one by one is about 12% slower.
      await Promise.all(batch.map((tx) => rpc('eth_sendRawTransaction', [tx])));
      await rpc('evm_mine');
      minted += batch.length;
      if (performance.now() - start > capMs) break;
    }
    const seconds = (performance.now() - start) / 1000;

    const lastBlock = Number(await rpc('eth_blockNumber'));
    let gasUsed = 0n;
    for (let b = firstBlock, i = 0; b <= lastBlock; b++, i += BLOCK_SIZE) {
      const block = await rpc('eth_getBlockByNumber', [`0x${b.toString(16)}`, false]);
      const expected = Math.min(BLOCK_SIZE, minted - i);
      if (block.transactions.length !== expected)
        throw new Error(
          `hardhat: block ${b} holds ${block.transactions.length} transactions, expected ${expected}`,
        );
      gasUsed += BigInt(block.gasUsed);
    }
    await verify(
      'hardhat',
      (data) => rpc('eth_call', [{ to: signed.contract, data }, 'latest']),
      minted,
      signed.selectors,
    );
    return {
      mints: minted,
      seconds: round(seconds, 3),
      mintsPerSecond: round(minted / seconds, 1),
      blockSize: BLOCK_SIZE,
      blocks: lastBlock - firstBlock + 1,
      gasPerMint: Number(gasUsed / BigInt(minted)),
      submission: `${BLOCK_SIZE} concurrent eth_sendRawTransaction calls (automine off), then evm_mine`,
      versions: { hardhat: versionOf('hardhat'), '@nomicfoundation/edr': versionOf('@nomicfoundation/edr') },
    };
  } finally {
    await connection.close();
  }
}

// ---------------------------------------------------------------- @ethereumjs/vm with its block builder

async function runEthereumjs(signed, n) {
  const { createBlock } = await import('@ethereumjs/block');
  const { createBlockchain } = await import('@ethereumjs/blockchain');
  const { createTxFromRLP } = await import('@ethereumjs/tx');
  const { createAccount, createAddressFromString, hexToBytes, bytesToHex } = await import('@ethereumjs/util');
  const { buildBlock, createVM, runBlock } = await import('@ethereumjs/vm');

  const common = await devCommon();
  const genesis = createBlock(
    {
      header: {
        gasLimit: BLOCK_GAS_LIMIT,
        baseFeePerGas: INITIAL_BASE_FEE,
        timestamp: BigInt(Math.floor(Date.now() / 1000)),
      },
    },
    { common },
  );
  // Blocks are validated against their parents (number, timestamp, gas limit, base fee); there is no
  // proof-of-work or clique seal to check on a post-merge chain.
  const blockchain = await createBlockchain({ common, genesisBlock: genesis, validateConsensus: false });
  const vm = await createVM({ common, blockchain });
  const owner = createAddressFromString(signed.owner);
  await vm.stateManager.putAccount(owner, createAccount({ nonce: 0n, balance: BALANCE }));

  let parent = genesis;
  const headerData = () => ({ timestamp: parent.header.timestamp + 12n, gasLimit: BLOCK_GAS_LIMIT });
  const buildWithBuilder = async (raws) => {
    const builder = await buildBlock(vm, {
      parentBlock: parent,
      headerData: headerData(),
      blockOpts: { putBlockIntoBlockchain: true },
    });
    for (const raw of raws) {
      const result = await builder.addTransaction(createTxFromRLP(raw, { common }));
      if (result.execResult.exceptionError) {
        throw new Error(`ethereumjs: a transaction failed: ${result.execResult.exceptionError.error}`);
      }
    }
    const { block } = await builder.build();
    parent = block;
    return block;
  };
  let generated;
  vm.events.on('afterBlock', (event) => {
    generated = event.block;
  });
  const buildWithRunBlock = async (raws) => {
    const draft = createBlock(
      {
        header: {
          ...headerData(),
          parentHash: parent.hash(),
          number: parent.header.number + 1n,
          baseFeePerGas: parent.header.calcNextBaseFee(),
          excessBlobGas: parent.header.calcNextExcessBlobGas(common),
          parentBeaconBlockRoot: new Uint8Array(32),
        },
        transactions: raws.map((raw) => createTxFromRLP(raw, { common })),
      },
      { common },
    );
    const result = await runBlock(vm, { block: draft, generate: true, skipBlockValidation: true });
    const failed = result.results.find((r) => r.execResult.exceptionError);
    if (failed)
      throw new Error(`ethereumjs: a transaction failed: ${failed.execResult.exceptionError.error}`);
    await blockchain.putBlock(generated);
    parent = generated;
    return generated;
  };
  const mineBlock = ethereumjsApi === 'runblock' ? buildWithRunBlock : buildWithBuilder;

  await buildWithBuilder([signed.deploy]);
  const code = await vm.stateManager.getCode(createAddressFromString(signed.contract));
  if (code.length === 0) throw new Error('ethereumjs: the contract was not deployed');

  log(`ethereumjs: minting ${n} in blocks of ${BLOCK_SIZE}`);
  const raw = signed.mints.slice(0, n);
  const start = performance.now();
  let minted = 0;
  let blocks = 0;
  let gasUsed = 0n;
  while (minted < n) {
    const batch = raw.slice(minted, minted + BLOCK_SIZE);
    const block = await mineBlock(batch);
    if (block.transactions.length !== batch.length) throw new Error('ethereumjs: a block lost transactions');
    gasUsed += block.header.gasUsed;
    minted += batch.length;
    blocks++;
    log(`ethereumjs: ${minted}/${n} after ${((performance.now() - start) / 1000).toFixed(1)} s`);
    if (performance.now() - start > capMs) break;
  }
  const seconds = (performance.now() - start) / 1000;

  const head = await blockchain.getCanonicalHeadBlock();
  if (head.header.number !== BigInt(blocks + 1)) {
    throw new Error(`ethereumjs: the chain's head is block ${head.header.number}, expected ${blocks + 1}`);
  }
  const call = async (data) => {
    const result = await vm.evm.runCall({
      to: createAddressFromString(signed.contract),
      caller: owner,
      data: hexToBytes(data),
      gasLimit: 1_000_000n,
    });
    if (result.execResult.exceptionError)
      throw new Error(`ethereumjs: call failed: ${result.execResult.exceptionError.error}`);
    return bytesToHex(result.execResult.returnValue);
  };
  await verify('ethereumjs', call, minted, signed.selectors);
  return {
    mints: minted,
    seconds: round(seconds, 3),
    mintsPerSecond: round(minted / seconds, 1),
    blockSize: BLOCK_SIZE,
    blocks,
    gasPerMint: Number(gasUsed / BigInt(minted)),
    api: ethereumjsApi,
    submission:
      ethereumjsApi === 'builder'
        ? 'buildBlock, then addTransaction(createTxFromRLP(raw)) for each transaction, then build(); putBlock'
        : 'createBlock with the decoded transactions, runBlock({ generate: true }), then putBlock',
    versions: Object.fromEntries(
      ['vm', 'evm', 'statemanager', 'blockchain', 'block', 'tx', 'common', 'util'].map((p) => [
        `@ethereumjs/${p}`,
        versionOf(`@ethereumjs/${p}`),
      ]),
    ),
  };
}

// ---------------------------------------------------------------- main

const round = (x, digits) => Number(x.toFixed(digits));

// Other work on the machine skews these figures: the load average is reported with them.
const loadBefore = loadavg()[0];
log('compiling with solc-js');
const compileStart = performance.now();
const compiled = compile();
log(`compiled in ${((performance.now() - compileStart) / 1000).toFixed(1)} s (solc ${compiled.solcVersion})`);
const total = Math.max(...peers.map((p) => mintsFor[p]));
log(`pre-signing ${total} mint transactions`);
const signed = await signAll(total);

const result = {};
if (peers.includes('hardhat')) result.hardhat = await runHardhat(signed, mintsFor.hardhat);
if (peers.includes('ethereumjs')) result.ethereumjs = await runEthereumjs(signed, mintsFor.ethereumjs);
result.workload = {
  contract: `${CONTRACT_NAME}: OpenZeppelin ERC721 + ERC721URIStorage + Ownable, mint(address to, string uri) onlyOwner`,
  compiler: { solc: compiled.solcVersion, optimizer: true, runs: 200, evmVersion: HARDFORK },
  openzeppelin: versionOf('@openzeppelin/contracts'),
  hardfork: HARDFORK,
  transaction: `EIP-1559, pre-signed by one sender, gas limit ${MINT_GAS_LIMIT}`,
  recipients: 'a fresh address per token',
  tokenUri: { example: tokenUri(0), bytes: Buffer.byteLength(tokenUri(0)) },
  timed: 'the mint phase only: decoding the raw transactions, executing them and sealing blocks',
};
result.machine = {
  cpus: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  loadAverage1m: { before: round(loadBefore, 2), after: round(loadavg()[0], 2) },
};
result.node = process.version;
process.stdout.write(`${JSON.stringify(result)}\n`);
