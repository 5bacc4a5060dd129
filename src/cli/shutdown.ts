/**
 * Resolves after SIGINT/SIGTERM once `stop` has finished, with the exit code to use (0, or 1 when
 * stopping failed); a second signal exits at once. From the first signal on, work still running in
 * the background (a job released by the job system, an Amazon call in flight) may fail against the
 * closed database: those failures are expected and must not turn a clean stop into a crash.
 */
export function waitForShutdown(stop: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) process.exit(130);
      stopping = true;
      const expected = (): void => {
        /* background work ending against closed resources while stopping */
      };
      process.on('unhandledRejection', expected);
      process.on('uncaughtException', expected);
      console.log(`\n${signal} received: stopping...`);
      stop().then(
        () => resolve(0),
        (err: unknown) => {
          console.error('error while stopping:', err);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
