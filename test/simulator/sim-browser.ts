import type { Simulator } from '../../src/simulator/app.js';

const ORIGIN = 'http://sim.test';

/** A tiny browser: carries Set-Cookie into the next request, never follows redirects. */
export class Browser {
  readonly cookies = new Map<string, string>();
  constructor(private readonly sim: Simulator) {}

  get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.send(new Request(new URL(path, ORIGIN), { headers }));
  }

  post(
    path: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return this.send(
      new Request(new URL(path, ORIGIN), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(fields).toString(),
      }),
    );
  }

  private async send(request: Request): Promise<Response> {
    if (this.cookies.size > 0) {
      request.headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    }
    const res = await this.sim.fetch(request);
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }
}
