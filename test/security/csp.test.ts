import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumOrSkip, launchChromium } from '../support/chromium.js';
import { connectionIdOf, connectRegion, signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * Every page the service answers carries a Content-Security-Policy that
 * allows no script without the request's nonce, and the pages render under it in a real browser
 * (Debian's chromium) without a single CSP violation.
 */

const chromiumExe = chromiumOrSkip();

declare global {
  interface Window {
    __cspViolations?: string[];
    __injectedScriptRan?: boolean;
  }
}

describe.skipIf(!chromiumExe.path)(
  `Content-Security-Policy on every page (chromium)${chromiumExe.path ? '' : ` — skipped: ${chromiumExe.reason}`}`,
  () => {
    let svc: TestService;
    let browser: Browser | undefined;
    let context: BrowserContext;
    let page: Page;
    let connectionId = '';
    /** Console messages chromium writes for CSP refusals, per page URL. */
    const consoleRefusals: string[] = [];

    beforeAll(async () => {
      svc = await startTestService();
      // Set-up in process; chromium below loads the pages over real HTTP (a real browser needs a socket).
      const http = await signedInBrowser(svc);
      connectionId = connectionIdOf((await connectRegion(http, svc, 'NA')).url);
      browser = await launchChromium(chromiumExe.path!);
      context = await browser.newContext();
      // Init scripts come from the browser (DevTools protocol), not the page, so the CSP does not apply.
      await context.addInitScript(() => {
        window.__cspViolations = [];
        document.addEventListener('securitypolicyviolation', (e) => {
          window.__cspViolations!.push(`${e.violatedDirective} ${e.blockedURI}`);
        });
      });
      page = await context.newPage();
      page.setDefaultTimeout(30_000);
      page.setDefaultNavigationTimeout(60_000);
      page.on('console', (message) => {
        const text = message.text();
        if (/Content Security Policy|Refused to/i.test(text)) consoleRefusals.push(`${page.url()}: ${text}`);
      });
    }, 180_000);
    afterAll(async () => {
      await browser?.close();
      await svc?.stop();
    });

    /** Opens a page; returns its CSP header and the violations seen while it rendered. */
    const visit = async (path: string) => {
      const response = await page.goto(`${svc.url}${path}`);
      expect(response, path).not.toBeNull();
      await page.waitForLoadState('load');
      const csp = (await response!.allHeaders())['content-security-policy'] ?? '';
      const violations = await page.evaluate(() => window.__cspViolations ?? []);
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      return { status: response!.status(), csp, violations, background };
    };

    const expectStrictPolicy = (csp: string, path: string) => {
      const directives = new Map(
        csp
          .split(';')
          .map((d) => d.trim().split(/\s+/))
          .filter((parts) => parts[0])
          .map(([name, ...values]) => [name!, values]),
      );
      expect(directives.get('default-src'), path).toEqual(["'none'"]);
      const scripts = directives.get('script-src') ?? [];
      expect(scripts, path).toHaveLength(1);
      expect(scripts[0], path).toMatch(/^'nonce-[A-Za-z0-9+/_-]+=*'$/);
      expect(directives.get('frame-ancestors'), path).toEqual(["'none'"]);
      expect(directives.get('base-uri'), path).toEqual(["'none'"]);
    };

    it('the sign-in page renders under the policy', async () => {
      const result = await visit('/login');
      expect(result.status).toBe(200);
      expectStrictPolicy(result.csp, '/login');
      expect(result.violations).toEqual([]);
      // The page's own stylesheet applied (the body's background is the layout's grey).
      expect(result.background).toBe('rgb(246, 247, 249)');
      await page.fill('#username', svc.demo.username);
      await page.fill('#password', svc.demo.password);
      await Promise.all([page.waitForURL(`${svc.url}/connections`), page.click('button[type=submit]')]);
    });

    it('every portal page, the API docs and the error page render with no CSP violation', async () => {
      const paths = [
        '/connections',
        `/connections/${connectionId}`,
        `/connections/${connectionId}/disconnect`,
        '/connections/import',
        `/connections/${connectionId}/listings`,
        `/connections/${connectionId}/listings/SOME-SKU`,
        '/orders',
        '/notifications',
        '/notifications/deliveries',
        '/api-keys',
        '/account',
        '/sandbox',
        '/sandbox/mail',
        '/api/docs',
        '/no-such-page',
      ];
      for (const path of paths) {
        const result = await visit(path);
        expect(result.status, path).toBe(path === '/no-such-page' ? 404 : 200);
        expectStrictPolicy(result.csp, path);
        expect(result.violations, path).toEqual([]);
        expect(result.background, path).toBe('rgb(246, 247, 249)');
      }
      expect(consoleRefusals).toEqual([]);
    });

    it('an inline script without the nonce is refused by the browser (the policy is enforced)', async () => {
      await visit('/connections');
      const ran = await page.evaluate(() => {
        const script = document.createElement('script');
        script.textContent = 'window.__injectedScriptRan = true;';
        document.head.append(script);
        return window.__injectedScriptRan === true;
      });
      expect(ran).toBe(false);
      await expect
        .poll(() => page.evaluate(() => window.__cspViolations ?? []))
        .toContainEqual(expect.stringMatching(/^script-src(-elem)? inline$/));
      consoleRefusals.length = 0;
    });
  },
);
