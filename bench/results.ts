import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const DIR = path.resolve('bench/results');

/** Writes `NAME.json` and replaces NAME's line in the results README (one line per benchmark). */
export function writeBenchResult(name: string, summary: string, data: Record<string, unknown>): void {
  mkdirSync(DIR, { recursive: true });
  const machine = {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
  writeFileSync(
    path.join(DIR, `${name}.json`),
    `${JSON.stringify({ name, at: new Date().toISOString(), machine, ...data }, null, 2)}\n`,
  );
  const readme = path.join(DIR, 'README.md');
  const header =
    '# Benchmark results\n\nWritten by `npm run bench -- NAME`; one line per benchmark, newest run. Details in `NAME.json`.\n\n';
  const lines = existsSync(readme)
    ? readFileSync(readme, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('- **'))
    : [];
  const line = `- **${name}** (${new Date().toISOString().slice(0, 10)}, ${machine.cpus} cores, Node ${machine.node}): ${summary}`;
  const next = [...lines.filter((l) => !l.startsWith(`- **${name}**`)), line].sort();
  writeFileSync(readme, `${header}${next.join('\n')}\n`);
}
