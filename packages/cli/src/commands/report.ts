// `cinnabar report activity|holders|alerts`: the node's supervision reports (market activity over
// time, the largest holders, suspicious patterns), as JSON or CSV, on the terminal or in a file.
import { writeFile } from 'node:fs/promises';
import {
  CinnabarApiError,
  DETECTION_RULES,
  REPORT_BREAKDOWNS,
  REPORT_BUCKETS,
  SUPERVISION_REPORT_DEFAULTS,
  type SupervisionReportName,
} from '@cinnabar/core';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { CliIo } from '../program.js';
import { clientFor, describeApiError, printable, serverOption } from './node-api.js';

interface ReportOptions {
  server: string;
  node?: string;
  format: 'json' | 'csv';
  output?: string;
  from?: string;
  to?: string;
  bucket?: string;
  by?: string;
  limit?: string;
  rule?: string;
}

const DAY_OR_TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3})?Z)?$/;

function dayOrTime(value: string): string {
  if (!DAY_OR_TIME.test(value))
    throw new InvalidArgumentError(`${value} is not a day (YYYY-MM-DD) or an RFC 3339 UTC time`);
  return value;
}

function limit(value: string): string {
  if (!/^[1-9][0-9]{0,3}$/.test(value) || Number(value) > 1000)
    throw new InvalidArgumentError(`${value} is not a number from 1 to 1000`);
  return value;
}

const REPORT_HELP = `
Reports are public: anyone may read them from any node. Periods are UTC; --to is not counted.
With --output the report is written to FILE as it came (CSV is RFC 4180, CRLF line ends; cells a
spreadsheet would take for a formula start with an apostrophe).

Exit status: 0 written, 1 refused by the node (or it failed), 2 bad arguments.`;

function subReport(
  io: CliIo,
  name: SupervisionReportName,
  description: string,
  options: Option[],
  query: (o: ReportOptions) => Record<string, string | undefined>,
): Command {
  const command = new Command(name)
    .description(description)
    .addOption(serverOption())
    .addOption(new Option('--node <url>', 'the node to talk to (the same as --server)'))
    .addOption(new Option('--format <format>', 'json or csv').choices(['json', 'csv']).default('json'))
    .option('--output <file>', 'write the report to this file instead of printing it');
  for (const option of options) command.addOption(option);
  return command.addHelpText('after', REPORT_HELP).action(async (o: ReportOptions) => {
    const server = o.node ?? o.server;
    const params = Object.fromEntries(
      Object.entries(query(o)).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    const client = clientFor(server);
    let text: string;
    try {
      text =
        o.format === 'csv'
          ? await client.supervisionReportCsv(name, params)
          : `${JSON.stringify(await client.supervisionReport(name, params), null, 2)}\n`;
    } catch (error) {
      if (!(error instanceof CinnabarApiError)) throw error;
      io.err(`cinnabar report ${name}: ${describeApiError(error, server)}`);
      io.exitCode = 1;
      return;
    }
    if (o.output !== undefined) {
      await writeFile(o.output, text);
      io.out(`Wrote the ${name} report to ${o.output}`);
      return;
    }
    for (const line of text.replace(/\r?\n$/, '').split(/\r?\n/)) io.out(printable(line));
  });
}

/** `cinnabar report activity|holders|alerts`. */
export function reportCommand(io: CliIo): Command {
  const command = new Command('report').description(
    'supervision reports: market activity over time, the largest holders, suspicious patterns',
  );
  command.addCommand(
    subReport(
      io,
      'activity',
      'registrations, transfers, sales and licences per period',
      [
        new Option('--from <day>', 'the first day or time counted (YYYY-MM-DD or RFC 3339 UTC)').argParser(
          dayOrTime,
        ),
        new Option('--to <day>', 'the first day or time not counted').argParser(dayOrTime),
        new Option('--bucket <period>', 'the period of a row')
          .choices([...REPORT_BUCKETS])
          .default(SUPERVISION_REPORT_DEFAULTS.bucket),
        new Option('--by <breakdown>', 'break each period down by regime, media type or grade').choices([
          ...REPORT_BREAKDOWNS,
        ]),
      ],
      (o) => ({ from: o.from, to: o.to, bucket: o.bucket, by: o.by }),
    ),
  );
  command.addCommand(
    subReport(
      io,
      'holders',
      'the identities holding the most works and editions',
      [
        new Option('--limit <n>', 'how many holders, 1 to 1000')
          .argParser(limit)
          .default(String(SUPERVISION_REPORT_DEFAULTS.holdersLimit)),
      ],
      (o) => ({ limit: o.limit }),
    ),
  );
  command.addCommand(
    subReport(
      io,
      'alerts',
      "suspicious patterns, with the policy's thresholds, and the entries that are their evidence",
      [
        new Option('--rule <rule>', 'only this rule').choices([...DETECTION_RULES]),
        new Option('--limit <n>', 'how many alerts, 1 to 1000')
          .argParser(limit)
          .default(String(SUPERVISION_REPORT_DEFAULTS.alertsLimit)),
      ],
      (o) => ({ rule: o.rule, limit: o.limit }),
    ),
  );
  // The program configures its own commands; these are one level down.
  for (const sub of command.commands)
    sub.exitOverride().configureOutput({
      writeOut: (s) => io.out(s.trimEnd()),
      writeErr: (s) => io.err(s.trimEnd()),
    });
  return command;
}
