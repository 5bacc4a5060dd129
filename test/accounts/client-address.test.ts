import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, parseTrustProxy } from '../../src/config/config.js';
import { createClientAddressResolver } from '../../src/web/client-address.js';
import { startTestService, type TestService } from '../support/service.js';

describe('TRUST_PROXY: which X-Forwarded-For entry is the client', () => {
  const resolve = (setting: string | undefined, socket: string | null, xff?: string) =>
    createClientAddressResolver(parseTrustProxy(setting))(socket, xff);

  it('by default trusts nobody: the socket peer is the client, whatever the header says', () => {
    expect(resolve(undefined, '::ffff:192.0.2.9', '198.51.100.1')).toBe('192.0.2.9');
    expect(resolve('0', '192.0.2.9', '198.51.100.1')).toBe('192.0.2.9');
    expect(resolve('false', '192.0.2.9', '198.51.100.1')).toBe('192.0.2.9');
  });

  it('with a hop count takes the entry that many hops from the right; entries a client wrote further left are ignored', () => {
    // Client 198.51.100.1 forges "1.1.1.1"; the TLS proxy (socket 10.0.0.5) appends what it saw.
    expect(resolve('1', '10.0.0.5', '1.1.1.1, 198.51.100.1')).toBe('198.51.100.1');
    // Two proxies: CDN (appends the client) then the load balancer (appends the CDN).
    expect(resolve('2', '10.0.0.5', '1.1.1.1, 198.51.100.1, 172.16.0.9')).toBe('198.51.100.1');
    // A request that bypassed the proxy has no header: the socket peer.
    expect(resolve('1', '10.0.0.5', undefined)).toBe('10.0.0.5');
    expect(resolve('1', '10.0.0.5', '[2001:db8::7]:443')).toBe('2001:db8::7');
    expect(resolve('1', '10.0.0.5', '198.51.100.1:5123')).toBe('198.51.100.1');
  });

  it('with trusted ranges walks from the right past trusted addresses only', () => {
    const setting = '10.0.0.0/8, 127.0.0.1, ::1';
    expect(resolve(setting, '10.0.0.5', '1.1.1.1, 198.51.100.1, 10.2.3.4')).toBe('198.51.100.1');
    expect(resolve(setting, '::1', '198.51.100.1')).toBe('198.51.100.1');
    // Not from a trusted proxy: the header is not looked at.
    expect(resolve(setting, '203.0.113.50', '198.51.100.1')).toBe('203.0.113.50');
    // Garbage where a trusted proxy should have written an address: the last trusted hop.
    expect(resolve(setting, '10.0.0.5', 'not-an-ip')).toBe('10.0.0.5');
  });

  it('has no address for an in-process request (no socket), header or not', () => {
    expect(resolve('1', null, '198.51.100.1')).toBeNull();
  });

  it('refuses settings that would trust any client, or that are not addresses', () => {
    for (const bad of ['true', 'yes', '10.0.0.0/33', '300.1.1.1', '11'])
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(/TRUST_PROXY/);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toEqual({ kind: 'hops', hops: 2 });
  });
});

/** POSTs the sign-in form over a real socket (double-submit token chosen by the test). */
function signIn(svc: TestService, username: string, password: string, xff?: string): Promise<Response> {
  const token = 'test-login-csrf-token-0123456789';
  return fetch(`${svc.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      origin: new URL(svc.url).origin,
      'content-type': 'application/x-www-form-urlencoded',
      cookie: `sl_login_csrf=${token}`,
      ...(xff ? { 'x-forwarded-for': xff } : {}),
    },
    body: new URLSearchParams({ _csrf: token, username, password, next: '/connections' }).toString(),
  });
}

/** The service's log lines with this message, parsed. */
function logged(svc: TestService, message: string): Record<string, unknown>[] {
  return svc.logs
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.msg === message);
}

// Real HTTP, not in process: the client address comes from the socket's peer, which only a real TCP connection has.
describe('sign-in limits per client address, over real HTTP', () => {
  let trusting: TestService;
  let plain: TestService;

  beforeAll(async () => {
    trusting = await startTestService({ env: { TRUST_PROXY: '1' } });
    plain = await startTestService();
  }, 120_000);
  afterAll(async () => {
    await trusting?.stop();
    await plain?.stop();
  });

  it('behind a trusted proxy, a flood from one client address pauses that address only; others still sign in', async () => {
    const flood = await Promise.all(
      Array.from({ length: 40 }, (_, i) => signIn(trusting, `guess${i}`, 'not the password', '203.0.113.66')),
    );
    const statuses = flood.map((r) => r.status);
    expect(statuses.filter((s) => s === 400)).toHaveLength(30);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
    expect(logged(trusting, 'sign-in failed').filter((e) => e.ip === '203.0.113.66')).toHaveLength(30);

    const paused = await signIn(trusting, trusting.demo.username, trusting.demo.password, '203.0.113.66');
    expect(paused.status).toBe(429);
    expect(paused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await paused.text()).toContain('from your network address');
    // Writing another address in front does not help: only the entry the proxy appended counts.
    const forged = await signIn(
      trusting,
      trusting.demo.username,
      trusting.demo.password,
      '198.51.100.20, 203.0.113.66',
    );
    expect(forged.status).toBe(429);

    const other = await signIn(trusting, trusting.demo.username, trusting.demo.password, '198.51.100.20');
    expect(other.status).toBe(303);
    expect(other.headers.get('location')).toBe('/connections');
    expect(logged(trusting, 'signed in').at(-1)).toMatchObject({ ip: '198.51.100.20' });
  });

  it('without TRUST_PROXY the header is ignored: the socket address is the client', async () => {
    const first = await signIn(plain, 'nobody-here', 'not the password', '198.51.100.99');
    expect(first.status).toBe(400);
    const [entry] = logged(plain, 'sign-in failed');
    expect(entry?.ip).not.toBe('198.51.100.99');
    expect(['127.0.0.1', '::1']).toContain(entry?.ip);
  });
});
