import { defineConfig } from 'vitest/config';

export default defineConfig({
  // the kernel's front and what it loads are CommonJS TypeScript (.cts), outside Vite's default TypeScript files
  oxc: { include: /\.([cm]?ts|[jt]sx)$/ },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/global-setup.ts'],
    // tfjs keeps global engine state: one process per test file, two at a time (the machine has 2 cores)
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
