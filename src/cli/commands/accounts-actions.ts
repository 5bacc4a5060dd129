import { randomToken } from '../../kernel/random.js';
import { AppError } from '../../kernel/errors.js';
import { Secret } from '../../kernel/secret.js';
import {
  accountOption,
  CliInputError,
  formatTime,
  optionError,
  readSecretFromStdin,
  withCliContext,
  type CliContext,
} from '../context.js';
import { table } from '../table.js';

/** What runs for `accounts ...` and `users ...` (registered in accounts.ts). */

/** `accounts create <name>`. */
export async function createAccount(name: string): Promise<void> {
  await withCliContext(async (ctx) => {
    const account = await ctx.accounts.createAccount(name).catch((err: unknown) => {
      throw optionError(err, '<name>');
    });
    console.log(`Created account '${account.name}' (id ${account.id}).`);
    console.log(`Next: sellerlink users add --account ${quoteArg(account.name)} --username <name>`);
  });
}

/** `accounts list`. */
export async function listAccounts(options: { json?: boolean }): Promise<void> {
  await withCliContext(async (ctx) => {
    const list = await ctx.accounts.listAccounts();
    if (options.json) {
      console.log(JSON.stringify(list, null, 2));
      return;
    }
    if (list.length === 0) {
      console.log('No accounts. Create one with: sellerlink accounts create <name>');
      return;
    }
    console.log(
      table(
        ['id', 'name', 'created'],
        list.map((a) => [a.id, a.name, formatTime(a.createdAt)]),
      ),
    );
  });
}

/** `users add`. */
export async function addUser(options: {
  account: string;
  username: string;
  role: 'owner' | 'member';
  email?: string;
  passwordStdin?: boolean;
}): Promise<void> {
  await withCliContext(async (ctx) => {
    const account = await accountOption(ctx, options.account);
    const { password, generated } = await passwordFrom(ctx, options.passwordStdin === true);
    const user = await ctx.accounts
      .addUser({
        accountId: account.id,
        username: options.username,
        password: password.reveal(),
        role: options.role,
        ...(options.email === undefined ? {} : { email: options.email }),
      })
      .catch((err: unknown) => {
        throw userError(err, options.passwordStdin === true);
      });
    console.log(`Added ${user.role} '${user.username}' to account '${account.name}' (user id ${user.id}).`);
    if (generated) printGenerated(password);
  });
}

/** `users add-operator`. */
export async function addOperator(options: { username: string; passwordStdin?: boolean }): Promise<void> {
  await withCliContext(async (ctx) => {
    const { password, generated } = await passwordFrom(ctx, options.passwordStdin === true);
    const user = await ctx.accounts
      .addUser({
        accountId: null,
        username: options.username,
        password: password.reveal(),
        role: 'operator',
      })
      .catch((err: unknown) => {
        throw userError(err, options.passwordStdin === true);
      });
    console.log(`Added operator '${user.username}' (user id ${user.id}).`);
    if (generated) printGenerated(password);
  });
}

/** `users set-password`. */
export async function setPassword(options: { username: string; passwordStdin?: boolean }): Promise<void> {
  if (!options.passwordStdin) {
    throw new CliInputError(
      '--password-stdin is required: pipe the new password in (it is never accepted as an argument), e.g. printf \'%s\' "$PASSWORD" | sellerlink users set-password --username NAME --password-stdin',
    );
  }
  await withCliContext(async (ctx) => {
    const password = await readSecretFromStdin('--password-stdin', 'new password');
    await ctx.accounts.setPassword(options.username, password.reveal()).catch((err: unknown) => {
      throw userError(err, true);
    });
    console.log(
      `Password of '${options.username}' replaced; every session of the user ended and any sign-in lock lifted.`,
    );
  });
}

/** The password from stdin, or a generated one (24 base64url characters: 144 random bits). */
async function passwordFrom(
  ctx: CliContext,
  fromStdin: boolean,
): Promise<{ password: Secret; generated: boolean }> {
  if (fromStdin)
    return { password: await readSecretFromStdin('--password-stdin', 'password'), generated: false };
  return { password: new Secret(randomToken(ctx.random, 18)), generated: true };
}

function printGenerated(password: Secret): void {
  console.log(`Password (shown only now; hand it over securely): ${password.reveal()}`);
}

/** Puts the option that caused a use-case error in front of its message. */
function userError(err: unknown, passwordFromStdin: boolean): unknown {
  if (!(err instanceof AppError)) return err;
  switch (err.code) {
    case 'PASSWORD_TOO_WEAK':
      return passwordFromStdin ? optionError(err, '--password-stdin') : err;
    case 'USER_EXISTS':
    case 'USER_NOT_FOUND':
      return optionError(err, '--username');
    case 'FORBIDDEN':
      return /username/.test(err.message) ? optionError(err, '--username') : err;
    case 'ACCOUNT_NOT_FOUND':
      return optionError(err, '--account');
    default:
      return err;
  }
}

function quoteArg(value: string): string {
  return /^[\w.@+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
