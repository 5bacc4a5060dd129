import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const DIR = path.resolve('bench/results');

/**
 * Writes `NAME.json` and replaces NAME's entry in the results README: one line per benchmark,
 * optionally followed by a small markdown `table` (indented under the line, so it stays part of
 * NAME's entry when other benchmarks rewrite theirs).
 */
export function writeBenchResult(
  name: string,
  summary: string,
  data: Record<string, unknown>,
  table?: string,
): void {
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
    '# Benchmark results\n\nWritten by `npm run bench -- NAME`; one line per benchmark (some with a small table under it), newest run. Details in `NAME.json`.\n\n';
  // Entries: a `- **name**` line and the indented (or blank) lines under it.
  const entries = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const l of existsSync(readme) ? readFileSync(readme, 'utf8').split('\n') : []) {
    const match = /^- \*\*([^*]+)\*\*/.exec(l);
    if (match) entries.set(match[1]!, (current = [l]));
    else if (current && (l === '' || l.startsWith('  '))) current.push(l);
    else current = null;
  }
  const line = `- **${name}** (${new Date().toISOString().slice(0, 10)}, ${machine.cpus} cores, Node ${machine.node}): ${summary}`;
  entries.set(
    name,
    table
      ? [
          line,
          '',
          ...table
            .trim()
            .split('\n')
            .map((l) => `  ${l}`),
          '',
        ]
      : [line],
  );
  const body = [...entries.keys()]
    .sort()
    .map((key) => {
      const lines = [...entries.get(key)!];
      while (lines.length > 1 && lines.at(-1) === '') lines.pop();
      // A block is followed by a blank line so the next entry starts a new list item.
      return lines.length > 1 ? [...lines, ''].join('\n') : lines[0]!;
    })
    .join('\n');
  writeFileSync(readme, `${header}${body.replace(/\n+$/, '')}\n`);
}
