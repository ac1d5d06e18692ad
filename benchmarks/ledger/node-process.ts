import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../packages/cli/src/run.ts', import.meta.url));

/** A real `cinnabar serve` process, as a user would run it. */
export interface NodeProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  rssKiB(): number;
  peakRssKiB(): number;
  stop(): Promise<void>;
}

function statusField(pid: number, field: string): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return Number(line?.split(/\s+/)[1] ?? Number.NaN);
}

export async function startNodeProcess(args: string[]): Promise<NodeProcess> {
  const child = spawn(
    process.execPath,
    ['--conditions=development', '--import', 'tsx', CLI, 'serve', '--port', '0', '--quiet', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /on (http:\/\/\S+\/) /.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`node exited with ${code}: ${stderr}`)));
  });
  const pid = child.pid!;
  return {
    url,
    pid,
    child,
    rssKiB: () => statusField(pid, 'VmRSS'),
    peakRssKiB: () => statusField(pid, 'VmHWM'),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
