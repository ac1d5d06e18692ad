import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { LogIntegrityError, NODE_DEFAULTS, SEQUENCER_DEFAULTS, seedDemo, startNode } from '@cinnabar/node';
import { Command, InvalidArgumentError } from 'commander';
import type { CliIo } from '../program.js';

export function parseInteger(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${value} is not a whole number`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`${value} is outside ${min}..${max}`);
    return n;
  };
}

/** The web app as `npm run build` leaves it (packages/web/dist), if it was built. */
export function builtWebApp(): string | undefined {
  try {
    const dist = join(dirname(createRequire(import.meta.url).resolve('@cinnabar/web/package.json')), 'dist');
    return existsSync(join(dist, 'index.html')) ? dist : undefined;
  } catch {
    return undefined;
  }
}

export function serveCommand(io: CliIo): Command {
  return new Command('serve')
    .description('run a node: the log at /log/ (C2SP tlog-tiles) and the API at /v1/')
    .option('--data <dir>', 'data directory, created on first use', NODE_DEFAULTS.dataDir)
    .option('--port <n>', 'port to listen on', parseInteger(0, 65535), NODE_DEFAULTS.port)
    .option('--host <address>', 'address to listen on', NODE_DEFAULTS.host)
    .option(
      '--database <url>',
      'postgres://… to keep the log in PostgreSQL (default: SQLite in the data directory)',
    )
    .option(
      '--origin <origin>',
      `log origin for a data directory created now (default: ${NODE_DEFAULTS.origin}); an existing one keeps its own`,
    )
    .option(
      '--max-batch <n>',
      'most entries in one commit',
      parseInteger(1, 65536),
      SEQUENCER_DEFAULTS.maxBatchSize,
    )
    .option(
      '--batch-delay <ms>',
      'longest wait for a batch to fill',
      parseInteger(0, 1000),
      SEQUENCER_DEFAULTS.maxBatchDelayMs,
    )
    .option('--web <dir>', 'the built web app to serve at / (default: @cinnabar/web, if built)')
    .option('--no-web', 'serve the API and the log only')
    .option('--demo', 'seed a new ledger with the demo collection (identities and works)')
    .option('--quiet', 'do not log requests')
    .action(
      async (options: {
        data: string;
        port: number;
        host: string;
        database?: string;
        origin?: string;
        maxBatch: number;
        batchDelay: number;
        demo?: boolean;
        quiet?: boolean;
        web?: string | boolean;
      }) => {
        const webRoot =
          options.web === false ? undefined : typeof options.web === 'string' ? options.web : builtWebApp();
        if (options.web !== false && webRoot === undefined)
          io.err(
            'cinnabar serve: the web app is not built (npm run build); serving the API and the log only',
          );
        let node: Awaited<ReturnType<typeof startNode>>;
        try {
          node = await startNode({
            dataDir: options.data,
            ...(options.origin === undefined ? {} : { origin: options.origin }),
            databaseUrl: options.database,
            port: options.port,
            host: options.host,
            sequencer: { maxBatchSize: options.maxBatch, maxBatchDelayMs: options.batchDelay },
            logger: !options.quiet,
            webRoot,
          });
        } catch (error) {
          if (error instanceof LogIntegrityError) {
            io.err(`cinnabar: the log failed its integrity check and will not be served: ${error.message}`);
            io.exitCode = 1;
            return;
          }
          throw error;
        }
        // Handlers first: a supervisor may send SIGTERM as soon as it reads the ready line.
        const stopped = new Promise<void>((resolve) => {
          const stop = () => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            node.close().then(resolve, resolve);
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
        io.out(
          `Cinnabar node for ${node.origin} on ${node.url} (${node.storage.kind}${node.isSequencer() ? ', sequencer' : ', reader'})`,
        );
        io.out(`Log: ${node.logUrl}  verifier key: ${node.vkey}`);
        if (webRoot !== undefined) io.out(`Web app: ${node.url}`);
        if (options.demo && node.isSequencer()) {
          const seeded = await seedDemo(node.app, node.operatorKey);
          if (seeded.seeded)
            io.out(`Seeded the demo collection: ${seeded.identities} identities, ${seeded.assets} works.`);
        }
        await stopped;
      },
    );
}
