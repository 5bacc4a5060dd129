import type { MiddlewareHandler } from 'hono';
import type { SimContext, SimEnv } from './context.js';
import { SimulatedDrop } from './http.js';
import type { SimRequestLogEntry } from './state.js';

/**
 * The simulator's request log (`ctx.state.requestLog`), newest last, capped at
 * `config.requestLogLimit`. SP-API calls are logged by the pipeline with the operation and the
 * caller; everything else outside `/_sim/` by `requestLogging` below. Other modules (LWA) may log
 * their own richer entry with `logRequest`; the middleware then leaves it alone.
 */

/** A log entry to record; `at` defaults to the simulated now. */
export type NewRequestLogEntry = Omit<SimRequestLogEntry, 'at'> & { at?: number };

/** The entry logged for a request id, searching from the newest. */
export function findLogEntry(ctx: SimContext, requestId: string): SimRequestLogEntry | undefined {
  const log = ctx.state.requestLog;
  for (let i = log.length - 1; i >= 0; i--) if (log[i]!.requestId === requestId) return log[i];
  return undefined;
}

/**
 * Appends an entry, or updates the entry already logged for the same request id (so a module can
 * log early and complete the entry later without creating duplicates).
 */
export function logRequest(ctx: SimContext, entry: NewRequestLogEntry): SimRequestLogEntry {
  const existing = findLogEntry(ctx, entry.requestId);
  if (existing) {
    Object.assign(existing, entry);
    return existing;
  }
  const { at, ...rest } = entry;
  const logged: SimRequestLogEntry = { ...rest, at: at ?? ctx.clock.now() };
  const log = ctx.state.requestLog;
  log.push(logged);
  const excess = log.length - Math.max(0, ctx.config.requestLogLimit);
  if (excess > 0) log.splice(0, excess);
  return logged;
}

/** True for the simulator's own control routes, which are never logged. */
export function isControlPath(path: string): boolean {
  return path === '/_sim' || path.startsWith('/_sim/');
}

/** Middleware logging every request outside `/_sim/` that no module logged itself. */
export function requestLogging(ctx: SimContext): MiddlewareHandler<SimEnv> {
  return async (c, next) => {
    if (isControlPath(c.req.path)) {
      await next();
      return;
    }
    const base = {
      requestId: c.env.requestId,
      method: c.req.method,
      path: c.req.path,
      region: c.env.region,
      // The LWA token endpoint has one fixed path (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api); name it so the log can be filtered.
      operation: c.req.path === '/auth/o2/token' ? 'lwa' : null,
      at: ctx.clock.now(),
    };
    try {
      await next();
    } catch (err) {
      if (!findLogEntry(ctx, base.requestId)) {
        logRequest(ctx, { ...base, status: 0, note: err instanceof SimulatedDrop ? 'fault:drop' : 'error' });
      }
      throw err;
    }
    if (!findLogEntry(ctx, base.requestId)) logRequest(ctx, { ...base, status: c.res.status });
  };
}
