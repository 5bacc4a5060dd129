import { createAdaptorServer } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Simulator } from './app.js';

/** A simulator listening on a port. */
export interface SimulatorServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Serves a simulator over HTTP on `host:port` (port 0 picks a free one). */
export async function listenSimulator(
  simulator: Simulator,
  options: { port: number; host?: string },
): Promise<SimulatorServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createAdaptorServer({
    fetch: (request: Request, env: { incoming: { socket: { destroy(): void } } }) =>
      simulator.fetch(request, () => env.incoming.socket.destroy()),
    hostname: host,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        simulator.stop();
        if ('closeAllConnections' in server && typeof server.closeAllConnections === 'function')
          server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
