/**
 * The ready queue: exports claimed ahead of a free send slot. It is sized from how fast this instance sends, so
 * a partner that slows down can leave exports waiting longer than an attempt deadline; those are given back
 * (due again, the attempt not counted) instead of being sent on a lease that might end mid-send.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { createJob, jobInput, createConnection } from '../support/fixtures';
import { startHttpSink, type HttpSink } from '../support/http-sink';
import { waitFor } from '../support/wait';

const TIMEOUT_MS = 300;
const SLOW_ANSWER_MS = 200;
let t: TestGateway;
let sink: HttpSink;

beforeAll(async () => {
  t = await startTestGateway({ JOBOUT_DISPATCH_CONCURRENCY: '1', JOBOUT_HTTP_TIMEOUT_MS: String(TIMEOUT_MS) });
  sink = await startHttpSink();
  const connectionId = await createConnection(t, 'Partner', sink.url);
  await createJob(t, jobInput(connectionId, { name: 'Created orders', triggerStatuses: ['ORDER_CREATED'] }));
});
afterAll(async () => {
  await t?.close();
  await sink?.close();
});

const succeeded = async () => (await t.db.query(`select 1 from export where state = 'SUCCEEDED'`)).length;

describe('exports queued for a send slot', () => {
  it('are given back when a partner slows down, then sent once each, the attempt not counted', async () => {
    // A fast partner first: the queue grows with the send rate.
    await t.db.query(`insert into order_logistic (reference, status) select 'FAST-' || n, 'ORDER_CREATED' from generate_series(1, 100) n`);
    await waitFor(async () => (await succeeded()) === 100, { what: '100 fast deliveries', timeoutMs: 20_000 });

    // Then it takes most of the deadline per answer: the queue recorded at the fast rate cannot drain in time.
    let inFlight = 0;
    let peak = 0;
    sink.setDefault((_request, res) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight -= 1;
        res.writeHead(200).end();
      }, SLOW_ANSWER_MS); // the partner's pace, not test synchronisation
    });
    await t.db.query(`insert into order_logistic (reference, status) select 'SLOW-' || n, 'ORDER_CREATED' from generate_series(1, 8) n`);
    await waitFor(async () => (await succeeded()) === 108, { what: '8 slow deliveries', timeoutMs: 20_000 });

    expect(t.logs.some((line) => line.includes('gave back exports that waited longer than an attempt deadline'))).toBe(true);
    expect(peak).toBe(1);
    const keys = sink.requests.map((request) => request.headers['idempotency-key']);
    expect(new Set(keys).size).toBe(108);
    expect(keys).toHaveLength(108);
    const attempts = await t.db.query<{ attempts: number }>(`select distinct attempts from export`);
    expect(attempts).toEqual([{ attempts: 1 }]);
  });
});
