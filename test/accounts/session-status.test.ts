import { expect, it } from 'vitest';
import { DEFAULT_SESSION_POLICY } from '../../src/accounts/service.js';
import { sessionStatus } from '../../src/accounts/sessions.js';

const now = Date.parse('2027-01-01T12:00:00Z');
const policy = { idleMs: 3_600_000, absoluteMs: DEFAULT_SESSION_POLICY.absoluteMs };
const session = (lastSeenAgoMs: number, expiresInMs = 86_400_000) => ({
  last_seen_at: new Date(now - lastSeenAgoMs),
  expires_at: new Date(now + expiresInMs),
});

it('a session seen within the minute is fresh; an older one is touched (its last-seen time written)', () => {
  expect(sessionStatus(session(0), now, policy)).toBe('fresh');
  expect(sessionStatus(session(60_000), now, policy)).toBe('fresh');
  expect(sessionStatus(session(60_001), now, policy)).toBe('touch');
});

it('a session ends past its idle limit or at its absolute end, however recently it was seen', () => {
  expect(sessionStatus(session(3_600_000), now, policy)).toBe('touch');
  expect(sessionStatus(session(3_600_001), now, policy)).toBe('ended');
  expect(sessionStatus(session(0, 0), now, policy)).toBe('ended');
});
