/** Unit and integration specs sit beside the code; end-to-end specs that start real processes sit in test/. */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];
const shared = {
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|typeorm|node-cron|uuid|fast-check|pure-rand|ical-generator|rrule)/)'],
  moduleNameMapper: {
    '^@loa/protocol$': '<rootDir>/libs/protocol/src/index.ts',
    '^@loa/protocol/(.*)$': '<rootDir>/libs/protocol/src/$1',
    '^@loa/ffmpeg$': '<rootDir>/libs/ffmpeg/src/index.ts',
    '^@loa/process$': '<rootDir>/libs/process/src/index.ts',
    '^@loa/schedule$': '<rootDir>/libs/schedule/src/index.ts',
    '^@loa/api-types$': '<rootDir>/libs/api-types/src/index.ts',
  },
  testEnvironment: 'node',
};
module.exports = {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts'],
      // The web console's specs run under Vitest (npm run test:web), with its own Vue build.
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/apps/web/'],
      // Only with LOA_TEST_DB=postgres (npm run test:pg): one PostgreSQL cluster for the run.
      globalSetup: '<rootDir>/test/support/pg-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/pg-global-teardown.ts',
      // Two queries at once on one PostgreSQL connection fail the spec (pg 9 refuses them).
      setupFilesAfterEnv: ['<rootDir>/test/support/pg-query-guard.ts'],
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.js',
      // A server process that sent two queries at once on one PostgreSQL connection fails its spec file.
      setupFilesAfterEnv: ['<rootDir>/test/support/e2e-server-checks.ts'],
      testTimeout: 120000,
    },
  ],
};
