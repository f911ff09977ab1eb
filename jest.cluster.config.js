/**
 * The cluster tier (`npm run test:cluster`, CI's "Temporal cluster" step): drills on the project's own
 * Temporal cluster (src/temporal/cluster.ts: PostgreSQL, frontend, two history hosts, matching, the
 * internal worker, mutual TLS), each file starting its own and killing hosts of it. Kept out of the
 * integration tier's run: each file takes minutes, and it needs the server built
 * (scripts/install-temporal-server.sh). The global setup only bundles the workflow code, as the unit tier's.
 */
const integration = require('./jest.config.js');

module.exports = {
  ...integration,
  testMatch: ['<rootDir>/test/cluster/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/test/unit/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/unit/support/globalTeardown.ts',
  testTimeout: 300_000,
  // One cluster at a time: five server processes and a database each, on a shared 2-core machine.
  maxWorkers: 1,
};
