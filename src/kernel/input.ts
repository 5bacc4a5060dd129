/**
 * Checks for input the database or a parser cannot take, shared by every entry point (portal, REST
 * API, inbound notifications, CLI files): NUL characters, lone UTF-16 surrogates, JSON nested too
 * deep, dates outside the years 1-9999, ids that are not UUIDs.
 *
 * - PostgreSQL text cannot hold the character with code zero, and jsonb refuses `\u0000` and lone
 *   surrogate escapes: @see https://www.postgresql.org/docs/current/datatype-character.html and
 *   https://www.postgresql.org/docs/current/datatype-json.html
 * - timestamptz covers 4713 BC to 294276 AD, JavaScript's `toISOString` writes years outside 0-9999
 *   with a sign and six digits: @see https://www.postgresql.org/docs/current/datatype-datetime.html
 *   and https://tc39.es/ecma262/#sec-date-time-string-format (so 1-9999 is what both agree on).
 */

/** What is wrong with a piece of text. */
export type TextProblem = 'NUL' | 'LONE_SURROGATE';

/** What is wrong with a JSON text. */
export type JsonProblem = TextProblem | 'INVALID_JSON' | 'TOO_DEEP';

/** JSON deeper than this is refused: no listing or SP-API body comes close; deeper ones only exhaust parsers. */
export const MAX_JSON_DEPTH = 64;

// A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
// eslint-disable-next-line no-control-regex
const BAD_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const BAD_TEXT_ALL = new RegExp(BAD_TEXT.source, 'g');

/** `value` safe to echo in a message: bad characters replaced by U+FFFD, at most 80 characters. */
export function printable(value: string): string {
  const clean = value.replace(BAD_TEXT_ALL, '\uFFFD');
  return clean.length > 80 ? `${clean.slice(0, 77)}...` : clean;
}

/** The first problem of `value` as text, or null when the database can store it. */
export function textProblem(value: string): TextProblem | null {
  const found = BAD_TEXT.exec(value);
  if (!found) return null;
  return found[0] === '\u0000' ? 'NUL' : 'LONE_SURROGATE';
}

/** Plain words for a problem, to follow the field's name ("sku: contains …"). */
export function describeProblem(problem: JsonProblem): string {
  switch (problem) {
    case 'NUL':
      return 'contains a NUL character (U+0000), which is not accepted';
    case 'LONE_SURROGATE':
      return 'contains a lone UTF-16 surrogate (\\ud800-\\udfff without its pair), which is not valid Unicode text';
    case 'INVALID_JSON':
      return 'is not valid JSON';
    case 'TOO_DEEP':
      return `is nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`;
  }
}

/** Whether `text` opens more than `limit` nested arrays or objects (strings skipped); stops early. */
export function jsonNestingExceeds(text: string, limit: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c)
        i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
      continue;
    }
    if (ch === 0x22) inString = true;
    else if (ch === 0x5b || ch === 0x7b) {
      if (++depth > limit) return true;
    } else if (ch === 0x5d || ch === 0x7d) depth--;
  }
  return false;
}

/**
 * The first string or key inside a parsed JSON value that the database cannot store, with its path
 * (`attributes.color.0.value`); null when there is none. Walks with its own stack, so any depth is safe.
 */
export function findTextProblem(value: unknown, base = ''): { problem: TextProblem; path: string } | null {
  const stack: [unknown, string][] = [[value, base]];
  const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);
  while (stack.length > 0) {
    const [current, path] = stack.pop()!;
    if (typeof current === 'string') {
      const problem = textProblem(current);
      if (problem) return { problem, path };
    } else if (Array.isArray(current)) {
      current.forEach((item, i) => stack.push([item, join(path, String(i))]));
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, item] of Object.entries(current)) {
        const problem = textProblem(key);
        if (problem) return { problem, path: join(path, printable(key)) };
        stack.push([item, join(path, key)]);
      }
    }
  }
  return null;
}

/** A JSON text parsed, or why it is refused (and where, for a string inside it). */
export type SafeJson = { ok: true; value: unknown } | { ok: false; problem: JsonProblem; path: string };

/**
 * Parses JSON only when it is safe to use and store: nested at most MAX_JSON_DEPTH deep, and with no
 * NUL or lone surrogate in any string or key (escaped ones included). `path` prefixes where a problem is.
 */
export function parseJsonSafely(text: string, path = ''): SafeJson {
  if (jsonNestingExceeds(text)) return { ok: false, problem: 'TOO_DEEP', path };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'INVALID_JSON', path };
  }
  const found = findTextProblem(value, path);
  return found ? { ok: false, ...found } : { ok: true, value };
}

const EARLIEST = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

/** Whether a date is one the database and ISO 8601 text both handle: the years 1 to 9999 (UTC). */
export function isStorableDate(date: Date): boolean {
  const t = date.getTime();
  return Number.isFinite(t) && t >= EARLIEST && t <= LATEST;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a UUID in its usual text form (what every id column holds). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
