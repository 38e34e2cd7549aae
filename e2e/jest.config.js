// Whole-system tests: real processes, the real PostgreSQL and Kafka from infra/local, driven by
// the official SDKs. `npm test` starts the infrastructure and builds dist/ before these run.
module.exports = {
  ...require('../jest.preset.js'),
  rootDir: __dirname,
  displayName: 'e2e',
  testMatch: ['<rootDir>/**/*.e2e.spec.ts'],
  // Why 60 s: a cold Kafka consumer group can take several seconds to join and be assigned.
  testTimeout: 60_000,
};
