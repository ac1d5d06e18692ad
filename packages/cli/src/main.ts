import { CommanderError } from 'commander';
import { buildProgram, type CliIo, processIo } from './program.js';

/** Run the CLI; resolves with the process exit code (0 ok, 1 failed check or error, 2 usage). */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv as string[]);
    return io.exitCode ?? 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    io.err(`cinnabar: ${(error as Error).message}`);
    return 1;
  }
}
