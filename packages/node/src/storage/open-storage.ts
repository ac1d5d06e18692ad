import { join } from 'node:path';
import type { LogStorage } from './log-storage.js';
import { PostgresStorage } from './postgres-storage.js';
import { SqliteStorage } from './sqlite-storage.js';

/** The SQLite file inside a data directory. */
export const SQLITE_FILE = 'cinnabar.db';

/**
 * Choose the backend once, at start-up: a postgres:// URL selects PostgreSQL, anything else
 * (no URL) the embedded SQLite file in the data directory.
 */
export function openStorage(options: { dataDir: string; databaseUrl?: string | undefined }): LogStorage {
  const url = options.databaseUrl;
  if (url === undefined || url === '') return new SqliteStorage(join(options.dataDir, SQLITE_FILE));
  if (/^postgres(ql)?:\/\//.test(url)) return new PostgresStorage(url);
  throw new Error(
    `unsupported database URL ${JSON.stringify(url)}: expected postgres://… (or none for SQLite)`,
  );
}
