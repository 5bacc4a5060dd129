import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { ApiKeyError } from '../../accounts/errors.js';
import { ACCOUNT_NAME_MAX, EXTERNAL_ID, type AccountFields } from '../../accounts/account-fields.js';
import {
  ACCOUNTS_PAGE_DEFAULT,
  ACCOUNTS_PAGE_MAX,
  type ProvisionedAccount,
} from '../../accounts/provisioned-accounts.js';
import type { Provisioning } from '../../accounts/provisioning.js';
import { RETURN_URLS_MAX } from '../../accounts/return-urls.js';
import type { ApiEnv } from '../context.js';
import { ApiError } from '../errors.js';
import { commonErrors, errorResponse } from '../schemas.js';

/**
 * Provisioning accounts (tenants) from the vendor's software (docs/api.md, "Provisioning accounts"):
 * `/v1/accounts…`, operator keys only. The checks and writes are the use cases' (accounts/provisioning.ts);
 * the schemas here give the shapes, the OpenAPI document and the typed client.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TAGS = ['Provisioning'];
const EXTERNAL_ID_WORDS = "1-200 letters, digits or . _ : @ / - (the vendor's own id for the account)";

const Timestamp = z.string().openapi({ format: 'date-time', example: '2027-03-01T12:00:00.000Z' });

const ExternalId = z
  .string()
  .regex(EXTERNAL_ID, `must be ${EXTERNAL_ID_WORDS}`)
  .openapi({
    description: `The vendor's own id for the account: ${EXTERNAL_ID_WORDS}`,
    example: 'crm:tenant-42',
  });

const Name = z.string().min(1).max(ACCOUNT_NAME_MAX).openapi({ example: 'Trail Gear Ltd' });

const Contacts = z
  .array(z.string())
  .max(20)
  .openapi({
    description:
      "E-mail addresses the account's notifications (expiry reminders, revocations, …) are sent to; at most 20. Replaces the list.",
    example: ['ops@trailgear.example'],
  });

const ReturnUrls = z
  .array(z.string())
  .max(RETURN_URLS_MAX)
  .openapi({
    description:
      "Allow-list of URL prefixes a connect link's `returnUrl` must start with (https, or http on localhost; no #fragment); at most 20. Replaces the list.",
    example: ['https://app.vendor.example/settings/amazon'],
  });

const DefaultReturnUrl = z.string().nullable().openapi({
  description:
    'Where renew links from reminders send the seller back to; must be allowed by `returnUrls`. null: Sellerlink’s own result page.',
  example: 'https://app.vendor.example/settings/amazon',
});

export const AccountSchema = z
  .object({
    id: z.string().openapi({ example: '0b6f3c1e-2d4a-4c8e-9f10-1a2b3c4d5e6f' }),
    name: z.string(),
    externalId: z.string().nullable(),
    contacts: z.array(z.string()).openapi({
      description:
        "Where the account's notification e-mails go: the contacts set here, or until set, its owners' addresses",
    }),
    returnUrls: z.array(z.string()),
    defaultReturnUrl: z.string().nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    connections: z
      .object({
        total: z.number().int(),
        active: z
          .number()
          .int()
          .openapi({ description: 'Connections not disconnected (they block deletion)' }),
      })
      .openapi({ description: "The account's connections (SP-API and Amazon Ads)" }),
  })
  .openapi('Account');

const AccountListSchema = z
  .object({
    accounts: z.array(AccountSchema),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` for the next page; null: last page' }),
  })
  .openapi('AccountList');

const CreateBody = z
  .strictObject({
    name: Name,
    externalId: ExternalId.optional(),
    contacts: Contacts.optional(),
    returnUrls: ReturnUrls.optional(),
    defaultReturnUrl: DefaultReturnUrl.optional(),
  })
  .openapi('AccountCreateRequest');

const UpsertBody = z
  .strictObject({
    name: Name.optional().openapi({ description: 'Required when the account is created' }),
    contacts: Contacts.optional(),
    returnUrls: ReturnUrls.optional(),
    defaultReturnUrl: DefaultReturnUrl.optional(),
  })
  .openapi('AccountUpsertRequest');

const UpdateBody = z
  .strictObject({
    name: Name.optional(),
    externalId: ExternalId.nullable().optional(),
    contacts: Contacts.optional(),
    returnUrls: ReturnUrls.optional(),
    defaultReturnUrl: DefaultReturnUrl.optional(),
  })
  .openapi('AccountUpdateRequest');

const IdParams = z.object({
  id: z
    .string()
    .regex(UUID, 'must be an account id (a UUID)')
    .openapi({ param: { name: 'id', in: 'path' }, description: 'The account id' }),
});

const ExternalIdParams = z.object({
  externalId: ExternalId.openapi({
    param: { name: 'externalId', in: 'path' },
    description: `The vendor's id for the account (URL-encoded: \`/\` as %2F): ${EXTERNAL_ID_WORDS}`,
  }),
});

const ListQuery = z.object({
  externalId: ExternalId.optional().openapi({
    param: { name: 'externalId', in: 'query' },
    description: 'Only the account with this external id',
  }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(ACCOUNTS_PAGE_MAX)
    .default(ACCOUNTS_PAGE_DEFAULT)
    .openapi({
      param: { name: 'limit', in: 'query' },
      description: `Accounts per page (1-${ACCOUNTS_PAGE_MAX})`,
    }),
  cursor: z
    .string()
    .max(500)
    .optional()
    .openapi({ param: { name: 'cursor', in: 'query' }, description: '`nextCursor` of the previous page' }),
});

const json = <T extends z.ZodType>(description: string, schema: T) => ({
  description,
  content: { 'application/json': { schema } },
});

const provisioningErrors = {
  ...commonErrors,
  403: errorResponse('The key sees one account only: provisioning needs an operator key (API_KEY_FORBIDDEN)'),
} as const;

/** Refuses account-scoped keys before anything is read: provisioning is for operator keys. */
const requireOperatorKey: MiddlewareHandler<ApiEnv> = async (c, next) => {
  if (c.get('principal').viewer.role !== 'operator') {
    throw new ApiKeyError(
      'API_KEY_FORBIDDEN',
      'provisioning accounts needs an operator key (one that sees every account); this key sees one account only',
    );
  }
  await next();
};

const base = { tags: TAGS, security: [{ apiKey: [] }], middleware: requireOperatorKey };

export const upsertAccountRoute = createRoute({
  ...base,
  method: 'put',
  path: '/v1/accounts/by-external-id/{externalId}',
  operationId: 'upsertAccountByExternalId',
  summary: 'Create or update an account by its external id (idempotent)',
  description:
    'Creates the account with this external id (201; `name` required), or updates the fields given on the one that exists (200). The same request again changes nothing and creates nothing. Operator keys only.',
  request: {
    params: ExternalIdParams,
    body: { required: true, content: { 'application/json': { schema: UpsertBody } } },
  },
  responses: {
    200: json('The account existed; the fields given are updated', AccountSchema),
    201: json('The account was created', AccountSchema),
    ...provisioningErrors,
  },
});

export const createAccountRoute = createRoute({
  ...base,
  method: 'post',
  path: '/v1/accounts',
  operationId: 'createAccount',
  summary: 'Create an account',
  description:
    'Creates an account (a seller business, a tenant of the vendor). An `externalId` another account has answers 409 ACCOUNT_EXISTS naming it: use `PUT /v1/accounts/by-external-id/{externalId}` to create or update idempotently. Operator keys only.',
  request: { body: { required: true, content: { 'application/json': { schema: CreateBody } } } },
  responses: {
    201: json('The account was created', AccountSchema),
    ...provisioningErrors,
    409: errorResponse('Another account has this externalId (ACCOUNT_EXISTS); the message names it'),
  },
});

export const listAccountsRoute = createRoute({
  ...base,
  method: 'get',
  path: '/v1/accounts',
  operationId: 'listAccounts',
  summary: 'List accounts',
  description:
    'Accounts oldest first, a page at a time (`nextCursor`); `externalId` finds one. Operator keys only.',
  request: { query: ListQuery },
  responses: { 200: json('One page of accounts', AccountListSchema), ...provisioningErrors },
});

export const getAccountRoute = createRoute({
  ...base,
  method: 'get',
  path: '/v1/accounts/{id}',
  operationId: 'getAccount',
  summary: 'Get one account',
  description:
    'The account with its contacts, return-URL allow-list and connection counts. Operator keys only.',
  request: { params: IdParams },
  responses: {
    200: json('The account', AccountSchema),
    ...provisioningErrors,
    404: errorResponse('No such account (ACCOUNT_NOT_FOUND)'),
  },
});

export const updateAccountRoute = createRoute({
  ...base,
  method: 'patch',
  path: '/v1/accounts/{id}',
  operationId: 'updateAccount',
  summary: 'Update an account',
  description:
    'Changes the fields given (lists are replaced whole; `null` clears `externalId` or `defaultReturnUrl`). Values equal to the stored ones change nothing. Operator keys only.',
  request: {
    params: IdParams,
    body: { required: true, content: { 'application/json': { schema: UpdateBody } } },
  },
  responses: {
    200: json('The account as now stored', AccountSchema),
    ...provisioningErrors,
    404: errorResponse('No such account (ACCOUNT_NOT_FOUND)'),
    409: errorResponse('Another account has this externalId (ACCOUNT_EXISTS)'),
  },
});

export const deleteAccountRoute = createRoute({
  ...base,
  method: 'delete',
  path: '/v1/accounts/{id}',
  operationId: 'deleteAccount',
  summary: 'Delete an account',
  description:
    'Deletes the account with its users, API keys, notification settings and disconnected connections. Refused with 409 ACCOUNT_HAS_CONNECTIONS while any connection is not disconnected (the message says how many and how to disconnect). Operator keys only.',
  request: { params: IdParams },
  responses: {
    204: { description: 'Deleted' },
    ...provisioningErrors,
    404: errorResponse('No such account (ACCOUNT_NOT_FOUND)'),
    409: errorResponse(
      'The account still has connections that are not disconnected (ACCOUNT_HAS_CONNECTIONS)',
    ),
  },
});

/** An account as the API shows it. */
export function accountView(account: ProvisionedAccount): z.infer<typeof AccountSchema> {
  return {
    ...account,
    createdAt: account.createdAt.toISOString(),
    updatedAt: account.updatedAt.toISOString(),
  };
}

/** The fields given in a body, without the ones left out (exact optional properties). */
function given<T extends Record<string, unknown>>(body: T): AccountFields {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}

/** The use cases, or 404 in a process built without them (the OpenAPI document generator). */
function use(provisioning: Provisioning | undefined): Provisioning {
  if (!provisioning) throw new ApiError(404, 'NOT_FOUND', 'account provisioning is not available here');
  return provisioning;
}

/** `/v1/accounts…`: create, upsert by external id, list, get, update, delete (operator keys only). */
export function registerAccountRoutes(
  app: OpenAPIHono<ApiEnv>,
  provisioning: Provisioning | undefined,
): void {
  app.openapi(upsertAccountRoute, async (c) => {
    const { externalId } = c.req.valid('param');
    const body = given(c.req.valid('json'));
    const { account, created } = await use(provisioning).upsert(c.get('principal').viewer, externalId, body);
    return created ? c.json(accountView(account), 201) : c.json(accountView(account), 200);
  });

  app.openapi(createAccountRoute, async (c) => {
    const account = await use(provisioning).create(c.get('principal').viewer, given(c.req.valid('json')));
    return c.json(accountView(account), 201);
  });

  app.openapi(listAccountsRoute, async (c) => {
    const { externalId, limit, cursor } = c.req.valid('query');
    const page = await use(provisioning).list(c.get('principal').viewer, {
      limit,
      ...(externalId === undefined ? {} : { externalId }),
      ...(cursor === undefined ? {} : { cursor }),
    });
    return c.json({ accounts: page.accounts.map(accountView), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(getAccountRoute, async (c) => {
    const account = await use(provisioning).get(c.get('principal').viewer, c.req.valid('param').id);
    return c.json(accountView(account), 200);
  });

  app.openapi(updateAccountRoute, async (c) => {
    const { id } = c.req.valid('param');
    const account = await use(provisioning).update(c.get('principal').viewer, id, given(c.req.valid('json')));
    return c.json(accountView(account), 200);
  });

  app.openapi(deleteAccountRoute, async (c) => {
    await use(provisioning).delete(c.get('principal').viewer, c.req.valid('param').id);
    return c.body(null, 204);
  });
}
