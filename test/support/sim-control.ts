import type { Simulator } from '../../src/simulator/app.js';

/**
 * The one way tests call the simulator's `/_sim/` controls: with its control token as
 * `Authorization: Bearer`, and `Content-Type: application/json` on POST/PUT/PATCH (controls refuse
 * other content types). `startTestService` reads the token from the data directory's control file;
 * an in-process simulator has it as `sim.controlToken`.
 */

/** Adds the control token (and the JSON content type a control needs on POST/PUT/PATCH) to `init`. */
export function withControlToken(token: string, init: RequestInit = {}, method?: string): RequestInit {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  const verb = (init.method ?? method ?? 'GET').toUpperCase();
  if (['POST', 'PUT', 'PATCH'].includes(verb) && !headers.has('content-type'))
    headers.set('content-type', 'application/json');
  return { ...init, headers };
}

/** A `fetch` that sends the control token with every request (for a simulator on a port). */
export function simControlFetch(token: string, base: typeof fetch = globalThis.fetch): typeof fetch {
  return (input, init) => {
    if (!(input instanceof Request)) return base(input, withControlToken(token, init));
    const merged = { headers: input.headers, ...init };
    return base(new Request(input, withControlToken(token, merged, input.method)));
  };
}

/** A `fetch` into an in-process simulator that sends its control token. */
export function simulatorControlFetch(sim: Simulator): typeof fetch {
  return simControlFetch(sim.controlToken, (input, init) => sim.fetch(new Request(input, init)));
}

/** A control request for an in-process simulator (`sim.fetch(controlRequest(sim, url, init))`). */
export function controlRequest(sim: Simulator, url: string, init: RequestInit = {}): Request {
  return new Request(url, withControlToken(sim.controlToken, init));
}
