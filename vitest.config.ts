import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/libvirt/**', 'test/browser/**', 'test/lab/**'] } },
      // Runs the bundled core in Debian's headless Chromium.
      { test: { name: 'browser', include: ['test/browser/**/*.test.ts'], testTimeout: 120_000 } },
      // Runs against a real libvirtd; one file at a time so defines never race.
      { test: { name: 'libvirt', include: ['test/libvirt/**/*.test.ts'], fileParallelism: false, testTimeout: 120_000 } },
      // Several libvirt daemons on this machine (docs/LAB.md): every move's script run end to end.
      { test: { name: 'lab', include: ['test/lab/**/*.test.ts'], fileParallelism: false, testTimeout: 600_000, hookTimeout: 180_000 } },
    ],
    coverage: { provider: 'v8', include: ['src/**'], exclude: ['src/schema-validators.ts'], reporter: ['text-summary', 'text'] },
  },
});
