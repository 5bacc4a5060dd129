/**
 * `npm run chaos`: the long form of the chaos run (test/chaos/run-chaos.ts): about 25 minutes of
 * SIGKILLs, faults, a revoke and renew and a steady workload over three regions, then the same end
 * checks as the CI test. Writes its figures and any failed checks to bench/results/chaos.json and
 * exits 1 when a check failed.
 *
 *   npm run chaos [-- --seed N] [--minutes M] [--kills K] [--out FILE]
 *
 * PostgreSQL: BENCH_DATABASE_URL or TEST_DATABASE_URL (an admin URL; a fresh database is made and
 * dropped), else a throwaway server (scripts/postgres-for-tests.sh).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { postgresUrl } from './support.js';
import { LONG_FORM, runChaos, type ChaosOptions } from '../test/chaos/run-chaos.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const seed = Number(option('seed') ?? Math.floor(Math.random() * 2 ** 31));
const minutes = option('minutes');
const kills = option('kills');
const out = path.resolve(option('out') ?? 'bench/results/chaos.json');
const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? postgresUrl();
const form = {
  ...LONG_FORM,
  ...(minutes
    ? { chaosMs: Number(minutes) * 60_000, ordersMs: Math.max(1, Number(minutes) - 1) * 60_000 }
    : {}),
  ...(kills ? { kills: Number(kills) } : {}),
};
const options: ChaosOptions = {
  ...form,
  adminUrl,
  seed,
  workDir: mkdtempSync(path.join(os.tmpdir(), 'sellerlink-chaos-')),
  log: (line) => console.log(line),
};

const result = await runChaos(options);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify(
    {
      name: 'chaos',
      at: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpu: os.cpus()[0]?.model ?? 'unknown',
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
      },
      form: minutes || kills ? 'custom' : 'long',
      settings: form,
      passed: result.failures.length === 0,
      failures: result.failures,
      figures: result.figures,
    },
    null,
    2,
  )}\n`,
);
console.log(JSON.stringify(result.figures, null, 2));
if (result.failures.length > 0) {
  console.error(`\n${result.failures.length} checks failed (seed ${seed}):`);
  for (const failure of result.failures) console.error(`- ${failure}`);
}
console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
process.exit(result.failures.length === 0 ? 0 : 1);
