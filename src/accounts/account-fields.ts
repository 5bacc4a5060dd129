import type { Selectable } from 'kysely';
import { ValidationError } from '../kernel/errors.js';
import { parseRecipients } from '../notify/settings.js';
import type { AccountsTable } from '../store/schema.js';
import { parseReturnUrl, parseReturnUrlList, returnUrlAllowed, storedReturnUrls } from './return-urls.js';

/**
 * An account's fields as provisioning takes them (provisioning.ts): their limits and checks, each
 * refusal a ValidationError naming its field.
 */

/** The longest account name. */
export const ACCOUNT_NAME_MAX = 200;
/** The vendor's id for an account: 1-200 letters, digits and `. _ : @ / -`. */
export const EXTERNAL_ID = /^[A-Za-z0-9._:@/-]{1,200}$/;
/** Fields of an account as given (any may be left out: it is then not changed). */
export interface AccountFields {
  name?: string;
  externalId?: string | null;
  contacts?: readonly string[];
  returnUrls?: readonly string[];
  defaultReturnUrl?: string | null;
}

/** Fields after their checks, normalised as stored. */
export interface CheckedFields {
  name?: string;
  externalId?: string | null;
  contacts?: string[];
  returnUrls?: string[];
  defaultReturnUrl?: string | null;
}

/** Checks an external id; throws a ValidationError naming `field`. */
export function parseExternalId(value: unknown, field = 'externalId'): string {
  if (typeof value !== 'string' || !EXTERNAL_ID.test(value)) {
    throw new ValidationError(
      `${field} must be 1-200 letters, digits or . _ : @ / - (the vendor's own id for the account)`,
      field,
    );
  }
  return value;
}

function checkName(value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (!name || name.length > ACCOUNT_NAME_MAX) {
    throw new ValidationError(`name needs 1-${ACCOUNT_NAME_MAX} characters`, 'name');
  }
  return name;
}

function checkContacts(value: unknown): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new ValidationError('contacts must be a list of e-mail addresses', 'contacts');
  }
  try {
    return parseRecipients(value as string[]);
  } catch (err) {
    if (err instanceof ValidationError) throw new ValidationError(`contacts: ${err.message}`, 'contacts');
    throw err;
  }
}

/** Checks every given field on its own (the allow-list and default are checked together later). */
export function checkFields(input: AccountFields): CheckedFields {
  const out: CheckedFields = {};
  if (input.name !== undefined) out.name = checkName(input.name);
  if (input.externalId !== undefined) {
    out.externalId = input.externalId === null ? null : parseExternalId(input.externalId);
  }
  if (input.contacts !== undefined) out.contacts = checkContacts(input.contacts);
  if (input.returnUrls !== undefined) out.returnUrls = parseReturnUrlList(input.returnUrls, 'returnUrls');
  if (input.defaultReturnUrl !== undefined) {
    out.defaultReturnUrl =
      input.defaultReturnUrl === null
        ? null
        : parseReturnUrl(input.defaultReturnUrl, 'defaultReturnUrl').href;
  }
  return out;
}

/** The default return URL (given, else stored) must be allowed by the allow-list (given, else stored). */
export function checkDefaultAllowed(fields: CheckedFields, stored: Selectable<AccountsTable> | null): void {
  const list = fields.returnUrls ?? storedReturnUrls(stored?.return_urls);
  const chosen =
    fields.defaultReturnUrl !== undefined ? fields.defaultReturnUrl : (stored?.default_return_url ?? null);
  if (chosen === null || returnUrlAllowed(list, new URL(chosen))) return;
  if (fields.defaultReturnUrl !== undefined && fields.defaultReturnUrl !== null) {
    throw new ValidationError(
      'defaultReturnUrl must start with one of the returnUrls (add its prefix to returnUrls)',
      'defaultReturnUrl',
    );
  }
  throw new ValidationError(
    `returnUrls must still allow the account's defaultReturnUrl ${chosen} (change or clear defaultReturnUrl too)`,
    'returnUrls',
  );
}
