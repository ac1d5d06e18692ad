import { type CliIo, main } from '../../src/index.js';

/** Run the real parser in-process and capture what it prints. */
export async function runCli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await main(['node', 'cinnabar', ...args], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}
