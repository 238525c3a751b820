// Fault-injection suite (docs/reliability.md): each scenario starts real API and worker processes
// from dist/ against real Postgres and Redis, so `npm run build` must have run first. Scenarios
// share one 2-core machine: run them one at a time (--runInBand).
/* global require, module */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS config, like the root one */
const root = require('../../jest.config.js');

const integration = root.projects.find((project) => project.displayName === 'integration');

module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  transform: integration.transform,
  transformIgnorePatterns: integration.transformIgnorePatterns,
  moduleNameMapper: integration.moduleNameMapper,
  testMatch: ['<rootDir>/test/reliability/**/*.reliability.ts'],
  // Each scenario bounds its own phases; this only stops a scenario that is stuck altogether.
  testTimeout: 30 * 60 * 1000,
  maxWorkers: 1,
};
