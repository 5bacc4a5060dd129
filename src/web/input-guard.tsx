import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import {
  describeProblem,
  isUuid,
  parseJsonSafely,
  printable,
  textProblem,
  type JsonProblem,
} from '../kernel/input.js';
import type { Logger } from '../kernel/log.js';
import { MessagePage } from './pages/layout.js';

/**
 * The first thing every request meets (portal, OAuth callback, REST API, inbound Amazon
 * notifications, sandbox): bounds and checks its input before any route reads it, so bad input is
 * a clear 4xx that changes nothing instead of a database error.
 *
 * - Body size: refused with 413 before the body is read (Content-Length first, streamed bodies
 *   counted as they arrive; hono/body-limit, https://hono.dev/docs/middleware/builtin/body-limit).
 * - Text: no NUL character or lone UTF-16 surrogate in the path, query string, form fields (names
 *   and values) or JSON bodies (strings and keys, escaped or not).
 * - JSON bodies nested at most MAX_JSON_DEPTH (kernel/input.ts) deep; forms (URL-encoded or
 *   multipart) must parse.
 * - Id fields (`accountId`, `scope`, `endpoint`) in the query (outside `/oauth/`) or a form hold ids (UUIDs) or their
 *   named values.
 *
 * Route-specific rules (date ranges, JSON inside a form field) stay with the routes.
 */

/** Why a request was refused, in the words of the API's error shape. */
export interface InputRefusal {
  status: 400 | 413;
  code: 'VALIDATION_FAILED' | 'PAYLOAD_TOO_LARGE';
  /** Where: `path`, a query or form field name, `body`, or a JSON path in the body. */
  field: string;
  message: string;
}

/** Largest request bodies, in bytes. */
export const BODY_LIMITS = {
  /** Portal forms, the OAuth endpoints, the sandbox toolbar: small URL-encoded forms. */
  form: 64 * 1024,
  /** The portal's listing form, whose attributes are a JSON document. */
  listingForm: 1024 * 1024,
  /** Forwarded Amazon notifications (SQS caps a message at 256 KiB). */
  amazonNotification: 256 * 1024,
  /** The REST API (its own default; ApiDeps.bodyLimitBytes overrides it). */
  api: 1024 * 1024,
} as const;

/** Query and form fields that carry an id: what the id names, and the other values each accepts. */
const ID_FIELDS = new Map<string, { what: string; also: readonly string[] }>([
  ['accountId', { what: 'an account id', also: [] }],
  // API keys: an account or "all"; notification settings: an account or "operators".
  ['scope', { what: 'an account id', also: ['all', 'operators'] }],
  // The delivery log's filter by webhook endpoint.
  ['endpoint', { what: 'a webhook endpoint id', also: [] }],
]);

/** How the guard is set up for an app. */
export interface InputGuardOptions {
  /** The body limit for a request path. */
  limitFor(path: string): number;
  /** Answers a refusal in the route's own format. */
  answer(c: Context, refusal: InputRefusal): Response | Promise<Response>;
  logger?: Logger;
}

/** Percent-decodes what decodes and leaves the rest (as Hono does for paths and params). */
function lenientDecode(value: string): string {
  return value.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

const refusal = (field: string, problem: JsonProblem): InputRefusal => ({
  status: 400,
  code: 'VALIDATION_FAILED',
  field,
  message: `${field}: ${describeProblem(problem)}`,
});

/** The first problem of a named value (a query parameter or form field), or null. */
function fieldRefusal(name: string, value: string, checkIds = true): InputRefusal | null {
  const nameProblem = textProblem(name);
  if (nameProblem) return refusal(printable(name), nameProblem);
  const problem = textProblem(value);
  if (problem) return refusal(name, problem);
  const id = checkIds ? ID_FIELDS.get(name) : undefined;
  if (id && value !== '' && !id.also.includes(value) && !isUuid(value)) {
    return {
      status: 400,
      code: 'VALIDATION_FAILED',
      field: name,
      message: `${name}: must be ${id.what} (a UUID)${id.also.length ? ` or one of ${id.also.join(', ')}` : ''}`,
    };
  }
  return null;
}

/** Problems of the URL: the path and every query parameter (names and values). */
function urlRefusal(url: URL): InputRefusal | null {
  const path = textProblem(lenientDecode(url.pathname));
  if (path) return refusal('path', path);
  // Amazon's redirects name their own parameters (the Ads consent sends back `scope`).
  const checkIds = !url.pathname.startsWith('/oauth/');
  for (const pair of url.search.slice(1).split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const [rawName, rawValue] = at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
    const found = fieldRefusal(
      lenientDecode(rawName.replace(/\+/g, ' ')),
      lenientDecode(rawValue.replace(/\+/g, ' ')),
      checkIds,
    );
    if (found) return found;
  }
  return null;
}

const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data']);

/** The request's media type, lower case, without parameters. */
const mediaType = (c: Context): string =>
  (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();

/** Problems of the body: a form must parse and hold safe fields; any other body is text, checked as JSON. */
async function bodyRefusal(c: Context): Promise<InputRefusal | null> {
  const type = mediaType(c);
  if (FORM_TYPES.has(type)) {
    let form: Record<string, unknown>;
    try {
      // Parsed once here; the route's own parseBody reuses it (Hono caches the form data).
      form = await c.req.parseBody({ all: true });
    } catch {
      return {
        status: 400,
        code: 'VALIDATION_FAILED',
        field: 'body',
        message: `body: not a well-formed ${type === 'multipart/form-data' ? 'multipart/form-data' : 'URL-encoded'} form`,
      };
    }
    for (const [name, value] of Object.entries(form)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        const found = fieldRefusal(name, typeof item === 'string' ? item : '');
        if (found) return found;
      }
    }
    return null;
  }
  let text: string;
  try {
    text = await c.req.text();
  } catch {
    return { status: 400, code: 'VALIDATION_FAILED', field: 'body', message: 'body: could not be read' };
  }
  if (text === '') return null;
  const raw = textProblem(text);
  if (raw) return refusal('body', raw);
  const parsed = parseJsonSafely(text);
  // Text that is not JSON is left to the route (which says what it expects); the rest must be safe.
  if (parsed.ok || parsed.problem === 'INVALID_JSON') return null;
  return refusal(parsed.path === '' ? 'body' : parsed.path, parsed.problem);
}

/** The guard as middleware: register it before every route. */
export function inputGuard(options: InputGuardOptions): MiddlewareHandler {
  const refuse = (c: Context, found: InputRefusal): Response | Promise<Response> => {
    options.logger?.info(
      { method: c.req.method, path: printable(c.req.path), status: found.status, field: found.field },
      'bad input refused',
    );
    return options.answer(c, found);
  };
  return async (c, next) => {
    const inUrl = urlRefusal(new URL(c.req.url));
    if (inUrl) return refuse(c, inUrl);
    // A form is parsed even when empty (an empty multipart body does not parse); GET and HEAD carry none.
    const form = FORM_TYPES.has(mediaType(c)) && c.req.method !== 'GET' && c.req.method !== 'HEAD';
    // `Content-Length: 0` says there is no body without touching it: on @hono/node-server reading
    // `raw.body` builds a whole Request, a third of the cost of a bodiless POST such as an access token.
    if (!form && (c.req.header('content-length') === '0' || !c.req.raw.body)) return next();
    const maxSize = options.limitFor(c.req.path);
    const limited = bodyLimit({
      maxSize,
      onError: (ctx) =>
        refuse(ctx, {
          status: 413,
          code: 'PAYLOAD_TOO_LARGE',
          field: 'body',
          message: `The request body is too large (at most ${Math.floor(maxSize / 1024)} KiB here).`,
        }),
    });
    return limited(c, async () => {
      const inBody = await bodyRefusal(c);
      if (inBody) c.res = await refuse(c, inBody);
      else await next();
    });
  };
}

/** The body limit of a path of the service (see BODY_LIMITS). */
export function bodyLimitFor(
  path: string,
  paths: { amazonNotifications: string; apiLimit?: number | undefined },
): number {
  if (path === '/api' || path.startsWith('/api/')) return paths.apiLimit ?? BODY_LIMITS.api;
  if (path === paths.amazonNotifications) return BODY_LIMITS.amazonNotification;
  if (/^\/connections\/[^/]+\/listings$/.test(path)) return BODY_LIMITS.listingForm;
  return BODY_LIMITS.form;
}

/**
 * Answers a refusal in the format of the route it was meant for: the REST API's and the
 * notification endpoint's JSON error (`{"error": {"code", "message", "field"}}`), else the portal's
 * message page with the code.
 */
export function answerRefusal(
  c: Context,
  refusal: InputRefusal,
  jsonPaths: { amazonNotifications: string },
): Response | Promise<Response> {
  const path = c.req.path;
  if (path === '/api' || path.startsWith('/api/') || path === jsonPaths.amazonNotifications) {
    const field = refusal.code === 'VALIDATION_FAILED' ? { field: refusal.field } : {};
    return c.json({ error: { code: refusal.code, message: refusal.message, ...field } }, refusal.status);
  }
  const tooLarge = refusal.status === 413;
  return c.html(
    <MessagePage
      title={tooLarge ? 'Too much data' : 'Not accepted'}
      message={
        tooLarge
          ? `${refusal.message} Nothing was changed.`
          : `The request was refused: ${refusal.message}. Nothing was changed; correct the input and try again.`
      }
      user={null}
      code={refusal.code}
    />,
    refusal.status,
  );
}
