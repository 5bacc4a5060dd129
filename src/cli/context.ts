import type { Account, Accounts } from '../accounts/service.js';
import type { ApiKeys } from '../accounts/api-keys.js';
import type { SpApiClient } from '../amazon/client-types.js';
import type { KeyUsage, RefreshTokenResealer } from '../broker/reseal.js';
import type { TokenBroker } from '../broker/broker.js';
import { loadConfig, type AmazonEndpoints, type Config } from '../config/config.js';
import type { AuditLog } from '../connections/audit.js';
import type { ConnectionManager } from '../connections/manage.js';
import type { Viewer } from '../connections/repository.js';
import type { Clock } from '../kernel/clock.js';
import { AppError } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import type { Random } from '../kernel/random.js';
import { Secret } from '../kernel/secret.js';
import type { Applications } from '../lifecycle/applications.js';
import type { ListingOutbox } from '../listings/outbox.js';
import type { SecretRotation } from '../monitor/secrets.js';
import type { Orders } from '../orders/orders.js';
import { composeSellerlink, type Sellerlink } from '../service/compose.js';
import type { Vault } from '../vault/envelope.js';
import type { KeyRing } from '../vault/keyring.js';

/**
 * What the operator commands share: the same configuration as `sellerlink start`, the database, the
 * vault, and the use cases built the way the service builds them. Commands call use cases only; the
 * CLI never runs SQL itself.
 */

/** Who the CLI acts as: sees every account, audited as 'cli' with no user id. */
export const CLI_VIEWER: Viewer = Object.freeze({
  userId: '',
  username: 'cli',
  role: 'operator',
  accountId: null,
  actor: 'cli',
});

/** Everything an operator command may use. */
export interface CliContext {
  readonly config: Readonly<Config>;
  readonly clock: Clock;
  readonly random: Random;
  readonly keyRing: KeyRing;
  readonly vault: Vault;
  readonly endpoints: AmazonEndpoints;
  readonly accounts: Accounts;
  readonly applications: Applications;
  readonly audit: AuditLog;
  readonly connections: ConnectionManager;
  /** Amazon Ads connections' advertising profiles (src/ads/). */
  readonly ads: Sellerlink['ads'];
  /** Access tokens (broker) and the SP-API client, as the service has them. */
  readonly tokens: TokenBroker;
  readonly spApi: SpApiClient;
  /** Orders: import now, backfill, read. */
  readonly orders: Orders;
  readonly refreshTokens: RefreshTokenResealer;
  /** API keys for the vendor's software (create, list, revoke). */
  readonly apiKeys: ApiKeys;
  /** Webhook endpoint secrets (notify/): verified and re-sealed by `keys rotate`. */
  readonly webhookSecrets: { verifyAll(): Promise<number>; resealAll(): Promise<number> };
  /** Sealed secrets per vault key id (key id columns only). */
  keyUsage(): Promise<KeyUsage[]>;
  /** Client-secret rotation and ingesting Amazon's new-secret notification (monitor/secrets.ts). */
  readonly secrets: SecretRotation;
  /** The listings outbox (queue changes; the service's workers send them). */
  readonly listings: ListingOutbox;
  readonly viewer: Viewer;
}

/** Bad input on the command line: printed as one line naming the option; exit code 1. */
export class CliInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliInputError';
  }
}

/** Warnings go to stderr as plain lines; the CLI's stdout is for results. */
const stderrLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (fields, message) => console.error(`warning: ${message ?? ''}${fieldText(fields)}`),
  error: (fields, message) => console.error(`error: ${message ?? ''}${fieldText(fields)}`),
  child: () => stderrLogger,
};

function fieldText(fields: object): string {
  const entries = Object.entries(fields);
  return entries.length === 0 ? '' : ` (${entries.map(([k, v]) => `${k}: ${String(v)}`).join(', ')})`;
}

/** `sellerlink orders backfill`: the command words of `argv` (no options or values), for lock messages. */
export function commandLine(argv: readonly string[]): string {
  const words: string[] = [];
  for (const word of argv.slice(2)) {
    if (word.startsWith('-') || words.length === 2) break;
    words.push(word);
  }
  return ['sellerlink', ...words].join(' ');
}

/**
 * Builds the use cases with the composition factory (role `cli`: the configured database, no
 * simulator, jobs or web app; in sandbox mode the simulated clock the sandbox saved), runs `body`
 * with them, and closes everything (also when `body` fails). The vault is opened first, so a bad key
 * stops before anything else.
 */
export async function withCliContext<T>(body: (ctx: CliContext) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env);
  const graph = await composeSellerlink(config, {
    role: 'cli',
    logger: stderrLogger,
    owner: commandLine(process.argv),
  });
  try {
    return await body({
      config,
      clock: graph.clock,
      random: graph.random,
      keyRing: graph.keyRing,
      vault: graph.vault,
      endpoints: graph.endpoints,
      accounts: graph.accounts,
      applications: graph.applications,
      audit: graph.audit,
      connections: graph.connections,
      ads: graph.ads,
      tokens: graph.amazon.tokens,
      spApi: graph.amazon.spApi,
      orders: graph.orders,
      refreshTokens: graph.refreshTokens,
      apiKeys: graph.apiKeys,
      webhookSecrets: graph.notifications.notify.settings,
      keyUsage: () => graph.keyUsage(),
      secrets: graph.secrets,
      listings: graph.listings,
      viewer: CLI_VIEWER,
    });
  } finally {
    await graph.close();
  }
}

/** The account an `--account <id|name>` option names, or a message naming the option. */
export async function accountOption(ctx: CliContext, idOrName: string): Promise<Account> {
  const account = await ctx.accounts.findAccount(idOrName);
  if (!account)
    throw new CliInputError(`--account: no account '${idOrName}' (see: sellerlink accounts list)`);
  return account;
}

/** The most input read from stdin for one secret. */
const STDIN_LIMIT = 64 * 1024;

/**
 * Reads a secret from standard input for `option` (never from argv, so it stays out of shell history
 * and process lists). A pipe is read to its end; a terminal gets a prompt on stderr and no echo. One
 * trailing newline is dropped; empty input is refused.
 */
export async function readSecretFromStdin(
  option: string,
  what: string,
  stdin: NodeJS.ReadStream = process.stdin,
): Promise<Secret> {
  const raw = stdin.isTTY ? await readHiddenLine(stdin, `${what}: `) : await readAll(stdin, option);
  const text = raw.replace(/\r?\n$/, '');
  if (text === '') {
    throw new CliInputError(
      `${option}: nothing was read from standard input; pipe the ${what} in, e.g. ` +
        `printf '%s' "$VALUE" | sellerlink ...`,
    );
  }
  return new Secret(text);
}

async function readAll(stdin: NodeJS.ReadStream, option: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > STDIN_LIMIT) throw new CliInputError(`${option}: standard input is longer than 64 KiB`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** One line from a terminal without echoing it. Ctrl+C cancels. */
function readHiddenLine(stdin: NodeJS.ReadStream, prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    process.stderr.write(prompt);
    let value = '';
    const finish = (error?: Error): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        if (ch === '\u0003') return finish(new CliInputError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

/**
 * The same error with `option: ` in front of its message (code, details and cause kept), so the
 * printed line names the option that caused it. Anything that is not an AppError is returned as is.
 */
export function optionError(err: unknown, option: string): unknown {
  if (!(err instanceof AppError)) return err;
  return new AppError(err.code, `${option}: ${err.message}`, { cause: err, details: { ...err.details } });
}

/**
 * Rethrows a use case's validation error with the command-line option in front of its message, when
 * the error names a field (`details.field`) that maps to an option; anything else unchanged.
 */
export function forOption(err: unknown, options: Record<string, string>): never {
  if (err instanceof AppError) {
    const field = err.details.field;
    const option = typeof field === 'string' ? options[field] : undefined;
    if (option) throw optionError(err, option);
  }
  throw err;
}

/** `2026-11-22 14:05 UTC`, or `-`. */
export function formatTime(date: Date | null | undefined): string {
  if (!date) return '-';
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `2026-11-22`, or `-`. */
export function formatDay(date: Date | null | undefined): string {
  return date ? date.toISOString().slice(0, 10) : '-';
}
