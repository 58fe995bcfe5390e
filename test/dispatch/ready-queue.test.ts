/**
 * The ready queue: exports claimed ahead of a free send slot. It is sized from how fast this instance sends and
 * the default attempt deadline, so exports of a connection with a shorter deadline, or of a partner that slowed
 * down, can wait longer than their lease allows; those are released (due again, the attempt not counted)
 * instead of being sent on a lease that might end mid-send.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEASE_MARGIN_MS } from '../../src/dispatch/lease-budget';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { createJob, jobInput } from '../support/fixtures';
import { answerSlowly, startHttpSink, type HttpSink } from '../support/http-sink';
import { waitFor } from '../support/wait';

const CONNECTION_TIMEOUT_MS = 200;
const SLOW_ANSWER_MS = 150;
/** Enough slow sends in a row that the last ones wait longer than their lease allows (deadline + half the margin). */
const SLOW_ORDERS = Math.ceil((CONNECTION_TIMEOUT_MS + LEASE_MARGIN_MS / 2) / SLOW_ANSWER_MS) + 10;
let t: TestGateway;
let sink: HttpSink;

beforeAll(async () => {
  t = await startTestGateway({ JOBOUT_DISPATCH_CONCURRENCY: '1' });
  sink = await startHttpSink();
  const { createClientConnection } = await t.admin(`mutation($input: ClientConnectionInput!) { createClientConnection(input: $input) { id } }`, {
    input: { name: 'Partner', baseUrl: sink.url, timeoutMs: CONNECTION_TIMEOUT_MS },
  });
  await createJob(t, jobInput(createClientConnection.id, { name: 'Created orders', triggerStatuses: ['ORDER_CREATED'] }));
});
afterAll(async () => {
  await t?.close();
  await sink?.close();
});

const succeeded = async () => (await t.db.query(`select 1 from export where state = 'SUCCEEDED'`)).length;

describe('exports queued for a send slot', () => {
  it('are released when their lease would not cover the send, then sent once each, the attempt not counted', async () => {
    // A fast partner first: the queue grows with the send rate (sized by the default 10 s deadline).
    await t.db.query(`insert into order_logistic (reference, status) select 'FAST-' || n, 'ORDER_CREATED' from generate_series(1, 100) n`);
    await waitFor(async () => (await succeeded()) === 100, { what: '100 fast deliveries', timeoutMs: 20_000 });

    // Then most of this connection's own 200 ms deadline per answer: a queue that long outlasts the leases.
    const partner = answerSlowly(sink, SLOW_ANSWER_MS);
    await t.db.query(`insert into order_logistic (reference, status) select 'SLOW-' || n, 'ORDER_CREATED' from generate_series(1, $1::int) n`, [SLOW_ORDERS]);
    await waitFor(async () => (await succeeded()) === 100 + SLOW_ORDERS, { what: 'the slow deliveries', timeoutMs: 30_000 });

    expect(t.logs.some((line) => line.includes('released exports that waited longer than'))).toBe(true);
    expect(partner.peakInFlight()).toBe(1);
    const keys = sink.requests.map((request) => request.headers['idempotency-key']);
    expect(new Set(keys).size).toBe(100 + SLOW_ORDERS);
    expect(keys).toHaveLength(100 + SLOW_ORDERS);
    const attempts = await t.db.query<{ attempts: number }>(`select distinct attempts from export`);
    expect(attempts).toEqual([{ attempts: 1 }]);
  });
});
