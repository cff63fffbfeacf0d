import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/summary-reporter.ts'],
    // Builds nothing itself: a temp folder where test/demo-report.ts keeps the demo database and reports for the run.
    globalSetup: ['./test/demo-report.setup.ts'],
    env: { TZ: 'UTC', NO_COLOR: '1', FORCE_COLOR: '0' },
  },
});
