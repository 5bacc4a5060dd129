import { InvalidArgumentError, type Command } from 'commander';
import { createSimClient, resolveSimulatorTarget, unreachableMessage, type SimClient } from './sim-client.js';
import type { Print } from '../table.js';

/** Plumbing shared by the `sellerlink sim` subcommands: options, the client, and output. */

/** What `sim` commands use from the outside world; injectable for tests. */
export interface SimCommandDeps {
  /** HTTP transport; default global fetch (a simulator's own `fetch` works too). */
  fetch?: typeof fetch;
  /** Environment for SIMULATOR_URL, SIMULATOR_TOKEN and SELLERLINK_DATA_DIR; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Where output goes; default console.log. */
  print?: Print;
}

/** What one subcommand run gets. */
export interface SimIo {
  client: SimClient;
  /** True with --json: print the control's raw JSON. */
  json: boolean;
  print: Print;
  /** Prints `data` as JSON with --json, else the text `render` makes of it. */
  show<T>(data: T, render: (data: T) => string): void;
}

interface GlobalOptions {
  url?: string;
  json?: boolean;
}

/**
 * Wraps a subcommand body as a commander action: resolves --url and --json (options of `sim`,
 * accepted before or after the subcommand), builds the client and hands over the positional
 * arguments and the command's own options.
 */
export function simAction<O extends object>(
  deps: SimCommandDeps,
  body: (io: SimIo, options: O, args: string[]) => Promise<void>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const options = command.optsWithGlobals<O & GlobalOptions>();
    const positional = args.slice(0, -2).map(String);
    const target = resolveSimulatorTarget(options.url, deps.env ?? process.env);
    const print = deps.print ?? ((text: string) => console.log(text));
    const json = options.json === true;
    const io: SimIo = {
      client: createSimClient(target.url, deps.fetch, target.token, (reason) =>
        unreachableMessage(target, reason),
      ),
      json,
      print,
      show(data, render) {
        const text = json ? JSON.stringify(data, null, 2) : render(data);
        if (text !== '') print(text);
      },
    };
    await body(io, options, positional);
  };
}

/** Commander parser for a finite number. */
export function numberArg(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('must be a number');
  return n;
}

/** Commander parser for an integer. */
export function integerArg(value: string): number {
  const n = numberArg(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('must be a whole number');
  return n;
}

/** Adds `key: value` to an object only when the value is defined (exactOptionalPropertyTypes-safe). */
export function defined<T extends Record<string, unknown>>(values: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}
