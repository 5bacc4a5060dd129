import { InvalidArgumentError, Option, type Command } from 'commander';
import { DAY } from '../../kernel/clock.js';
import { CliInputError, formatDay, forOption, readSecretFromStdin, withCliContext } from '../context.js';
import { table } from './sim-format.js';

/** Amazon expires an LWA client secret 180 days after it was issued (FACTS §4). */
export const CLIENT_SECRET_LIFETIME_DAYS = 180;

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

interface AddOptions {
  name: string;
  appId: string;
  clientId: string;
  clientSecretStdin?: boolean;
  status: 'draft' | 'published';
  kind?: 'public' | 'private';
  redirectUri: string;
  loginUri?: string;
  authorizationDays?: number;
  secretIssuedAt?: Date;
}

/** `applications add|list`: the vendor's SP-API apps; client secrets are sealed, never shown. */
export function registerApplicationsCommands(program: Command): void {
  const applications = program
    .command('applications')
    .description("the vendor's SP-API applications (LWA client id, sealed client secret)");

  applications
    .command('add')
    .description(
      'register an application, or update the one with the same --app-id (its secret is replaced); ' +
        'the client secret is read from standard input',
    )
    .requiredOption('--name <name>', 'a name for people (shown on the portal)')
    .requiredOption('--app-id <id>', 'Developer Console → App ID: amzn1.sp.solution.<uuid>')
    .requiredOption('--client-id <id>', 'LWA client id: amzn1.application-oa2-client.<hex>')
    .option('--client-secret-stdin', 'read the LWA client secret from standard input (required)')
    .addOption(
      new Option('--status <status>', 'draft (consent URLs get version=beta) or published')
        .choices(['draft', 'published'])
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--kind <kind>', 'public (sellers authorize through OAuth) or private (self-authorized)')
        .choices(['public', 'private'])
        .default('public'),
    )
    .requiredOption('--redirect-uri <url>', 'the OAuth redirect URI registered with Amazon (https)')
    .option('--login-uri <url>', 'the login URI registered with Amazon (Amazon-initiated flow)')
    .option(
      '--authorization-days <n>',
      'days an authorization lasts (default: 365 for public apps, none for private apps)',
      wholeDays,
    )
    .option(
      '--secret-issued-at <date>',
      'when Amazon issued this client secret, e.g. 2026-05-01 (default: now); it expires 180 days later',
      isoDate,
    )
    .action(async (options: AddOptions) => {
      if (!options.clientSecretStdin) {
        throw new CliInputError(
          '--client-secret-stdin is required: pipe the LWA client secret in (it is never accepted as an ' +
            'argument), e.g. printf \'%s\' "$SECRET" | sellerlink applications add ... --client-secret-stdin',
        );
      }
      await withCliContext(async (ctx) => {
        const clientSecret = await readSecretFromStdin('--client-secret-stdin', 'LWA client secret');
        const before = (await ctx.applications.list()).some((a) => a.appId === options.appId);
        const app = await ctx.applications
          .upsert({
            name: options.name,
            appId: options.appId,
            clientId: options.clientId,
            clientSecret,
            status: options.status,
            kind: options.kind ?? 'public',
            redirectUri: options.redirectUri,
            loginUri: options.loginUri ?? null,
            authorizationLifetimeDays: options.authorizationDays ?? null,
            clientSecretIssuedAt: options.secretIssuedAt ?? new Date(ctx.clock.now()),
          })
          .catch((err: unknown) => forOption(err, OPTION_OF_FIELD));
        const expires = new Date(app.clientSecretIssuedAt.getTime() + CLIENT_SECRET_LIFETIME_DAYS * DAY);
        console.log(
          [
            `${before ? 'Updated' : 'Added'} application '${app.name}' (id ${app.id}).`,
            `  app id        ${app.appId}`,
            `  client id     ${app.clientId}`,
            `  ${app.status}, ${app.kind}; redirect URI ${app.redirectUri}`,
            `  client secret sealed with vault key '${ctx.vault.currentKeyId}'; issued ${formatDay(app.clientSecretIssuedAt)}, expires ${formatDay(expires)} (rotate it in the Developer Console before then and add it again)`,
          ].join('\n'),
        );
      });
    });

  applications
    .command('list')
    .description('list applications with their client secret age (never the secret)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withCliContext(async (ctx) => {
        const now = ctx.clock.now();
        const rows = (await ctx.applications.list()).map((app) => {
          const ageDays = Math.floor((now - app.clientSecretIssuedAt.getTime()) / DAY);
          const expiresAt = new Date(app.clientSecretIssuedAt.getTime() + CLIENT_SECRET_LIFETIME_DAYS * DAY);
          return { app, ageDays, expiresAt, daysLeft: Math.ceil((expiresAt.getTime() - now) / DAY) };
        });
        if (options.json) {
          console.log(
            JSON.stringify(
              rows.map(({ app, ageDays, expiresAt, daysLeft }) => ({
                ...app,
                clientSecretAgeDays: ageDays,
                clientSecretExpiresAt: expiresAt,
                clientSecretDaysLeft: daysLeft,
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
        console.log(
          table(
            ['id', 'name', 'app id', 'client id', 'status', 'kind', 'secret issued', 'age', 'secret expires'],
            rows.map(({ app, ageDays, expiresAt, daysLeft }) => [
              app.id,
              app.name,
              app.appId,
              app.clientId,
              app.status,
              app.kind,
              formatDay(app.clientSecretIssuedAt),
              `${ageDays} days`,
              `${formatDay(expiresAt)} (${daysLeft < 0 ? `${-daysLeft} days ago` : `in ${daysLeft} days`})`,
            ]),
          ),
        );
        for (const { app } of rows) {
          if (app.flaggedAt) {
            console.log(
              `\n'${app.name}' is failing since ${formatDay(app.flaggedAt)}: ${app.flaggedReason ?? ''}`,
            );
          }
        }
      });
    });
}

/** Commander parser: 1-3650 whole days. */
function wholeDays(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 3650) {
    throw new InvalidArgumentError('must be a whole number of days, 1-3650');
  }
  return n;
}

/** Commander parser: an ISO date or date-time. */
function isoDate(value: string): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError('must be a date like 2026-05-01 or 2026-05-01T12:00:00Z');
  }
  return date;
}
