import type { Command } from 'commander';
import { lazyAction } from './lazy.js';

/** `simulator`: the fake Amazon on its own port, for demos and for testing other software. */
export function registerSimulatorCommand(program: Command): void {
  program
    .command('simulator')
    .description('run the Amazon simulator (LWA, Seller Central pages, SP-API) on its own port')
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', '4000')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--seed <name>', "start with seed data: 'demo' (apps and sellers of docs/simulator.md)")
    .option('--speed <factor>', 'multiply every usage-plan rate by this factor', '1')
    .option(
      '--token-clock <clock>',
      "what access tokens and RDTs expire by: 'simulated' (the simulated clock, so a clock jump expires them) or 'real' (real time since issue, as a client's own clock sees it)",
      'simulated',
    )
    .option(
      '--code-redirect-uri <rule>',
      "the code exchange's redirect_uri: 'required' (as Amazon documents) or 'rfc6749' (only when the consent URL carried one)",
      'required',
    )
    .option(
      '--redirect-uri <uri...>',
      'extra OAuth redirect URIs registered on the demo apps (and their /oauth/ads/callback counterparts on the demo Ads clients)',
      ['http://localhost:3000/oauth/callback'],
    )
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
    .action(lazyAction(async () => (await import('./simulator-actions.js')).runSimulator));
}
