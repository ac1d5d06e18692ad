import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  type Credential,
  issueRealNameCredential,
  issueRoleCredential,
  type JsonObject,
  type PersonalData,
  parseJsonStrict,
  ROLES,
  type Role,
} from '@cinnabar/core';
import { Command, InvalidArgumentError, Option } from 'commander';
import { type CliIo, jsonOption } from '../program.js';
import { ID_DEFAULTS, loadKeyFile, passphraseFileOption } from './id.js';
import { printable, serverOption, signAndSubmit } from './node-api.js';

const METHODS = ['resident-id-card', 'passport', 'business-licence', 'other'] as const;

const CREDENTIAL_HELP = `
Role credentials (identity-authority, regulator, arbitrator, appraiser, custodian) are issued by the
operator: use its key, --key cinnabar-data/operator.key.json. Real-name credentials are issued by the
operator or by an identity authority; the log holds only a salted SHA-256 commitment to the personal
data (--data FILE, a JSON object). The salt is printed once, with the commitment: give both to the
holder, who needs them, with the data, to show that the commitment is theirs.

Exit status: 0 issued or revoked, 1 refused by the node, 2 bad arguments.`;

function utcTime(value: string): string {
  if (Number.isNaN(Date.parse(value)) || !/Z$/.test(value))
    throw new InvalidArgumentError(`${value} is not a UTC time such as 2027-01-01T00:00:00Z`);
  return new Date(value).toISOString().replace('.000Z', 'Z');
}

interface IssueOptions {
  role?: Role;
  realName?: boolean;
  data?: string;
  method: (typeof METHODS)[number];
  validFrom?: string;
  validUntil?: string;
  key: string;
  passphraseFile?: string;
  server: string;
  json?: boolean;
}

interface RevokeOptions {
  subject: string;
  reason?: string;
  key: string;
  passphraseFile?: string;
  server: string;
  json?: boolean;
}

/** `cinnabar credential issue|revoke`: role and real-name credentials on the ledger. */
export function credentialCommand(io: CliIo): Command {
  const command = new Command('credential').description(
    'issue or revoke role and real-name credentials (W3C VC 2.0, eddsa-jcs-2022)',
  );
  command.addCommand(
    new Command('issue')
      .description('issue a credential to a registered identity and log it')
      .argument('<subject>', "the subject's did:key")
      .addOption(new Option('--role <role>', 'grant a role').choices(ROLES))
      .option('--real-name', 'a real-name credential (with --data)')
      .option('--data <file>', 'the personal data (JSON object) the real-name credential commits to')
      .addOption(
        new Option('--method <method>', 'how the real name was checked').choices(METHODS).default('other'),
      )
      .option('--valid-from <time>', 'start of validity (default: now)', utcTime)
      .option('--valid-until <time>', 'end of validity (default: none)', utcTime)
      .option('--key <file>', "the issuer's key file", ID_DEFAULTS.keyFile)
      .addOption(passphraseFileOption())
      .addOption(serverOption())
      .addOption(jsonOption())
      .addHelpText('after', CREDENTIAL_HELP)
      .action(async (subject: string, options: IssueOptions) => {
        if ((options.role === undefined) === (options.realName !== true)) {
          io.err('cinnabar credential issue: give exactly one of --role ROLE and --real-name');
          io.exitCode = 2;
          return;
        }
        if (options.realName && options.data === undefined) {
          io.err(
            'cinnabar credential issue: --real-name needs --data FILE (the personal data, a JSON object)',
          );
          io.exitCode = 2;
          return;
        }
        const key = await loadKeyFile(options.key, options.passphraseFile);
        const common = {
          issuerSeed: key.seed,
          subject,
          idRandom: randomBytes(16),
          validFrom: options.validFrom ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
          ...(options.validUntil === undefined ? {} : { validUntil: options.validUntil }),
        };
        let credential: Credential;
        let salt: string | undefined;
        if (options.role) credential = issueRoleCredential({ ...common, role: options.role });
        else {
          const data = parseJsonStrict(await readFile(options.data!, 'utf8'), { maxBytes: 64 * 1024 });
          if (typeof data !== 'object' || data === null || Array.isArray(data)) {
            io.err('cinnabar credential issue: --data must hold a JSON object');
            io.exitCode = 2;
            return;
          }
          const issued = issueRealNameCredential({
            ...common,
            data: data as PersonalData,
            method: options.method,
            salt: randomBytes(32),
          });
          credential = issued.credential;
          salt = issued.salt;
        }
        await signAndSubmit(
          io,
          'credential',
          options,
          key,
          'credential.issue',
          { credential: credential as unknown as JsonObject },
          (accepted) => {
            if (options.json) {
              io.out(JSON.stringify({ ...accepted, credential, ...(salt ? { salt } : {}) }));
              return;
            }
            io.out(printable(`Issued ${credential.id} to ${subject} (entry ${accepted.index})`));
            if (salt) {
              const commitment = (credential.credentialSubject as { realName: { commitment: string } })
                .realName.commitment;
              io.out(`  commitment  ${commitment}`);
              io.out(`  salt        ${salt}   (give it to the holder; it is not kept anywhere)`);
            }
            io.out(credential.id);
          },
        );
      }),
  );
  command.addCommand(
    new Command('revoke')
      .description('revoke a credential (its issuer or the operator)')
      .argument('<id>', "the credential's urn:uuid id")
      .requiredOption('--subject <did>', "the credential's subject")
      .option('--reason <text>', 'why, for the record')
      .option('--key <file>', 'your key file', ID_DEFAULTS.keyFile)
      .addOption(passphraseFileOption())
      .addOption(serverOption())
      .addOption(jsonOption())
      .action(async (id: string, options: RevokeOptions) => {
        const key = await loadKeyFile(options.key, options.passphraseFile);
        const body = { id, subject: options.subject, ...(options.reason ? { reason: options.reason } : {}) };
        await signAndSubmit(io, 'credential', options, key, 'credential.revoke', body, (accepted) => {
          if (options.json) io.out(JSON.stringify(accepted));
          else io.out(printable(`Revoked ${id} (entry ${accepted.index})`));
        });
      }),
  );
  return command;
}
