// testcontainers-node with the PostgreSQL image, set up as
// @testcontainers/postgresql does (the log message twice), then psql over
// TCP to the mapped port.  Prints "ANSWER: 42".
'use strict';
const path = require('path');
const { execFileSync } = require('child_process');
const { GenericContainer, Wait } = require(
  path.join(process.env.WL_NODE_DIR, 'node_modules', 'testcontainers'));

(async () => {
  const c = await new GenericContainer('podsock.test/postgres')
    .withEnvironment({ POSTGRES_PASSWORD: 'pw', POSTGRES_DB: 'wl' })
    .withExposedPorts(5432)
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .withStartupTimeout(90000)
    .start();
  try {
    const host = c.getHost();
    const port = c.getMappedPort(5432);
    console.log(`MAPPED: ${host}:${port}`);
    const out = execFileSync('psql', ['-h', host, '-p', String(port), '-U', 'postgres', '-d', 'wl',
      '-tAc', 'select 40+2'], { env: { ...process.env, PGPASSWORD: 'pw', PGCONNECT_TIMEOUT: '10' } });
    console.log(`ANSWER: ${out.toString().trim()}`);
  } finally {
    await c.stop();
  }
})().catch((e) => {
  console.error(`ERROR: ${e.stack || e}`);
  process.exit(1);
});
