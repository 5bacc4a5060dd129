import { spawn, type ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobs, type Jobs } from '../../src/jobs/boss.js';
import { openStore, type Store } from '../../src/store/database.js';
import { createPostgresDatabase, postgresAvailable } from '../support/databases.js';

/** Real worker processes against one PostgreSQL: exactly-once delivery and retry after a kill. */
describe.skipIf(!postgresAvailable)('jobs across worker processes [postgres]', () => {
  let database: { url: string; drop: () => Promise<void> };
  let store: Store;
  let jobs: Jobs;
  const workers: ChildProcess[] = [];

  const startWorker = async (queue: string, cron = false): Promise<ChildProcess> => {
    const child = spawn(
      process.execPath,
      [
        'bin/sellerlink-dev.js',
        'test/support/job-worker.ts',
        database.url,
        queue,
        ...(cron ? ['--cron'] : []),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    workers.push(child);
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
    });
    return child;
  };

  const runs = async (): Promise<{ job_id: string; pid: number; attempt: number; finished: boolean }[]> =>
    (
      await sql<{ job_id: string; pid: number; attempt: number; finished: boolean }>`
        select job_id, pid, attempt, finished from test_job_runs order by started_at`.execute(store.db)
    ).rows;

  beforeAll(async () => {
    database = await createPostgresDatabase();
    store = await openStore({ kind: 'postgres', url: database.url });
    await sql`create table test_job_runs (job_id text not null, pid int not null, attempt int not null,
      finished boolean not null default false, started_at timestamptz not null default clock_timestamp())`.execute(
      store.db,
    );
    jobs = await startJobs({ store, supervise: false }); // installs the schema; sends only
  });

  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await jobs.stop(1000);
    await store.close();
    await database.drop();
  });

  it('two worker processes run each of 40 jobs exactly once, a deferred one included', async () => {
    const a = await startWorker('once');
    const b = await startWorker('once');
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push((await jobs.boss.send('once', { i }))!);
    ids.push((await jobs.boss.sendAfter('once', {}, {}, 2))!);
    await expect
      .poll(async () => (await runs()).filter((r) => r.finished).length, { timeout: 30_000, interval: 250 })
      .toBe(41);
    await new Promise((r) => setTimeout(r, 1500)); // a duplicate, if any, would show up now
    const all = await runs();
    expect(all).toHaveLength(41);
    expect(new Set(all.map((r) => r.job_id))).toEqual(new Set(ids));
    const pids = new Set(all.map((r) => r.pid));
    expect(pids.has(a.pid!) || pids.has(b.pid!)).toBe(true);
    a.kill('SIGTERM');
    b.kill('SIGTERM');
  });

  it('retries a job whose worker process is killed mid-run, on the surviving worker', async () => {
    await sql`delete from test_job_runs`.execute(store.db);
    const first = await startWorker('crashy');
    const id = (await jobs.boss.send('crashy', { hangOnFirstAttempt: true }))!;
    await expect.poll(async () => (await runs()).length, { timeout: 15_000, interval: 100 }).toBe(1);
    const hung = (await runs())[0]!;
    expect(hung).toMatchObject({ job_id: id, finished: false, attempt: 0 });
    const hungPid = hung.pid;
    // Kill it before another worker exists: pg-boss frees a worker whose job outlives its expiry,
    // so a live hung worker could otherwise take the retry itself.
    workers.find((w) => w.pid === hungPid)?.kill('SIGKILL');
    const survivor = await startWorker('crashy');
    await expect
      .poll(async () => (await runs()).some((r) => r.finished), { timeout: 30_000, interval: 250 })
      .toBe(true);
    const all = await runs();
    expect(all.map((r) => [r.job_id, r.attempt, r.finished])).toEqual([
      [id, 0, false],
      [id, 1, true],
    ]);
    expect(all[1]!.pid).toBe(survivor.pid);
    expect(first.pid).toBe(hungPid);
  });

  it('a cron schedule shared by two worker processes fires once per minute', async () => {
    await sql`delete from test_job_runs`.execute(store.db);
    await startWorker('tick', true);
    await startWorker('tick', true);
    // Each minute pg-boss sends one "send-it" job per schedule and 60-second slot (its
    // `singleton_on`), however many processes keep time; the worker that takes it sends the job.
    // Once per minute means one run per slot. Wall-clock gaps between runs are no measure on a
    // loaded machine (a late slot and the next one can run seconds apart), so runs are counted
    // against the distinct slots pg-boss recorded: a slot fired twice gives more runs than slots.
    const slots = async (): Promise<number> =>
      Number(
        (
          await sql<{ n: string }>`select count(distinct singleton_on) as n from pgboss.job
            where name = '__pgboss__send-it' and singleton_key = 'tick' and state = 'completed'`.execute(
            store.db,
          )
        ).rows[0]!.n,
      );
    await expect.poll(slots, { timeout: 150_000, interval: 1000 }).toBeGreaterThanOrEqual(2);
    // Stop the schedule, then let what was sent finish: runs and slots are then read at rest.
    await jobs.boss.unschedule('tick');
    await new Promise((r) => setTimeout(r, 3_000));
    await expect
      .poll(async () => (await runs()).filter((r) => r.finished).length === (await slots()), {
        timeout: 20_000,
        interval: 500,
      })
      .toBe(true);
    const all = await runs();
    expect(all.length).toBe(await slots());
    expect(all.every((r) => r.attempt === 0 && r.finished)).toBe(true);
    expect(new Set(all.map((r) => r.job_id)).size).toBe(all.length);
  }, 180_000);
});
