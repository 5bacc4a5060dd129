import { existsSync, lstatSync, mkdirSync, realpathSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { DAY, HOUR, MINUTE, SECOND, iso } from '../kernel/clock.js';
import type { SimContext, SimEnv } from './context.js';
import { registerFaultControls } from './controls-faults.js';
import { badInput, controlError, readJson } from './controls-validate.js';
import { registerWorldControls } from './controls-world.js';
import { loadState, replaceState, saveState } from './persistence.js';
import { requestLogging } from './request-log.js';
import { DEMO, seedDemo } from './seed.js';
import { createEmptyState, type SimState } from './state.js';

/**
 * The generic `/_sim/` controls (JSON in and out): clock, world actors, faults, request log, reset,
 * demo seed, and state save/load. Bad input answers 400 naming the field and changes nothing.
 * Also installs the request-log middleware, so it must be registered before every other route.
 */

/** Redirect URI of the demo apps when the seed request names none. */
export const DEFAULT_DEMO_REDIRECT_URI = 'http://localhost:3000/oauth/callback';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const amount = z.number().min(0, 'must not be negative (the clock only moves forward)').finite();

const advanceSchema = z.strictObject({
  ms: amount.exactOptional(),
  seconds: amount.exactOptional(),
  minutes: amount.exactOptional(),
  hours: amount.exactOptional(),
  days: amount.exactOptional(),
});

const seedSchema = z.strictObject({
  redirectUris: z.array(httpUrl).min(1, 'needs at least one redirect URI').exactOptional(),
  loginUri: httpUrl.exactOptional(),
  notificationDestinationUrl: httpUrl.exactOptional(),
  /** Allowed Return URLs of the demo Amazon Ads clients (default none). */
  adsReturnUrls: z.array(httpUrl).exactOptional(),
});

/**
 * A state file is named by a plain file name inside the simulator's state directory: no directory
 * parts, no `..`, nothing absolute, so a control can never write (or read) a file elsewhere.
 */
const STATE_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const pathSchema = z.strictObject({
  path: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .regex(
      STATE_FILE_NAME,
      "must be a plain file name (letters, digits, '.', '_', '-'), saved in the simulator's state directory",
    ),
});

/** The state file `name` inside `stateDir` (created if needed), refusing anything that leads out of it. */
function stateFilePath(stateDir: string, name: string): string {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const dir = realpathSync(stateDir);
  const path = join(dir, name);
  if (!path.startsWith(dir + sep)) throw new Error('outside the state directory');
  // A link planted in the directory could lead anywhere: only regular files are read or replaced.
  if (existsSync(path) && !lstatSync(path).isFile()) throw new Error('not a regular file');
  return path;
}

/** The simulated clock as controls show it. */
function clockView(ctx: SimContext): Record<string, unknown> {
  const now = ctx.clock.now();
  return { now: iso(now), nowMs: now, offsetMs: ctx.clock.offset() };
}

/** Counts per slice of the state. */
export function stateSummary(state: SimState): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [name, value] of Object.entries(state)) {
    if (value instanceof Map) counts[name] = value.size;
    else if (Array.isArray(value)) counts[name] = value.length;
  }
  return counts;
}

/**
 * Registers the generic `/_sim/` controls and the request-log middleware. `stateDir` is where state
 * save/load files live (null: those controls answer 409).
 */
export function registerControls(
  app: Hono<SimEnv>,
  ctx: SimContext,
  options: { stateDir: string | null } = { stateDir: null },
): void {
  const noStateDir = (c: Context<SimEnv>): Response =>
    controlError(
      c,
      409,
      'conflict',
      'this simulator has no state directory (start it with a data directory to save and load state files)',
    );

  app.use('*', requestLogging(ctx));

  app.get('/_sim/clock', (c) => c.json(clockView(ctx)));
  app.post('/_sim/clock/advance', async (c) => {
    const body = await readJson(c, advanceSchema);
    if (!body.ok) return body.response;
    const { ms = 0, seconds = 0, minutes = 0, hours = 0, days = 0 } = body.value;
    if (Object.keys(body.value).length === 0)
      return badInput(c, 'ms', 'give ms, seconds, minutes, hours or days');
    const total = ms + seconds * SECOND + minutes * MINUTE + hours * HOUR + days * DAY;
    if (!Number.isFinite(total)) return badInput(c, 'ms', 'is too large');
    ctx.clock.advance(total);
    return c.json({ ...clockView(ctx), advancedMs: total });
  });

  registerWorldControls(app, ctx);
  registerFaultControls(app, ctx);
  registerRequestLogControl(app, ctx);

  app.post('/_sim/reset', (c) => {
    replaceState(ctx.state, createEmptyState());
    return c.json({ reset: true, state: stateSummary(ctx.state) });
  });

  app.post('/_sim/seed/demo', async (c) => {
    const body = await readJson(c, seedSchema);
    if (!body.ok) return body.response;
    if (ctx.state.apps.has(DEMO.draftApp.appId) || ctx.state.apps.has(DEMO.publishedApp.appId)) {
      return controlError(c, 409, 'conflict', 'the demo seed is already loaded (POST /_sim/reset first)');
    }
    const taken = DEMO.sellers.find((s) => ctx.state.sellers.has(s.sellingPartnerId));
    if (taken) return controlError(c, 409, 'conflict', `seller ${taken.sellingPartnerId} already exists`);
    const { redirectUris = [DEFAULT_DEMO_REDIRECT_URI], ...rest } = body.value;
    seedDemo(ctx, { redirectUris, ...rest });
    return c.json(
      {
        apps: [DEMO.draftApp, DEMO.publishedApp].map((a) => ({
          ...a,
          status: ctx.state.apps.get(a.appId)?.status,
          redirectUris,
        })),
        sellers: DEMO.sellers.map((s) => ({
          sellingPartnerId: s.sellingPartnerId,
          name: s.name,
          region: s.region,
          email: s.email,
          password: DEMO.sellerPassword,
        })),
      },
      201,
    );
  });

  app.get('/_sim/state', (c) => c.json({ clock: clockView(ctx), counts: stateSummary(ctx.state) }));

  app.post('/_sim/state/save', async (c) => {
    const body = await readJson(c, pathSchema);
    if (!body.ok) return body.response;
    if (options.stateDir === null) return noStateDir(c);
    let path: string;
    try {
      path = stateFilePath(options.stateDir, body.value.path);
      saveState(ctx.state, path);
    } catch (err) {
      return badInput(c, 'path', `cannot write ${body.value.path}: ${(err as Error).message}`);
    }
    return c.json({ saved: path, counts: stateSummary(ctx.state) });
  });

  app.post('/_sim/state/load', async (c) => {
    const body = await readJson(c, pathSchema);
    if (!body.ok) return body.response;
    if (options.stateDir === null) return noStateDir(c);
    let path: string;
    let loaded: SimState;
    try {
      path = stateFilePath(options.stateDir, body.value.path);
      loaded = loadState(path);
    } catch (err) {
      return badInput(c, 'path', `cannot load ${body.value.path}: ${(err as Error).message}`);
    }
    replaceState(ctx.state, loaded);
    return c.json({ loaded: path, counts: stateSummary(ctx.state) });
  });
}

/** `GET /_sim/requests?limit&operation&status`: newest first. `status` is a code or a class (`4xx`). */
function registerRequestLogControl(app: Hono<SimEnv>, ctx: SimContext): void {
  app.get('/_sim/requests', (c) => {
    const limitText = c.req.query('limit');
    const limit = limitText === undefined ? 100 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1) return badInput(c, 'limit', 'must be a positive integer');
    const operation = c.req.query('operation');
    const statusText = c.req.query('status');
    let matchStatus: (status: number) => boolean = () => true;
    if (statusText !== undefined) {
      const klass = /^([0-5])xx$/i.exec(statusText);
      if (klass) matchStatus = (s) => Math.floor(s / 100) === Number(klass[1]);
      else if (/^\d{1,3}$/.test(statusText)) matchStatus = (s) => s === Number(statusText);
      else return badInput(c, 'status', 'must be a status code (429) or a class (4xx)');
    }
    const matched = ctx.state.requestLog.filter(
      (e) => (operation === undefined || e.operation === operation) && matchStatus(e.status),
    );
    const requests = matched
      .slice(-limit)
      .reverse()
      .map((e) => ({ ...e, at: iso(e.at) }));
    return c.json({ total: matched.length, requests });
  });
}
