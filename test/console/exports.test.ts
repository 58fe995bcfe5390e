/**
 * The daily loop in the console (CONTRACT §10): find the failed order, read the partner's answer, retry, watch it
 * go green; retry the failed ones of a filter after seeing how many; and results arriving live, per job.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection, createJob, jobInput } from '../support/fixtures';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';
import { reply, startHttpSink, type HttpSink } from '../support/http-sink';
import { waitFor } from '../support/wait';
import { launchBrowser, openConsole, screenshotForDocs, seriousViolations, signIn, visible, type Browser, type ConsolePage, type Page } from '../support/browser';

let t: TestGateway;
let browser: Browser;
let partner: HttpSink;
let ui: ConsolePage;
let shippedJob: string;
let createdJob: string;
/** References the partner refuses (a maintenance answer) until they are removed from this set. */
const refused = new Set<string>();

const stateOf = async (reference: string) => (await t.db.query<{ state: string }>('select state from export where object_reference = $1', [reference]))[0]?.state;

async function order(reference: string, status: string): Promise<void> {
  await t.admin(`mutation($input: OrderInput!) { upsertOrder(input: $input) { id } }`, { input: { reference, status } });
}

async function exported(reference: string, status: string, state: 'SUCCEEDED' | 'FAILED'): Promise<void> {
  await order(reference, status);
  await waitFor(async () => (await stateOf(reference)) === state, { what: `${reference} ${state}` });
}

beforeAll(async () => {
  t = await startTestGateway({ JOBOUT_MAX_RETRIES: '0' }); // one attempt: a refusal is FAILED at once
  browser = await launchBrowser();
  partner = await startHttpSink();
  partner.setDefault((request, res, counters) => {
    const reference = [...refused].find((r) => request.body.includes(`"${r}"`));
    return (reference ? reply.status(503, 'partner down: maintenance until 14:00') : reply.json(200, { received: true }))(request, res, counters);
  });
  const connection = await createConnection(t, 'Warehouse', `${partner.url}/wms`);
  shippedJob = (await createJob(t, jobInput(connection, { name: 'Shipped orders', triggerStatuses: ['SHIPPED'] }))).id;
  createdJob = (await createJob(t, jobInput(connection, { name: 'New orders', triggerStatuses: ['ORDER_CREATED'] }))).id;
  refused.add('ORD-FAIL-1').add('ORD-FAIL-2');
  await exported('ORD-OK-1', 'SHIPPED', 'SUCCEEDED');
  await exported('ORD-FAIL-1', 'SHIPPED', 'FAILED');
  await exported('ORD-FAIL-2', 'ORDER_CREATED', 'FAILED');
  ui = await openConsole(browser, t.url, '/exports');
  await signIn(ui.page, ADMIN_TOKEN);
});
afterAll(async () => {
  await ui?.close();
  await browser?.close();
  await partner?.close();
  await t?.close();
});

const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });

describe('the exports page', () => {
  it('lists exports with their outcome, searchable by reference and filtered by job, state and time window', async () => {
    const { page } = ui;
    await visible(page.getByRole('heading', { name: 'Exports' }));
    const table = page.getByRole('table');
    await visible(table.getByRole('link', { name: 'ORD-FAIL-2' }));
    expect(await table.getByRole('columnheader').allTextContents()).toEqual(['Reference', 'Job', 'Status', 'State', 'Attempts', 'Last HTTP status', 'Updated']);
    const failedRow = table.getByRole('row', { name: /ORD-FAIL-1/ });
    expect((await failedRow.getByRole('cell').allTextContents()).slice(0, 6)).toEqual(['ORD-FAIL-1', 'Shipped orders', 'SHIPPED', 'FAILED', '1', '503']);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshotForDocs(page, 'console-exports');

    await field(page, 'Reference').fill('ORD-FAIL-1');
    await waitFor(async () => (await table.getByRole('link').allTextContents()).join() === 'ORD-FAIL-1', { what: 'the search by reference' });
    await field(page, 'Reference').fill('');
    await field(page, 'State').selectOption('FAILED');
    await waitFor(async () => (await table.getByRole('link').allTextContents()).sort().join() === 'ORD-FAIL-1,ORD-FAIL-2', { what: 'the state filter' });
    await field(page, 'Job').selectOption({ label: 'New orders' });
    await waitFor(async () => (await table.getByRole('link').allTextContents()).join() === 'ORD-FAIL-2', { what: 'the job filter' });
    await field(page, 'Job').selectOption({ label: 'All jobs' });
    await field(page, 'State').selectOption({ label: 'All states' });
    await field(page, 'From').fill('2099-01-01T00:00');
    await visible(table.getByText('No exports match this filter.'));
    expect(await table.getByRole('columnheader').count()).toBe(7);
    await field(page, 'From').fill('');
    await field(page, 'To').fill('2000-01-01T00:00');
    await visible(page.getByText('No exports match this filter.'));
    await field(page, 'To').fill('');
    await visible(table.getByRole('link', { name: 'ORD-OK-1' }));
  });

  it("opens a failed export: its payload, the partner's answer per attempt, and Retry until it goes green", async () => {
    const { page } = ui;
    await page.getByRole('table').getByRole('link', { name: 'ORD-FAIL-1' }).click();
    await visible(page.getByRole('heading', { name: 'Export ORD-FAIL-1' }));
    expect(JSON.parse((await page.getByLabel('Payload').textContent())!)).toMatchObject({ reference: 'ORD-FAIL-1' });
    const attempts = page.getByRole('table', { name: 'Attempts' });
    expect(await attempts.getByRole('columnheader').allTextContents()).toEqual(['Attempt', 'Started', 'Duration', 'HTTP status', 'Error', 'Response']);
    const [first] = await attempts.getByRole('row').nth(1).getByRole('cell').allTextContents().then((cells) => [cells]);
    expect(first[0]).toBe('1');
    expect(first[2]).toMatch(/^\d+ ms$/);
    expect(first[3]).toBe('503');
    expect(first[4]).toMatch(/^HTTP_STATUS/);
    expect(first[5]).toBe('partner down: maintenance until 14:00');
    // Times in the browser's time zone (the test's browser runs in Europe/Paris)
    const [{ started_at: startedAt }] = await t.db.query<{ started_at: Date }>(`select a.started_at from export_attempt a join export e on e.id = a.export_id where e.object_reference = 'ORD-FAIL-1'`);
    expect(first[1]).toBe(new Date(startedAt).toLocaleString('en-GB', { timeZone: 'Europe/Paris' }));
    expect(await seriousViolations(page)).toEqual([]);
    await screenshotForDocs(page, 'console-export');

    refused.delete('ORD-FAIL-1');
    await page.getByRole('button', { name: 'Retry', exact: true }).click();
    await visible(page.getByText('SUCCEEDED', { exact: true }));
    expect(await attempts.getByRole('row').count()).toBe(3); // header, the failure, the success
    expect(await page.getByRole('button', { name: 'Retry', exact: true }).count()).toBe(0);
    expect(await stateOf('ORD-FAIL-1')).toBe('SUCCEEDED');
  });

  it('retries the failed exports of the filter after saying how many, and only once confirmed', async () => {
    const { page } = ui;
    await page.getByRole('navigation').getByRole('link', { name: 'Exports' }).click();
    await visible(page.getByRole('heading', { name: 'Exports' }));
    await field(page, 'Job').selectOption({ label: 'New orders' });
    await page.getByRole('button', { name: 'Retry failed' }).click();
    const dialog = page.getByRole('alertdialog');
    await visible(dialog);
    expect(await dialog.textContent()).toMatch(/Retry 1 failed export of the job New orders/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await stateOf('ORD-FAIL-2')).toBe('FAILED');

    refused.delete('ORD-FAIL-2');
    await page.getByRole('button', { name: 'Retry failed' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Confirm' }).click();
    await visible(page.getByText('1 failed exports queued'));
    await waitFor(async () => (await stateOf('ORD-FAIL-2')) === 'SUCCEEDED', { what: 'the retried export to succeed' });

    await page.getByRole('button', { name: 'Retry failed' }).click();
    await visible(page.getByText('No failed exports match this filter'));
    expect(await page.getByRole('alertdialog').count()).toBe(0);
  });
});

describe('the live page', () => {
  it('shows results as attempts finish, without reloading, for the chosen job only', async () => {
    // A page of its own, opened once every other page's subscription has ended: then the feed's one subscriber is
    // this page's, filtered on the job, and a result published after it has subscribed must appear.
    await ui.close();
    await waitFor(() => t.gateway.results.subscriberCount === 0, { what: 'the other pages to unsubscribe' });
    const live = await openConsole(browser, t.url, `/live?job=${shippedJob}`);
    try {
      const { page } = live;
      await signIn(page, ADMIN_TOKEN);
      await visible(page.getByRole('heading', { name: 'Live results' }));
      // the job from the address is chosen at once, and named as soon as the job list has loaded
      expect(await field(page, 'Job').inputValue()).toBe(shippedJob);
      await waitFor(async () => (await field(page, 'Job').locator('option:checked').textContent()) === 'Shipped orders', {
        what: 'the chosen job to be shown by its name',
      });
      await visible(page.getByText('Waiting for results'));
      await waitFor(() => t.gateway.results.subscriberCount === 1, { what: 'the live page to subscribe' });
      await exported('ORD-LIVE-OTHER', 'ORDER_CREATED', 'SUCCEEDED');
      await exported('ORD-LIVE-1', 'SHIPPED', 'SUCCEEDED');
      const row = page.getByRole('row', { name: /ORD-LIVE-1/ });
      await visible(row);
      expect((await row.getByRole('cell').allTextContents()).slice(1, 8)).toEqual(['Shipped orders', 'ORD-LIVE-1', 'SHIPPED', 'SUCCEEDED', '1', '200', '—']);
      expect(await page.getByRole('row', { name: /ORD-LIVE-OTHER/ }).count()).toBe(0);
      expect(await seriousViolations(page)).toEqual([]);

      // All jobs: the next result of the other job shows too
      await field(page, 'Job').selectOption({ label: 'All jobs' });
      // (the switch replaces the subscription; no server count tells the new one from the old, so results of the
      // other job are sent until one shows)
      await waitFor(() => !page.url().includes('job='), { what: 'the filter to leave the URL' });
      let sent = 0;
      await waitFor(
        async () => {
          await exported(`ORD-LIVE-ANY-${++sent}`, 'ORDER_CREATED', 'SUCCEEDED');
          return page.getByRole('row', { name: /ORD-LIVE-ANY-/ }).first().isVisible();
        },
        { what: 'a result of the other job once all jobs are shown', timeoutMs: 10_000, intervalMs: 200 },
      );
      expect(live.problems).toEqual([]);
      expect(createdJob).not.toBe(shippedJob);
    } finally {
      await live.close();
    }
  });
});
