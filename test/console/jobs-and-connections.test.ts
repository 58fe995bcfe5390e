/**
 * Jobs and connections in the console, end to end against a running gateway and local partners (CONTRACT §10):
 * create a connection with write-only secrets and test it (no order sent), create a job with every kind of field,
 * see the server's validation next to each field, preview, edit and delete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertSupplier, createStore } from '../support/fixtures';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';
import { reply, startHttpSink, type HttpSink } from '../support/http-sink';
import { launchBrowser, openConsole, screenshotForDocs, seriousViolations, signIn, visible, type Browser, type ConsolePage, type Locator } from '../support/browser';
import { waitFor } from '../support/wait';

const CLIENT_SECRET = 'console-client-secret-4f1d9a';

let t: TestGateway;
let browser: Browser;
let partner: HttpSink;
let tokenEndpoint: HttpSink;
let ui: ConsolePage;

beforeAll(async () => {
  t = await startTestGateway();
  browser = await launchBrowser();
  partner = await startHttpSink();
  partner.setDefault(reply.json(200, { ok: true }));
  tokenEndpoint = await startHttpSink();
  tokenEndpoint.setDefault(reply.json(200, { access_token: 'issued-token', token_type: 'Bearer', expires_in: 300 }));
  await createStore(t, 'STORE-1');
  await upsertSupplier(t, 'SUP-ACME', ['STORE-1'], 'Acme');
  ui = await openConsole(browser, t.url, '/connections');
  await signIn(ui.page, ADMIN_TOKEN);
});
afterAll(async () => {
  await ui?.close();
  await browser?.close();
  await partner?.close();
  await tokenEndpoint?.close();
  await t?.close();
});

/** What assistive technology reads with the control: the text of the elements its aria-describedby names. */
async function descriptionOf(control: Locator): Promise<string> {
  return control.evaluate((element) =>
    (element.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' '),
  );
}

const field = (label: string) => ui.page.getByLabel(label, { exact: true });

describe('a client connection', () => {
  let connectionId: string;

  it('is created with OAuth2 settings, its secret write-only', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'New connection' }).click();
    await field('Name').fill('Acme ERP');
    await field('Base URL').fill(`${partner.url}/api`);
    await field('Authentication').selectOption('OAUTH2_CLIENT_CREDENTIALS');
    await field('Token URL').fill(`${tokenEndpoint.url}/token`);
    await field('Client ID').fill('jobout-client');
    await field('Client secret').fill(CLIENT_SECRET);
    expect(await field('Client secret').getAttribute('type')).toBe('password');
    await page.getByRole('button', { name: 'Save' }).click();
    await visible(page.getByRole('heading', { name: 'Client connection: Acme ERP' }));
    connectionId = page.url().split('/').pop()!;

    const stored = await t.admin(`query($id: ID!) { clientConnection(id: $id) { baseUrl auth { type clientId hasClientSecret } } }`, { id: connectionId });
    expect(stored.clientConnection).toEqual({ baseUrl: `${partner.url}/api`, auth: { type: 'OAUTH2_CLIENT_CREDENTIALS', clientId: 'jobout-client', hasClientSecret: true } });
    // The page shows that a secret is stored, never the secret.
    await page.reload();
    await visible(field('Client secret'));
    expect(await field('Client secret').inputValue()).toBe('');
    expect(await descriptionOf(field('Client secret'))).toMatch(/A value is stored/);
    expect(await page.content()).not.toContain(CLIENT_SECRET);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('is tested step by step, fetching a token and sending no order', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.getByRole('status', { name: 'Test result' });
    await visible(result.getByText('The connection works.'));
    const steps = await result.getByRole('listitem').allTextContents();
    expect(steps).toEqual([expect.stringMatching(/^Address check: passed in \d+ ms/), expect.stringMatching(/^Connection and TLS: passed in \d+ ms/), expect.stringMatching(/^Token fetch: passed in \d+ ms/)]);
    expect(tokenEndpoint.requests).toHaveLength(1);
    expect(partner.requests).toHaveLength(0);
  });

  it('shows a refused token request as the failed step', async () => {
    tokenEndpoint.setDefault(reply.json(401, { error: 'invalid_client' }));
    const { page } = ui;
    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.getByRole('status', { name: 'Test result' });
    await visible(result.getByText('The connection failed.'));
    expect(await result.getByRole('listitem').last().textContent()).toMatch(/^Token fetch: failed .*invalid_client/);
    expect(partner.requests).toHaveLength(0);
    tokenEndpoint.setDefault(reply.json(200, { access_token: 'issued-token', token_type: 'Bearer', expires_in: 300 }));
  });

  it('keeps its stored secret when saved without one, and shows a server refusal next to the field', async () => {
    const { page } = ui;
    await field('Base URL').fill('not a url');
    await page.getByRole('button', { name: 'Save' }).click();
    await visible(page.getByRole('alert'));
    expect(await field('Base URL').getAttribute('aria-invalid')).toBe('true');
    expect(await descriptionOf(field('Base URL'))).toMatch(/\S/);
    await field('Base URL').fill(`${partner.url}/api/v2`);
    await page.getByRole('button', { name: 'Save' }).click();
    await visible(page.getByText('Saved.'));
    const stored = await t.admin(`query($id: ID!) { clientConnection(id: $id) { baseUrl auth { hasClientSecret } } }`, { id: connectionId });
    expect(stored.clientConnection).toEqual({ baseUrl: `${partner.url}/api/v2`, auth: { hasClientSecret: true } });
  });
});

describe('an export job', () => {
  let jobId: string;

  it('is created with every field, the statuses and mapping sources offered for its object type', async () => {
    const { page } = ui;
    await page.getByRole('navigation').getByRole('link', { name: 'Jobs' }).click();
    await visible(page.getByText('No export jobs yet'));
    // the table and its column headers are there before the first job, the empty state inside it
    expect(await page.getByRole('table').getByRole('columnheader').allTextContents()).toEqual(['Name', 'Object', 'Trigger statuses', 'Connection', 'Health']);
    await page.getByRole('button', { name: 'New job' }).click();
    await visible(page.getByRole('heading', { name: 'New export job' }));
    await field('Name').fill('Orders to Acme');
    await field('Object type').selectOption('ORDER');
    await field('Connection').selectOption({ label: 'Acme ERP' });
    // a multi-select of the object type's statuses
    const statuses = field('Trigger statuses');
    expect(await statuses.evaluate((select) => (select as HTMLSelectElement).multiple)).toBe(true);
    expect(await statuses.getByRole('option').allTextContents()).toEqual(expect.arrayContaining(['ORDER_CREATED', 'SHIPPED', 'PARTIALLY_SHIPPED']));
    await field('Object type').selectOption('INCIDENT');
    expect(await statuses.getByRole('option').allTextContents()).toEqual(['OPEN', 'ON_GOING', 'CLOSED']);
    await field('Object type').selectOption('ORDER');
    await statuses.selectOption(['SHIPPED', 'ORDER_CREATED']);
    await field('HTTP method').selectOption('PUT');
    await field('Path').fill('/orders');
    await page.getByRole('button', { name: 'Add query parameter' }).click();
    await field('Parameter 1').fill('source');
    await field('Value 1').fill('jobout');
    await page.getByRole('button', { name: 'Add mapping row' }).click();
    await field('Source 1').fill('reference');
    await field('Target 1').fill('order.number');
    const offered = await field('Source 1').evaluate((input) => [...((input as HTMLInputElement).list?.options ?? [])].map((option) => option.value));
    expect(offered).toEqual(expect.arrayContaining(['reference', 'orderLines[].gtin']));
    await field('Include custom fields').check();
    await page.getByRole('group', { name: 'Suppliers' }).getByRole('checkbox', { name: 'Acme (SUP-ACME)' }).check();
    await page.getByRole('group', { name: 'Owner stores' }).getByRole('checkbox', { name: 'Store STORE-1 (STORE-1)' }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await visible(page.getByRole('heading', { name: 'Export job: Orders to Acme' }));
    jobId = page.url().split('/').pop()!;

    const { exportJob } = await t.admin(
      `query($id: ID!) { exportJob(id: $id) { name objectType clientConnectionId triggerStatuses apiCall { httpMethod path queryParams { name value } } mapping { source target } includeCustomFields suppliers { externalId } storeExternalIds } }`,
      { id: jobId },
    );
    expect(exportJob).toMatchObject({
      name: 'Orders to Acme',
      objectType: 'ORDER',
      triggerStatuses: expect.arrayContaining(['SHIPPED', 'ORDER_CREATED']),
      apiCall: { httpMethod: 'PUT', path: '/orders', queryParams: [{ name: 'source', value: 'jobout' }] },
      mapping: [{ source: 'reference', target: 'order.number' }],
      includeCustomFields: true,
      suppliers: [{ externalId: 'SUP-ACME' }],
      storeExternalIds: ['STORE-1'],
    });
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('previews the JSON it would send for an object reference, sending nothing', async () => {
    await t.admin(`mutation { upsertOrder(input: { reference: "ORD-PREVIEW-1", supplierExternalId: "SUP-ACME", storeExternalId: "STORE-1" }) { id } }`);
    const { page } = ui;
    await field('Object reference').fill('ORD-PREVIEW-1');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    const preview = page.getByLabel('Preview JSON');
    await visible(preview);
    expect(JSON.parse((await preview.textContent())!)).toMatchObject({ order: { number: 'ORD-PREVIEW-1' } });
    expect(partner.requests).toHaveLength(0);
  });

  it("shows the server's validation next to each field, and saves nothing", async () => {
    const { page } = ui;
    await field('Trigger statuses').selectOption([]);
    await field('Source 1').fill('noSuchField');
    await field('Path').fill('/orders/%2e%2e/admin');
    await page.getByRole('button', { name: 'Save' }).click();
    await visible(page.getByRole('alert'));
    expect(await field('Trigger statuses').getAttribute('aria-invalid')).toBe('true');
    expect(await descriptionOf(field('Trigger statuses'))).toMatch(/at least one|required|empty/i);
    // focus goes to the first field in error (once the page has shown them)
    await waitFor(async () => (await page.evaluate(() => document.activeElement?.getAttribute('aria-invalid'))) === 'true', { what: 'focus on the first field in error' });
    expect(await page.getByRole('group', { name: 'Mapping' }).textContent()).toContain('noSuchField');
    expect(await field('Path').getAttribute('aria-invalid')).toBe('true');
    const { exportJob } = await t.admin(`query($id: ID!) { exportJob(id: $id) { triggerStatuses apiCall { path } } }`, { id: jobId });
    expect(exportJob).toMatchObject({ triggerStatuses: expect.arrayContaining(['SHIPPED']), apiCall: { path: '/orders' } });
  });

  it('is edited and saved, then deleted after a confirmation', async () => {
    const { page } = ui;
    await page.reload();
    await visible(field('Name'));
    await field('Path').fill('/v2/orders');
    await page.getByRole('button', { name: 'Save' }).click();
    await visible(page.getByText('Saved.'));
    expect((await t.admin(`query($id: ID!) { exportJob(id: $id) { apiCall { path } } }`, { id: jobId })).exportJob.apiCall.path).toBe('/v2/orders');

    await page.getByRole('navigation').getByRole('link', { name: 'Jobs' }).click();
    const row = page.getByRole('row', { name: /Orders to Acme/ });
    await visible(row);
    expect(await row.getByRole('cell').allTextContents()).toEqual(['Orders to Acme', 'Order', expect.stringContaining('SHIPPED'), 'Acme ERP', 'No attempts yet']);
    await screenshotForDocs(page, 'console-jobs');

    await row.getByRole('link', { name: 'Orders to Acme' }).click();
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Confirm' }).click();
    await visible(page.getByRole('heading', { name: 'Export jobs' }));
    await visible(page.getByText('No export jobs yet')); // the list forgot the deleted job without a reload
    expect((await t.gql(ADMIN_TOKEN, `query($id: ID!) { exportJob(id: $id) { id } }`, { id: jobId })).errors![0].extensions?.code).toBe('NOT_FOUND');
    expect(ui.problems.filter((p) => !p.includes('400'))).toEqual([]);
  });
});
