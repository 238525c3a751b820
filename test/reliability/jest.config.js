// Fault-injection suite (docs/reliability.md): each scenario starts real API and worker processes
// from dist/ against real Postgres and Redis, so `npm run build` must have run first. Scenarios
// share one 2-core machine: run them one at a time (--runInBand).
/* global require, module, process */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS config, like the root one */
const root = require('../../jest.config.js');

const integration = root.projects.find((project) => project.displayName === 'integration');

// Long form only: together they take more than CI's short form can spare (docs/reliability.md).
// RELIABILITY_WITH_LONG_ONLY=1 runs them in the short form too (their short populations).
const LONG_ONLY = ['/test/reliability/redis-cluster\\.', '/test/reliability/read-replica\\.'];
const skipLongOnly = process.env.RELIABILITY_SHORT === '1' && process.env.RELIABILITY_WITH_LONG_ONLY !== '1';

module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  transform: integration.transform,
  transformIgnorePatterns: integration.transformIgnorePatterns,
  moduleNameMapper: integration.moduleNameMapper,
  testMatch: ['<rootDir>/test/reliability/**/*.reliability.ts'],
  testPathIgnorePatterns: ['/node_modules/', ...(skipLongOnly ? LONG_ONLY : [])],
  // Each scenario bounds its own phases; this only stops a scenario that is stuck altogether.
  testTimeout: 30 * 60 * 1000,
  maxWorkers: 1,
};
