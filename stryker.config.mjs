// Mutation testing (`npm run mutate`): StrykerJS 9.6 (the last line for Node 20) with its vitest
// runner, over the library. A mutant that survives names behaviour no test pins down.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts', related: true },
  // The library; the CLI's process plumbing (argument parsing aside, it is exercised by spawning
  // the built binary, which Stryker's in-process runner cannot see) is left out.
  // (schema-validators.ts is ajv's generated code, core.ts only re-exports, memo.ts says why it is out.)
  mutate: ['src/**/*.ts', '!src/cli/**', '!src/index.ts', '!src/core.ts', '!src/**/index.ts', '!src/schema-validators.ts', '!src/xml/memo.ts'],
  // Message-only and time-only mutants are ignored, not run: test/mutation/message-ignorer.js and
  // time-only-ignorer.js say which.
  plugins: ['@stryker-mutator/vitest-runner', './test/mutation/message-ignorer.js', './test/mutation/time-only-ignorer.js'],
  ignorers: ['message', 'time-only'],
  // vitest does not type-check, so Stryker need not insert // @ts-nocheck into every file (it would
  // also change the generated validators, which a test compares with what the schemas give).
  disableTypeChecks: false,
  coverageAnalysis: 'perTest',
  concurrency: 2,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
};
