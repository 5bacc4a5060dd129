import { Command, CommanderError } from 'commander';
import { AppError } from '../kernel/errors.js';
import { registerAccountsCommands } from './commands/accounts.js';
import { registerApiKeysCommands } from './commands/api-keys.js';
import { registerApplicationsCommands } from './commands/applications.js';
import { registerConnectionsCommands } from './commands/connections.js';
import { registerKeysCommands } from './commands/keys.js';
import { registerListingsCommands } from './commands/listings.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerOrdersCommands } from './commands/orders.js';
import { registerSimCommand } from './commands/sim.js';
import { registerSimulatorCommand } from './commands/simulator.js';
import { registerStartCommands } from './commands/start.js';

/**
 * Builds the `sellerlink` command tree: names, options and help. A command that needs the application
 * imports its implementation (commands/*-actions.ts) only when it runs, so `--help` loads none of it;
 * `sim` only talks HTTP to a simulator and is registered whole.
 */
export function buildProgram(): Command {
  const program = new Command('sellerlink')
    .description("Keeps sellers' Amazon SP-API connections alive.")
    .showHelpAfterError()
    .exitOverride();
  registerStartCommands(program);
  registerSimulatorCommand(program);
  registerSimCommand(program);
  registerMigrateCommand(program);
  registerAccountsCommands(program);
  registerApplicationsCommands(program);
  registerConnectionsCommands(program);
  registerOrdersCommands(program);
  registerKeysCommands(program);
  registerApiKeysCommands(program);
  registerListingsCommands(program);
  return program;
}

/** Runs the CLI and returns the process exit code. Errors are printed plainly, never with secrets. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof AppError) {
      console.error(`error [${err.code}]: ${err.message}`);
      return 1;
    }
    console.error(err instanceof Error ? `error: ${err.message}` : err);
    return 1;
  }
}
