/**
 * A tiny fetch-based browser for tests: one cookie jar per origin, optional redirect following, and
 * HTML form handling (parse a page's form, submit it with overrides). It talks to any origin through
 * the fetch function it is given: the simulator's `sim.fetch`, the service's `app.fetch`, or global
 * `fetch` against a real HTTP server. Cookies ignore Path and Domain (one jar per origin, every
 * cookie sent to its whole origin), which is enough for the pages under test.
 */

/** Anything that turns a Request into a Response (global fetch, `sim.fetch`, `app.fetch`). */
export type FetchLike = (request: Request) => Promise<Response>;

/** How a browser is built. */
export interface BrowserOptions {
  /** Transport; default global fetch. */
  fetch?: FetchLike;
  /** Follow 3xx responses (default true); each request may override it. */
  followRedirects?: boolean;
  /** Give up after this many redirects in one navigation (default 20). */
  maxRedirects?: number;
  /** Headers sent with every request (e.g. a User-Agent); request headers win. */
  headers?: Record<string, string>;
}

/** One request made through the browser. */
export interface BrowserRequest {
  method?: string;
  headers?: Record<string, string>;
  /** A string, or form fields sent as application/x-www-form-urlencoded. */
  body?: string | Record<string, string>;
  /** Overrides the browser's `followRedirects` for this navigation. */
  followRedirects?: boolean;
}

/** What a navigation ended on. */
export interface BrowserPage {
  /** The URL of the final response. */
  url: string;
  status: number;
  headers: Headers;
  /** The response body as text (HTML, JSON...). */
  text: string;
  /** The Location header of the final response (set when it is a redirect that was not followed). */
  location: string | null;
  /** Every URL redirected to during the navigation, in order. */
  redirects: string[];
}

/** An input of a parsed form that a user could change or press. */
export interface FormControl {
  name: string;
  value: string;
  type: string;
  checked: boolean;
}

/** A parsed HTML form. */
export interface ParsedForm {
  /** Absolute URL the form submits to. */
  action: string;
  /** Upper-case method: GET or POST. */
  method: string;
  /** The fields a plain submit sends: hidden and filled inputs, checked boxes, selected options, textareas. */
  fields: Record<string, string>;
  /** Every named input, select, textarea and button, in document order. */
  controls: FormControl[];
  /** The raw HTML of the form, for extra assertions. */
  html: string;
}

/** Picks one of a page's forms: by index (default 0), by action (substring or RegExp), or both. */
export interface FormMatch {
  action?: string | RegExp;
  index?: number;
}

/** A browser with its own cookie jars. */
export interface HttpBrowser {
  /** GET a URL. */
  get(url: string, request?: Omit<BrowserRequest, 'method' | 'body'>): Promise<BrowserPage>;
  /** POST form fields (url-encoded) or a string body. */
  post(
    url: string,
    body: string | Record<string, string>,
    request?: Omit<BrowserRequest, 'body'>,
  ): Promise<BrowserPage>;
  /** Any request; cookies and redirects are handled as in a browser. */
  request(url: string, request?: BrowserRequest): Promise<BrowserPage>;
  /**
   * Submits a form of `page` (the first unless `match` says otherwise) with its fields merged with
   * `overrides` (a null override removes a field). Sends Origin as a browser does.
   */
  submit(
    page: BrowserPage,
    overrides?: Record<string, string | null>,
    match?: FormMatch & { followRedirects?: boolean },
  ): Promise<BrowserPage>;
  /** The cookies held for an origin (or any URL of it), name → value. */
  cookies(originOrUrl: string): Record<string, string>;
  /** Sets a cookie for an origin by hand. */
  setCookie(originOrUrl: string, name: string, value: string): void;
  /** Forgets every cookie of an origin, or of all origins when none is given. */
  clearCookies(originOrUrl?: string): void;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Creates a browser over a fetch function (default global fetch). */
export function createHttpBrowser(options: BrowserOptions = {}): HttpBrowser {
  const transport: FetchLike = options.fetch ?? ((request) => fetch(request));
  const jars = new Map<string, Map<string, string>>();
  const maxRedirects = options.maxRedirects ?? 20;

  const jar = (url: string): Map<string, string> => {
    const origin = new URL(url).origin;
    let found = jars.get(origin);
    if (!found) {
      found = new Map();
      jars.set(origin, found);
    }
    return found;
  };

  const storeCookies = (url: string, headers: Headers): void => {
    for (const line of headers.getSetCookie()) {
      const parsed = parseSetCookie(line);
      if (!parsed) continue;
      if (parsed.expired) jar(url).delete(parsed.name);
      else jar(url).set(parsed.name, parsed.value);
    }
  };

  const once = async (
    url: string,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
  ): Promise<Response> => {
    const cookies = [...jar(url)].map(([name, value]) => `${name}=${value}`).join('; ');
    const all: Record<string, string> = { ...options.headers, ...headers };
    if (cookies !== '') all.cookie = cookies;
    const request = new Request(url, {
      method,
      headers: all,
      redirect: 'manual',
      ...(body === undefined ? {} : { body }),
    });
    const response = await transport(request);
    storeCookies(url, response.headers);
    return response;
  };

  const navigate = async (url: string, request: BrowserRequest = {}): Promise<BrowserPage> => {
    let method = (request.method ?? 'GET').toUpperCase();
    let headers: Record<string, string> = { ...request.headers };
    let body: string | undefined;
    if (typeof request.body === 'string') body = request.body;
    else if (request.body !== undefined) {
      body = new URLSearchParams(request.body).toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    }
    const follow = request.followRedirects ?? options.followRedirects ?? true;
    const redirects: string[] = [];
    let current = new URL(url).toString();
    for (;;) {
      const response = await once(current, method, headers, body);
      const location = response.headers.get('location');
      if (!follow || !REDIRECT_STATUSES.has(response.status) || location === null) {
        return {
          url: current,
          status: response.status,
          headers: response.headers,
          text: await response.text(),
          location,
          redirects,
        };
      }
      await response.body?.cancel();
      if (redirects.length >= maxRedirects)
        throw new Error(`more than ${maxRedirects} redirects from ${url}`);
      const next = new URL(location, current).toString();
      // 301/302/303 turn into a GET without a body, as browsers do; 307/308 repeat the request.
      if (response.status !== 307 && response.status !== 308) {
        method = 'GET';
        body = undefined;
        headers = Object.fromEntries(
          Object.entries(headers).filter(([k]) => !['content-type', 'origin'].includes(k.toLowerCase())),
        );
      }
      redirects.push(next);
      current = next;
    }
  };

  return {
    get: (url, request = {}) => navigate(url, { ...request, method: 'GET' }),
    post: (url, body, request = {}) => navigate(url, { ...request, method: 'POST', body }),
    request: navigate,
    async submit(page, overrides = {}, match = {}) {
      const form = findForm(page.text, page.url, match);
      const fields: Record<string, string> = { ...form.fields };
      for (const [name, value] of Object.entries(overrides)) {
        if (value === null) delete fields[name];
        else fields[name] = value;
      }
      const followRedirects = match.followRedirects;
      const extra = followRedirects === undefined ? {} : { followRedirects };
      if (form.method === 'GET') {
        const target = new URL(form.action);
        target.search = new URLSearchParams(fields).toString();
        return navigate(target.toString(), { method: 'GET', ...extra });
      }
      return navigate(form.action, {
        method: 'POST',
        body: fields,
        headers: { origin: new URL(page.url).origin },
        ...extra,
      });
    },
    cookies: (originOrUrl) => Object.fromEntries(jar(originOrUrl)),
    setCookie: (originOrUrl, name, value) => void jar(originOrUrl).set(name, value),
    clearCookies(originOrUrl) {
      if (originOrUrl === undefined) jars.clear();
      else jars.delete(new URL(originOrUrl).origin);
    },
  };
}

/** Parses one Set-Cookie header line; `expired` when it deletes the cookie (Max-Age ≤ 0 or a past Expires). */
export function parseSetCookie(line: string): { name: string; value: string; expired: boolean } | null {
  const [pair = '', ...attributes] = line.split(';');
  const eq = pair.indexOf('=');
  if (eq <= 0) return null;
  const name = pair.slice(0, eq).trim();
  const value = pair.slice(eq + 1).trim();
  let expired = false;
  for (const attribute of attributes) {
    const [key = '', raw = ''] = attribute.split('=', 2).map((s) => s.trim());
    if (key.toLowerCase() === 'max-age' && Number(raw) <= 0) expired = true;
    if (key.toLowerCase() === 'expires' && Date.parse(raw) <= Date.now()) expired = true;
  }
  return { name, value, expired };
}

/** Every form of an HTML page, with actions resolved against `baseUrl`. */
export function parseForms(html: string, baseUrl: string): ParsedForm[] {
  const forms: ParsedForm[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attrs = parseAttributes(match[1] ?? '');
    const inner = match[2] ?? '';
    const controls = parseControls(inner);
    const fields: Record<string, string> = {};
    for (const control of controls) {
      if (control.type === 'submit' || control.type === 'button' || control.type === 'reset') continue;
      if ((control.type === 'checkbox' || control.type === 'radio') && !control.checked) continue;
      fields[control.name] = control.value;
    }
    forms.push({
      action: new URL(decodeEntities(attrs.action ?? ''), baseUrl).toString(),
      method: (attrs.method ?? 'GET').toUpperCase(),
      fields,
      controls,
      html: match[0],
    });
  }
  return forms;
}

/** The form of a page picked by `match` (default: the first); throws, showing the page, when none fits. */
export function findForm(html: string, baseUrl: string, match: FormMatch = {}): ParsedForm {
  const forms = parseForms(html, baseUrl).filter((form) => {
    const wanted = match.action;
    if (wanted === undefined) return true;
    return typeof wanted === 'string' ? form.action.includes(wanted) : wanted.test(form.action);
  });
  const form = forms[match.index ?? 0];
  if (!form) {
    throw new Error(
      `no form matching ${JSON.stringify({ ...match, action: String(match.action) })} on ${baseUrl}:\n${html.slice(0, 2000)}`,
    );
  }
  return form;
}

/** Named inputs, selects, textareas and buttons of a form body, in document order. */
function parseControls(html: string): FormControl[] {
  const controls: FormControl[] = [];
  const pattern =
    /<input\b([^>]*)>|<button\b([^>]*)>([\s\S]*?)<\/button>|<select\b([^>]*)>([\s\S]*?)<\/select>|<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/gi;
  for (const m of html.matchAll(pattern)) {
    if (m[1] !== undefined) {
      const a = parseAttributes(m[1]);
      if (a.name === undefined) continue;
      const type = (a.type ?? 'text').toLowerCase();
      const fallback = type === 'checkbox' || type === 'radio' ? 'on' : '';
      controls.push({ name: a.name, value: a.value ?? fallback, type, checked: 'checked' in a });
    } else if (m[2] !== undefined) {
      const a = parseAttributes(m[2]);
      if (a.name === undefined) continue;
      controls.push({
        name: a.name,
        value: a.value ?? '',
        type: (a.type ?? 'submit').toLowerCase(),
        checked: false,
      });
    } else if (m[4] !== undefined) {
      const a = parseAttributes(m[4]);
      if (a.name === undefined) continue;
      const options = [...(m[5] ?? '').matchAll(/<option\b([^>]*)>([\s\S]*?)(?=<option\b|$)/gi)].map((o) => {
        const oa = parseAttributes(o[1] ?? '');
        return {
          value: oa.value ?? decodeEntities((o[2] ?? '').replace(/<[^>]*>/g, '').trim()),
          selected: 'selected' in oa,
        };
      });
      const chosen = options.find((o) => o.selected) ?? options[0];
      controls.push({ name: a.name, value: chosen?.value ?? '', type: 'select', checked: false });
    } else if (m[6] !== undefined) {
      const a = parseAttributes(m[6]);
      if (a.name === undefined) continue;
      controls.push({ name: a.name, value: decodeEntities(m[7] ?? ''), type: 'textarea', checked: false });
    }
  }
  return controls;
}

/** Attributes of a tag (names lower-cased, values entity-decoded; bare attributes map to ''). */
function parseAttributes(text: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const m of text.matchAll(/([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?/g)) {
    const name = (m[1] ?? '').toLowerCase();
    attrs[name] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

/** Decodes the HTML entities pages use in attribute values and text. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|#39);/gi, (_, entity: string) => {
    const e = entity.toLowerCase();
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[e] ?? `&${entity};`;
  });
}
