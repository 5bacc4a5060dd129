/**
 * `npm run bench -- NAME [NAME...]` runs benchmarks; with no name it lists them. Each writes
 * `bench/results/NAME.json` and one line in `bench/results/README.md`.
 */
import { writeBenchResult } from './results.js';

type Bench = {
  description: string;
  /** `table`: optional markdown shown under the bench's line in bench/results/README.md. */
  run: () => Promise<{ summary: string; data: Record<string, unknown>; table?: string }>;
};

const BENCHES: Record<string, () => Promise<Bench>> = {
  storage: async () => (await import('./storage.js')).bench,
  tokens: async () => (await import('./tokens.js')).bench,
  listings: async () => (await import('./listings.js')).bench,
  orders: async () => (await import('./orders.js')).bench,
  backfill: async () => (await import('./backfill.js')).bench,
  shutdown: async () => (await import('./shutdown.js')).bench,
  'cli-start': async () => (await import('./cli-start.js')).bench,
  scale: async () => (await import('./scale.js')).bench,
  'first-start': async () => (await import('./first-start.js')).bench,
};

const names = process.argv.slice(2).filter((a) => a !== '--');
if (names.length === 0) {
  console.log('usage: npm run bench -- NAME [NAME...]\n\nbenchmarks:');
  for (const [name, load] of Object.entries(BENCHES))
    console.log(`  ${name.padEnd(10)} ${(await load()).description}`);
  process.exit(0);
}
for (const name of names) {
  const load = BENCHES[name];
  if (!load) {
    console.error(`unknown benchmark '${name}' (known: ${Object.keys(BENCHES).join(', ')})`);
    process.exit(2);
  }
  const bench = await load();
  console.log(`\n== ${name}: ${bench.description}`);
  const result = await bench.run();
  writeBenchResult(name, result.summary, result.data, result.table);
  if (result.table) console.log(result.table);
  console.log(result.summary);
}
