/** Resolves after SIGINT/SIGTERM once `stop` has finished; a second signal exits at once. */
export function waitForShutdown(stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) process.exit(130);
      stopping = true;
      console.log(`\n${signal} received: stopping...`);
      stop().then(resolve, (err: unknown) => {
        console.error('error while stopping:', err);
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
