import { defineConfig } from 'vitest/config';

// The tests a mutant can fail: those that run the library in-process. The libvirt suite, the
// packaging test and the ones that spawn the built CLI cannot see Stryker's mutants.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/libvirt/**', 'test/package/**', 'test/cli/process.test.ts', 'test/cli/hook.test.ts'],
  },
});
