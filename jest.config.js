// Three tiers (see docs/ARCHITECTURE.md): pure unit specs next to the code, integration tests
// against the real Postgres and Redis, and supertest e2e tests against the whole app.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
      // Resolve the @tagforge/* aliases at transform time, so jest's globalSetup sees them too.
      baseUrl: __dirname,
      paths: require('./tsconfig.json').compilerOptions.paths,
    },
    module: { type: 'commonjs' },
  },
];
const aliases = {
  '^@tagforge/(rules|profile|catalog|evaluation|persistence|queue|common|demo-data|auth|ingestion|pipeline|serving|scorecard|insights|campaigns|delivery)$':
    '<rootDir>/libs/$1/src/index.ts',
  '^@tagforge/migrations$': '<rootDir>/migrations/index.ts',
};
const shared = {
  testEnvironment: 'node',
  // NestJS 12 ships ESM only, and so do a few packages openapi-typescript requires (the OpenAPI
  // client test generates a client with it); jest runs CommonJS, so those are compiled like our code.
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|json-logic-engine|change-case|index-to-position|parse-json|supports-color|openapi-typescript/node_modules/(parse-json|supports-color))/)',
  ],
  moduleNameMapper: aliases,
};
module.exports = {
  // Integration tests start whole apps against real services; hooks share this budget.
  testTimeout: 60000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      testTimeout: 60000,
    },
  ],
};
