/**
 * A worker process for the multi-process job tests: works QUEUE on DATABASE_URL and records every
 * attempt in test_job_runs. A job with `hangOnFirstAttempt` hangs on its first attempt so the test
 * can SIGKILL the process mid-run. With `--cron`, also schedules QUEUE every minute.
 *   node bin/sellerlink-dev.js test/support/job-worker.ts DATABASE_URL QUEUE [--cron]
 */
import { sql } from 'kysely';
import { startJobs } from '../../src/jobs/boss.js';
import { openStore } from '../../src/store/database.js';

const [url, queue, flag] = process.argv.slice(2);
if (!url || !queue) throw new Error('usage: job-worker.ts DATABASE_URL QUEUE [--cron]');

const store = await openStore({ kind: 'postgres', url, poolSize: 4 });
const jobs = await startJobs({ store, maintenanceIntervalSeconds: 1, cronMonitorIntervalSeconds: 1 });
try {
  await jobs.boss.createQueue(queue, { name: queue, retryLimit: 3, retryDelay: 0, expireInSeconds: 2 });
} catch {
  // Another worker created it first.
}
await jobs.boss.work<{ hangOnFirstAttempt?: boolean } | null>(
  queue,
  { pollingIntervalSeconds: 0.5, includeMetadata: true },
  async ([job]) => {
    if (!job) return;
    await sql`insert into test_job_runs (job_id, pid, attempt) values (${job.id}, ${process.pid}, ${job.retryCount})`.execute(
      store.db,
    );
    if (job.data?.hangOnFirstAttempt && job.retryCount === 0) await new Promise(() => {});
    await sql`update test_job_runs set finished = true where job_id = ${job.id} and attempt = ${job.retryCount}`.execute(
      store.db,
    );
  },
);
if (flag === '--cron') await jobs.boss.schedule(queue, '* * * * *');
process.stdout.write('ready\n');

const shutdown = async (): Promise<void> => {
  await jobs.stop(2000);
  await store.close();
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
