/**
 * Waits for `work` to settle, or `ms` at most, whichever comes first; answers which. The work is not
 * cancelled (it goes on; its failure after the wait is ignored). For shutdown steps that must not
 * hold the process: pool ends, idle waits.
 */
export async function settleWithin(work: Promise<unknown>, ms: number): Promise<'settled' | 'timed out'> {
  let timer: NodeJS.Timeout | undefined;
  const settled = work.then(
    () => 'settled' as const,
    () => 'settled' as const,
  );
  const timedOut = new Promise<'timed out'>((resolve) => {
    timer = setTimeout(() => resolve('timed out'), ms);
    timer.unref();
  });
  try {
    return await Promise.race([settled, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
