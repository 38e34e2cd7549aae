// Integration and whole-system tests: real processes, the real PostgreSQL and Kafka from
// infra/local, driven by the official SDKs. `npm test` starts the infrastructure and builds dist/
// before these run.
const path = require('node:path');

module.exports = {
  ...require('../jest.preset.js'),
  rootDir: path.join(__dirname, '..'),
  displayName: 'integration',
  testMatch: ['<rootDir>/e2e/**/*.e2e.spec.ts', '<rootDir>/apps/*/test/**/*.spec.ts', '<rootDir>/libs/**/test/**/*.spec.ts'],
  // Why 60 s: a cold Kafka consumer group can take several seconds to join and be assigned.
  testTimeout: 60_000,
};
