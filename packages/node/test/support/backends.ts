import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { type PostgresServer, startPostgres } from './postgres-server.js';

/** A fresh, empty place for a log on one backend: a data directory, plus a database for PostgreSQL. */
export interface BackendFixture {
  name: 'sqlite' | 'postgres';
  dataDir: string;
  databaseUrl: string | undefined;
  cleanup(): Promise<void>;
}

let server: Promise<PostgresServer> | undefined;
let databases = 0;

// Registered when a test file imports this module, so it runs after the whole file.
after(async () => {
  if (server) await (await server).stop();
});

/** One throwaway PostgreSQL server per test file, started on first use and stopped after the file. */
function postgres(): Promise<PostgresServer> {
  server ??= startPostgres();
  return server;
}

export const BACKENDS = ['sqlite', 'postgres'] as const;

export async function createBackend(name: (typeof BACKENDS)[number]): Promise<BackendFixture> {
  const dataDir = await mkdtemp(join(tmpdir(), `cinnabar-${name}-`));
  const databaseUrl =
    name === 'postgres' ? await (await postgres()).createDatabase(`log_${++databases}`) : undefined;
  return { name, dataDir, databaseUrl, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
}
