/**
 * A child process of `bench/tokens.ts`: its own Amazon stack (token broker + SP-API client, built
 * from the composition factory) on the shared PostgreSQL, talking to the parent's
 * simulator over HTTP.
 *
 *   tokens-worker.ts tokens                 on `go`: one access-token request per given connection id, all at once
 *   tokens-worker.ts spapi CONNECTION PATH  one warm-up call (token cached, the limiter has learned the
 *                                           rate Amazon reports), then on `go`: GET PATH flat out for a while
 *
 * Settings come in the environment from the parent (BENCH_DATABASE, BENCH_SIM_URL, BENCH_VAULT_KEY);
 * the work comes in the `go` message. Answers `ready`, then `done` with its own figures.
 */
import { systemClock } from '../src/kernel/clock.js';
import { openStore } from '../src/store/database.js';
import { composeUseCases, testConfig } from '../test/support/compose.js';

export type WorkerGo =
  | { type: 'go'; mode: 'tokens'; requests: string[] }
  | { type: 'go'; mode: 'spapi'; durationMs: number; concurrency: number };

export type WorkerDone = {
  type: 'done';
  ms: number;
  ok: number;
  /** Failed requests by error code. */
  failed: Record<string, number>;
};

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (this script is started by bench/tokens.ts)`);
  return value;
};

const send = (message: unknown): void => {
  process.send?.(message);
};

const store = await openStore({ kind: 'postgres', url: env('BENCH_DATABASE') }, { migrate: false });
const { amazon } = await composeUseCases({
  store,
  origin: env('BENCH_SIM_URL'),
  clock: systemClock,
  config: testConfig({ SELLERLINK_VAULT_KEYS: `bench:${env('BENCH_VAULT_KEY')}` }),
});

const [mode, spapiConnection = '', spapiPath = ''] = process.argv.slice(2);
const spapiCall = () => amazon.spApi.call(spapiConnection, { method: 'GET', path: spapiPath });

const codeOf = (err: unknown): string =>
  typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : String(err);

async function run(go: WorkerGo): Promise<WorkerDone> {
  const failed: Record<string, number> = {};
  const fail = (err: unknown): void => {
    const code = codeOf(err);
    failed[code] = (failed[code] ?? 0) + 1;
  };
  let ok = 0;
  const started = performance.now();
  if (go.mode === 'tokens') {
    await Promise.all(
      go.requests.map((id) =>
        amazon.tokens.accessToken(id).then(() => {
          ok++;
        }, fail),
      ),
    );
  } else {
    const deadline = started + go.durationMs;
    const loop = async (): Promise<void> => {
      while (performance.now() < deadline) {
        try {
          await spapiCall();
          ok++;
        } catch (err) {
          fail(err);
        }
      }
    };
    await Promise.all(Array.from({ length: go.concurrency }, loop));
  }
  return { type: 'done', ms: performance.now() - started, ok, failed };
}

process.on('message', (message: WorkerGo) => {
  if (message.type !== 'go') return;
  run(message)
    .then(send, (err: unknown) => send({ type: 'done', ms: 0, ok: 0, failed: { [codeOf(err)]: 1 } }))
    .finally(() => {
      void store.close().finally(() => process.disconnect());
    });
});
if (mode === 'spapi') await spapiCall();
send({ type: 'ready' });
