/**
 * A child process of `bench/scale.ts`: one Sellerlink process of the given role, started as
 * `sellerlink web` or `sellerlink worker` start it (configured from the environment the parent passes:
 * PostgreSQL, vault key, the demo app, the parent's simulator as Amazon). Its jobs run as in
 * production (the monitor at start, the order-import dispatcher every minute, the imports).
 *
 *   scale-child.ts web      answers `rss`
 *   scale-child.ts worker   answers `rss`, `monitor` (one monitor pass, timed) and `dispatch` (one
 *                           run of the order-import dispatcher, the cron job's function, timed)
 *
 * Sends `{ type: 'ready', url }`; stops on `stop`.
 */
import { loadConfig } from '../src/config/config.js';
import { silentLogger } from '../src/kernel/log.js';
import { startService } from '../src/main.js';
import { dispatchOrderImports } from '../src/orders/jobs.js';

export type ChildAsk = { type: 'rss' } | { type: 'monitor' } | { type: 'dispatch' } | { type: 'stop' };

/** Resident set size now and at its peak, MB. */
export type RssAnswer = { type: 'rss'; rssMb: number; peakRssMb: number; heapUsedMb: number };

const role = process.argv[2] === 'worker' ? 'worker' : 'web';
const service = await startService(loadConfig(process.env), silentLogger, role);

const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;
const send = (message: unknown): void => {
  process.send?.(message);
};

async function answer(message: ChildAsk): Promise<void> {
  switch (message.type) {
    case 'rss':
      // After a full collection (the parent starts children with --expose-gc): what stays, not garbage.
      (globalThis as { gc?: () => void }).gc?.();
      (globalThis as { gc?: () => void }).gc?.();
      send({
        type: 'rss',
        rssMb: mb(process.memoryUsage.rss()),
        // maxRSS is in kilobytes (https://nodejs.org/api/process.html#processresourceusage).
        peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
        heapUsedMb: mb(process.memoryUsage().heapUsed),
      } satisfies RssAnswer);
      return;
    case 'monitor': {
      const started = performance.now();
      const report = await service.monitor.runMonitor();
      send({ type: 'monitor', ms: performance.now() - started, report });
      return;
    }
    case 'dispatch': {
      const boss = service.graph.jobs?.boss;
      if (!boss) throw new Error('the worker has no job system');
      const started = performance.now();
      const queued = await dispatchOrderImports(boss, service.graph.orderImporter);
      send({ type: 'dispatch', ms: performance.now() - started, queued });
      return;
    }
    case 'stop':
      await service.stop();
      process.disconnect();
  }
}

process.on('message', (message: ChildAsk) => {
  answer(message).catch((err: unknown) => {
    send({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  });
});
send({ type: 'ready', url: service.url });
