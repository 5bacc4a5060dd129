/**
 * A FIFO async mutex. PGlite is one connection: Kysely (including whole transactions) and pg-boss
 * must take turns on it, or a pg-boss statement could run inside a Kysely transaction.
 */
export interface Gate {
  /** Waits for the gate; resolves with a release function that must be called exactly once. */
  acquire(): Promise<() => void>;
  /** Runs `fn` while holding the gate. */
  run<T>(fn: () => Promise<T>): Promise<T>;
}

/** Creates an unlocked gate. */
export function createGate(): Gate {
  let locked = false;
  const waiting: (() => void)[] = [];

  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else locked = false;
  };

  const acquire = async (): Promise<() => void> => {
    if (locked) await new Promise<void>((resolve) => waiting.push(resolve));
    locked = true;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  };

  return {
    acquire,
    async run(fn) {
      const done = await acquire();
      try {
        return await fn();
      } finally {
        done();
      }
    },
  };
}

/** One gate per key, created on demand and dropped when idle: an in-process keyed mutex. */
export function createKeyedGate(): {
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** Runs `fn` only if nobody holds or waits for `key`; otherwise returns `{ acquired: false }`. */
  tryRun<T>(key: string, fn: () => Promise<T>): Promise<{ acquired: true; value: T } | { acquired: false }>;
} {
  const gates = new Map<string, { gate: Gate; users: number }>();
  return {
    async tryRun(key, fn) {
      if (gates.has(key)) return { acquired: false };
      return { acquired: true, value: await this.run(key, fn) };
    },
    async run(key, fn) {
      let entry = gates.get(key);
      if (!entry) {
        entry = { gate: createGate(), users: 0 };
        gates.set(key, entry);
      }
      entry.users++;
      try {
        return await entry.gate.run(fn);
      } finally {
        entry.users--;
        if (entry.users === 0) gates.delete(key);
      }
    },
  };
}
