import type { Context } from 'hono';
import type { z } from 'zod';
import type { SimEnv } from './context.js';

/**
 * Input handling shared by the `/_sim/` controls: JSON bodies checked with zod, and one error shape,
 * `{ "error": code, "message": text, "field"?: name }`, so a bad request names what was wrong and
 * changes nothing.
 */

/** A control's error response. */
export function controlError(
  c: Context<SimEnv>,
  status: 400 | 404 | 409 | 500,
  code: string,
  message: string,
  field?: string,
): Response {
  return c.json({ error: code, message, ...(field === undefined ? {} : { field }) }, status);
}

/** 400 naming the offending field. */
export function badInput(c: Context<SimEnv>, field: string, message: string): Response {
  return controlError(c, 400, 'invalid_request', `${field}: ${message}`, field);
}

/** 404 for an unknown id. */
export function notFound(c: Context<SimEnv>, what: string, id: string): Response {
  return controlError(c, 404, 'not_found', `unknown ${what} ${id}`);
}

/** The first zod issue as a field name and a message. */
export function describeIssue(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  if (!issue) return { field: '(body)', message: 'invalid' };
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '(body)';
    const field = [...issue.path.map(String), key].join('.');
    return { field, message: 'is not a known field' };
  }
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(body)';
  return { field, message: issue.message };
}

/** Reads and checks a JSON body; an empty body counts as `{}`. */
export async function readJson<T>(
  c: Context<SimEnv>,
  schema: z.ZodType<T>,
): Promise<{ ok: true; value: T } | { ok: false; response: Response }> {
  const text = await c.req.text();
  let data: unknown = {};
  if (text.trim() !== '') {
    try {
      data = JSON.parse(text);
    } catch {
      return { ok: false, response: badInput(c, '(body)', 'is not valid JSON') };
    }
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const { field, message } = describeIssue(parsed.error);
    return { ok: false, response: badInput(c, field, message) };
  }
  return { ok: true, value: parsed.data };
}

/** True when a query flag such as `?reveal=1` is set. */
export function flag(c: Context<SimEnv>, name: string): boolean {
  const value = c.req.query(name);
  return value !== undefined && value !== '0' && value !== 'false';
}
