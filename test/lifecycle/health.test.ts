import { describe, expect, it } from 'vitest';
import { connectionHealth, isFailing, type HealthInput } from '../../src/lifecycle/health.js';
import { deadEnd } from '../../src/lifecycle/connection-transitions.js';
import { reviewReason } from '../../src/lifecycle/connection-authorize.js';

const DAY = 86_400_000;
const now = Date.parse('2027-03-01T12:00:00Z');

/** A working OAuth connection with a year left; each case changes what it is about. */
const input = (over: Partial<HealthInput> = {}): HealthInput => ({
  state: 'active',
  stateReason: 'connected',
  stateChangedAt: new Date(now - 10 * DAY),
  kind: 'oauth',
  expiresAt: new Date(now + 300 * DAY),
  hasToken: true,
  lastSuccessAt: new Date(now - 60_000),
  lastError: null,
  consecutiveFailures: 0,
  application: { name: 'Acme Sync', rejectedAt: null, rejectedReason: null },
  ...over,
});

describe('connectionHealth: one answer per situation, in order of precedence', () => {
  it('working: nothing to do, may call Amazon, days left in the reason', () => {
    const h = connectionHealth(input(), now);
    expect(h).toMatchObject({
      state: 'working',
      action: 'none',
      canCallAmazon: true,
      canRenew: true,
      daysLeft: 300,
    });
    expect(h.reason).toContain('300 days left');
  });

  it('a private app that never expires is working with no days left', () => {
    const h = connectionHealth(input({ kind: 'self', expiresAt: null }), now);
    expect(h).toMatchObject({ state: 'working', daysLeft: null, canRenew: false });
    expect(h.reason).toBe('The authorization does not expire.');
  });

  it('within 30 days of the end: renew needed by the deadline, calls still allowed', () => {
    const expiresAt = new Date(now + 5 * DAY);
    const h = connectionHealth(input({ expiresAt }), now);
    expect(h).toMatchObject({
      state: 'renew_needed',
      lifecycle: 'expiring',
      deadline: expiresAt,
      canCallAmazon: true,
    });
    expect(h.reason).toContain('in 5 days');
  });

  it('past its end by the clock, though stored active: renew needed, no calls, since the end', () => {
    const expiresAt = new Date(now - DAY);
    const h = connectionHealth(input({ expiresAt }), now);
    expect(h).toMatchObject({
      state: 'renew_needed',
      lifecycle: 'expired',
      canCallAmazon: false,
      daysLeft: 0,
    });
    expect(h.since).toEqual(expiresAt);
  });

  it('revoked: renew needed; a self-authorized one is told to import a new token', () => {
    const h = connectionHealth(input({ state: 'revoked', kind: 'self' }), now);
    expect(h).toMatchObject({ state: 'renew_needed', lifecycle: 'revoked', action: 'renew' });
    expect(h.advice).toContain('import the new refresh token');
  });
});

describe('connectionHealth: cut off, disconnected, paused', () => {
  it("the app's rejection beats the connection's own end: the operator acts, renewing is blocked", () => {
    const rejectedAt = new Date(now - DAY);
    const h = connectionHealth(
      input({
        state: 'revoked',
        application: { name: 'Acme Sync', rejectedAt, rejectedReason: 'invalid_client' },
      }),
      now,
    );
    expect(h).toMatchObject({
      state: 'app_rejected',
      action: 'operator',
      canRenew: false,
      since: rejectedAt,
    });
    expect(h.renewBlockedReason).not.toBeNull();
    expect(h.reason).toContain('Your authorization has also ended');
  });

  it('no token means disconnected, whatever the stored state says', () => {
    const h = connectionHealth(input({ hasToken: false }), now);
    expect(h).toMatchObject({
      state: 'disconnected',
      action: 'connect',
      canCallAmazon: false,
      daysLeft: null,
    });
  });

  it('transient failures with no success since: paused by Amazon, retried (calls allowed)', () => {
    const lastError = { code: 'SPAPI_THROTTLED', message: 'Too many requests.', at: new Date(now - 1000) };
    const h = connectionHealth(input({ lastError, consecutiveFailures: 2 }), now);
    expect(h).toMatchObject({
      state: 'paused_by_amazon',
      action: 'wait',
      canCallAmazon: true,
      since: lastError.at,
    });
    expect(h.reason).toBe(
      'Amazon is throttling or failing: Too many requests. Sellerlink retries by itself.',
    );
  });
});

describe('isFailing', () => {
  const lastError = { code: 'AMAZON_TIMEOUT', message: 'timed out', at: new Date(now - 5000) };
  it('is true only for a transient error newer than the last success, with failures counted', () => {
    expect(isFailing({ lastError, consecutiveFailures: 1, lastSuccessAt: null })).toBe(true);
    expect(isFailing({ lastError, consecutiveFailures: 1, lastSuccessAt: new Date(now - 9000) })).toBe(true);
    expect(isFailing({ lastError, consecutiveFailures: 1, lastSuccessAt: new Date(now) })).toBe(false);
    expect(isFailing({ lastError, consecutiveFailures: 0, lastSuccessAt: null })).toBe(false);
    expect(
      isFailing({
        lastError: { ...lastError, code: 'LWA_INVALID_GRANT' },
        consecutiveFailures: 3,
        lastSuccessAt: null,
      }),
    ).toBe(false);
  });
});

describe('connection transition rules', () => {
  it("Amazon's refusal of a refresh token means expired past the end, revoked before it", () => {
    const at = new Date(now);
    expect(deadEnd(new Date(now), at).state).toBe('expired');
    expect(deadEnd(new Date(now + 1), at).state).toBe('revoked');
    expect(deadEnd(null, at).state).toBe('revoked');
  });

  it('a fresh authorization goes to review when another account holds the seller, or Amazon contradicts it', () => {
    const row = { selling_partner_id: 'A1SELLER', region: 'EU' as const };
    const clean = { status: 'confirmed' as const, note: null, mismatch: null };
    expect(reviewReason(row, clean, 0)).toBeNull();
    expect(reviewReason(row, clean, 1)).toBe(
      'Seller A1SELLER (EU) is also connected to another account through this application; this claim was confirmed by Amazon.',
    );
    expect(reviewReason(row, { ...clean, status: 'unconfirmed' }, 2)).toContain('2 other accounts');
    expect(reviewReason(row, { ...clean, mismatch: 'Amazon lists other marketplaces.' }, 0)).toBe(
      'Amazon lists other marketplaces.',
    );
  });
});
