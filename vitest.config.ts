import { defineConfig } from 'vitest/config';
import { LongestFirstSequencer } from './test/support/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    pool: 'forks',
    // Two test files at a time: many wait on processes, sockets and simulated delays rather than the
    // CPU (the suite took 991 s one at a time, 644 s two at a time, on the 2-core machines here).
    maxWorkers: 2,
    // Test files share their worker's module cache instead of a fresh process each: importing the
    // service's modules again per file cost about 235 s of the CI's 1,310 s test step (1,075 s
    // without). Every file opens and closes what it uses; work left running after a file ends
    // would surface as an unhandled error in the next one and fail the run.
    isolate: false,
    // The slowest files start first, so none runs alone at the end (test/support/sequencer.ts).
    sequence: { sequencer: LongestFirstSequencer },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Builds dist/ first: tests that spawn bin/sellerlink.js run the built code.
    globalSetup: ['test/support/build-dist.ts', 'test/support/global-setup.ts'],
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
