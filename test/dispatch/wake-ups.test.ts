/**
 * What wakes the dispatcher's two loops. A status change wakes the recording loop, which claims the new exports
 * itself when it has room; the sending loop claims from the database only when exports wait there. Neither may
 * depend on the safety poll: this instance's dispatcher polls once a minute, so a missed wake-up shows as an
 * export that is not sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/auth/secret-box';
import { STATUS_CHANGE_NOTICE } from '../../src/db/notify-channels';
import { sqlRunner } from '../../src/db/sql-runner';
import { Dispatcher, dispatchSteps, type DispatchSteps } from '../../src/dispatch/dispatcher';
import { Sender } from '../../src/dispatch/sender';
import { silentLogger } from '../../src/logger';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { createConnection, createJob, jobInput } from '../support/fixtures';
import { startHttpSink, type HttpSink } from '../support/http-sink';
import { waitFor } from '../support/wait';

let t: TestGateway;
let sink: HttpSink;
let sender: Sender;

beforeAll(async () => {
  t = await startTestGateway();
  sink = await startHttpSink();
  await createJob(t, jobInput(await createConnection(t, 'Sink', sink.url), { name: 'Created orders', triggerStatuses: ['ORDER_CREATED'] }));
  // This file's dispatchers do the work; the gateway's would compete for it.
  await t.gateway.dispatcher.stop();
  sender = new Sender({ timeoutMs: 5_000, allowPrivateTargets: true, userAgent: 'jobout-test' });
});
afterAll(async () => {
  await sender?.close();
  await t?.close();
  await sink?.close();
});

const realSteps = () => dispatchSteps(sqlRunner(t.gateway.orm), { httpTimeoutMs: 5_000, retry: { maxRetries: 5, intervalMs: 60_000 } });

/**
 * The real steps, with the claim of exports waiting in the database counted and, while `hold` is set, its result
 * held back after the statement ran: what a claim in flight looks like to a recording that commits meanwhile.
 */
function claimGate() {
  const gate = { claims: 0, held: 0, hold: undefined as Promise<void> | undefined };
  const real = realSteps();
  const steps: DispatchSteps = {
    ...real,
    claim: async (states, limit) => {
      const claimed = await real.claim(states, limit);
      gate.claims += 1;
      if (gate.hold) {
        gate.held += 1;
        await gate.hold;
      }
      return claimed;
    },
  };
  return { gate, steps };
}

function startDispatcher(steps: DispatchSteps, concurrency: number): Dispatcher {
  const dispatcher = new Dispatcher(
    { steps, sender, secrets: new SecretBox(Buffer.alloc(32, 7)), logger: silentLogger, onSettled: () => {} },
    { concurrency, httpTimeoutMs: 5_000, safetyPollMs: 60_000 },
  );
  dispatcher.start();
  return dispatcher;
}

const insertOrder = (reference: string) => t.db.query(`insert into order_logistic (reference, status) values ($1, 'ORDER_CREATED')`, [reference]);
const sentTo = (reference: string) => sink.requests.filter((request) => request.body.includes(`"${reference}"`)).length;

describe('the idle flag', () => {
  it('left lowered by an instance that stopped abruptly is raised by the first round that drains the outbox', async () => {
    await t.db.query('update dispatch_wakeup set idle = false');
    const dispatcher = startDispatcher(realSteps(), 4);
    try {
      // Not the safety poll's doing: it would take a minute here.
      await waitFor(async () => (await t.db.query<{ idle: boolean }>('select idle from dispatch_wakeup'))[0].idle, { what: 'writers told to notify again' });
    } finally {
      await dispatcher.stop();
    }
  });
});

describe('a status change', () => {
  it('is recorded and sent by the recording loop alone, with no claim from the database', async () => {
    const { gate, steps } = claimGate();
    const dispatcher = startDispatcher(steps, 4);
    try {
      await waitFor(() => gate.claims === 1, { what: 'the claim every dispatcher makes at start' });
      await insertOrder('WAKE-1');
      dispatcher.wake(STATUS_CHANGE_NOTICE);
      await waitFor(() => sentTo('WAKE-1') === 1, { what: 'the export sent' });
      expect(gate.claims).toBe(1);
    } finally {
      await dispatcher.stop();
    }
  });

  it('recorded PENDING while a claim is in flight is claimed next, not left for the safety poll', async () => {
    const { gate, steps } = claimGate();
    let release!: () => void;
    gate.hold = new Promise((resolve) => (release = resolve));
    const dispatcher = startDispatcher(steps, 4);
    try {
      // The start-up claim ran (finding nothing) and holds all the room; a change recorded now waits PENDING.
      await waitFor(() => gate.held === 1, { what: 'the start-up claim in flight' });
      await insertOrder('WAKE-2');
      dispatcher.wake(STATUS_CHANGE_NOTICE);
      await waitFor(async () => (await t.db.query(`select 1 from export where object_reference = 'WAKE-2' and state = 'PENDING'`)).length === 1, {
        what: 'the export recorded PENDING',
      });
      gate.hold = undefined;
      release();
      await waitFor(() => sentTo('WAKE-2') === 1, { what: 'the PENDING export claimed and sent' });
      expect(gate.claims).toBe(2);
    } finally {
      release();
      await dispatcher.stop();
    }
  });
});
