import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpBrowser } from '../support/http-browser.js';
import { findForm } from '../support/http-browser.js';
import { connectRegion, connectionIdOf, signedInBrowser } from '../support/portal.js';
import { auditSince, lastAuditId } from '../support/security.js';
import { startTestService, type TestService } from '../support/service.js';

/** The connection is untouched: active, its sealed token still stored. */
function expectStillConnected(row: { state: string; refresh_token_blob: string | null }): void {
  expect(row.state).toBe('active');
  expect(row.refresh_token_blob).toMatch(/^v1\./);
}

describe('Disconnect asks for confirmation before it deletes the stored token', () => {
  let svc: TestService;
  let browser: HttpBrowser;
  let id = '';

  const row = () =>
    svc.store.db
      .selectFrom('connections')
      .select(['state', 'refresh_token_blob'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  beforeAll(async () => {
    svc = await startTestService();
    browser = await signedInBrowser(svc);
    id = connectionIdOf((await connectRegion(browser, svc, 'NA')).url);
  }, 120_000);
  afterAll(async () => svc?.stop());

  it('one click on Disconnect only opens the confirmation page; nothing changes', async () => {
    const before = await lastAuditId(svc);
    const detail = await browser.get(`${svc.url}/connections/${id}`);
    const button = findForm(detail.text, detail.url, { action: `/connections/${id}/disconnect` });
    expect(button.method).toBe('GET');
    const confirm = await browser.submit(detail, {}, { action: `/connections/${id}/disconnect` });
    expect(confirm.status).toBe(200);
    expect(confirm.url).toBe(`${svc.url}/connections/${id}/disconnect`);
    expect(confirm.text).toContain('deletes this connection');
    expect(confirm.text).toContain('Seller Central');
    const form = findForm(confirm.text, confirm.url, { action: `/connections/${id}/disconnect` });
    expect(form.method).toBe('POST');
    expect(form.fields.confirm).toBe('yes');
    expectStillConnected(await row());
    expect(await auditSince(svc, before)).toEqual([]);
  });

  it('a POST with a valid form token but without the confirmation field changes nothing and redirects to the question', async () => {
    const before = await lastAuditId(svc);
    const detail = await browser.get(`${svc.url}/connections/${id}`);
    const token = /name="_csrf" value="([^"]+)"/.exec(detail.text)![1]!;
    const page = await browser.post(
      `${svc.url}/connections/${id}/disconnect`,
      { _csrf: token },
      { headers: { origin: svc.url }, followRedirects: false },
    );
    // POST-redirect-GET to the confirmation page.
    expect(page.status).toBe(303);
    expect(page.location).toBe(`/connections/${id}/disconnect`);
    const asked = await browser.get(`${svc.url}${page.location!}`);
    expect(findForm(asked.text, asked.url, { action: `/connections/${id}/disconnect` }).fields.confirm).toBe(
      'yes',
    );
    expectStillConnected(await row());
    expect(await auditSince(svc, before)).toEqual([]);
  });

  it('confirming deletes the token and marks the connection disconnected; the confirmation page is then gone', async () => {
    const confirm = await browser.get(`${svc.url}/connections/${id}/disconnect`);
    const done = await browser.submit(confirm, {}, { action: `/connections/${id}/disconnect` });
    expect(done.url).toBe(`${svc.url}/connections/${id}?notice=disconnected`);
    expect(await row()).toEqual({ state: 'disconnected', refresh_token_blob: null });
    const again = await browser.get(`${svc.url}/connections/${id}/disconnect`);
    expect(again.url).toBe(`${svc.url}/connections/${id}`);
  });
});
