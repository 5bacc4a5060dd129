import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureQueue, startJobs, type Jobs } from '../../src/jobs/boss.js';
import type { Store } from '../../src/store/database.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';

describeEachDatabase('jobs on pg-boss', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  let jobs: Jobs;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
    jobs = await startJobs({ store, maintenanceIntervalSeconds: 1 });
  });
  afterAll(async () => {
    await jobs.stop(2000);
    await close();
  });

  it('runs every sent job once, with its data', async () => {
    await jobs.boss.createQueue('echo');
    const seen: number[] = [];
    await jobs.boss.work<{ n: number }>(
      'echo',
      { pollingIntervalSeconds: 0.5, batchSize: 10 },
      async (batch) => {
        for (const job of batch) seen.push(job.data.n);
        await Promise.resolve();
      },
    );
    for (let n = 0; n < 25; n++) await jobs.boss.send('echo', { n });
    await expect.poll(() => seen.length, { timeout: 20_000, interval: 100 }).toBe(25);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('retries a job whose handler failed', async () => {
    await jobs.boss.createQueue('flaky', { name: 'flaky', retryLimit: 2, retryDelay: 0 });
    let attempts = 0;
    await jobs.boss.work('flaky', { pollingIntervalSeconds: 0.5 }, async () => {
      attempts++;
      await Promise.resolve();
      if (attempts === 1) throw new Error('first attempt fails');
    });
    const id = await jobs.boss.send('flaky', {});
    await expect
      .poll(async () => (await jobs.boss.getJobById('flaky', id!))?.state, { timeout: 20_000, interval: 200 })
      .toBe('completed');
    expect(attempts).toBe(2);
  });

  it('brings a queue created by an earlier version to the current settings', async () => {
    // An existing deployment's listings-drain queue was `stately` with a one-hour expiry; pg-boss's
    // createQueue alone would keep that.
    await jobs.boss.createQueue('legacy-drain', {
      name: 'legacy-drain',
      policy: 'stately',
      expireInSeconds: 3600,
    });
    const legacy = await jobs.boss.send('legacy-drain', {}, { singletonKey: 'c1' });
    await ensureQueue(jobs.boss, 'legacy-drain', { policy: 'short', retryLimit: 5, expireInSeconds: 90 });
    // Queued under the old policy: dropped (the schedules queue such work again).
    expect(await jobs.boss.getJobById('legacy-drain', legacy!)).toBeNull();
    expect(await jobs.boss.getQueue('legacy-drain')).toMatchObject({
      policy: 'short',
      retryLimit: 5,
      expireInSeconds: 90,
    });
    const id = await jobs.boss.send('legacy-drain', {}, { singletonKey: 'c1' });
    expect(await jobs.boss.send('legacy-drain', {}, { singletonKey: 'c1' })).toBeNull();
    expect(Number((await jobs.boss.getJobById('legacy-drain', id!))?.expireInSeconds)).toBe(90);
  });
});

describeEachDatabase('jobs at shutdown', (kind) => {
  it('a handler that outlives the stop ends on a closed store: its late outcome is dropped without an unhandled rejection, and the job is retried', async () => {
    const { store, close } = await openTestStore(kind);
    const errors: string[] = [];
    const jobs = await startJobs({ store, onError: (e) => errors.push(e.message) });
    await jobs.boss.createQueue('slow', { name: 'slow', retryLimit: 3, retryDelay: 0 });
    let release!: () => void;
    const running = new Promise<void>((started) => {
      void jobs.boss.work('slow', { pollingIntervalSeconds: 0.5 }, async () => {
        started();
        await new Promise<void>((r) => (release = r));
      });
    });
    const id = await jobs.boss.send('slow', {});
    await running;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await jobs.stop(1000); // gives up waiting for the handler after a second
      const { rows } = await store.sql.executeSql('select state from pgboss.job where id = $1', [id]);
      expect(rows[0]?.state).toBe('retry'); // failed for retry at the stop
      await close();
      release(); // the handler ends now; pg-boss records its outcome without awaiting it
      await new Promise((r) => setTimeout(r, 300));
      expect(unhandled).toEqual([]);
      expect(errors).toEqual([
        'a job ended after the job system stopped: its outcome is dropped, it is retried',
      ]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
