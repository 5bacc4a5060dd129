import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { createOffsetClock, systemClock } from '../../kernel/clock.js';
import { cryptoRandom } from '../../kernel/random.js';
import { createSimulator } from '../../simulator/app.js';
import type { SimContext } from '../../simulator/context.js';
import { newControlToken } from '../../simulator/control-auth.js';
import { controlFilePath, removeControlFile, writeControlFile } from '../../simulator/control-file.js';
import { loadState, saveState } from '../../simulator/persistence.js';
import { DEMO, seedDemo } from '../../simulator/seed.js';
import { listenSimulator } from '../../simulator/server.js';
import type { SimState } from '../../simulator/state.js';
import { waitForShutdown } from '../shutdown.js';

interface SimulatorOptions {
  port: string;
  host: string;
  seed?: string;
  speed: string;
  redirectUri: string[];
  loginUri: string;
  stateFile?: string;
  dataDir?: string;
}

/** How often a `--state-file` is written while the simulator runs. */
const AUTOSAVE_MS = 60_000;

const REGION_PREFIX: Record<string, string> = { NA: '/na', EU: '/eu', FE: '/fe' };

/** `simulator`: the fake Amazon on its own port, for demos and for testing other software. */
export function registerSimulatorCommand(program: Command): void {
  program
    .command('simulator')
    .description('run the Amazon simulator (LWA, Seller Central pages, SP-API) on its own port')
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', '4000')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--seed <name>', "start with seed data: 'demo' (apps and sellers of docs/simulator.md)")
    .option('--speed <factor>', 'multiply every usage-plan rate by this factor', '1')
    .option('--redirect-uri <uri...>', 'extra OAuth redirect URIs registered on the demo apps', [
      'http://localhost:3000/oauth/callback',
    ])
    .option(
      '--login-uri <uri>',
      'login URI of the demo apps (Amazon-initiated flow)',
      'http://localhost:3000/oauth/login',
    )
    .option(
      '--state-file <path>',
      'load the world from this file if it exists; save it every 60 s and on exit',
    )
    .option(
      '--data-dir <dir>',
      'where the control file (URL and control token, for `sellerlink sim`) and state files saved through the controls go (default: $SELLERLINK_DATA_DIR or .sellerlink)',
    )
    .action(async (options: SimulatorOptions) => {
      const port = Number(options.port);
      const speed = Number(options.speed);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new Error(`--port must be 0-65535 (got ${options.port})`);
      if (!(speed > 0)) throw new Error(`--speed must be a positive number (got ${options.speed})`);
      if (options.seed !== undefined && options.seed !== 'demo')
        throw new Error(`unknown seed '${options.seed}' (known: demo)`);

      const stateFile = options.stateFile === undefined ? undefined : resolve(options.stateFile);
      const clockFile = stateFile === undefined ? undefined : clockFileOf(stateFile);
      const loaded = stateFile !== undefined && existsSync(stateFile) ? readStateFile(stateFile) : undefined;
      // Simulated time only moves forward, also across restarts: the offset is kept beside the state.
      const offsetMs = clockFile !== undefined && loaded ? readOffset(clockFile) : 0;
      const clock = createOffsetClock(systemClock, offsetMs);
      const dataDir = resolve(options.dataDir ?? process.env.SELLERLINK_DATA_DIR ?? '.sellerlink');
      // The controls' token: SIMULATOR_TOKEN (an environment variable, never an argument that `ps`
      // would show), else a fresh 256-bit one for this run.
      const controlToken = process.env.SIMULATOR_TOKEN || newControlToken(cryptoRandom);
      const simulator = createSimulator({
        clock,
        config: { speed },
        controlToken,
        stateDir: join(dataDir, 'simulator-states'),
        ...(loaded ? { state: loaded } : {}),
      });
      const server = await listenSimulator(simulator, { port, host: options.host });
      writeControlFile(dataDir, { url: server.url, token: controlToken });
      const landing = `${server.url}/_sim/landing`;
      const notes: string[] = [];
      if (options.seed === 'demo') {
        if (demoPresent(simulator.ctx)) {
          notes.push(`The state file already holds the demo seed; it was not added again.`);
          if (adoptLanding(simulator.ctx, landing)) notes.push(`Demo apps now redirect to ${landing}.`);
        } else {
          seedDemo(simulator.ctx, {
            redirectUris: [landing, ...options.redirectUri],
            loginUri: options.loginUri,
          });
        }
      }

      const lines = [
        describe(server.url, options.seed === 'demo' ? simulator.ctx : null),
        '',
        `Control token: ${controlToken}`,
        `  the /_sim/ controls need it (Authorization: Bearer <token>); 'sellerlink sim' reads it from`,
        `  ${controlFilePath(dataDir)} (mode 0600, removed on exit)`,
        `  browse the controls: ${server.url}/_sim/?token=${controlToken}`,
        `  state files saved through the controls go to ${join(dataDir, 'simulator-states')}`,
      ];
      if (stateFile !== undefined) {
        lines.push(
          '',
          `State file: ${stateFile}`,
          loaded
            ? `  loaded (${summary(loaded)})`
            : '  not found: starting empty; it is created on the first save',
          ...(offsetMs > 0
            ? [`  simulated clock restored: real time + ${Math.round(offsetMs / 1000)} s`]
            : []),
          `  saved every ${AUTOSAVE_MS / 1000} s and on exit (Ctrl+C); the clock offset goes to ${clockFile}`,
        );
      }
      if (notes.length > 0) lines.push('', ...notes);
      lines.push('', 'Stop with Ctrl+C.');
      console.log(lines.join('\n'));

      const save = (): boolean => {
        if (stateFile === undefined) return false;
        try {
          saveState(simulator.ctx.state, stateFile);
          writeFileSync(clockFileOf(stateFile), JSON.stringify({ offsetMs: clock.offset() }));
          return true;
        } catch (err) {
          console.error(`simulator: could not save the state to ${stateFile}: ${(err as Error).message}`);
          return false;
        }
      };
      const timer = stateFile === undefined ? undefined : setInterval(() => void save(), AUTOSAVE_MS);
      timer?.unref();
      await waitForShutdown(async () => {
        if (timer) clearInterval(timer);
        removeControlFile(dataDir, controlToken);
        await server.close();
        if (save()) console.log(`State saved to ${stateFile}`);
      });
    });
}

/** Loads a state file, naming the file in the error (a broken file is never overwritten). */
function readStateFile(path: string): SimState {
  try {
    return loadState(path);
  } catch (err) {
    throw new Error(
      `cannot load the simulator state from ${path}: ${(err as Error).message}. ` +
        'Fix or move the file, or pass another --state-file.',
      { cause: err },
    );
  }
}

/** Where the clock offset of a state file is kept: `world.json` → `world.clock.json`. */
function clockFileOf(stateFile: string): string {
  return `${stateFile.replace(/\.json$/i, '')}.clock.json`;
}

/** The saved clock offset, or 0 when there is none or it is unreadable (time then restarts at real time). */
function readOffset(clockFile: string): number {
  if (!existsSync(clockFile)) return 0;
  try {
    const offset = Number((JSON.parse(readFileSync(clockFile, 'utf8')) as { offsetMs?: unknown }).offsetMs);
    return Number.isFinite(offset) && offset > 0 ? offset : 0;
  } catch {
    console.error(`simulator: ignoring unreadable clock file ${clockFile}`);
    return 0;
  }
}

function demoPresent(ctx: SimContext): boolean {
  return (
    ctx.state.apps.has(DEMO.draftApp.appId) ||
    ctx.state.apps.has(DEMO.publishedApp.appId) ||
    DEMO.sellers.some((s) => ctx.state.sellers.has(s.sellingPartnerId))
  );
}

/**
 * A saved demo seed names the landing page of the run that created it, maybe on another port.
 * Points the demo apps' landing redirect URI at this run's, keeping its place in the list (the first
 * is the default redirect, https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow). Returns true when something changed.
 */
function adoptLanding(ctx: SimContext, landing: string): boolean {
  let changed = false;
  for (const appId of [DEMO.draftApp.appId, DEMO.publishedApp.appId]) {
    const app = ctx.state.apps.get(appId);
    if (!app || app.redirectUris.includes(landing)) continue;
    const index = app.redirectUris.findIndex((u) => /^https?:\/\/[^/]+\/_sim\/landing$/.test(u));
    if (index >= 0) app.redirectUris[index] = landing;
    else app.redirectUris.unshift(landing);
    changed = true;
  }
  return changed;
}

function summary(state: SimState): string {
  return [
    `${state.apps.size} apps`,
    `${state.sellers.size} sellers`,
    `${state.authorizations.size} authorizations`,
    `${state.orders.size} orders`,
  ].join(', ');
}

function describe(url: string, demo: SimContext | null): string {
  const lines = [
    ``,
    `Amazon simulator listening on ${url}`,
    `  LWA token endpoint: ${url}/auth/o2/token`,
    `  SP-API endpoints:   ${url}/na  ${url}/eu  ${url}/fe`,
    `  Seller Central:     ${url}/na/apps/manage  (and /eu, /fe)`,
    `  Controls:           ${url}/_sim/...  (sellerlink sim --help; they need the control token below)`,
  ];
  if (demo) {
    lines.push('', 'Demo seed (docs/simulator.md):');
    for (const spec of [DEMO.draftApp, DEMO.publishedApp]) {
      const app = demo.state.apps.get(spec.appId);
      if (!app) continue;
      const secret = app.clientSecrets.at(-1)?.secret ?? spec.clientSecret;
      lines.push(
        `  ${app.status === 'draft' ? 'Draft' : 'Published'} app "${app.name}"`,
        `    app id ${app.appId}`,
        `    client id ${app.clientId}`,
        `    client secret ${secret}`,
      );
    }
    for (const s of DEMO.sellers) {
      lines.push(
        `  ${s.region} seller ${s.sellingPartnerId}: sign in as ${s.email} / ${DEMO.sellerPassword}`,
      );
    }
    lines.push('', 'Consent URLs (open in a browser; you land on the redirect URI with a code):');
    for (const s of DEMO.sellers) {
      const base = `${url}${REGION_PREFIX[s.region]}/apps/authorize/consent`;
      const state = `demo-${s.region.toLowerCase()}`;
      lines.push(
        `  ${s.region} draft app:     ${base}?application_id=${DEMO.draftApp.appId}&state=${state}&version=beta`,
        `  ${s.region} published app: ${base}?application_id=${DEMO.publishedApp.appId}&state=${state}`,
      );
    }
  }
  return lines.join('\n');
}
