// Browser tests of the console (docs/console.md): real API, worker, Postgres and Redis started from
// dist/ (npm run build first), driven with playwright-core through Debian's Chromium.
/* global require, module */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS config, like the root one */
const reliability = require('../reliability/jest.config.js');

module.exports = {
  ...reliability,
  testMatch: ['<rootDir>/test/console/**/*.browser.ts'],
  testTimeout: 10 * 60 * 1000,
};
