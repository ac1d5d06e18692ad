import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { findPostgresBinDir, startPostgres } from './support/postgres-server.js';

async function query<T>(url: string, sql: string): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows[0] as T;
  } finally {
    await client.end();
  }
}

/** Resolves to the socket error code, or 'connected' if something still listens on the port. */
function probe(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

test('startPostgres runs a real server that stop() shuts down and deletes', async () => {
  const server = await startPostgres();
  let stopped = false;
  try {
    assert.equal(server.url, `postgres://postgres@127.0.0.1:${server.port}/postgres`);
    assert.ok(existsSync(server.dataDir));

    const { version } = await query<{ version: string }>(server.url, 'select version()');
    assert.match(version, /^PostgreSQL \d+/);
    const settings = await query<{ fsync: string; listen: string }>(
      server.url,
      "select current_setting('fsync') as fsync, current_setting('listen_addresses') as listen",
    );
    assert.deepEqual(settings, { fsync: 'on', listen: '127.0.0.1' });

    const second = await server.createDatabase('second_db');
    assert.equal(second, `postgres://postgres@127.0.0.1:${server.port}/second_db`);
    const { db } = await query<{ db: string }>(second, 'select current_database() as db');
    assert.equal(db, 'second_db');
    await query(second, 'create table t (x int)');
    assert.deepEqual(await query(second, 'insert into t values (1) returning x'), { x: 1 });

    await server.stop();
    stopped = true;
    await server.stop(); // idempotent
    assert.equal(await probe(server.port), 'ECONNREFUSED');
    assert.ok(!existsSync(dirname(server.dataDir)), 'the temp directory is removed');
  } finally {
    if (!stopped) await server.stop();
  }
});

test('a missing PostgreSQL installation is an error that says what to install', () => {
  assert.throws(
    () => findPostgresBinDir(['/nonexistent/postgresql/bin']),
    (error: Error) =>
      /\/nonexistent\/postgresql\/bin: missing initdb, pg_ctl, postgres/.test(error.message) &&
      /apt-get install -y postgresql/.test(error.message),
  );
});
