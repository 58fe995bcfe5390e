/**
 * EXPORT_FAILED events (CONTRACT §11): grouped per job per minute, the first failure of a quiet job told at once and
 * the ones after it together at the end of the window; end to end, a FAILED export reaches operationalEvents.
 * The grouping runs on a real database and a real listener, with a window of 300 ms instead of a minute.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOrm } from '../../src/db/orm';
import { sqlRunner } from '../../src/db/sql-runner';
import { OperationalAlerts } from '../../src/dispatch/operational-alerts';
import { OperationalFeed } from '../../src/dispatch/operational-feed';
import type { SettledExport } from '../../src/dispatch/sql/settle-attempts';
import type { OperationalEvent } from '../../src/domain/operational-event';
import { silentLogger } from '../../src/logger';
import { connectFeed } from '../support/feed-client';
import { createConnection, createJob, createOperator, createStore, jobInput, upsertSupplier } from '../support/fixtures';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';
import { reply, startHttpSink, type HttpSink } from '../support/http-sink';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { waitFor } from '../support/wait';

let exportCount = 0;
const failed = (jobId: string, reference: string): SettledExport => ({
  id: `00000000-0000-4000-8000-${String(++exportCount).padStart(12, '0')}`,
  state: 'FAILED',
  attempts: 6,
  nextAttemptAt: null,
  jobId,
  jobName: `Job ${jobId.slice(-1)}`,
  objectType: 'ORDER',
  objectReference: reference,
  triggerStatus: 'SHIPPED',
  supplierExternalId: null,
  jobStoreIds: [],
  connectionId: null,
  httpStatus: 503,
  error: `partner answered 503 for ${reference}`,
  durationMs: 10,
  occurredAt: new Date(),
});

describe('grouping failures per job', () => {
  let db: TestDatabase;
  let orm: MikroORM;
  let feed: OperationalFeed;
  const received: OperationalEvent[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    orm = await openOrm(db.url, { size: 2 });
    feed = new OperationalFeed(db.url, silentLogger);
    await feed.start();
    (async () => {
      for await (const event of feed.subscribe(() => true)) received.push(event);
    })();
  });
  afterAll(async () => {
    await feed?.stop();
    await orm?.close();
    await db?.drop();
  });

  it('tells the first failure at once and the rest of the window as one event, per job', async () => {
    const alerts = new OperationalAlerts(sqlRunner(orm), silentLogger, 300);
    const jobA = '00000000-0000-4000-8000-00000000000a';
    const jobB = '00000000-0000-4000-8000-00000000000b';
    alerts.report([failed(jobA, 'A1'), failed(jobB, 'B1')]);
    await waitFor(() => received.length === 2, { what: 'the first failure of each job at once' });
    expect(received.map((e) => [e.type, e.jobId, e.failedExports]).sort()).toEqual([['EXPORT_FAILED', jobA, 1], ['EXPORT_FAILED', jobB, 1]]);

    alerts.report([failed(jobA, 'A2'), failed(jobA, 'A3')]);
    alerts.report([failed(jobA, 'A4')]);
    await waitFor(() => received.length === 3, { what: "the window's failures of job A", timeoutMs: 2_000 });
    expect(received[2]).toMatchObject({ type: 'EXPORT_FAILED', jobId: jobA, failedExports: 3, detail: 'partner answered 503 for A4' });
    // job B had nothing more: its window closed without an event; a failure after it is told at once again
    alerts.report([failed(jobB, 'B2')]);
    await waitFor(() => received.length === 4, { what: "job B's next failure" });
    expect(received[3]).toMatchObject({ jobId: jobB, failedExports: 1 });
    await alerts.flush();
  });

  it('tells what is still grouped at shutdown', async () => {
    const alerts = new OperationalAlerts(sqlRunner(orm), silentLogger, 60_000);
    const job = '00000000-0000-4000-8000-00000000000c';
    const before = received.length;
    alerts.report([failed(job, 'C1')]);
    await waitFor(() => received.length === before + 1, { what: 'the first failure' });
    alerts.report([failed(job, 'C2'), failed(job, 'C3')]);
    await alerts.flush();
    await waitFor(() => received.length === before + 2, { what: 'the first failure and the flushed group' });
    expect(received.slice(before).map((e) => e.failedExports)).toEqual([1, 2]);
  });
});

describe('an export that ends FAILED', () => {
  let t: TestGateway;
  let partner: HttpSink;
  beforeAll(async () => {
    t = await startTestGateway({ JOBOUT_MAX_RETRIES: '0' });
    partner = await startHttpSink();
    partner.setDefault(reply.status(500, 'broken'));
  });
  afterAll(async () => {
    await partner?.close();
    await t?.close();
  });

  it('reaches operationalEvents with its job and error', async () => {
    const { id: job } = await createJob(t, jobInput(await createConnection(t, 'Failing', partner.url), { name: 'Failing job', triggerStatuses: ['SHIPPED'] }));
    const client = connectFeed(t.url, ADMIN_TOKEN);
    try {
      const { events } = client.subscribeRaw(`subscription { operationalEvents(types: [EXPORT_FAILED]) { type jobId jobName failedExports detail } }`);
      await waitFor(() => t.gateway.events.subscriberCount === 1);
      await t.admin(`mutation { upsertOrder(input: { reference: "FAIL-1", status: "SHIPPED" }) { id } }`);
      await waitFor(() => events.length === 1, { what: 'EXPORT_FAILED' });
      expect(events[0]).toEqual({ type: 'EXPORT_FAILED', jobId: job, jobName: 'Failing job', failedExports: 1, detail: 'partner answered 500' });
    } finally {
      await client.close();
    }
  });

  it("reaches a store's operators only for their suppliers' exports, as the exports themselves", async () => {
    await createStore(t, 'S1');
    await createStore(t, 'S2');
    await upsertSupplier(t, 'SUP-1', ['S1']);
    await upsertSupplier(t, 'SUP-2', ['S2']);
    const subscribe = async (token: string) => {
      const before = t.gateway.events.subscriberCount;
      const client = connectFeed(t.url, token);
      const { events } = client.subscribeRaw(`subscription { operationalEvents(types: [EXPORT_FAILED]) { supplierExternalId failedExports } }`);
      await waitFor(() => t.gateway.events.subscriberCount === before + 1);
      return { client, events };
    };
    const one = await subscribe(await createOperator(t, 'READER', ['S1']));
    const two = await subscribe(await createOperator(t, 'READER', ['S2']));
    try {
      // the global job of the test above fails for both suppliers: each store hears of its own
      await t.admin(`mutation { upsertOrder(input: { reference: "FAIL-S2", status: "SHIPPED", supplierExternalId: "SUP-2" }) { id } }`);
      await waitFor(() => two.events.length === 1, { what: "store 2's failure" });
      await t.admin(`mutation { upsertOrder(input: { reference: "FAIL-S1", status: "SHIPPED", supplierExternalId: "SUP-1" }) { id } }`);
      await waitFor(() => one.events.length === 1, { what: "store 1's failure, after store 2's" });
      expect(one.events).toEqual([{ supplierExternalId: 'SUP-1', failedExports: 1 }]);
      expect(two.events).toEqual([{ supplierExternalId: 'SUP-2', failedExports: 1 }]);
    } finally {
      await one.client.close();
      await two.client.close();
    }
  });
});
