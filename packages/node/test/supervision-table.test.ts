// Who may do which supervision act: every supervision and dispute action by every role, through the
// node's POST /v1/tx, on SQLite and on PostgreSQL. Each cell gets a fresh work (and whatever the act
// needs first: a freeze, a takedown, an open dispute), so cells do not see each other. A refused act
// leaves the work's record as it was; at the end the stored state is the replay of the log.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryLedger, utf8Encode } from '@cinnabar/core';
import { loadDataDir, startNode } from '../src/index.js';
import { BACKENDS, createBackend } from './support/backends.js';
import {
  type Accepted,
  LedgerClient,
  type Problem,
  storedStateDigest,
  TestActor,
} from './support/ledger-fixture.js';

const ROLES = ['operator', 'regulator', 'arbitrator', 'owner', 'claimant', 'stranger', 'revoked'] as const;
type Role = (typeof ROLES)[number];
const ACTIONS = [
  'supervision.freeze',
  'supervision.unfreeze',
  'supervision.takedown',
  'supervision.restore',
  'dispute.open',
  'dispute.respond',
  'dispute.resolve',
] as const;
type Action = (typeof ACTIONS)[number];

const Y = 'accepted';
const N = 'not_authorized';
/**
 * The expected outcome of each action by each role. The owner registered the work, so it is the
 * other party of a dispute over its registration; the claimant opened it; `revoked` held the
 * regulator and arbitrator roles until both credentials were revoked.
 */
const TABLE: Record<Action, Record<Role, typeof Y | typeof N>> = {
  //                      operator regulator arbitrator owner claimant stranger revoked
  'supervision.freeze': {
    operator: Y,
    regulator: Y,
    arbitrator: N,
    owner: N,
    claimant: N,
    stranger: N,
    revoked: N,
  },
  'supervision.unfreeze': {
    operator: Y,
    regulator: Y,
    arbitrator: N,
    owner: N,
    claimant: N,
    stranger: N,
    revoked: N,
  },
  'supervision.takedown': {
    operator: Y,
    regulator: Y,
    arbitrator: N,
    owner: N,
    claimant: N,
    stranger: N,
    revoked: N,
  },
  'supervision.restore': {
    operator: Y,
    regulator: Y,
    arbitrator: N,
    owner: N,
    claimant: N,
    stranger: N,
    revoked: N,
  },
  'dispute.open': {
    operator: Y,
    regulator: Y,
    arbitrator: Y,
    owner: N,
    claimant: Y,
    stranger: Y,
    revoked: Y,
  },
  'dispute.respond': {
    operator: N,
    regulator: N,
    arbitrator: N,
    owner: Y,
    claimant: N,
    stranger: N,
    revoked: N,
  },
  'dispute.resolve': {
    operator: Y,
    regulator: N,
    arbitrator: Y,
    owner: N,
    claimant: N,
    stranger: N,
    revoked: N,
  },
};
const GROUNDS = { category: 'investigation', text: 'On the record for the table test.' };

for (const backend of BACKENDS) {
  describe(`supervision acts by role on ${backend}`, () => {
    test('every action by every role: allowed where the table says, refused (not_authorized, state unchanged) elsewhere', async () => {
      const fixture = await createBackend(backend);
      const node = await startNode({
        dataDir: fixture.dataDir,
        databaseUrl: fixture.databaseUrl,
        port: 0,
        origin: `supervision-table.test/${backend}`,
      });
      try {
        const client = new LedgerClient(node);
        const operator = new TestActor('operator', (await loadDataDir(fixture.dataDir)).operator.seed);
        operator.seq = 1;
        const actors = {} as Record<Role, TestActor>;
        for (const role of ROLES) {
          if (role === 'operator') {
            actors.operator = operator;
            continue;
          }
          const actor = new TestActor(`table-${role}`);
          await client.accept(actor, 'identity.register', { kind: 'person', name: role });
          actors[role] = actor;
        }
        await client.accept(operator, 'credential.issue', {
          credential: operator.roleCredential(actors.regulator.did, 'regulator', 'table-regulator'),
        });
        await client.accept(operator, 'credential.issue', {
          credential: operator.roleCredential(actors.arbitrator.did, 'arbitrator', 'table-arbitrator'),
        });
        for (const role of ['regulator', 'arbitrator'] as const) {
          const credential = (
            await client.accept(operator, 'credential.issue', {
              credential: operator.roleCredential(actors.revoked.did, role, `table-revoked-${role}`),
            })
          ).subject.credential!;
          await client.accept(operator, 'credential.revoke', { id: credential, subject: actors.revoked.did });
        }

        let works = 0;
        for (const action of ACTIONS)
          for (const role of ROLES) {
            const expected = TABLE[action][role];
            const actor = actors[role];
            // A fresh work for the cell, registered by the owner, at the entry `registered`.
            const registration = await client.register(actors.owner, utf8Encode(`table work ${++works}`));
            const asset = registration.subject.asset!;
            const registered = { index: registration.index, txId: registration.txId };
            const setUp = async (): Promise<Record<string, unknown>> => {
              switch (action) {
                case 'supervision.freeze':
                  return { target: { asset }, grounds: GROUNDS };
                case 'supervision.unfreeze': {
                  const freeze = await client.accept(actors.regulator, 'supervision.freeze', {
                    target: { asset },
                    grounds: GROUNDS,
                  });
                  return { target: { asset }, freeze: freeze.txId };
                }
                case 'supervision.takedown':
                  return { asset, grounds: GROUNDS };
                case 'supervision.restore': {
                  const takedown = await client.accept(actors.regulator, 'supervision.takedown', {
                    asset,
                    grounds: GROUNDS,
                  });
                  return { asset, takedown: takedown.txId };
                }
                case 'dispute.open':
                  return { asset, contested: registered, claim: 'Mine.', evidence: [] };
                case 'dispute.respond':
                case 'dispute.resolve': {
                  const opened: Accepted = await client.accept(actors.claimant, 'dispute.open', {
                    asset,
                    contested: registered,
                    claim: 'Mine.',
                    evidence: [],
                  });
                  return action === 'dispute.respond'
                    ? { dispute: opened.txId, text: 'It is not.', evidence: [] }
                    : { dispute: opened.txId, asset, outcome: 'dismiss', reasoning: 'No grounds.' };
                }
              }
            };
            const body = await setUp();
            const before = (await client.get(`/v1/assets/${asset}`)).body;
            const res = await client.submit(actor, actor.sign(action, body));
            const cell = `${action} by ${role}`;
            if (expected === Y) {
              assert.equal(res.statusCode, 201, `${cell}: ${res.body}`);
              continue;
            }
            assert.equal(res.statusCode, 403, `${cell}: ${res.body}`);
            assert.equal((res.json() as Problem).code, expected, cell);
            assert.equal((await client.get(`/v1/assets/${asset}`)).body, before, `${cell} changed the work`);
          }

        // The node's state is what replaying its log gives.
        const size = await node.storage.countEntries();
        const replay = new MemoryLedger();
        for (const [index, entry] of (await node.storage.readEntries(0, size)).entries())
          replay.apply(entry, index);
        assert.equal(replay.counts.rejected, 0);
        assert.equal(await storedStateDigest(node.storage), replay.digest());
      } finally {
        await node.close();
        await fixture.cleanup();
      }
    });
  });
}
