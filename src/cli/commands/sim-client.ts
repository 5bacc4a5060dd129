import path from 'node:path';
import { readControlFile } from '../../simulator/control-file.js';

/**
 * The HTTP side of `sellerlink sim`: calls the simulator's `/_sim/` controls with its control token
 * and turns every failure into one plain sentence (unreachable simulator, missing or wrong token,
 * refused input with the control's own message, a URL that is not a simulator), so the command
 * prints it and exits with 1.
 */

/** Where the CLI finds the simulator when neither --url nor SIMULATOR_URL says. */
export const DEFAULT_SIMULATOR_URL = 'http://127.0.0.1:4000';

/** A failure worth one line on stderr; the CLI exits with 1. */
export class SimCliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimCliError';
  }
}

/** A JSON client for one simulator's controls. */
export interface SimClient {
  /** The simulator's base URL, without a trailing slash. */
  readonly baseUrl: string;
  get<T = Record<string, unknown>>(path: string, query?: Record<string, string | undefined>): Promise<T>;
  post<T = Record<string, unknown>>(path: string, body?: unknown): Promise<T>;
  delete<T = Record<string, unknown>>(path: string): Promise<T>;
}

/** Which simulator a `sim` command talks to, and the control token it sends. */
export interface SimTarget {
  url: string;
  /** undefined: none found (the simulator will answer 401, explained to the user). */
  token: string | undefined;
}

/**
 * The simulator to use: the --url option, else SIMULATOR_URL, else the one described by the control
 * file in the data directory (SELLERLINK_DATA_DIR, default `.sellerlink`), else the default URL. The
 * token: SIMULATOR_TOKEN, else the control file's when it describes that same simulator (a token is
 * never sent to another origin).
 */
export function resolveSimulatorTarget(option: string | undefined, env: NodeJS.ProcessEnv): SimTarget {
  let file: ReturnType<typeof readControlFile> = null;
  try {
    file = readControlFile(path.resolve(env.SELLERLINK_DATA_DIR ?? '.sellerlink'));
  } catch (err) {
    throw new SimCliError((err as Error).message);
  }
  const url = resolveSimulatorUrl(option ?? env.SIMULATOR_URL ?? file?.url, {});
  const token = env.SIMULATOR_TOKEN ?? (file !== null && sameOrigin(file.url, url) ? file.token : undefined);
  return { url, token };
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/** The simulator URL to use: the --url option, else SIMULATOR_URL, else the default; checked. */
export function resolveSimulatorUrl(option: string | undefined, env: NodeJS.ProcessEnv): string {
  const raw = option ?? env.SIMULATOR_URL ?? DEFAULT_SIMULATOR_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SimCliError(`--url must be an http(s) URL such as ${DEFAULT_SIMULATOR_URL} (got '${raw}')`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SimCliError(`--url must be an http(s) URL such as ${DEFAULT_SIMULATOR_URL} (got '${raw}')`);
  }
  return raw.replace(/\/+$/, '');
}

/**
 * Creates a client sending `token` as `Authorization: Bearer`; `fetchFn` is injectable so tests can
 * pass a simulator's own fetch.
 */
export function createSimClient(
  baseUrl: string,
  fetchFn: typeof fetch = globalThis.fetch,
  token?: string,
): SimClient {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const url = `${baseUrl}${path}`;
    const headers: Record<string, string> = {};
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetchFn(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new SimCliError(
        `cannot reach the simulator at ${baseUrl} (${networkReason(err)}). Is it running? Start it with ` +
          `'sellerlink simulator', or point to it with --url or SIMULATOR_URL.`,
      );
    }
    const text = await response.text();
    let data: unknown;
    try {
      data = text === '' ? {} : JSON.parse(text);
    } catch {
      throw new SimCliError(
        `${method} ${url} answered HTTP ${response.status} with ${response.headers.get('content-type') ?? 'no content type'}, ` +
          `not JSON: is ${baseUrl} a Sellerlink simulator?`,
      );
    }
    if (response.status === 401) throw new SimCliError(unauthorized(baseUrl, token !== undefined));
    if (!response.ok) throw new SimCliError(refusal(method, path, response.status, data));
    return data as T;
  };
  return {
    baseUrl,
    get: (path, query = {}) => {
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, value);
      const search = params.toString();
      return call('GET', search === '' ? path : `${path}?${search}`);
    },
    post: (path, body) => call('POST', path, body ?? {}),
    delete: (path) => call('DELETE', path),
  };
}

/** The sentence for a 401: the control token is missing or wrong, and where to get it. */
function unauthorized(baseUrl: string, sent: boolean): string {
  const problem = sent ? 'refused the control token' : 'needs its control token';
  return (
    `the simulator at ${baseUrl} ${problem} (HTTP 401). Run this command with SELLERLINK_DATA_DIR ` +
    `pointing at the simulator's data directory (its control file simulator-control.json), or set ` +
    `SIMULATOR_TOKEN to the token it printed at start.`
  );
}

/** The sentence for a non-2xx control answer, quoting the control's own message. */
function refusal(method: string, path: string, status: number, data: unknown): string {
  const body = (typeof data === 'object' && data !== null ? data : {}) as {
    error?: unknown;
    message?: unknown;
    errors?: { code?: unknown; message?: unknown; details?: unknown }[];
  };
  if (typeof body.message === 'string') {
    const code = typeof body.error === 'string' ? ` ${body.error}` : '';
    return `the simulator refused ${method} ${path} (HTTP ${status}${code}): ${body.message}`;
  }
  const first = Array.isArray(body.errors) ? body.errors[0] : undefined;
  if (first && status === 404 && first.code === 'NotFound') {
    return `the simulator has no control ${method} ${path} (HTTP 404): is it an older or newer build?`;
  }
  if (first && typeof first.message === 'string') {
    return `the simulator answered ${method} ${path} with HTTP ${status} ${String(first.code)}: ${first.message}`;
  }
  return `the simulator answered ${method} ${path} with HTTP ${status}`;
}

/** The most telling reason of a failed fetch (undici hides it in `cause`). */
function networkReason(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'no answer within 30 s';
  const cause =
    err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}
