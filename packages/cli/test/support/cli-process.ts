// The real `cinnabar` command as a separate process (from the sources, through tsx), for what an
// in-process run cannot show: a fresh process with nothing shared, or a command stopped by SIGINT.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/run.ts', import.meta.url));

/** Children still running; killed when the test process exits, whatever the reason. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** Environment for a child: without the test runner's settings, a passphrase, or proxies. */
function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!/^(NODE_OPTIONS|NODE_TEST_CONTEXT|CINNABAR_PASSPHRASE|https?_proxy|HTTPS?_PROXY)$/.test(key))
      env[key] = value;
  return { ...env, ...extra };
}

/** A running `cinnabar …` process and what it printed so far. */
export class CliProcess {
  private outText = '';
  private errText = '';
  readonly done: Promise<CliResult>;

  private constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      this.outText += d;
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.errText += d;
    });
    live.add(child);
    this.done = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        live.delete(child);
        resolve({ code, signal, out: this.outText, err: this.errText });
      });
    });
  }

  static start(args: string[], env?: NodeJS.ProcessEnv): CliProcess {
    const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: childEnv(env),
    });
    return new CliProcess(child);
  }

  get out(): string {
    return this.outText;
  }

  get err(): string {
    return this.errText;
  }

  /** Resolve once stdout matches `pattern`; reject after `timeoutMs` or if the process ends first. */
  async waitForOutput(pattern: RegExp, timeoutMs = 30_000): Promise<void> {
    const started = Date.now();
    while (!pattern.test(this.outText)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`the process ended before printing ${pattern}\n${this.outText}\n${this.errText}`);
      if (Date.now() - started > timeoutMs)
        throw new Error(`no ${pattern} within ${timeoutMs} ms\n${this.outText}\n${this.errText}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Run `cinnabar …` in a new process to its end. */
export function runCliProcess(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult> {
  return CliProcess.start(args, env).done;
}
