// A real, throwaway PostgreSQL server for tests and benchmarks, run from the machine's own binaries
// (Debian/Ubuntu: /usr/lib/postgresql/<version>/bin). Each server lives in its own temp directory,
// listens only on 127.0.0.1, and is stopped and deleted by stop() — or, if the process dies first,
// by a synchronous 'exit' / signal hook, so no stray postmaster outlives the test run.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync, rmSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PostgresServer {
  /** Superuser URL of the `postgres` database, e.g. `postgres://postgres@127.0.0.1:54321/postgres`. */
  url: string;
  port: number;
  /** The cluster's data directory (PGDATA); it lives inside a temp directory that stop() removes. */
  dataDir: string;
  /** The server log, in the same temp directory. Useful when a test fails. */
  logFile: string;
  /** Stops the server (`pg_ctl stop -m fast -w`) and deletes its files. Safe to call more than once. */
  stop(): Promise<void>;
  /** CREATE DATABASE `name` (owned by postgres) and return its URL. */
  createDatabase(name: string): Promise<string>;
}

const PREFERRED_VERSION = '15';
const REQUIRED_BINARIES = ['initdb', 'pg_ctl', 'postgres'] as const;
const INSTALL_HINT =
  'Install PostgreSQL server binaries, e.g. on Debian/Ubuntu: `apt-get update && apt-get install -y postgresql` ' +
  '(provides /usr/lib/postgresql/<version>/bin).';
/** Server settings: real durability (fsync stays on), room for parallel tests and benchmarks. */
const SERVER_SETTINGS = [
  'fsync=on',
  'max_connections=200',
  'shared_buffers=256MB',
  // Keep the log quiet but useful on failure.
  'log_min_messages=warning',
  'log_checkpoints=off',
];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function hasAllBinaries(dir: string): boolean {
  return REQUIRED_BINARIES.every((name) => isExecutable(join(dir, name)));
}

/** Where to look, best first: PostgreSQL 15, then whatever `pg_config` points at, then newest other version. */
function candidateBinDirs(): string[] {
  const dirs = [`/usr/lib/postgresql/${PREFERRED_VERSION}/bin`];
  try {
    const bindir = execFileSync('pg_config', ['--bindir'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    if (bindir.trim()) dirs.push(bindir.trim());
  } catch {
    // no pg_config on PATH
  }
  try {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((name) => /^\d+(\.\d+)?$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    for (const version of versions) dirs.push(`/usr/lib/postgresql/${version}/bin`);
  } catch {
    // no /usr/lib/postgresql
  }
  return [...new Set(dirs)];
}

/** The first directory holding initdb, pg_ctl and postgres; throws, naming what is missing, if there is none. */
export function findPostgresBinDir(candidates: string[] = candidateBinDirs()): string {
  for (const dir of candidates) if (hasAllBinaries(dir)) return dir;
  const looked = candidates
    .map((dir) => {
      const missing = REQUIRED_BINARIES.filter((name) => !isExecutable(join(dir, name)));
      return `  ${dir}: missing ${missing.join(', ')}`;
    })
    .join('\n');
  throw new Error(
    `PostgreSQL server binaries (${REQUIRED_BINARIES.join(', ')}) not found; these tests need a real PostgreSQL ` +
      `${PREFERRED_VERSION}.\nLooked in:\n${looked}\n${INSTALL_HINT}`,
  );
}

interface RunAs {
  uid: number;
  gid: number;
}

/** The `postgres` system user's uid/gid, read from /etc/passwd (falling back to `id`). */
function postgresUser(): RunAs {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , uid, gid] = line.split(':');
      if (name === 'postgres' && uid !== undefined && gid !== undefined)
        return { uid: Number(uid), gid: Number(gid) };
    }
  } catch {
    // fall through to id(1), which also sees NSS users
  }
  try {
    const uid = Number(
      execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    );
    const gid = Number(
      execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    );
    if (Number.isInteger(uid) && Number.isInteger(gid)) return { uid, gid };
  } catch {
    // no such user
  }
  throw new Error(
    'Running as root, and PostgreSQL refuses to run as root, but there is no `postgres` system user to run it as. ' +
      'Installing the Debian package creates it (`apt-get install -y postgresql`), or create one with ' +
      '`useradd --system --home-dir /var/lib/postgresql postgres`; or run the tests as a non-root user.',
  );
}

/** A command line for a PostgreSQL binary: as the `postgres` user (via runuser) when we are root. */
function command(asPostgres: boolean, binary: string, args: string[]): [string, string[]] {
  return asPostgres ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
}

interface RunResult {
  ok: boolean;
  output: string;
}

function run(asPostgres: boolean, cwd: string, binary: string, args: string[]): Promise<RunResult> {
  const [file, argv] = command(asPostgres, binary, args);
  return new Promise((resolve) => {
    execFile(file, argv, { cwd, env: childEnv(), encoding: 'utf8' }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`.trim();
      if (!error) resolve({ ok: true, output });
      else if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        resolve({
          ok: false,
          output: `${file} not found on PATH${asPostgres ? ' (util-linux runuser is needed as root)' : ''}`,
        });
      else resolve({ ok: false, output: output || error.message });
    });
  });
}

/** The environment without PG* variables (they could point the tools elsewhere), in the C locale. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PG')) env[key] = value;
  env.LC_ALL = 'C';
  return env;
}

/** A port nobody is listening on right now (another process could still take it before postgres does). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not find a free port'));
      });
    });
  });
}

async function logTail(logFile: string, lines = 40): Promise<string> {
  try {
    const text = (await readFile(logFile, 'utf8')).trimEnd();
    if (!text) return '(server log is empty)';
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '(no server log)';
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quote one argument for pg_ctl -o, which hands the option string to /bin/sh. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

interface Live {
  stopSync(): void;
}

/** Servers still running; the exit and signal hooks stop them if the process ends without stop(). */
const live = new Set<Live>();
let hooksInstalled = false;

function stopAllSync(): void {
  for (const server of live) {
    try {
      server.stopSync();
    } catch {
      // best effort: the process is going away
    }
  }
  live.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', stopAllSync);
  // A signal's default action kills node without an 'exit' event: clean up, then die of the same signal
  // unless someone else also handles it (then leave the decision to them).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      stopAllSync();
      process.removeListener(signal, onSignal);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/**
 * Start a throwaway PostgreSQL server (initdb into a fresh temp directory, pg_ctl start on 127.0.0.1).
 * Throws, with the reason and the tail of the server log, if PostgreSQL is missing or will not start.
 */
export async function startPostgres(options: { port?: number } = {}): Promise<PostgresServer> {
  const binDir = findPostgresBinDir();
  const initdb = join(binDir, 'initdb');
  const pgCtl = join(binDir, 'pg_ctl');
  const asPostgres = typeof process.getuid === 'function' && process.getuid() === 0;
  const user = asPostgres ? postgresUser() : undefined;

  const baseDir = await mkdtemp(join(tmpdir(), 'cinnabar-pg-'));
  const dataDir = join(baseDir, 'data');
  const logFile = join(baseDir, 'postgres.log');
  let started = false;
  const stopSync = () => {
    if (started) {
      const [file, argv] = command(asPostgres, pgCtl, [
        'stop',
        '-D',
        dataDir,
        '-m',
        'immediate',
        '-w',
        '-t',
        '10',
      ]);
      spawnSync(file, argv, { cwd: tmpdir(), env: childEnv(), stdio: 'ignore', timeout: 15_000 });
    }
    rmSync(baseDir, { recursive: true, force: true });
  };
  const handle: Live = { stopSync };
  live.add(handle);
  installHooks();

  const fail = async (what: string, detail: string): Promise<never> => {
    live.delete(handle);
    stopSync();
    throw new Error(`${what}\n${detail}`);
  };

  try {
    if (user) {
      await chown(baseDir, user.uid, user.gid);
      // The postgres user must be able to reach the directory: every parent needs o+x.
      const probe = await run(true, tmpdir(), 'test', ['-w', baseDir, '-a', '-x', baseDir]);
      if (!probe.ok)
        return await fail(
          `The postgres user cannot write to ${baseDir} (a parent directory is not searchable by others?).`,
          `Set TMPDIR to a world-searchable directory such as /tmp. ${probe.output}`,
        );
    }

    const init = await run(asPostgres, baseDir, initdb, [
      '-D',
      dataDir,
      '-A',
      'trust',
      '-U',
      'postgres',
      '--no-sync',
      '-E',
      'UTF8',
      '--locale=C',
    ]);
    if (!init.ok) return await fail(`initdb failed (${initdb}):`, init.output);

    // A port we picked ourselves can be taken between our probe and postgres' bind: retry with another.
    const attempts = options.port === undefined ? 5 : 1;
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = options.port ?? (await freePort());
      const serverOptions = [
        `-p ${port}`,
        `-c listen_addresses=127.0.0.1`,
        `-c unix_socket_directories=${shellQuote(baseDir)}`,
        ...SERVER_SETTINGS.map((setting) => `-c ${setting}`),
      ].join(' ');
      const start = await run(asPostgres, baseDir, pgCtl, [
        'start',
        '-D',
        dataDir,
        '-l',
        logFile,
        '-w',
        '-t',
        '60',
        '-o',
        serverOptions,
      ]);
      if (start.ok) break;
      const log = await logTail(logFile);
      if (
        attempt < attempts &&
        /could not bind|Address already in use|could not create any TCP\/IP sockets/i.test(log)
      )
        continue;
      // -w may have timed out with a postmaster still coming up: make sure stopSync kills it.
      started = true;
      return await fail(
        `pg_ctl start failed on 127.0.0.1:${port} (${pgCtl}): ${start.output}`,
        `--- tail of ${logFile} ---\n${log}`,
      );
    }
    started = true;

    const urlFor = (database: string) =>
      `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(database)}`;
    let stopped: Promise<void> | undefined;
    return {
      url: urlFor('postgres'),
      port,
      dataDir,
      logFile,
      async createDatabase(name: string): Promise<string> {
        const client = new pg.Client({ connectionString: urlFor('postgres') });
        await client.connect();
        try {
          await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
        } finally {
          await client.end();
        }
        return urlFor(name);
      },
      stop(): Promise<void> {
        stopped ??= (async () => {
          live.delete(handle);
          const stop = await run(asPostgres, tmpdir(), pgCtl, [
            'stop',
            '-D',
            dataDir,
            '-m',
            'fast',
            '-w',
            '-t',
            '60',
          ]);
          if (!stop.ok) {
            const log = await logTail(logFile);
            stopSync(); // immediate shutdown, then delete
            throw new Error(`pg_ctl stop failed: ${stop.output}\n--- tail of ${logFile} ---\n${log}`);
          }
          await rm(baseDir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  } catch (error) {
    if (live.has(handle)) {
      live.delete(handle);
      stopSync();
    }
    throw error;
  }
}
