import { defineConfig } from 'vitest/config';

// The tests a mutant can fail: those that run the library in-process. The libvirt suite, the lab,
// the packaging test, the browser test (it bundles dist/) and the ones that spawn the built CLI
// cannot see Stryker's mutants; the scale test takes seconds and pins no behaviour the others miss.
// Property tests run 40 seeded cases each instead of 150: every mutant runs them again.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/libvirt/**', 'test/lab/**', 'test/package/**', 'test/browser/**', 'test/cli/process.test.ts', 'test/cli/hook.test.ts', 'test/hostile/scale.test.ts'],
    env: { FUZZ_RUNS: '40' },
  },
});
