// Builds the node's optional native addon, the Ed25519 verifier with per-key tables
// (packages/node/native/ed25519_tables.c), with the machine's C compiler and the running Node's
// headers. Without them the node still works (it verifies with OpenSSL alone, about five times
// slower on repeat signers); this says what is missing, and the test of the addon fails saying so.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'packages/node/native/ed25519_tables.c');
const output = join(root, 'packages/node/native/build/ed25519_tables.node');
const headers = process.env.npm_config_nodedir
  ? join(process.env.npm_config_nodedir, 'include', 'node')
  : join(dirname(process.execPath), '..', 'include', 'node');
const compiler = process.env.CC ?? 'cc';

if (existsSync(output) && statSync(output).mtimeMs >= statSync(source).mtimeMs) process.exit(0);
if (!existsSync(join(headers, 'node_api.h')) || !existsSync(join(headers, 'openssl', 'evp.h'))) {
  console.warn(
    `build-native: Node's headers (node_api.h, openssl/evp.h) are not in ${headers}; ` +
      'the Ed25519 key tables are not built and the node verifies with OpenSSL alone',
  );
  process.exit(0);
}
mkdirSync(dirname(output), { recursive: true });
try {
  execFileSync(
    compiler,
    [
      '-O3',
      '-std=gnu11',
      '-Wall',
      '-Wextra',
      '-Werror',
      '-shared',
      '-fPIC',
      '-I',
      headers,
      '-o',
      output,
      source,
    ],
    { stdio: 'inherit' },
  );
} catch (error) {
  console.warn(
    `build-native: ${compiler} could not build ${source} (${error.message}); ` +
      'the node verifies with OpenSSL alone (set CC to another C compiler to try it)',
  );
}
