/**
 * A real Chromium for the console tests: the binary shipped in the @sparticuz/chromium npm package (no system
 * browser, no download), driven by playwright-core. Pages are found by role and accessible name (CONTRACT §10).
 */
import chromiumBinary from '@sparticuz/chromium';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export type { Browser, Locator, Page };

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: await chromiumBinary.executablePath(),
    // The package's flags for a sandbox-less host, but not --single-process (made for one page per Lambda call: closing
    // a context ends the browser), and none of Chromium's own calls home (this host has no network).
    args: [...chromiumBinary.args.filter((arg) => arg !== '--single-process'), '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    headless: true,
  });
}

export interface ConsolePage {
  page: Page;
  context: BrowserContext;
  /** Console messages of level error, and failed requests, seen so far (a CSP violation shows here). */
  problems: string[];
  close(): Promise<void>;
}

/** A fresh browser context (its own sessionStorage) on the console, in a fixed time zone the assertions know. */
export async function openConsole(browser: Browser, baseUrl: string, path = '/'): Promise<ConsolePage> {
  const context = await browser.newContext({ baseURL: baseUrl, timezoneId: 'Europe/Paris', locale: 'en-GB', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.goto(path);
  return { page, context, problems, close: () => context.close() };
}

export async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** Waits until the locator is visible; fails with what was awaited. */
export const visible = (locator: Locator) => locator.first().waitFor({ state: 'visible' });

/** The accessibility violations axe finds that are serious or critical. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
}

/** With JOBOUT_SCREENSHOTS=1, writes the page to docs/<name>.png for the README. */
export async function screenshotForDocs(page: Page, name: string): Promise<void> {
  if (process.env.JOBOUT_SCREENSHOTS !== '1') return;
  const dir = path.resolve(__dirname, '../../docs');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}
