import { Command, Option } from 'commander';
import { accessLogCommand } from './commands/access-log.js';
import { auditCommand } from './commands/audit.js';
import { custodyCommand, policyCommand, valueCommand } from './commands/circulation.js';
import { credentialCommand } from './commands/credential.js';
import { gridCommand } from './commands/grid.js';
import { idCommand } from './commands/id.js';
import { initCommand } from './commands/init.js';
import { licenceCommand } from './commands/licence.js';
import { logTailCommand } from './commands/log-tail.js';
import { logVerifyCommand } from './commands/log-verify.js';
import { certificateCommand, editionCommand, listCommand, sellCommand } from './commands/market.js';
import { registerCommand } from './commands/register.js';
import { reportCommand } from './commands/report.js';
import { serveCommand } from './commands/serve.js';
import { showCommand } from './commands/show.js';
import { disputeCommand, superviseCommand } from './commands/supervise.js';
import { acceptCommand, transferCommand } from './commands/transfer.js';
import { verifyCommand } from './commands/verify.js';

/** Where the CLI writes, so tests can run the real parser in-process. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Set by a command that finished with a failed check. */
  exitCode?: number;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export function buildProgram(io: CliIo): Command {
  const program = new Command('cinnabar')
    .description('Cinnabar: verifiable registry of digital works on an append-only Merkle log')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError();
  program.addCommand(initCommand(io));
  program.addCommand(serveCommand(io));
  program.addCommand(verifyCommand(io));
  program.addCommand(auditCommand(io));
  program.addCommand(registerCommand(io));
  program.addCommand(showCommand(io));
  program.addCommand(accessLogCommand(io));
  const log = new Command('log').description('inspect and verify a Cinnabar log');
  log.addCommand(logVerifyCommand(io));
  log.addCommand(logTailCommand(io));
  program.addCommand(log);
  const id = idCommand(io);
  program.addCommand(id);
  program.addCommand(credentialCommand(io));
  program.addCommand(transferCommand(io));
  program.addCommand(acceptCommand(io));
  const licence = licenceCommand(io);
  program.addCommand(licence);
  const custody = custodyCommand(io);
  program.addCommand(custody);
  program.addCommand(valueCommand(io));
  const edition = editionCommand(io);
  program.addCommand(edition);
  program.addCommand(listCommand(io));
  program.addCommand(sellCommand(io));
  program.addCommand(certificateCommand(io));
  program.addCommand(reportCommand(io));
  program.addCommand(superviseCommand(io));
  program.addCommand(disputeCommand(io));
  const grid = gridCommand(io);
  program.addCommand(grid);
  const policy = policyCommand(io);
  program.addCommand(policy);
  for (const command of [
    ...program.commands,
    ...log.commands,
    ...id.commands,
    ...licence.commands,
    ...custody.commands,
    ...policy.commands,
    ...edition.commands,
    ...grid.commands,
  ]) {
    command.exitOverride().configureOutput(program.configureOutput());
  }
  return program;
}

/** A --json flag shared by commands that print results. */
export const jsonOption = () => new Option('--json', 'print the result as JSON');
