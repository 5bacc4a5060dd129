import { serve, type ServerType } from '@hono/node-server';

/** Serves `fetch` over HTTP on `host:port` (0: any free port); resolves once listening. */
export function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  host: string,
  port: number,
): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname: host, port }, () => resolve(server));
    server.once('error', reject);
  });
}

/**
 * Stops accepting connections, closes idle keep-alive ones at once and the rest after `graceMs`
 * (a browser's keep-alive connection would otherwise hold `close()` open for minutes).
 */
export function closeServer(server: ServerType, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const http = server as ServerType & { closeIdleConnections?(): void; closeAllConnections?(): void };
    const timer = setTimeout(() => http.closeAllConnections?.(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    http.closeIdleConnections?.();
  });
}
