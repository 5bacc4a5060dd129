import { InvalidArgumentError, Option, type Command } from 'commander';
import { DAY } from '../../kernel/clock.js';
import {
  CliInputError,
  formatDay,
  formatTime,
  forOption,
  readSecretFromStdin,
  withCliContext,
} from '../context.js';
import { table } from '../table.js';

/** Amazon expires an LWA client secret 180 days after it was issued (https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret). */
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
      });
    });

  registerSecretCommands(applications);

  applications
    .command('list')
    .description('list applications with their client secret age (never the secret)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withCliContext(async (ctx) => {
        const now = ctx.clock.now();
        const rows = (await ctx.applications.list()).map((app) => {
          const ageDays = Math.floor((now - app.clientSecretIssuedAt.getTime()) / DAY);
          const expiresAt = app.clientSecretExpiresAt;
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
          if (app.previousSecretExpiresAt) {
            console.log(
              `\n'${app.name}': the rotated-out client secret is kept until ${formatTime(app.previousSecretExpiresAt)} (Amazon accepts it until then).`,
            );
          }
          if (app.flaggedAt) {
            console.log(
              `\n'${app.name}' is failing since ${formatDay(app.flaggedAt)}: ${app.flaggedReason ?? ''}`,
            );
          }
        }
      });
    });
}

/** `applications rotate-secret|ingest-secret`: client secret rotation (https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret). */
function registerSecretCommands(applications: Command): void {
  applications
    .command('rotate-secret <app>')
    .description(
      'ask Amazon for a new client secret (rotateApplicationClientSecret, grantless). Amazon sends it as an ' +
        "APPLICATION_OAUTH_CLIENT_NEW_SECRET notification to the app's destination: forward that to " +
        'POST /amazon/notifications, or paste it into `sellerlink applications ingest-secret`. ' +
        '<app> is the app id (amzn1.sp.solution.…) or internal id',
    )
    .addOption(
      new Option('--region <region>', 'the SP-API endpoint to call')
        .choices(['NA', 'EU', 'FE'])
        .default('NA'),
    )
    .option('--wait <seconds>', 'wait up to this long for the new secret to arrive (default 0)', waitSeconds)
    .action(async (app: string, options: { region: 'NA' | 'EU' | 'FE'; wait?: number }) => {
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
    });

  applications
    .command('ingest-secret')
    .description(
      'take in an APPLICATION_OAUTH_CLIENT_NEW_SECRET notification read from standard input (the message ' +
        'JSON, an SQS message with Body, or an SNS envelope): the new secret is sealed and used at once, ' +
        'the old one kept until its own expiry',
    )
    .action(async () => {
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
    });
}

/** Commander parser: 0-600 seconds. */
function waitSeconds(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 600) throw new InvalidArgumentError('must be 0-600 seconds');
  return n;
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
