/**
 * The integration tier: tests against one real Temporal dev server started for the whole run
 * (test/support/globalSetup.ts) and the labs. The unit tier (jest.unit.config.js) runs the rest.
 */
const ESM_ONLY = ['@kubernetes/client-node', 'openid-client', 'oauth4webapi', 'jose', '@secretlint'];

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest'],
    // @kubernetes/client-node 1.x and its OIDC dependencies are ES modules only; Node loads them with
    // require() (20.19+), jest's module registry does not, so jest gets them turned into CommonJS.
    // So is secretlint (plan/secretScan.ts).
    [`/node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]: ['@swc/jest'],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // The unit tier's (jest.unit.config.js) and the cluster tier's (jest.cluster.config.js): run there, once.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/unit/', '<rootDir>/test/cluster/'],
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
  testTimeout: 180_000,
  maxWorkers: 2,
};
