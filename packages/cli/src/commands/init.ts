import { DATA_DIR_DEFAULTS, initDataDir } from '@cinnabar/node';
import { Command } from 'commander';
import { type CliIo, jsonOption } from '../program.js';

export function initCommand(io: CliIo): Command {
  return new Command('init')
    .description('create a data directory and the log signing key; prints the verifier key')
    .option('--data <dir>', 'data directory', DATA_DIR_DEFAULTS.dataDir)
    .option('--origin <origin>', 'log origin, also the checkpoint key name', DATA_DIR_DEFAULTS.origin)
    .option(
      '--operator-name <name>',
      "the operator's name, registered by the genesis",
      DATA_DIR_DEFAULTS.operatorName,
    )
    .option('--real-name-to-register', 'policy: registering an asset needs a real-name credential')
    .addOption(jsonOption())
    .action(
      async (options: {
        data: string;
        origin: string;
        operatorName: string;
        realNameToRegister?: boolean;
        json?: boolean;
      }) => {
        const dir = await initDataDir({
          dataDir: options.data,
          origin: options.origin,
          operatorName: options.operatorName,
          realNameToRegister: options.realNameToRegister === true,
        });
        if (options.json) {
          io.out(
            JSON.stringify({
              dataDir: dir.dir,
              origin: dir.config.origin,
              vkey: dir.vkey,
              operator: dir.operator.did,
              created: dir.created,
            }),
          );
          return;
        }
        io.out(
          dir.created
            ? `Created ${dir.dir} for log ${dir.config.origin}.`
            : `${dir.dir} already holds log ${dir.config.origin}.`,
        );
        io.out(`Operator: ${dir.operator.did} (key in ${dir.dir}/operator.key.json)`);
        io.out('Verifier key (give it to anyone who verifies this log):');
        io.out(dir.vkey);
      },
    );
}
