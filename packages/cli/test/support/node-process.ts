// A real `cinnabar serve` process run from the TypeScript sources (through tsx, with the
// "development" export condition), for tests that need a node they can SIGKILL and restart.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/run.ts', import.meta.url));
/** How long a start may take before it counts as a failure (tsx compiles the sources on first use). */
const DEFAULT_START_TIMEOUT_MS = 60_000;
/** Kept from each stream, so a chatty process cannot fill the test's memory. */
const MAX_CAPTURE = 256 * 1024;

export interface NodeProcessOptions {
  /** The data directory (--data); created by the node on first use. */
  dataDir: string;
  /** The port (--port); 0 for any free one. */
  port: number;
  /** PostgreSQL URL (--database); SQLite in the data directory when absent. */
  databaseUrl?: string | undefined;
  /** More `serve` arguments. */
  args?: string[];
  startTimeoutMs?: number;
}

export interface NodeExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** How a node SIGKILLed during its start ended. */
export interface KilledStart {
  exit: NodeExit;
  /** Whether it had printed its "Cinnabar node for ... on ..." line, i.e. was listening. */
  listening: boolean;
  /** Its stdout and stderr. */
  output: string;
}

/** Children not yet known to have exited; killed when the test process exits, whatever the reason. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** Keep the last MAX_CAPTURE characters of what a stream wrote. */
class Capture {
  private text = '';
  private dropped = 0;
  add(chunk: string): void {
    this.text += chunk;
    if (this.text.length > MAX_CAPTURE) {
      this.dropped += this.text.length - MAX_CAPTURE;
      this.text = this.text.slice(-MAX_CAPTURE);
    }
  }
  toString(): string {
    return this.dropped > 0 ? `[${this.dropped} earlier characters dropped]\n${this.text}` : this.text;
  }
}

interface Spawned {
  child: ChildProcess;
  out: Capture;
  err: Capture;
  exited: Promise<NodeExit>;
  args: string[];
}

/** Spawn `cinnabar serve --quiet --host 127.0.0.1 ...` from the sources, capturing stdout and stderr. */
function spawnServe(options: NodeProcessOptions): Spawned {
  installExitHook();
  const args = [
    '--conditions=development',
    '--import',
    'tsx',
    CLI,
    'serve',
    '--data',
    options.dataDir,
    '--host',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--quiet',
    ...(options.databaseUrl ? ['--database', options.databaseUrl] : []),
    ...(options.args ?? []),
  ];
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PG')) env[key] = value;
  // The test runner's settings must not leak into the node.
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  live.add(child);
  const out = new Capture();
  const err = new Capture();
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => err.add(d));
  const exited = new Promise<NodeExit>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
    child.once('error', () => {
      live.delete(child);
      resolve({ code: null, signal: null });
    });
  });
  child.stdout!.on('data', (d: string) => out.add(d));
  return { child, out, err, exited, args };
}

export class NodeProcess {
  /** Base URL, e.g. http://127.0.0.1:7470/ */
  readonly url: string;
  /** The log prefix URL, e.g. http://127.0.0.1:7470/log/ */
  readonly logUrl: string;
  readonly pid: number;
  /** The backend and role from the start-up line, e.g. "sqlite, sequencer". */
  readonly mode: string;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<NodeExit>;
  private exit: NodeExit | undefined;

  private constructor(
    readonly child: ChildProcess,
    private readonly out: Capture,
    private readonly err: Capture,
    exited: Promise<NodeExit>,
    url: string,
    mode: string,
  ) {
    this.pid = child.pid!;
    this.url = url;
    this.logUrl = `${url}log/`;
    this.mode = mode;
    this.exited = exited.then((exit) => {
      this.exit = exit;
      return exit;
    });
  }

  /**
   * Spawn `cinnabar serve --quiet --host 127.0.0.1 ...` and resolve once it printed the line
   * "Cinnabar node for <origin> on http://HOST:PORT/ (<backend>, <role>)", i.e. it is listening.
   * Rejects, with everything the process wrote, if it exits or times out first (then it is killed).
   */
  static async start(options: NodeProcessOptions): Promise<NodeProcess> {
    const { child, out, err, exited, args } = spawnServe(options);
    const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    let seen = '';
    try {
      const { url, mode } = await new Promise<{ url: string; mode: string }>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`the node did not start listening within ${timeoutMs} ms`)),
          timeoutMs,
        );
        child.stdout!.on('data', (d: string) => {
          seen += d;
          const m = /Cinnabar node for \S+ on (http:\/\/\S+\/) \(([^)]*)\)/.exec(seen);
          if (m) {
            clearTimeout(timer);
            resolve({ url: m[1]!, mode: m[2]! });
          }
        });
        void exited.then((exit) => {
          clearTimeout(timer);
          reject(new Error(`the node exited before listening (${describeExit(exit)})`));
        });
      });
      return new NodeProcess(child, out, err, exited, url, mode);
    } catch (error) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(
        `${(error as Error).message}\ncommand: node ${args.join(' ')}\n--- stdout ---\n${out}\n--- stderr ---\n${err}`,
        { cause: error },
      );
    }
  }

  /**
   * Spawn a node without waiting for it; `kill()` SIGKILLs it wherever it is (loading, creating its
   * data directory, opening or recovering its storage, or already listening) and resolves with how
   * it ended and what it wrote.
   */
  static spawnToKill(options: NodeProcessOptions): { pid: number; kill(): Promise<KilledStart> } {
    const { child, out, err, exited } = spawnServe(options);
    return {
      pid: child.pid!,
      kill: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        const exit = await exited;
        const stdout = out.toString();
        return {
          exit,
          listening: /Cinnabar node for /.test(stdout),
          output: `--- stdout ---\n${stdout}\n--- stderr ---\n${err.toString() || '(empty)'}`,
        };
      },
    };
  }

  /** Spawn a node and SIGKILL it `delayMs` later, wherever it is (see spawnToKill). */
  static async killDuringStart(options: NodeProcessOptions, delayMs: number): Promise<KilledStart> {
    const starting = NodeProcess.spawnToKill(options);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return starting.kill();
  }

  /** Everything the process wrote to stdout so far (the start-up lines, with --quiet). */
  get stdout(): string {
    return this.out.toString();
  }

  /** Everything the process wrote to stderr so far. */
  get stderr(): string {
    return this.err.toString();
  }

  /** Whether the process has exited. */
  get hasExited(): boolean {
    return this.exit !== undefined;
  }

  /** Send `signal` (default SIGKILL) and wait for the process to be gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<NodeExit> {
    if (!this.exit) this.child.kill(signal);
    return this.exited;
  }

  /**
   * Stop gracefully (SIGTERM), falling back to SIGKILL after `graceMs`. Caveat: `serve` prints its
   * ready line before it installs its SIGTERM handler, so a SIGTERM sent the moment the line is read
   * can still kill the process by the default action (exit by signal, not code 0); make a request
   * first if the test expects a clean exit.
   */
  async stop(graceMs = 10_000): Promise<NodeExit> {
    if (this.exit) return this.exit;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** What the process wrote, for a failure message. */
  report(): string {
    const exit = this.exit ? describeExit(this.exit) : 'still running';
    return `node pid ${this.pid} (${exit})\n--- stdout ---\n${this.stdout}\n--- stderr ---\n${this.stderr || '(empty)'}`;
  }
}

function describeExit(exit: NodeExit): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

/** Kill every node process this module started that is still running (for `after` hooks). */
export async function killAllNodeProcesses(): Promise<void> {
  const waits = [...live].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  await Promise.all(waits);
}

/** Whether nothing listens on 127.0.0.1:`port` right now. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free loopback port below the usual ephemeral range (32768+ on Linux), so that outgoing
 * connections of this machine do not take it between restarts of a node that listens on it.
 * `random` picks candidates (pass a seeded one for reproducible runs).
 */
export async function findStablePort(random: () => number = Math.random): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(random() * 12_000);
    if (await portIsFree(port)) return port;
  }
  throw new Error('found no free port in 20000..31999');
}
