/**
 * Runs one HTTP exchange with Amazon (the fetch and the reading of its body) under a deadline of
 * `ms`. At the deadline the signal handed to `exchange` aborts and the returned promise rejects
 * with a `TimeoutError` DOMException, even when the exchange does not heed the signal (a body that
 * stalls after the headers, an injected fetch that never settles).
 *
 * Why not `new Request(url, { signal: AbortSignal.timeout(ms) })`: a Request only follows a signal
 * through a weak reference, and Node's timeout signals are held weakly by their timer, so once the
 * Request object is garbage-collected the abort never reaches the fetch and a hung call waits for
 * ever (https://github.com/nodejs/undici/issues/4068, https://github.com/nodejs/node/issues/55428).
 * Here the controller is held by a plain timer until the deadline passes or the exchange ends, and
 * the deadline does not depend on the signal at all.
 */
export async function withDeadline<T>(ms: number, exchange: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const reason = new DOMException(`no complete answer within ${ms} ms`, 'TimeoutError');
      controller.abort(reason);
      reject(reason);
    }, ms);
  });
  try {
    // The exchange is started inside the race so a synchronous throw rejects like any failure.
    return await Promise.race([Promise.resolve().then(() => exchange(controller.signal)), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether `raw` is how `withDeadline` (or an aborted fetch) reports that the deadline passed. */
export function isDeadlineError(raw: unknown): boolean {
  return raw instanceof DOMException && (raw.name === 'TimeoutError' || raw.name === 'AbortError');
}

/** An HTTP request as built for Amazon, before it goes on the wire: the URL and fetch's init. */
export interface WireRequest {
  url: string;
  init: RequestInit;
}

/**
 * Sends `request` with `fetchFn` and processes the response (reading its body) under one deadline.
 * The signal goes to `fetch` directly, never through a Request object (see `withDeadline`).
 */
export function exchangeWithDeadline<T>(
  fetchFn: typeof fetch,
  request: WireRequest,
  ms: number,
  process: (response: Response) => Promise<T>,
): Promise<T> {
  return withDeadline(ms, async (signal) => process(await fetchFn(request.url, { ...request.init, signal })));
}
