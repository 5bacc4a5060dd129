import { accessSync, constants } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's chromium for the real-browser tests (playwright-core never downloads a browser here).
 * `CHROMIUM_PATH` wins; otherwise the usual Debian/Ubuntu locations.
 */
export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export interface ChromiumLookup {
  /** The executable to launch, or null when none was found. */
  path: string | null;
  /** Why it is missing (empty when found): says what was tried and how to install it. */
  reason: string;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds the chromium executable: env CHROMIUM_PATH, else /usr/bin/chromium, /usr/bin/chromium-browser. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): ChromiumLookup {
  const fromEnv = env.CHROMIUM_PATH?.trim();
  if (fromEnv) {
    return executable(fromEnv)
      ? { path: fromEnv, reason: '' }
      : { path: null, reason: `CHROMIUM_PATH=${fromEnv} is not an executable file` };
  }
  const found = CHROMIUM_CANDIDATES.find(executable);
  if (found) return { path: found, reason: '' };
  return {
    path: null,
    reason:
      `no chromium found (tried ${CHROMIUM_CANDIDATES.join(', ')}; set CHROMIUM_PATH to use another). ` +
      'Install it with: apt-get install -y chromium',
  };
}

/**
 * The chromium to use, or null to skip the browser tests locally. Under CI=true a missing browser
 * is an error: CI must run them (.ci/run installs Debian's chromium).
 */
export function chromiumOrSkip(env: NodeJS.ProcessEnv = process.env): ChromiumLookup {
  const lookup = findChromium(env);
  if (!lookup.path && env.CI === 'true') {
    throw new Error(`Browser tests cannot run in CI: ${lookup.reason}`);
  }
  if (!lookup.path) console.warn(`Skipping real-browser tests: ${lookup.reason}`);
  return lookup;
}

/**
 * Launches headless chromium. As root it needs --no-sandbox; the background-networking flags stop it
 * from calling Google services (the test machine has no network).
 */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    timeout: 120_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * A new page of a new context (1280×900, generous timeouts for a loaded machine), signed in to the
 * portal at `url` as `username`; it waits for the connections page the sign-in lands on.
 */
export async function signedInPage(
  browser: Browser,
  url: string,
  login: { username: string; password: string },
  options: { acceptDownloads?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    ...(options.acceptDownloads ? { acceptDownloads: true } : {}),
  });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  page.setDefaultNavigationTimeout(60_000);
  await page.goto(`${url}/login`);
  await page.getByLabel('Username').fill(login.username);
  await page.getByLabel('Password').fill(login.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(`${url}/connections`);
  return { context, page };
}
