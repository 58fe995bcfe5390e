/**
 * Exports, attempts, job health, retries, preview and the live feed over what the caller may see (CONTRACT §2a):
 * an export is visible when its job is and its supplier belongs to one of the caller's stores.
 *
 * One global job exports every supplier's orders (the seed's behaviour); store A's operators see only the
 * exports of store A's suppliers. Store B has a job of its own, invisible to store A.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobInput } from '../support/fixtures';
import { connectFeed, type FeedClient } from '../support/feed-client';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';
import { reply, startHttpSink, type HttpSink } from '../support/http-sink';
import { waitFor } from '../support/wait';
import { setUpTwoStores, type TwoStores } from './two-stores';

let t: TestGateway;
let s: TwoStores;
let partner: HttpSink;
let globalJob: string;
let jobOfB: string;
let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;
const code = (result: { errors?: { extensions?: { code?: string } }[] }) => result.errors?.[0]?.extensions?.code;
const FAILING = 'FAIL-'; // the partner answers 500 to the orders whose reference starts so

async function ship(reference: string, supplier: string): Promise<void> {
  const result = await t.gql(ADMIN_TOKEN, `mutation($input: OrderInput!) { upsertOrder(input: $input) { reference } }`, { input: { reference, supplierExternalId: supplier, status: 'SHIPPED' } });
  if (result.errors) throw new Error(JSON.stringify(result.errors));
}

const finished = async (reference: string) =>
  (await t.db.query<{ state: string }>(`select state from export where object_reference = $1`, [reference])).every((row) => ['SUCCEEDED', 'FAILED'].includes(row.state)) &&
  (await t.db.query(`select 1 from export where object_reference = $1`, [reference])).length > 0;

async function shipAndSettle(reference: string, supplier: string): Promise<void> {
  await ship(reference, supplier);
  await waitFor(() => finished(reference), { what: `the exports of ${reference} finished` });
}

const exportIds = async (token: string, filter: Record<string, unknown> = {}) =>
  ((await t.gql(token, `query($filter: ExportFilter) { exports(filter: $filter, size: 100) { content { objectReference } } }`, { filter })).data.exports.content as { objectReference: string }[]).map(
    (e) => e.objectReference,
  );
const exportIdOf = async (reference: string, job = globalJob) => (await t.db.query<{ id: string }>(`select id from export where object_reference = $1 and job_id = $2`, [reference, job]))[0].id;

beforeAll(async () => {
  t = await startTestGateway({ JOBOUT_MAX_RETRIES: '0' }); // one attempt: a failure is FAILED at once
  s = await setUpTwoStores(t);
  partner = await startHttpSink();
  partner.setDefault((request, res, counters) => (request.body.includes(`"${FAILING}`) ? reply.status(500, 'down') : reply.json(200, { ok: true }))(request, res, counters));
  const global = await t.admin(`mutation($input: ClientConnectionInput!) { createClientConnection(input: $input) { id } }`, { input: { name: 'Global partner', baseUrl: partner.url } });
  globalJob = (await t.admin(`mutation($input: ExportJobInput!) { createExportJob(input: $input) { id } }`, { input: jobInput(global.createClientConnection.id, { name: 'Global', triggerStatuses: ['SHIPPED'] }) })).createExportJob.id;
  const ofB = await t.gql(s.b.USER, `mutation($input: ClientConnectionInput!) { createClientConnection(input: $input) { id } }`, { input: { name: 'B partner', baseUrl: partner.url } });
  jobOfB = (await t.gql(s.b.USER, `mutation($input: ExportJobInput!) { createExportJob(input: $input) { id } }`, { input: jobInput(ofB.data.createClientConnection.id, { name: 'Job of B', triggerStatuses: ['SHIPPED'] }) })).data.createExportJob.id;
});
afterAll(async () => {
  await t?.close();
  await partner?.close();
});

describe('exports', () => {
  it("of another store's supplier or job are missing from lists and NOT_FOUND, like unknown ones", async () => {
    const [ofA, ofB] = [unique('EXP-A'), unique('EXP-B')];
    await shipAndSettle(ofA, 'SUP-A');
    await shipAndSettle(ofB, 'SUP-B');
    const seenByA = await exportIds(s.a.READER);
    expect(seenByA).toContain(ofA);
    expect(seenByA).not.toContain(ofB);
    expect(await exportIds(s.a.READER, { objectReference: ofB })).toEqual([]);
    const unknownId = '00000000-0000-4000-8000-00000000e000';
    for (const id of [await exportIdOf(ofB), await exportIdOf(ofB, jobOfB)]) {
      const [invisible, unknown] = [await t.gql(s.a.READER, `query($id: ID!) { export(id: $id) { id } }`, { id }), await t.gql(s.a.READER, `query($id: ID!) { export(id: $id) { id } }`, { id: unknownId })];
      expect({ code: code(invisible), message: invisible.errors![0].message.replace(id, '<id>') }).toEqual({ code: 'NOT_FOUND', message: unknown.errors![0].message.replace(unknownId, '<id>') });
    }
    expect(await exportIds(s.b.READER, { objectReference: ofB })).toEqual([ofB, ofB]); // the global job's and B's own
  });

  it("count only what the caller sees in a job's health", async () => {
    await shipAndSettle(unique(`${FAILING}B`), 'SUP-B');
    await shipAndSettle(unique(`${FAILING}B`), 'SUP-B');
    await shipAndSettle(unique(`${FAILING}A`), 'SUP-A');
    const health = async (token: string) => (await t.gql(token, `query($id: ID!) { exportJob(id: $id) { failedExports consecutiveFailures } }`, { id: globalJob })).data.exportJob;
    const [ofA, all] = [await health(s.a.READER), await health(ADMIN_TOKEN)];
    const [failedOfA] = await t.db.query<{ n: number }>(
      `select count(*)::int as n from export where job_id = $1 and state = 'FAILED' and supplier_external_id in ('SUP-A', 'SUP-AB')`,
      [globalJob],
    );
    expect(ofA.failedExports).toBe(failedOfA.n);
    expect(all.failedExports).toBeGreaterThanOrEqual(ofA.failedExports + 2);
    expect(ofA.consecutiveFailures).toBe(1);
  });
});

describe('retries', () => {
  it("retry nothing of another store, and nothing of a job the caller may not write", async () => {
    const failedOfB = unique(`${FAILING}B`);
    await shipAndSettle(failedOfB, 'SUP-B');
    expect((await t.gql(s.a.ADMIN, `mutation { retryExports(filter: { state: FAILED }) }`)).data.retryExports).toBe(0); // global job: not A's to retry
    expect(code(await t.gql(s.a.ADMIN, `mutation($id: ID!) { retryExport(id: $id) { id } }`, { id: await exportIdOf(failedOfB, jobOfB) }))).toBe('NOT_FOUND');
    const failedOfA = unique(`${FAILING}A`);
    await shipAndSettle(failedOfA, 'SUP-A');
    expect(code(await t.gql(s.a.ADMIN, `mutation($id: ID!) { retryExport(id: $id) { id } }`, { id: await exportIdOf(failedOfA) }))).toBe('FORBIDDEN');
    expect((await t.db.query<{ state: string }>(`select state from export where object_reference = $1 and job_id = $2`, [failedOfB, jobOfB]))[0].state).toBe('FAILED');
    const [failedOfJobB] = await t.db.query<{ n: number }>(`select count(*)::int as n from export where job_id = $1 and state = 'FAILED'`, [jobOfB]);
    const retriedByB = (await t.gql(s.b.USER, `mutation { retryExports(filter: { state: FAILED }) }`)).data.retryExports;
    expect(failedOfJobB.n).toBeGreaterThan(0);
    expect(retriedByB).toBe(failedOfJobB.n); // its own job's, none of the global job's
  });
});

describe('the preview', () => {
  it("of another store's job, or of an order of another store's supplier, is NOT_FOUND", async () => {
    const reference = unique('PREVIEW-B');
    await shipAndSettle(reference, 'SUP-B');
    const preview = (token: string, jobId: string) => t.gql(token, `query($jobId: ID!, $ref: String!) { exportPreview(jobId: $jobId, objectReference: $ref) }`, { jobId, ref: reference });
    expect(code(await preview(s.a.READER, jobOfB))).toBe('NOT_FOUND');
    expect(code(await preview(s.a.READER, globalJob))).toBe('NOT_FOUND');
    expect(code(await preview(s.b.READER, globalJob))).toBeUndefined();
  });
});

describe('the result feed', () => {
  let feedOfA: FeedClient;
  beforeAll(() => {
    feedOfA = connectFeed(t.url, s.a.READER);
  });
  afterAll(() => feedOfA?.close());

  it("never carries another store's results", async () => {
    const subscription = feedOfA.subscribe();
    await waitFor(() => t.gateway.results.subscriberCount > 0, { what: 'the subscription' });
    const [ofB, barrier] = [unique('FEED-B'), unique('FEED-A')];
    await shipAndSettle(ofB, 'SUP-B');
    await shipAndSettle(barrier, 'SUP-A');
    await waitFor(() => subscription.events.some((event) => event.objectReference === barrier), { what: 'the barrier result' });
    expect(subscription.events.filter((event) => event.objectReference === ofB)).toEqual([]);
  });

  it('follows a supplier moved out of the caller\'s stores within 10 s', async () => {
    await t.admin(`mutation { upsertSupplier(input: { externalId: "SUP-LEAVING", name: "Leaving", storeExternalIds: ["STORE-A"] }) { id } }`);
    const subscription = feedOfA.subscribe();
    await waitFor(() => t.gateway.results.subscriberCount > 1, { what: 'the second subscription' });
    const before = unique('LEAVING-IN');
    await shipAndSettle(before, 'SUP-LEAVING');
    await waitFor(() => subscription.events.some((event) => event.objectReference === before), { what: 'a result of the supplier while in store A' });
    await t.admin(`mutation { upsertSupplier(input: { externalId: "SUP-LEAVING", name: "Leaving", storeExternalIds: ["STORE-B"] }) { id } }`);
    await waitFor(
      async () => {
        const reference = unique('LEAVING-OUT');
        await shipAndSettle(reference, 'SUP-LEAVING');
        const barrier = unique('FEED-A');
        await shipAndSettle(barrier, 'SUP-A');
        await waitFor(() => subscription.events.some((event) => event.objectReference === barrier), { what: 'the barrier result' });
        return !subscription.events.some((event) => event.objectReference === reference);
      },
      { what: 'results of a supplier that left store A to stop', timeoutMs: 10_000, intervalMs: 500 },
    );
  }, 30_000);
});
