import { existsSync } from 'node:fs';
import path from 'node:path';
import { controlFilePath, readControlFile } from '../../simulator/control-file.js';

/**
 * The HTTP side of `sellerlink sim`: calls the simulator's `/_sim/` controls with its control token
 * and turns every failure into one plain sentence (unreachable simulator, missing or wrong token,
 * refused input with the control's own message, a URL that is not a simulator), so the command
 * prints it and exits with 1.
 */

/** An example simulator URL for messages about a malformed --url. */
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
  /** Where the URL came from: --url, SIMULATOR_URL, a control file, or the service's PORT+1 rule. */
  source: 'option' | 'env' | 'control-file' | 'port-rule';
  /** The control file that was read, or the one that was looked for. */
  controlFile: string;
}

/** The data directory's default name, in the directory `npm start` runs in (the package's root). */
const DATA_DIR = '.sellerlink';

/**
 * The data directory whose control file tells where the simulator is: SELLERLINK_DATA_DIR, else the
 * nearest `.sellerlink` holding a control file in the working directory or one above it (`npm start`
 * runs in the package's root whatever directory it is typed in, `npx sellerlink` in the directory
 * it is typed in), else `.sellerlink` here.
 */
export function simulatorDataDir(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): string {
  if (env.SELLERLINK_DATA_DIR) return path.resolve(cwd, env.SELLERLINK_DATA_DIR);
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (existsSync(controlFilePath(path.join(dir, DATA_DIR)))) return path.join(dir, DATA_DIR);
    if (path.dirname(dir) === dir) return path.resolve(cwd, DATA_DIR);
  }
}

/**
 * Where `npm start` puts its simulator when nothing records it: SIMULATOR_PORT, else PORT + 1 (PORT
 * defaults to 3000), on HOST (default 127.0.0.1); the rule of src/config/config.ts.
 */
export function sandboxSimulatorUrl(env: NodeJS.ProcessEnv): string {
  const port = (name: string): number | null => {
    const value = Number(env[name]);
    return env[name] && Number.isInteger(value) && value > 0 && value < 65535 ? value : null;
  };
  const host = !env.HOST || env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port('SIMULATOR_PORT') ?? (port('PORT') ?? 3000) + 1}`;
}

/**
 * The simulator to use: the --url option, else SIMULATOR_URL, else the one the control file of the
 * data directory records (see `simulatorDataDir`), else where `npm start` puts it (PORT + 1). The
 * token: SIMULATOR_TOKEN, else the control file's when it describes that same simulator (a token is
 * never sent to another origin).
 */
export function resolveSimulatorTarget(
  option: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string = process.cwd(),
): SimTarget {
  const dataDir = simulatorDataDir(env, cwd);
  let file: ReturnType<typeof readControlFile> = null;
  try {
    file = readControlFile(dataDir);
  } catch (err) {
    throw new SimCliError((err as Error).message);
  }
  const source: SimTarget['source'] =
    option !== undefined ? 'option' : env.SIMULATOR_URL ? 'env' : file ? 'control-file' : 'port-rule';
  const raw = {
    option,
    env: env.SIMULATOR_URL,
    'control-file': file?.url,
    'port-rule': sandboxSimulatorUrl(env),
  }[source];
  const url = resolveSimulatorUrl(raw, {});
  const token = env.SIMULATOR_TOKEN ?? (file !== null && sameOrigin(file.url, url) ? file.token : undefined);
  return { url, token, source, controlFile: controlFilePath(dataDir) };
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/** The sentence for a simulator that does not answer, by where its URL came from. */
export function unreachableMessage(target: SimTarget, reason: string): string {
  if (target.source === 'control-file')
    return (
      `the simulator recorded in ${target.controlFile} does not answer at ${target.url} (${reason}): ` +
      `has it stopped? Start Sellerlink again with 'npm start' (or 'sellerlink simulator'), or point ` +
      `to a simulator with --url or SIMULATOR_URL.`
    );
  if (target.source === 'port-rule')
    return (
      `no simulator is running here: none is recorded in ${target.controlFile} (where 'npm start' and ` +
      `'sellerlink simulator' record theirs while they run), and none answers at ${target.url} ` +
      `(${reason}), where 'npm start' puts it (PORT + 1). Start Sellerlink with 'npm start' in this ` +
      `project, or point to a simulator with --url or SIMULATOR_URL.`
    );
  return (
    `cannot reach the simulator at ${target.url} (${reason}). Is it running? Start it with ` +
    `'sellerlink simulator', or point to it with --url or SIMULATOR_URL.`
  );
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
  unreachable: (reason: string) => string = (reason) =>
    unreachableMessage({ url: baseUrl, token, source: 'option', controlFile: '' }, reason),
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
      throw new SimCliError(unreachable(networkReason(err)));
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
