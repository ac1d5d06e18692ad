import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkRealNameCommitment } from '@cinnabar/core';
import { type RunningNode, startNode } from '@cinnabar/node';
import { clientFor } from '../src/commands/node-api.js';
import { runCli as run } from './support/run-cli.js';

describe('cinnabar credential issue|revoke against a real node', () => {
  let dir: string;
  let node: RunningNode;
  let operatorKey: string;
  let aliceKey: string;
  let alice: string;
  let bobKey: string;
  let bob: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cinnabar-credential-'));
    node = await startNode({ dataDir: join(dir, 'data'), port: 0 });
    operatorKey = join(dir, 'data', 'operator.key.json');
    const client = clientFor(node.url);
    for (const name of ['alice', 'bob']) {
      const key = join(dir, `${name}.json`);
      const created = await run('id', 'new', '--out', key, '--name', name);
      assert.equal(created.code, 0, created.err);
      const did = created.out.trim().split('\n').at(-1)!;
      // The first registration registers the identity; a tiny file typed by its bytes will do.
      const file = join(dir, `${name}.bin`);
      await writeFile(file, `bytes of ${name}`);
      const registered = await run(
        'register',
        file,
        '--title',
        `${name}'s file`,
        '--key',
        key,
        '--server',
        node.url,
      );
      assert.equal(registered.code, 0, registered.err);
      assert.ok(await client.identity(did));
      if (name === 'alice') [aliceKey, alice] = [key, did];
      else [bobKey, bob] = [key, did];
    }
  });
  after(async () => {
    await node.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the operator grants a role; its holder issues a real-name credential whose commitment opens', async () => {
    const role = await run(
      'credential',
      'issue',
      alice,
      '--role',
      'identity-authority',
      '--key',
      operatorKey,
      '--server',
      node.url,
    );
    assert.equal(role.code, 0, role.err);
    const roleId = role.out.trim().split('\n').at(-1)!;
    assert.match(roleId, /^urn:uuid:/);
    const identity = await clientFor(node.url).identity(alice);
    assert.deepEqual(
      identity?.roles.map((r) => [r.role, r.credential]),
      [['identity-authority', roleId]],
    );

    const data = { name: '李华', document: '110101199001011234' };
    await writeFile(join(dir, 'bob-data.json'), JSON.stringify(data));
    const realName = await run(
      'credential',
      'issue',
      bob,
      '--real-name',
      '--data',
      join(dir, 'bob-data.json'),
      '--method',
      'resident-id-card',
      '--key',
      aliceKey,
      '--server',
      node.url,
      '--json',
    );
    assert.equal(realName.code, 0, realName.err);
    const issued = JSON.parse(realName.out) as {
      credential: { credentialSubject: { realName: { commitment: string } } };
      salt: string;
      index: number;
    };
    const commitment = issued.credential.credentialSubject.realName.commitment;
    assert.ok(checkRealNameCommitment(commitment, data, issued.salt));
    assert.ok(!checkRealNameCommitment(commitment, { ...data, name: '李四' }, issued.salt));
    // The log holds the commitment, never the data.
    const entry = (await (await fetch(`${node.url}v1/entries/${issued.index}`)).json()) as { entry: string };
    const logged = Buffer.from(entry.entry, 'base64').toString('utf8');
    assert.ok(logged.includes(commitment));
    assert.ok(!logged.includes(data.document) && !logged.includes(data.name));
  });

  test('refusals exit 1 with the rule; bad arguments exit 2', async () => {
    const notOperator = await run(
      'credential',
      'issue',
      alice,
      '--role',
      'regulator',
      '--key',
      bobKey,
      '--server',
      node.url,
    );
    assert.equal(notOperator.code, 1);
    assert.match(notOperator.err, /not_authorized/);
    const both = await run(
      'credential',
      'issue',
      alice,
      '--role',
      'regulator',
      '--real-name',
      '--key',
      operatorKey,
      '--server',
      node.url,
    );
    assert.equal(both.code, 2);
    const noData = await run(
      'credential',
      'issue',
      alice,
      '--real-name',
      '--key',
      operatorKey,
      '--server',
      node.url,
    );
    assert.equal(noData.code, 2);
  });

  test('revoke: the role is gone, and a second revocation is refused', async () => {
    const identity = await clientFor(node.url).identity(alice);
    const roleId = identity!.roles[0]!.credential;
    const revoked = await run(
      'credential',
      'revoke',
      roleId,
      '--subject',
      alice,
      '--reason',
      'test',
      '--key',
      operatorKey,
      '--server',
      node.url,
    );
    assert.equal(revoked.code, 0, revoked.err);
    assert.deepEqual((await clientFor(node.url).identity(alice))?.roles, []);
    const again = await run(
      'credential',
      'revoke',
      roleId,
      '--subject',
      alice,
      '--key',
      operatorKey,
      '--server',
      node.url,
    );
    assert.equal(again.code, 1);
    assert.match(again.err, /credential_revoked/);
  });
});
