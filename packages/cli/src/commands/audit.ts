// cinnabar audit URL --vkey VKEY: download a node's whole log, verify it, replay it through the
// rules and compare the state with what the node's API says (packages/cli/src/audit/). docs/audit.md.
import { CinnabarError } from '@cinnabar/core';
import { Command } from 'commander';
import { AuditError } from '../audit/audit-error.js';
import type { Divergence } from '../audit/compare.js';
import { AUDIT_DEFAULTS, type AuditReport, auditNode } from '../audit/run-audit.js';
import { type CliIo, jsonOption } from '../program.js';
import { readVkey } from './log-verify.js';
import { printable } from './node-api.js';
import { parseInteger } from './serve.js';

export { AUDIT_DEFAULTS } from '../audit/run-audit.js';

/** Divergences printed one per line in the human summary (all of them are in --json). */
const PRINTED_DIVERGENCES = 20;

interface AuditCommandOptions {
  vkey: string;
  state: string;
  threads: number;
  compare: boolean;
  restart?: boolean;
  json?: boolean;
}

export function auditCommand(io: CliIo): Command {
  return new Command('audit')
    .description(
      "audit a node: download its log through the tiles, verify the checkpoint and every entry, check every signature, replay every transaction through the rules, and compare the state rebuilt with what the node's API says (identities, holdings, editions, licences, freezes, takedowns, disputes); resumes where the last run stopped",
    )
    .argument('<url>', 'the node, e.g. http://localhost:7470 (its log is at <url>/log/)')
    .requiredOption('--vkey <vkey>', 'the log verifier key (name+id+key), or a file holding it')
    .option(
      '--state <dir>',
      'where the audit state of each log is kept between runs',
      AUDIT_DEFAULTS.stateDir,
    )
    .option(
      '--threads <n>',
      'worker threads checking entries (signatures, decoding, schemas) beside the main thread (0: none)',
      parseInteger(0, 256),
      AUDIT_DEFAULTS.threads,
    )
    .option('--no-compare', "verify and replay the log only; do not compare with the node's API")
    .option('--restart', 'ignore the saved state and audit from entry 0')
    .addOption(jsonOption())
    .action(async (url: string, options: AuditCommandOptions) => {
      const vkey = await readVkey(options.vkey);
      try {
        const report = await auditNode({
          url,
          vkey,
          stateDir: options.state,
          threads: options.threads,
          compare: options.compare,
          restart: options.restart ?? false,
        });
        printReport(io, report, options.json);
        if (!report.ok) io.exitCode = 1;
      } catch (error) {
        if (!(error instanceof CinnabarError || error instanceof AuditError)) throw error;
        if (options.json) io.out(JSON.stringify({ ok: false, code: error.code, message: error.message }));
        else io.err(printable(`FAILED (${error.code}): ${error.message}`));
        io.exitCode = 1;
      }
    });
}

function printReport(io: CliIo, report: AuditReport, json?: boolean): void {
  if (json) {
    io.out(JSON.stringify(report));
    return;
  }
  const { entries } = report;
  io.out(`checkpoint  ${report.origin} size ${report.size} root ${report.rootHash}: signature OK`);
  io.out(
    report.resumedFrom === null
      ? 'consistency: first audit of this log; state saved for next time'
      : `consistency with the checkpoint audited before (size ${report.resumedFrom}): OK`,
  );
  io.out(
    `replay: ${entries.replayed} new ${entries.replayed === 1 ? 'entry' : 'entries'} (${entries.total} in all) hashed to the checkpoint's root, signatures checked, replayed through the rules in ${report.seconds.replay.toFixed(2)} s (${Math.round(report.entriesPerSecond)}/s); ${report.records} records`,
  );
  if (entries.rejected > 0) {
    io.out(
      `REJECTED: ${entries.rejected} logged ${entries.rejected === 1 ? 'entry is' : 'entries are'} not valid transactions:`,
    );
    for (const r of report.rejected.slice(0, PRINTED_DIVERGENCES))
      io.out(printable(`  entry ${r.index}: ${r.code}: ${r.message}`));
  }
  if (!report.compared) {
    io.out('compare: skipped (--no-compare)');
  } else {
    const c = report.compared;
    io.out(
      `compare: ${c.ledger ? 'the ledger, ' : ''}${[
        count(c.assets, 'asset'),
        count(c.identities, 'identity', 'identities'),
        count(c.credentials, 'credential'),
        count(c.holdings, 'holding'),
        count(c.editions, 'edition'),
        count(c.licences, 'licence'),
        count(c.listings, 'listing'),
        count(c.sales, 'sale'),
        count(c.valuations, 'valuation'),
        count(c.spaces, 'space'),
        count(c.freezes, 'freeze'),
        count(c.takedowns, 'takedown'),
        count(c.disputes, 'dispute'),
      ].join(', ')} from the API (${c.requests} requests, ${report.seconds.compare.toFixed(2)} s)`,
    );
    if (report.divergenceCount === 0) io.out('state: the node agrees with the log');
    else {
      io.out(
        `DIVERGED: ${report.divergenceCount} ${report.divergenceCount === 1 ? 'difference' : 'differences'} from the log:`,
      );
      for (const d of report.divergences.slice(0, PRINTED_DIVERGENCES)) io.out(printable(`  ${describe(d)}`));
      if (report.divergenceCount > PRINTED_DIVERGENCES)
        io.out(`  … and ${report.divergenceCount - PRINTED_DIVERGENCES} more (--json lists up to 1000)`);
    }
  }
  io.out(`state saved in ${report.stateFile}`);
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** One divergence on one line: where, what, both values, and the entry where it starts. */
export function describe(d: Divergence): string {
  const since = d.entry === undefined ? 'no record by the log' : `log entry ${d.entry}`;
  const claim = d.nodeEntry === undefined ? '' : `; the node's record cites entry ${d.nodeEntry}`;
  return `${d.view} ${d.key} ${d.field}: log ${JSON.stringify(d.replayed)}, node ${JSON.stringify(d.node)} (starts at ${since}${claim})`;
}
