import { InvalidArgumentError, Option, type Command } from 'commander';
import { lazyAction } from './lazy.js';

/** The implementations, loaded when a command runs. */
const run = () => import('./applications-actions.js');

/**
 * `applications add|rotate-secret|ingest-secret|list`: the vendor's SP-API apps and Amazon Ads
 * security profiles; client secrets are sealed, never shown.
 */
export function registerApplicationsCommands(program: Command): void {
  const applications = program
    .command('applications')
    .description(
      "the vendor's SP-API applications and Amazon Ads security profiles (LWA client id, sealed client secret)",
    );
  registerAdd(applications);
  registerSecretCommands(applications);
  applications
    .command('list')
    .description(
      'list the applications of both APIs with their client secret age (never the secret); Ads secrets are not tracked',
    )
    .option('--json', 'print JSON')
    .action(lazyAction(async () => (await run()).listApplications));
}

/** `applications add`: an SP-API app, or with `--ads` an Amazon Ads security profile. */
function registerAdd(applications: Command): void {
  applications
    .command('add')
    .description(
      'register an SP-API application, or update the one with the same --app-id (its secret is replaced); ' +
        'with --ads an Amazon Ads security profile (updated by --client-id). The client secret is read from ' +
        'standard input or a file, never from an argument',
    )
    .option(
      '--ads',
      'an Amazon Ads security profile (an LWA client approved for the Ads API): give --name, --client-id and the secret; ' +
        'its return URL is PUBLIC_URL/oauth/ads/callback',
    )
    .requiredOption('--name <name>', 'a name for people (shown on the portal)')
    .option('--app-id <id>', 'SP-API only, required: Developer Console → App ID: amzn1.sp.solution.<uuid>')
    .requiredOption('--client-id <id>', 'LWA client id: amzn1.application-oa2-client.<hex>')
    .option('--client-secret-stdin', 'read the LWA client secret from standard input')
    .option(
      '--client-secret-file <path>',
      'read the LWA client secret from this file (one of --client-secret-stdin or --client-secret-file is required)',
    )
    .addOption(
      new Option(
        '--status <status>',
        'SP-API only, required: draft (consent URLs get version=beta) or published',
      ).choices(['draft', 'published']),
    )
    .addOption(
      new Option(
        '--kind <kind>',
        'SP-API only: public (sellers authorize through OAuth; the default) or private (self-authorized)',
      ).choices(['public', 'private']),
    )
    .option(
      '--redirect-uri <url>',
      'SP-API only, required: the OAuth redirect URI registered with Amazon (https)',
    )
    .option('--login-uri <url>', 'SP-API only: the login URI registered with Amazon (Amazon-initiated flow)')
    .option(
      '--authorization-days <n>',
      'SP-API only: days an authorization lasts (default: 365 for public apps, none for private apps)',
      wholeDays,
    )
    .option(
      '--secret-issued-at <date>',
      'when Amazon issued this client secret, e.g. 2026-05-01 (default: now); an SP-API secret expires 180 days later',
      isoDate,
    )
    .action(lazyAction(async () => (await run()).addApplication));
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
    .action(lazyAction(async () => (await run()).rotateSecret));

  applications
    .command('ingest-secret')
    .description(
      'take in an APPLICATION_OAUTH_CLIENT_NEW_SECRET notification read from standard input (the message ' +
        'JSON, an SQS message with Body, or an SNS envelope): the new secret is sealed and used at once, ' +
        'the old one kept until its own expiry',
    )
    .action(lazyAction(async () => (await run()).ingestSecret));
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
