import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/events/events.js';
import { expiryLevel } from '../../src/notify/banners.js';
import { dayStart, digestContent, heldForDigest } from '../../src/notify/digest.js';
import { emailContent } from '../../src/notify/email-content.js';

/** Issue 18, item 4: counts meet their nouns ("in 1 day", never "in 1 days"), and urgency grows. */

const subject = {
  accountName: 'Acme',
  connection: null,
  application: { id: 'app1', name: 'Acme App', flaggedReason: null },
};
const event = (type: StoredEvent['type'], payload: Record<string, unknown>): StoredEvent => ({
  id: 7,
  type,
  at: new Date('2027-01-01T06:00:00Z'),
  accountId: null,
  connectionId: null,
  applicationId: 'app1',
  payload,
});

describe('e-mail copy', () => {
  it('says "1 day" and "1 attempt", and "2 days"', () => {
    const one = emailContent(
      event('application.secret_expiring', { daysLeft: 1 }),
      subject,
      'https://p.example',
    );
    expect(one.subject).toBe('Client secret of Acme App expires in 1 day');
    expect(one.text).toContain('(in 1 day)');
    const two = emailContent(
      event('application.secret_expiring', { daysLeft: 2 }),
      subject,
      'https://p.example',
    );
    expect(two.subject).toContain('in 2 days');
    const failed = emailContent(
      event('application.rotation_failed', { attempts: 1, reason: 'Amazon said no' }),
      subject,
      'https://p.example',
    );
    expect(failed.text).toContain('(1 attempt)');
    expect(`${one.text}${two.text}${failed.text}`).not.toMatch(/\b1 (days|attempts)\b/);
  });
});

describe('urgency and the digest', () => {
  it('grows from info at 30 days to warning at 7 and danger on the last day', () => {
    expect([30, 8, 7, 2, 1, 0].map(expiryLevel)).toEqual([
      'info',
      'info',
      'warning',
      'warning',
      'danger',
      'danger',
    ]);
  });

  it('holds the reminders for the digest, except the last one and other events', () => {
    expect(heldForDigest({ type: 'connection.expiring', payload: { threshold: 30 } })).toBe(true);
    expect(heldForDigest({ type: 'connection.expiring', payload: { threshold: 3 } })).toBe(true);
    expect(heldForDigest({ type: 'connection.expiring', payload: { threshold: 1 } })).toBe(false);
    expect(heldForDigest({ type: 'connection.expired', payload: {} })).toBe(false);
    expect(dayStart(Date.parse('2027-01-01T23:59:59Z')).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    const digest = digestContent(
      [
        {
          content: { subject: 'A ends in 30 days', text: 'About A.\n\n-- \nsig' },
          created_at: new Date('2027-01-01T06:00:00Z'),
        },
      ],
      'https://p.example',
    );
    expect(digest.subject).toBe('Daily digest: 1 reminder (2027-01-01)');
    expect(digest.text).toContain('1. A ends in 30 days\n\nAbout A.');
    expect(digest.text).not.toContain('sig');
  });
});
