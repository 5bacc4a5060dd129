import { HOUR } from '../../src/kernel/clock.js';

/** The vault key createAmazonWorld seals with (test/support/amazon-world.ts). */
export const WORLD_VAULT_KEY = Buffer.alloc(32, 7).toString('base64');

/** Small pages so a large import has many commits to be killed between. */
export const CRASH_TEST_SETTINGS = {
  initialLookbackMs: 12 * HOUR,
  pageSize: 20,
  reportBackfillAfterMs: 0,
} as const;

/** The backfill by report, merging in small batches so a kill often lands mid-merge. */
export const REPORT_CRASH_SETTINGS = { pageSize: 50, reportMergeBatch: 10, reportPollMs: 200 } as const;
