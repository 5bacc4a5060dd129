import { readFileSync, statSync } from 'node:fs';
import type { Application } from '../../lifecycle/applications.js';
import { ADS_CALLBACK_PATH } from '../../lifecycle/configured-application.js';
import { DAY } from '../../kernel/clock.js';
import { Secret } from '../../kernel/secret.js';
import {
  CliInputError,
  formatDay,
  formatTime,
  forOption,
  readSecretFromStdin,
  withCliContext,
  type CliContext,
} from '../context.js';
import { table } from '../table.js';
import { dayCount } from '../../kernel/plural.js';

/** What runs for `applications ...` (registered in applications.ts). */

/** Use-case fields → the options that set them. */
const OPTION_OF_FIELD: Record<string, string> = {
  name: '--name',
  appId: '--app-id',
  clientId: '--client-id',
  clientSecret: '--client-secret-stdin',
  redirectUri: '--redirect-uri',
  loginUri: '--login-uri',
  authorizationLifetimeDays: '--authorization-days',
};

/** What `applications list` says instead of an expiry for an Ads security profile's secret. */
export const ADS_SECRET_NOT_TRACKED = 'secret rotation: not tracked (unconfirmed for Ads)';

/** The most a client secret file may hold. */
const SECRET_FILE_LIMIT = 64 * 1024;

interface AddOptions {
  ads?: boolean;
  name: string;
  appId?: string;
  clientId: string;
  clientSecretStdin?: boolean;
  clientSecretFile?: string;
  status?: 'draft' | 'published';
  kind?: 'public' | 'private';
  redirectUri?: string;
  loginUri?: string;
  authorizationDays?: number;
  secretIssuedAt?: Date;
}

/** The SP-API-only options, refused with `--ads` (an Ads security profile has none of them). */
const SP_API_ONLY: readonly (readonly [keyof AddOptions, string])[] = [
  ['appId', '--app-id'],
  ['status', '--status'],
  ['kind', '--kind'],
  ['redirectUri', '--redirect-uri'],
  ['loginUri', '--login-uri'],
  ['authorizationDays', '--authorization-days'],
];

/** Refuses a combination of options that cannot work, before anything is opened. */
function checkAddOptions(options: AddOptions): void {
  if (options.clientSecretStdin && options.clientSecretFile !== undefined) {
    throw new CliInputError('--client-secret-stdin and --client-secret-file: give one of them, not both');
  }
  if (!options.clientSecretStdin && options.clientSecretFile === undefined) {
    throw new CliInputError(
      '--client-secret-stdin is required (or --client-secret-file <path>): the LWA client secret is never ' +
        'accepted as an argument; pipe it in, e.g. printf \'%s\' "$SECRET" | sellerlink applications add ... --client-secret-stdin',
    );
  }
  if (options.ads) {
    const given = SP_API_ONLY.filter(([key]) => options[key] !== undefined).map(([, option]) => option);
    if (given.length > 0) {
      throw new CliInputError(
        `${given.join(', ')}: not for an Amazon Ads security profile (--ads), which is identified by its ` +
          'client id and returns to PUBLIC_URL/oauth/ads/callback',
      );
    }
    return;
  }
  for (const [key, option] of [
    ['appId', '--app-id'],
    ['status', '--status'],
    ['redirectUri', '--redirect-uri'],
  ] as const) {
    if (options[key] === undefined) {
      throw new CliInputError(
        `${option} is required for an SP-API application (for an Amazon Ads security profile add --ads)`,
      );
    }
  }
}

/**
 * The client secret from `--client-secret-file` (a path, never the secret itself, so the secret stays
 * out of shell history and process lists): one trailing newline dropped, empty refused.
 */
function readSecretFile(file: string): Secret {
  let text: string;
  try {
    if (statSync(file).size > SECRET_FILE_LIMIT)
      throw new CliInputError(`--client-secret-file: ${file} is longer than 64 KiB`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof CliInputError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new CliInputError(`--client-secret-file: cannot read ${file} (${code})`);
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret.trim() === '') throw new CliInputError(`--client-secret-file: ${file} is empty`);
  return new Secret(secret);
}

/** The client secret from standard input or the file, as the options say. */
async function readClientSecret(options: AddOptions): Promise<Secret> {
  return options.clientSecretFile !== undefined
    ? readSecretFile(options.clientSecretFile)
    : readSecretFromStdin('--client-secret-stdin', 'LWA client secret');
}

/** `applications add`: an SP-API app, or with `--ads` an Amazon Ads security profile. */
export async function addApplication(options: AddOptions): Promise<void> {
  checkAddOptions(options);
  const fields =
    options.clientSecretFile === undefined
      ? OPTION_OF_FIELD
      : { ...OPTION_OF_FIELD, clientSecret: '--client-secret-file' };
  await withCliContext(async (ctx) => {
    const clientSecret = await readClientSecret(options);
    if (options.ads) await addAdsApplication(ctx, options, clientSecret, fields);
    else await addSpApiApplication(ctx, options, clientSecret, fields);
  });
}

/** `applications add` of an SP-API application. */
async function addSpApiApplication(
  ctx: CliContext,
  options: AddOptions,
  clientSecret: Secret,
  fields: Record<string, string>,
): Promise<void> {
  const before = (await ctx.applications.list()).some((a) => a.appId === options.appId);
  const app = await ctx.applications
    .upsert({
      name: options.name,
      appId: options.appId!,
      clientId: options.clientId,
      clientSecret,
      status: options.status!,
      kind: options.kind ?? 'public',
      redirectUri: options.redirectUri!,
      loginUri: options.loginUri ?? null,
      authorizationLifetimeDays: options.authorizationDays ?? null,
      clientSecretIssuedAt: options.secretIssuedAt ?? new Date(ctx.clock.now()),
    })
    .catch((err: unknown) => forOption(err, fields));
  const expires = app.clientSecretExpiresAt;
  console.log(
    [
      `${before ? 'Updated' : 'Added'} application '${app.name}' (id ${app.id}).`,
      `  app id        ${app.appId}`,
      `  client id     ${app.clientId}`,
      `  ${app.status}, ${app.kind}; redirect URI ${app.redirectUri}`,
      `  client secret sealed with vault key '${ctx.vault.currentKeyId}'; issued ${formatDay(app.clientSecretIssuedAt)}, expires ${formatDay(expires)} (rotate it before then: sellerlink applications rotate-secret ${app.appId})`,
    ].join('\n'),
  );
}

/**
 * `applications add --ads`: an Amazon Ads security profile, identified by its client id (its app id
 * is the client id), returning to PUBLIC_URL/oauth/ads/callback like the configured one
 * (ADS_CLIENT_ID). Whether Amazon's 180-day secret rotation applies to it is unconfirmed: no
 * expiry is claimed.
 * @see https://advertising.amazon.com/API/docs/en-us/guides/onboarding/create-lwa-app
 */
async function addAdsApplication(
  ctx: CliContext,
  options: AddOptions,
  clientSecret: Secret,
  fields: Record<string, string>,
): Promise<void> {
  const before = (await ctx.applications.list('ads')).some((a) => a.appId === options.clientId);
  const app = await ctx.applications
    .upsert({
      api: 'ads',
      name: options.name,
      appId: options.clientId,
      clientId: options.clientId,
      clientSecret,
      status: 'published',
      redirectUri: `${ctx.config.publicUrl}${ADS_CALLBACK_PATH}`,
      ...(options.secretIssuedAt ? { clientSecretIssuedAt: options.secretIssuedAt } : {}),
    })
    .catch((err: unknown) => forOption(err, { ...fields, appId: '--client-id' }));
  console.log(
    [
      `${before ? 'Updated' : 'Added'} Amazon Ads security profile '${app.name}' (id ${app.id}).`,
      `  client id     ${app.clientId}`,
      `  return URL    ${app.redirectUri} (add it to the security profile's Allowed Return URLs)`,
      `  client secret sealed with vault key '${ctx.vault.currentKeyId}'; issued ${formatDay(app.clientSecretIssuedAt)}; ${ADS_SECRET_NOT_TRACKED}`,
    ].join('\n'),
  );
}

/** One application with its client secret's age, as `applications list` shows it. */
interface SecretAge {
  app: Application;
  ageDays: number;
  /** null for an Ads security profile: its secret's expiry is not tracked. */
  expiresAt: Date | null;
  daysLeft: number | null;
}

/** `sp-api` or `ads`, as the REST API and `connections list --api` name the two APIs. */
function apiName(app: Application): 'sp-api' | 'ads' {
  return app.api === 'ads' ? 'ads' : 'sp-api';
}

/** The client secret's age and, for SP-API apps, its expiry. */
function secretAge(app: Application, now: number): SecretAge {
  const ageDays = Math.floor((now - app.clientSecretIssuedAt.getTime()) / DAY);
  if (app.api === 'ads') return { app, ageDays, expiresAt: null, daysLeft: null };
  const expiresAt = app.clientSecretExpiresAt;
  return { app, ageDays, expiresAt, daysLeft: Math.ceil((expiresAt.getTime() - now) / DAY) };
}

/** `applications list`: the applications of both APIs. */
export async function listApplications(options: { json?: boolean }): Promise<void> {
  await withCliContext(async (ctx) => {
    const now = ctx.clock.now();
    const rows = (await ctx.applications.list('all')).map((app) => secretAge(app, now));
    if (options.json) {
      console.log(
        JSON.stringify(
          rows.map(({ app, ageDays, expiresAt, daysLeft }) => ({
            ...app,
            api: apiName(app),
            clientSecretAgeDays: ageDays,
            clientSecretExpiresAt: expiresAt,
            clientSecretDaysLeft: daysLeft,
            clientSecretExpiryTracked: expiresAt !== null,
          })),
          null,
          2,
        ),
      );
      return;
    }
    if (rows.length === 0) {
      console.log('No applications. Register one with: sellerlink applications add --help');
      return;
    }
    printApplications(rows);
  });
}

/** The "secret expires" cell: the date and days left, or that an Ads secret is not tracked. */
function expiryText({ expiresAt, daysLeft }: SecretAge): string {
  if (expiresAt === null || daysLeft === null) return ADS_SECRET_NOT_TRACKED;
  return `${formatDay(expiresAt)} (${daysLeft < 0 ? `${dayCount(-daysLeft)} ago` : `in ${dayCount(daysLeft)}`})`;
}

function printApplications(rows: SecretAge[]): void {
  console.log(
    table(
      [
        'id',
        'name',
        'api',
        'app id',
        'client id',
        'status',
        'kind',
        'secret issued',
        'age',
        'secret expires',
      ],
      rows.map((row) => [
        row.app.id,
        row.app.name,
        row.app.api === 'ads' ? 'Ads' : 'SP-API',
        row.app.api === 'ads' ? '-' : row.app.appId,
        row.app.clientId,
        row.app.status,
        row.app.kind,
        formatDay(row.app.clientSecretIssuedAt),
        dayCount(row.ageDays),
        expiryText(row),
      ]),
    ),
  );
  for (const { app } of rows) {
    if (app.previousSecretExpiresAt) {
      console.log(
        `\n'${app.name}': the rotated-out client secret is kept until ${formatTime(app.previousSecretExpiresAt)} (Amazon accepts it until then).`,
      );
    }
    if (app.flaggedAt) {
      console.log(`\n'${app.name}' is failing since ${formatDay(app.flaggedAt)}: ${app.flaggedReason ?? ''}`);
    }
  }
}

/** `applications rotate-secret <app>` (https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret). */
export async function rotateSecret(
  app: string,
  options: { region: 'NA' | 'EU' | 'FE'; wait?: number },
): Promise<void> {
  await withCliContext(async (ctx) => {
    const result = await ctx.secrets.rotate(app, { region: options.region, actor: 'cli' });
    let current = result.application;
    let received = result.received;
    const deadline = Date.now() + (options.wait ?? 0) * 1000;
    while (!received && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const latest = await ctx.applications.get(current.id);
      received = latest.clientSecretIssuedAt.getTime() !== current.clientSecretIssuedAt.getTime();
      current = latest;
    }
    if (received) {
      console.log(
        [
          `Rotated the client secret of '${current.name}': the new one is sealed and in use.`,
          `  new secret expires   ${formatTime(current.clientSecretExpiresAt)}`,
          `  old secret kept until ${formatTime(current.previousSecretExpiresAt)}`,
        ].join('\n'),
      );
      return;
    }
    console.log(
      [
        `Amazon accepted the rotation of '${current.name}' (${current.appId}).`,
        'It sends the new secret as APPLICATION_OAUTH_CLIENT_NEW_SECRET to the SQS queue set in the Developer',
        'Console (Notification Preferences → "Application Client New Secret"). Forward that message to',
        'POST /amazon/notifications (header x-sellerlink-notification-secret), or paste it here:',
        '  sellerlink applications ingest-secret < message.json',
        'The current secret keeps working for 7 days after the rotation.',
      ].join('\n'),
    );
  });
}

/** `applications ingest-secret`: the notification message comes on standard input. */
export async function ingestSecret(): Promise<void> {
  await withCliContext(async (ctx) => {
    // The message holds a secret: read like one (stdin only, never echoed).
    const message = await readSecretFromStdin('ingest-secret', 'notification message (JSON)');
    const result = await ctx.secrets.ingest(message.reveal(), { source: 'cli' });
    const app = result.application;
    switch (result.status) {
      case 'rotated':
        console.log(
          [
            `New client secret of '${app!.name}' sealed and in use.`,
            `  new secret expires    ${formatTime(app!.clientSecretExpiresAt)}`,
            `  old secret kept until ${formatTime(app!.previousSecretExpiresAt)}`,
          ].join('\n'),
        );
        return;
      case 'current':
        console.log(`'${app!.name}' already uses this secret; nothing changed.`);
        return;
      case 'stale':
        console.log(
          `Ignored: this message is from an older rotation than the secret '${app!.name}' uses now.`,
        );
        return;
      case 'ignored':
        console.log(`Ignored: ${result.notificationType} carries no new client secret.`);
        return;
    }
  });
}
