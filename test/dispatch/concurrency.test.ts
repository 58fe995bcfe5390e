/** A slow partner: in-flight requests never exceed JOBOUT_DISPATCH_CONCURRENCY, and everything is delivered. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { createJob, jobInput, createConnection } from '../support/fixtures';
import { answerSlowly, startHttpSink, type HttpSink } from '../support/http-sink';
import { waitFor } from '../support/wait';

const CONCURRENCY = 4;
const PARTNER_DELAY_MS = 2_000;
let t: TestGateway;
let sink: HttpSink;

beforeAll(async () => {
  t = await startTestGateway({ JOBOUT_DISPATCH_CONCURRENCY: String(CONCURRENCY) });
  sink = await startHttpSink();
  const connectionId = await createConnection(t, 'Slow', sink.url);
  await createJob(t, jobInput(connectionId, { name: 'Created orders', triggerStatuses: ['ORDER_CREATED'] }));
});
afterAll(async () => {
  await t?.close();
  await sink?.close();
});

describe('a slow partner', () => {
  it('never has more requests in flight than the configured concurrency', async () => {
    const partner = answerSlowly(sink, PARTNER_DELAY_MS); // each answer takes two seconds
    await t.db.query(`insert into order_logistic (reference, status) select 'SLOW-' || n, 'ORDER_CREATED' from generate_series(1, 12) n`);
    await waitFor(async () => (await t.db.query(`select 1 from export where state = 'SUCCEEDED'`)).length === 12, { what: '12 deliveries', timeoutMs: 20_000 });
    expect(partner.peakInFlight()).toBe(CONCURRENCY);
    expect(sink.requests).toHaveLength(12);
  });
});
