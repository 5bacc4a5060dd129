import { ValidationError } from '../kernel/errors.js';

/**
 * Return URLs of connect links (docs/api.md, "Embedding"): where a seller lands back in the vendor's
 * software. An account keeps an allow-list of URL prefixes; a connect session's `returnUrl` must
 * start with one of them, compared after parsing (scheme, host and port equal; path on a segment
 * boundary), so `https://vendor.example/app` does not allow `https://vendor.example.evil.test/` or
 * `https://vendor.example/application`. Only https is accepted, except for loopback hosts (a vendor
 * developing on its own machine), as RFC 8252 §7.3 does for native apps.
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2
 */

/** The longest return URL or allow-list entry accepted. */
export const RETURN_URL_MAX = 2000;
/** The most entries an account's allow-list holds. */
export const RETURN_URLS_MAX = 20;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Parses a return URL or allow-list entry: absolute, https (or http on a loopback host), no user
 * name or password, no fragment. Throws a ValidationError naming `field` otherwise.
 */
export function parseReturnUrl(value: unknown, field: string): URL {
  if (typeof value !== 'string' || value.length === 0 || value.length > RETURN_URL_MAX) {
    throw new ValidationError(`${field} must be an absolute URL of 1-${RETURN_URL_MAX} characters`, field);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError(`${field} is not an absolute URL`, field);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new ValidationError(`${field} must use https (http only for localhost)`, field);
  }
  if (url.username || url.password) {
    throw new ValidationError(`${field} must not carry a user name or password`, field);
  }
  if (url.hash) throw new ValidationError(`${field} must not have a #fragment`, field);
  return url;
}

/** Checks an allow-list (each entry as `parseReturnUrl`, at most RETURN_URLS_MAX); returns it normalised. */
export function parseReturnUrlList(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw new ValidationError(`${field} must be a list of URLs`, field);
  if (value.length > RETURN_URLS_MAX) {
    throw new ValidationError(`${field} holds at most ${RETURN_URLS_MAX} URLs`, field);
  }
  return [...new Set(value.map((v, i) => parseReturnUrl(v, `${field}[${i}]`).href))];
}

/** Whether `candidate` starts with the allow-list entry `prefix` (same origin; path on a segment boundary). */
export function matchesPrefix(prefix: URL, candidate: URL): boolean {
  if (prefix.origin !== candidate.origin) return false;
  const base = prefix.pathname;
  const path = candidate.pathname;
  if (base === '/' || path === base) return prefix.search === '' || candidate.search === prefix.search;
  const withSlash = base.endsWith('/') ? base : `${base}/`;
  return prefix.search === '' && path.startsWith(withSlash);
}

/** Whether `url` is allowed by the account's allow-list (parsed entries). */
export function returnUrlAllowed(allowList: readonly string[], url: URL): boolean {
  return allowList.some((entry) => {
    try {
      return matchesPrefix(new URL(entry), url);
    } catch {
      return false;
    }
  });
}

/** Reads the stored allow-list (accounts.return_urls, a JSON array); tolerant of a damaged value. */
export function storedReturnUrls(text: string | null | undefined): string[] {
  try {
    const parsed: unknown = JSON.parse(text ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}
