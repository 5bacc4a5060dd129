import { Option, type Command } from 'commander';
import { lazyAction } from './lazy.js';

/** The implementations, loaded when a command runs. */
const run = () => import('./accounts-actions.js');

/** `accounts create|list` and `users add|add-operator|set-password`. */
export function registerAccountsCommands(program: Command): void {
  const accounts = program.command('accounts').description('seller businesses that use Sellerlink');

  accounts
    .command('create')
    .description('create an account (a seller business); add its users with `users add`')
    .argument('<name>', 'the business name shown on the portal')
    .action(lazyAction(async () => (await run()).createAccount));

  accounts
    .command('list')
    .description('list accounts, oldest first')
    .option('--json', 'print JSON')
    .action(lazyAction(async () => (await run()).listAccounts));

  registerUsersCommands(program);
}

/** `users add|add-operator|set-password`. */
function registerUsersCommands(program: Command): void {
  const users = program.command('users').description('logins for the portal');

  users
    .command('add')
    .description('add a user to an account (prints a generated password unless one comes on stdin)')
    .requiredOption('--account <id|name>', 'the account the user belongs to')
    .requiredOption('--username <username>', '3-64 letters, digits or . _ @ + -')
    .addOption(new Option('--role <role>', 'owner or member').choices(['owner', 'member']).default('owner'))
    .option('--email <address>', 'where notifications for this user go')
    .option('--password-stdin', 'read the password from standard input instead of generating one')
    .action(lazyAction(async () => (await run()).addUser));

  users
    .command('add-operator')
    .description('add an operator: signs in to the portal and sees every account')
    .requiredOption('--username <username>', '3-64 letters, digits or . _ @ + -')
    .option('--password-stdin', 'read the password from standard input instead of generating one')
    .action(lazyAction(async () => (await run()).addOperator));

  users
    .command('set-password')
    .description("replace a user's password (read from standard input)")
    .requiredOption('--username <username>', 'whose password to set')
    .option('--password-stdin', 'read the new password from standard input (required)')
    .action(lazyAction(async () => (await run()).setPassword));
}
