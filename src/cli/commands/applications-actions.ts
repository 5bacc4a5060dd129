import type { Application } from '../../lifecycle/applications.js';
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

/** `applications add`. */
export async function addApplication(options: AddOptions): Promise<void> {
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
}

/** One application with its client secret's age, as `applications list` shows it. */
interface SecretAge {
  app: Application;
  ageDays: number;
  expiresAt: Date;
  daysLeft: number;
}

/** `applications list`. */
export async function listApplications(options: { json?: boolean }): Promise<void> {
  await withCliContext(async (ctx) => {
    const now = ctx.clock.now();
    const rows: SecretAge[] = (await ctx.applications.list()).map((app) => {
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
    printApplications(rows);
  });
}

function printApplications(rows: SecretAge[]): void {
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
