import { spawn, type ChildProcess } from 'node:child_process';

/** A crash-test worker process (test/orders/crash-worker.ts): its output lines and its exit. */
export interface CrashWorker {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

/**
 * Starts test/orders/crash-worker.ts importing `connectionId` (mode `report`: the backfill by report)
 * from the simulator at `simUrl` into `databaseUrl`; `children` tracks the live ones so the suite can
 * kill what is left.
 */
export function startCrashWorker(options: {
  databaseUrl: string;
  simUrl: string;
  controlToken: string;
  connectionId: string;
  mode?: 'report';
  children: Set<ChildProcess>;
}): CrashWorker {
  const args = ['bin/sellerlink-dev.js', 'test/orders/crash-worker.ts', options.databaseUrl, options.simUrl];
  const child = spawn(
    process.execPath,
    [...args, options.connectionId, ...(options.mode ? [options.mode] : [])],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SIM_CONTROL_TOKEN: options.controlToken },
    },
  );
  options.children.add(child);
  const output: string[] = [];
  child.stdout.on('data', (d: Buffer) => output.push(...d.toString().split('\n').filter(Boolean)));
  child.stderr.on('data', (d: Buffer) => output.push(...d.toString().split('\n').filter(Boolean)));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      options.children.delete(child);
      resolve(code);
    }),
  );
  return { child, output, exited };
}
