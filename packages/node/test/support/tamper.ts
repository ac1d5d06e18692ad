import Database from 'better-sqlite3';
import pg from 'pg';
import type { BackendFixture } from './backends.js';

/** Direct SQL on a stopped node's storage, to damage it the way a disk or an operator might. */
export interface Tamper {
  /** `sql` uses {entries}, {tiles}, {checkpoints} for table names and ? for parameters. */
  run(sql: string, ...params: unknown[]): Promise<void>;
  get<T>(sql: string, ...params: unknown[]): Promise<T | undefined>;
}

function tableNames(sql: string, prefix: string): string {
  return sql.replace(/\{(entries|tiles|checkpoints)\}/g, (_, name: string) => `${prefix}${name}`);
}

export async function tamper(fixture: BackendFixture, damage: (db: Tamper) => Promise<void>): Promise<void> {
  if (fixture.databaseUrl === undefined) {
    const db = new Database(`${fixture.dataDir}/cinnabar.db`);
    try {
      await damage({
        run: async (sql, ...params) => {
          db.prepare(tableNames(sql, '')).run(...params);
        },
        get: async <T>(sql: string, ...params: unknown[]) =>
          db.prepare(tableNames(sql, '')).get(...params) as T | undefined,
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
    return tableNames(sql, 'cinnabar_').replace(/\?/g, () => `$${++n}`);
  };
  try {
    await damage({
      run: async (sql, ...params) => {
        await client.query(numbered(sql), params);
      },
      get: async <T>(sql: string, ...params: unknown[]) =>
        (await client.query(numbered(sql), params)).rows[0] as T | undefined,
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
