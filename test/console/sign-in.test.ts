/**
 * The console's front door (CONTRACT §10): served by Jobout at `/` under a strict Content-Security-Policy, sign in
 * with a token kept in sessionStorage only, navigation, sign out, and the caller's scope (§2a) in what it shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection, createJob, createOperator, createStore, jobInput } from '../support/fixtures';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';
import { killInstance, startInstance } from '../support/instance';
import { launchBrowser, openConsole, seriousViolations, signIn, visible, type Browser } from '../support/browser';

let t: TestGateway;
let browser: Browser;
let storeAToken: string;

beforeAll(async () => {
  t = await startTestGateway();
  browser = await launchBrowser();
  await createStore(t, 'STORE-A');
  await createStore(t, 'STORE-B');
  storeAToken = await createOperator(t, 'USER', ['STORE-A'], 'Alice');
  const bToken = await createOperator(t, 'USER', ['STORE-B'], 'Bob');
  const connectionOfA = await t.gql(storeAToken, `mutation { createClientConnection(input: { name: "ERP of A", baseUrl: "http://127.0.0.1:9/a" }) { id } }`);
  const connectionOfB = await t.gql(bToken, `mutation { createClientConnection(input: { name: "ERP of B", baseUrl: "http://127.0.0.1:9/b" }) { id } }`);
  await createJob(t, jobInput(connectionOfA.data.createClientConnection.id, { name: 'Orders of A' }), storeAToken);
  await createJob(t, jobInput(connectionOfB.data.createClientConnection.id, { name: 'Orders of B' }), bToken);
  await createJob(t, jobInput(await createConnection(t, 'Global ERP'), { name: 'Global orders' }));
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('GET /', () => {
  it('serves the console with a strict Content-Security-Policy and only same-origin, hashed scripts', async () => {
    const response = await fetch(`${t.url}/`);
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const html = await response.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(body.trim()).toBe(''); // no inline script
      expect(attributes).toMatch(/src="\/assets\/[\w-]+-[\w-]{8}\.js"/);
    }
    const asset = html.match(/src="(\/assets\/[^"]+)"/)![1];
    const script = await fetch(`${t.url}${asset}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toMatch(/immutable/);
    const code = await script.text();
    expect(code).not.toContain('jsxDEV'); // React's production build
    expect(code).not.toMatch(/https?:\/\/(?!127\.0\.0\.1|localhost)[a-z0-9.-]+\.(com|net|io|org)\/[\w/-]*\.(js|css)/i); // no CDN
  });

  it('is served by the built gateway as npm start runs it', async () => {
    const instance = await startInstance(t.db.url);
    try {
      const response = await fetch(`${instance.url}/exports`);
      expect(response.status).toBe(200);
      expect(await response.text()).toMatch(/<script type="module" crossorigin src="\/assets\//);
    } finally {
      await killInstance(instance);
    }
  });

  it('serves the page on its client routes, and an unknown asset is a 404', async () => {
    for (const route of ['/jobs', '/jobs/new', '/connections/x', '/exports', '/live']) expect((await fetch(`${t.url}${route}`)).status, route).toBe(200);
    expect((await fetch(`${t.url}/assets/nothing-here.js`)).status).toBe(404);
  });
});

describe('signing in', () => {
  it('refuses a wrong token with an alert and stays on the form', async () => {
    const { page, close } = await openConsole(browser, t.url);
    try {
      await page.getByLabel('Access token').fill('not-a-valid-token-000');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await visible(page.getByRole('alert'));
      expect(await page.getByRole('alert').textContent()).toMatch(/not accepted/);
      expect(await page.getByLabel('Access token').getAttribute('type')).toBe('password');
      expect(await page.getByRole('navigation').count()).toBe(0);
    } finally {
      await close();
    }
  });

  it('keeps the token in sessionStorage only, navigates, and signs out', async () => {
    const { page, context, problems, close } = await openConsole(browser, t.url);
    try {
      expect(await seriousViolations(page)).toEqual([]);
      await signIn(page, ADMIN_TOKEN);
      const navigation = page.getByRole('navigation');
      for (const name of ['Jobs', 'Connections', 'Exports', 'Live']) await visible(navigation.getByRole('link', { name }));
      await visible(page.getByRole('heading', { name: 'Export jobs' }));
      expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([ADMIN_TOKEN]);
      expect(await page.evaluate(() => localStorage.length)).toBe(0);
      expect(await context.cookies()).toEqual([]);

      await visible(page.getByRole('table').getByRole('link', { name: 'Global orders' }));
      expect(await seriousViolations(page), 'Jobs').toEqual([]);
      await navigation.getByRole('link', { name: 'Connections' }).click();
      await visible(page.getByRole('heading', { name: 'Client connections' }));
      await visible(page.getByRole('link', { name: 'Global ERP' }));
      expect(await seriousViolations(page), 'Connections').toEqual([]);
      await navigation.getByRole('link', { name: 'Exports' }).click();
      await visible(page.getByRole('heading', { name: 'Exports' }));
      await visible(page.getByText('No exports match this filter.'));
      expect(await seriousViolations(page), 'Exports, empty').toEqual([]);
      await navigation.getByRole('link', { name: 'Live' }).click();
      await visible(page.getByRole('heading', { name: 'Live results' }));
      expect(page.url()).not.toContain(ADMIN_TOKEN);

      // a reload keeps the session (same tab), and the token never reached a URL or the gateway's log
      await page.reload();
      await visible(page.getByRole('heading', { name: 'Live results' }));
      expect(t.logs.join('\n')).not.toContain(ADMIN_TOKEN);

      await page.getByRole('button', { name: 'Sign out' }).click();
      await visible(page.getByLabel('Access token'));
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it("shows a store's operator only what its token may see", async () => {
    const { page, close } = await openConsole(browser, t.url, '/jobs');
    try {
      await signIn(page, storeAToken);
      const table = page.getByRole('table');
      await visible(table.getByRole('link', { name: 'Orders of A' }));
      expect(await table.getByRole('link', { name: 'Orders of B' }).count()).toBe(0);
      await page.getByRole('navigation').getByRole('link', { name: 'Connections' }).click();
      await visible(page.getByRole('link', { name: 'ERP of A' }));
      expect(await page.getByRole('link', { name: 'ERP of B' }).count()).toBe(0);
    } finally {
      await close();
    }
  });

  it('ends the session when the token stops working', async () => {
    const created = await t.admin(`mutation { createOperator(input: { name: "Short-lived", permission: READER, storeExternalIds: ["STORE-A"] }) { token operator { id } } }`);
    const operator = created.createOperator;
    const { page, close } = await openConsole(browser, t.url, '/jobs');
    try {
      await signIn(page, operator.token);
      await t.admin(`mutation($id: ID!) { revokeOperator(id: $id) { id } }`, { id: operator.operator.id });
      await page.getByRole('navigation').getByRole('link', { name: 'Connections' }).click();
      await visible(page.getByLabel('Access token'));
      await visible(page.getByText('no longer accepted'));
    } finally {
      await close();
    }
  });
});
