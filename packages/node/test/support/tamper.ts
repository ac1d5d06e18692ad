import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { SQLITE_FILE } from '../../src/storage/open-storage.js';
import type { BackendFixture } from './backends.js';

/**
 * Direct SQL on a stopped node's storage, to damage it the way a disk or an operator might, or to
 * turn it back into what an older version wrote. `sql` names tables and indexes in braces, by their
 * SQLite names without the ledger_ of ledger_state ({entries}, {meta}, {state}, {state_party},
 * {activity}...): PostgreSQL's carry the cinnabar_ prefix.
 */
export interface Tamper {
  /** One statement, with ? for parameters. */
  run(sql: string, ...params: unknown[]): Promise<void>;
  get<T>(sql: string, ...params: unknown[]): Promise<T | undefined>;
  /** Several statements, without parameters. */
  exec(sql: string): Promise<void>;
}

function tableNames(sql: string, backend: 'sqlite' | 'postgres'): string {
  return sql.replace(/\{([a-z_]+)\}/g, (_, name: string) =>
    backend === 'postgres' ? `cinnabar_${name}` : name.startsWith('state') ? `ledger_${name}` : name,
  );
}

export async function tamper(fixture: BackendFixture, damage: (db: Tamper) => Promise<void>): Promise<void> {
  if (fixture.databaseUrl === undefined) {
    const db = new Database(join(fixture.dataDir, SQLITE_FILE));
    try {
      await damage({
        run: async (sql, ...params) => {
          db.prepare(tableNames(sql, 'sqlite')).run(...params);
        },
        get: async <T>(sql: string, ...params: unknown[]) =>
          db.prepare(tableNames(sql, 'sqlite')).get(...params) as T | undefined,
        exec: async (sql) => {
          db.exec(tableNames(sql, 'sqlite'));
        },
      });
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: fixture.databaseUrl });
  await client.connect();
  const numbered = (sql: string) => {
    let n = 0;
    return tableNames(sql, 'postgres').replace(/\?/g, () => `$${++n}`);
  };
  try {
    await damage({
      run: async (sql, ...params) => {
        await client.query(numbered(sql), params);
      },
      get: async <T>(sql: string, ...params: unknown[]) =>
        (await client.query(numbered(sql), params)).rows[0] as T | undefined,
      exec: async (sql) => {
        await client.query(tableNames(sql, 'postgres'));
      },
    });
  } finally {
    await client.end();
  }
}

/** Flip one bit of a stored tile at a byte offset. */
export async function flipTileByte(db: Tamper, level: number, index: number, offset: number): Promise<void> {
  const row = await db.get<{ data: Uint8Array }>(
    'SELECT data FROM {tiles} WHERE level = ? AND idx = ?',
    level,
    index,
  );
  if (!row) throw new Error(`no tile ${level}/${index}`);
  const data = Buffer.from(row.data);
  data[offset]! ^= 1;
  await db.run('UPDATE {tiles} SET data = ? WHERE level = ? AND idx = ?', data, level, index);
}
