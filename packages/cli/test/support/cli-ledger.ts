import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CinnabarClient } from '@cinnabar/core';
import { type RunningNode, startNode } from '@cinnabar/node';
import { runCli } from './run-cli.js';

/**
 * A real node in a temporary directory, and identities made the way a newcomer makes them: a key
 * file from `cinnabar id new`, registered by `cinnabar register` of a small file of their own.
 */
export interface CliLedger {
  dir: string;
  node: RunningNode;
  client: CinnabarClient;
  /** The operator's key file, in the node's data directory. */
  operatorKey: string;
  keys: Record<string, string>;
  dids: Record<string, string>;
  /** The asset each identity registered. */
  assets: Record<string, string>;
  /** Run the CLI against this node (--server is added). */
  cli(...args: string[]): ReturnType<typeof runCli>;
  close(): Promise<void>;
}

export async function cliLedger(prefix: string, names: readonly string[]): Promise<CliLedger> {
  const dir = await mkdtemp(join(tmpdir(), `cinnabar-${prefix}-`));
  const node = await startNode({ dataDir: join(dir, 'data'), port: 0 });
  const ledger: CliLedger = {
    dir,
    node,
    client: new CinnabarClient({ baseUrl: node.url }),
    operatorKey: join(dir, 'data', 'operator.key.json'),
    keys: {},
    dids: {},
    assets: {},
    cli: (...args) => runCli(...args, '--server', node.url),
    close: async () => {
      await node.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  for (const name of names) {
    const key = join(dir, `${name}.json`);
    const created = await runCli('id', 'new', '--out', key, '--name', name);
    assert.equal(created.code, 0, created.err);
    const file = join(dir, `${name}.bin`);
    await writeFile(file, `bytes of ${name}`);
    const registered = await ledger.cli('register', file, '--title', `${name}'s work`, '--key', key);
    assert.equal(registered.code, 0, registered.err);
    ledger.keys[name] = key;
    ledger.dids[name] = created.out.trim().split('\n').at(-1)!;
    ledger.assets[name] = registered.out.trim().split('\n').at(-1)!;
  }
  return ledger;
}
