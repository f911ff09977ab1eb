/**
 * The unit tier (`npm run test:unit`): no Temporal dev server, no lab, no build. The compiler,
 * recipes, access rules and the interpreter (on Temporal's time-skipping test server with mocked
 * activities). Its global setup only bundles the workflow code once for the run.
 */
const integration = require('./jest.config.js');

module.exports = {
  ...integration,
  testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/kinds/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/test/unit/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/unit/support/globalTeardown.ts',
  testTimeout: 30_000,
};
