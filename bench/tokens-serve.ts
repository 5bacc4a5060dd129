/**
 * A child process of `bench/tokens.ts` for part (b): the Sellerlink service (web role, production
 * mode, configured from the environment the parent passes: PostgreSQL, vault key, the demo app, the
 * parent's simulator as Amazon) and, in the same process, a bare Hono hello-world route on
 * @hono/node-server. Sends `{ type: 'ready', serviceUrl, bareUrl }`; stops on `stop`.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config/config.js';
import { silentLogger } from '../src/kernel/log.js';
import { startService } from '../src/main.js';

const service = await startService(loadConfig(process.env), silentLogger, 'web');

const bare = new Hono();
bare.get('/', (c) => c.text('Hello Hono!'));
const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
  const s = serve({ fetch: bare.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
});
const bareUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

process.on('message', (message: { type: string }) => {
  if (message.type !== 'stop') return;
  server.close();
  void service.stop().finally(() => process.disconnect());
});
process.send?.({ type: 'ready', serviceUrl: service.url, bareUrl });
