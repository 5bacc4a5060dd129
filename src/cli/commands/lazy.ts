/**
 * A commander action that loads its implementation only when the command runs: building the command
 * tree (and answering `--help`) then loads no part of the application, only the module of the
 * command that runs.
 */
export function lazyAction<A extends unknown[]>(
  load: () => Promise<(...args: A) => Promise<void>>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const run = await load();
    await run(...args);
  };
}
