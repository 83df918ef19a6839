// `npm run test:pg`: the integration specs again, on a throw-away PostgreSQL cluster (see pg-global-setup.ts).
// Without Debian's PostgreSQL binaries they are skipped, saying how to install them.
const { existsSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

// The newest PostgreSQL major Debian has installed, as test/support/postgres.ts picks it.
const majors = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').filter((d) => /^\d+$/.test(d)).sort((a, b) => b - a) : [];
const bin = process.env.LOA_PG_BIN || join('/usr/lib/postgresql', majors[0] || '15', 'bin');
if (!existsSync(join(bin, 'initdb')) || !existsSync(join(bin, 'pg_ctl'))) {
  console.warn(`PostgreSQL integration specs SKIPPED: no initdb/pg_ctl in ${bin}. Install Debian's PostgreSQL (apt-get install postgresql) or set LOA_PG_BIN.`);
  process.exit(0);
}
const jest = require.resolve('jest/bin/jest');
// Two specs are about SQLite's own file and stay on it: the tampering of the signed-seals spec is done with
// better-sqlite3 on loa.sqlite, and the deployment spec checks that file's mode. Both run in the main run.
const sqliteOnly = ['signed-seals\\.integration', 'deployment\\.integration'];
const args = ['--selectProjects', 'unit', '--runInBand', '--testTimeout', '30000', '--testPathPatterns', '\\.integration\\.spec\\.ts$', '--testPathIgnorePatterns', '/node_modules/', ...sqliteOnly, ...process.argv.slice(2)];
const run = spawnSync(process.execPath, [jest, ...args], { stdio: 'inherit', env: { ...process.env, LOA_TEST_DB: 'postgres' } });
process.exit(run.status ?? 1);
