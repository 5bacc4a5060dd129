import { createAdaptorServer } from '@hono/node-server';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
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
  // Before the adaptor's own listener: its writeHead then spells header names as Amazon does.
  server.prependListener('request', (_request: unknown, response: ServerResponse) =>
    spellHeadersAsAmazon(response),
  );
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

/**
 * Header names on the wire as Amazon spells them (https://developer-docs.amazon.com/sp-api/docs/response-format:
 * `x-amzn-RequestId`, `x-amzn-RateLimit-Limit`, `x-amzn-ErrorType`, `Content-Length`, ...). Web
 * `Headers` keep names in lower case, so the HTTP layer restores the spelling; clients that compare
 * names case-sensitively (raw header arrays, some HTTP libraries) then see what Amazon sends.
 */
const AMAZON_SPELLING: Readonly<Record<string, string>> = Object.freeze({
  'x-amzn-requestid': 'x-amzn-RequestId',
  'x-amzn-ratelimit-limit': 'x-amzn-RateLimit-Limit',
  'x-amzn-errortype': 'x-amzn-ErrorType',
  'x-amz-apigw-id': 'x-amz-apigw-id',
});

/** `content-length` → `Content-Length`; Amazon's own `x-amzn-*` names from AMAZON_SPELLING. */
export function amazonHeaderName(name: string): string {
  const lower = name.toLowerCase();
  return (
    AMAZON_SPELLING[lower] ??
    lower.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase())
  );
}

function respell(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const spelled: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) spelled[amazonHeaderName(name)] = value;
  return spelled;
}

function spellHeadersAsAmazon(response: ServerResponse): void {
  const writeHead = response.writeHead.bind(response) as (...args: unknown[]) => ServerResponse;
  response.writeHead = (status: number, ...rest: unknown[]) => {
    const args = rest.map((arg) =>
      typeof arg === 'object' && arg !== null && !Array.isArray(arg)
        ? respell(arg as OutgoingHttpHeaders)
        : arg,
    );
    return writeHead(status, ...args);
  };
}
