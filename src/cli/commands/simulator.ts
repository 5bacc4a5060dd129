import type { Command } from 'commander';
import { createSimulator } from '../../simulator/app.js';
import { DEMO, seedDemo } from '../../simulator/seed.js';
import { listenSimulator } from '../../simulator/server.js';
import { waitForShutdown } from '../shutdown.js';

interface SimulatorOptions {
  port: string;
  host: string;
  seed?: string;
  speed: string;
  redirectUri: string[];
  loginUri: string;
}

/** `simulator`: the fake Amazon on its own port, for demos and for testing other software. */
export function registerSimulatorCommand(program: Command): void {
  program
    .command('simulator')
    .description('run the Amazon simulator (LWA, Seller Central pages, SP-API) on its own port')
    .option('-p, --port <port>', 'port to listen on', '4000')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--seed <name>', "start with seed data: 'demo' (apps and sellers of docs/simulator.md)")
    .option('--speed <factor>', 'multiply every usage-plan rate by this factor', '1')
    .option(
      '--redirect-uri <uri...>',
      'extra OAuth redirect URIs registered on the demo apps',
      ['http://localhost:3000/oauth/callback'],
    )
    .option('--login-uri <uri>', 'login URI of the demo apps (Amazon-initiated flow)', 'http://localhost:3000/oauth/login')
    .action(async (options: SimulatorOptions) => {
      const port = Number(options.port);
      const speed = Number(options.speed);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535 (got ${options.port})`);
      if (!(speed > 0)) throw new Error(`--speed must be a positive number (got ${options.speed})`);
      if (options.seed !== undefined && options.seed !== 'demo') throw new Error(`unknown seed '${options.seed}' (known: demo)`);
      const simulator = createSimulator({ config: { speed } });
      const server = await listenSimulator(simulator, { port, host: options.host });
      if (options.seed === 'demo') {
        seedDemo(simulator.ctx, {
          redirectUris: [`${server.url}/_sim/landing`, ...options.redirectUri],
          loginUri: options.loginUri,
        });
      }
      console.log(describe(server.url, options.seed === 'demo'));
      await waitForShutdown(() => server.close());
    });
}

function describe(url: string, demo: boolean): string {
  const lines = [``, `Amazon simulator listening on ${url}`, `  LWA token endpoint: ${url}/auth/o2/token`, `  Controls: ${url}/_sim/`];
  if (demo) {
    lines.push('', 'Demo seed (docs/simulator.md):');
    for (const s of DEMO.sellers) {
      lines.push(`  ${s.region} seller ${s.sellingPartnerId}: sign in as ${s.email} / ${DEMO.sellerPassword}`);
    }
    const prefix: Record<string, string> = { NA: '/na', EU: '/eu', FE: '/fe' };
    lines.push('', 'Consent URLs (open in a browser; you land on the redirect URI with a code):');
    for (const s of DEMO.sellers) {
      const base = `${url}${prefix[s.region]}/apps/authorize/consent`;
      lines.push(`  ${s.region} draft app:     ${base}?application_id=${DEMO.draftApp.appId}&state=demo-${s.region.toLowerCase()}&version=beta`);
      lines.push(`  ${s.region} published app: ${base}?application_id=${DEMO.publishedApp.appId}&state=demo-${s.region.toLowerCase()}`);
    }
  }
  return lines.join('\n');
}
