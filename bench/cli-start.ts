import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * How long the CLI takes to answer `--help`, each case started as a new process RUNS times. The
 * built CLI (dist/, plain Node) registers every command without loading the application; the other
 * cases show what that saves: the same CLI run from the sources through tsx, and loading the
 * application (what every command used to load before answering), next to Node starting alone.
 */
const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 15);

interface Case {
  name: string;
  args: string[];
  /** Text the output must contain, so a broken case cannot look fast. */
  expect: string;
}

/** Runs src/cli/main.ts through tsx, as bin/sellerlink.js did before there was a build. */
const TSX_CLI =
  "const { runCli } = await import('./src/cli/main.ts'); process.exitCode = await runCli(['node', 'sellerlink', ...process.argv.slice(1)]);";

const CASES: Case[] = [
  { name: 'node alone (node -e 0)', args: ['-e', '0'], expect: '' },
  { name: 'dist: sellerlink --help', args: ['bin/sellerlink.js', '--help'], expect: 'Usage: sellerlink' },
  {
    name: 'dist: sellerlink accounts --help',
    args: ['bin/sellerlink.js', 'accounts', '--help'],
    expect: 'Usage: sellerlink accounts',
  },
  {
    name: 'tsx: sellerlink --help (sources)',
    args: ['--import', 'tsx', '--input-type=module', '-e', TSX_CLI, '--', '--help'],
    expect: 'Usage: sellerlink',
  },
  {
    name: 'dist: loading the application',
    args: [
      '--input-type=module',
      '-e',
      "await import('./dist/cli/context.js'); await import('./dist/simulator/app.js');",
    ],
    expect: '',
  },
];

function timeOnce(c: Case): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, c.args, { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0 || !result.stdout.includes(c.expect)) {
    throw new Error(`${c.name}: exit ${result.status}\n${result.stdout}${result.stderr}`);
  }
  return ms;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

interface Timing {
  case: string;
  runs: number;
  medianMs: number;
  p95Ms: number;
  minMs: number;
}

export const bench = {
  description: `CLI start: sellerlink --help from dist/ vs sources through tsx, ${RUNS} runs each`,
  run() {
    if (!existsSync('dist/cli/main.js')) throw new Error('dist/ is missing: run npm run build');
    const results: Timing[] = [];
    for (const c of CASES) {
      timeOnce(c); // warm the file system cache
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) times.push(timeOnce(c));
      times.sort((a, b) => a - b);
      results.push({
        case: c.name,
        runs: RUNS,
        medianMs: round(percentile(times, 50)),
        p95Ms: round(percentile(times, 95)),
        minMs: round(times[0]!),
      });
    }
    const median = (name: string) => results.find((r) => r.case === name)!.medianMs;
    const help = median('dist: sellerlink --help');
    const tsx = median('tsx: sellerlink --help (sources)');
    const table = [
      '  | case | median ms | p95 ms |',
      '  | --- | ---: | ---: |',
      ...results.map((r) => `  | ${r.case} | ${r.medianMs} | ${r.p95Ms} |`),
    ].join('\n');
    return Promise.resolve({
      summary:
        `\`sellerlink --help\` from dist/: median ${help} ms, p95 ${results[1]!.p95Ms} ms ` +
        `(through tsx: ${tsx} ms, ${(tsx / help).toFixed(1)}×; loading the application alone: ` +
        `${median('dist: loading the application')} ms)`,
      data: { results },
      table,
    });
  },
};
