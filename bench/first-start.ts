import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Peak memory of `npm start` on a fresh data directory (the first start: the embedded database is
 * created) and on the same directory again (a later start). Each run spawns `node bin/sellerlink.js
 * start` exactly as the `start` script does (`npm run bench` has already built dist/, as `prestart`
 * would), in sandbox mode on free ports, and stops it with SIGTERM once it logs
 * "sellerlink web listening". The peak is the kernel's high-water mark of the resident set
 * (`VmHWM` in /proc/<pid>/status) read at that moment. The service runs in one process; the bench
 * still samples every descendant it finds (every 50 ms) and reports the tree's peak as the sum of
 * each process's own peak (an upper bound), so a peak moved into a child process would show.
 *
 * Two more cases show where the first start's memory goes: PGlite alone (no Sellerlink code)
 * creating a data directory (initdb) and opening an existing one.
 */
const RUNS = Number(process.env.BENCH_FIRST_START_RUNS ?? 3);

/** Measured with this bench before the prepared data-directory template existed (PGlite 0.5.16). */
const BEFORE = {
  at: '2026-12-03',
  firstStartPeakMb: [887, 847, 886],
  laterStartPeakMb: [422, 408, 404],
};

const LISTENING = 'sellerlink web listening';

interface Peak {
  /** VmHWM of the process that was started, MB. */
  processPeakMb: number;
  /** Sum of VmHWM over it and every descendant seen, MB. */
  treePeakMb: number;
  /** How many processes the tree had (1: nothing forked). */
  processes: number;
  seconds: number;
}

/** VmHWM of `pid` in MB, or null once it is gone. */
function peakMb(pid: number): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** `pid` and its descendants (Linux /proc/<pid>/task/<tid>/children). */
function tree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const tid of readdirSync(`/proc/${out[i]}/task`)) {
        const children = readFileSync(`/proc/${out[i]}/task/${tid}/children`, 'utf8').trim();
        if (children) out.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * Spawns `node args...` and returns the peaks once `ready` appears in its output (then SIGTERM) or,
 * with `ready` null, once it exits.
 */
async function measure(args: string[], env: NodeJS.ProcessEnv, ready: string | null): Promise<Peak> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  const peaks = new Map<number, number>();
  const sample = (): void => {
    for (const pid of tree(child.pid!)) {
      const mb = peakMb(pid);
      if (mb !== null) peaks.set(pid, Math.max(mb, peaks.get(pid) ?? 0));
    }
  };
  const timer = setInterval(sample, 50);
  try {
    for (;;) {
      if (ready !== null && output.includes(ready)) break;
      if (child.exitCode !== null || child.signalCode !== null) {
        if (ready === null && child.exitCode === 0) break;
        throw new Error(`${args.join(' ')} exited (${child.exitCode}) before '${ready}':\n${output}`);
      }
      if (Number(process.hrtime.bigint() - started) > 300e9) throw new Error(`no '${ready}' in 5 minutes`);
      sample();
      await new Promise((r) => setTimeout(r, 20));
    }
    sample();
  } finally {
    clearInterval(timer);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (ready !== null) child.kill('SIGTERM');
  await exited;
  return {
    processPeakMb: peaks.get(child.pid!) ?? 0,
    treePeakMb: [...peaks.values()].reduce((a, b) => a + b, 0),
    processes: peaks.size,
    seconds: Math.round(seconds * 10) / 10,
  };
}

/** `sellerlink start` in sandbox mode on `dataDir`, any free ports, as `npm start` runs it. */
function startService(dataDir: string): Promise<Peak> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SELLERLINK_DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'info',
  };
  delete env.DATABASE_URL;
  return measure(['bin/sellerlink.js', 'start'], env, LISTENING);
}

/** PGlite alone opening `dir` (created by initdb when empty), then closing it. */
function pgliteAlone(dir: string): Promise<Peak> {
  const script =
    "const { PGlite } = await import('@electric-sql/pglite');" +
    'const pg = await PGlite.create(process.argv[1]); await pg.query("select 1"); await pg.close();';
  return measure(['--input-type=module', '-e', script, dir], process.env, null);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export const bench = {
  description: `peak RSS of npm start on a fresh data directory and on a later start, ${RUNS} runs each`,
  async run() {
    const first: Peak[] = [];
    const later: Peak[] = [];
    const initdb: Peak[] = [];
    const resume: Peak[] = [];
    for (let i = 0; i < RUNS; i++) {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sellerlink-bench-first-start-'));
      const bare = mkdtempSync(path.join(os.tmpdir(), 'sellerlink-bench-pglite-'));
      try {
        first.push(await startService(dataDir));
        later.push(await startService(dataDir));
        initdb.push(await pgliteAlone(bare));
        resume.push(await pgliteAlone(bare));
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
        rmSync(bare, { recursive: true, force: true });
      }
    }
    const rows: [string, Peak[]][] = [
      ['sellerlink start, fresh data directory', first],
      ['sellerlink start, later start (same directory)', later],
      ['PGlite alone: create a data directory (initdb)', initdb],
      ['PGlite alone: open an existing data directory', resume],
    ];
    const max = (ps: Peak[], k: 'processPeakMb' | 'treePeakMb'): number => Math.max(...ps.map((p) => p[k]));
    const firstStartPeakMb = max(first, 'processPeakMb');
    const laterStartPeakMb = max(later, 'processPeakMb');
    const table = [
      '| case | peak RSS MB (max of runs) | tree peak MB | processes | median s |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...rows.map(
        ([name, ps]) =>
          `| ${name} | ${max(ps, 'processPeakMb')} | ${max(ps, 'treePeakMb')} | ` +
          `${Math.max(...ps.map((p) => p.processes))} | ${median(ps.map((p) => p.seconds))} |`,
      ),
    ].join('\n');
    return {
      summary:
        `first \`npm start\` peaks at ${firstStartPeakMb} MB RSS (target < 500; before the data-directory ` +
        `template: ${Math.max(...BEFORE.firstStartPeakMb)} MB), later starts ${laterStartPeakMb} MB`,
      data: {
        firstStartPeakMb,
        laterStartPeakMb,
        measured:
          'VmHWM (/proc/<pid>/status) of `node bin/sellerlink.js start` (sandbox mode, fresh data directory, ' +
          'then the same directory again), read when it logs "sellerlink web listening", then SIGTERM; the ' +
          'max over runs. treePeakMb sums the peaks of the process and every descendant sampled every 50 ms.',
        runs: RUNS,
        before: BEFORE,
        cases: rows.map(([name, peaks]) => ({ case: name, peaks })),
      },
      table,
    };
  },
};
