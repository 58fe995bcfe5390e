/**
 * The send pool on its own, with a fake clock and sends held open by the test: concurrency, the room both loops
 * share, and the release of claims that waited longer than their lease allows.
 */
import { describe, expect, it } from 'vitest';
import type { ClaimedExport } from '../../src/dispatch/claimed-export';
import { maxQueueWaitMs, MAX_READY_QUEUE } from '../../src/dispatch/lease-budget';
import { SendPool } from '../../src/dispatch/send-pool';
import { silentLogger } from '../../src/logger';
import { deferred, type Deferred } from '../support/wait';

const DEADLINE_MS = 1_000;

function claim(n: number, timeoutMs: number | null = null): ClaimedExport {
  return {
    id: `export-${n}`,
    leaseToken: `lease-${n}`,
    attempt: 1,
    jobId: 'job',
    jobName: 'Job',
    objectType: 'ORDER',
    objectReference: `REF-${n}`,
    triggerStatus: 'SHIPPED',
    payload: '{}',
    httpMethod: 'POST',
    path: '/orders',
    queryParams: [],
    connection: { id: 'c', baseUrl: 'http://partner', headers: [], timeoutMs, authType: 'NONE', tokenUrl: null, clientId: null, clientSecretEnc: null, username: null, passwordEnc: null, scope: null },
  };
}

/** A pool whose sends wait until the test finishes them, on a clock the test moves. */
function harness(concurrency: number) {
  const clock = { now: 0 };
  const sends = new Map<string, Deferred<void>>();
  const released: string[][] = [];
  let roomSignals = 0;
  let releasedSignals = 0;
  const pool = new SendPool({
    concurrency,
    httpTimeoutMs: DEADLINE_MS,
    deliver: (c) => {
      const send = deferred();
      sends.set(c.id, send);
      return send.promise;
    },
    release: async (claims) => {
      released.push(claims.map((c) => c.id));
      return claims.length;
    },
    onRoom: () => (roomSignals += 1),
    onReleased: () => (releasedSignals += 1),
    now: () => clock.now,
    logger: silentLogger,
  });
  const finish = async (id: string) => {
    sends.get(id)!.resolve();
    await new Promise((resolve) => setImmediate(resolve)); // lets the pool's `finally` run
  };
  return { pool, clock, sends, released, finish, signals: () => ({ room: roomSignals, released: releasedSignals }) };
}

const claimAll = (pool: SendPool, claims: ClaimedExport[]) => pool.claimWithin(claims.length, async () => ({ claimed: claims }));

describe('the send pool', () => {
  it('sends at most `concurrency` at a time and starts the next queued claim when a send finishes', async () => {
    const { pool, sends, finish } = harness(2);
    await claimAll(pool, [claim(1), claim(2), claim(3)]);
    expect([...sends.keys()]).toEqual(['export-1', 'export-2']);
    expect({ sending: pool.sending, queued: pool.queued }).toEqual({ sending: 2, queued: 1 });
    await finish('export-1');
    expect([...sends.keys()]).toEqual(['export-1', 'export-2', 'export-3']);
    expect({ sending: pool.sending, queued: pool.queued }).toEqual({ sending: 2, queued: 0 });
  });

  it('offers as room the free slots and the queue a cold instance may hold, less what a claim in progress holds', async () => {
    const { pool } = harness(4);
    expect(pool.room()).toBe(4 + 4); // no send rate yet: one concurrency's worth of queue
    const held = deferred<{ claimed: ClaimedExport[] }>();
    const inProgress = pool.claimWithin(3, () => held.promise);
    expect(pool.room()).toBe(5);
    held.resolve({ claimed: [claim(1)] });
    await inProgress;
    expect(pool.room()).toBe(7); // the unused room is returned; the claim sends
  });

  it('releases, unsent, claims that waited longer than their lease allows when they reach a free slot', async () => {
    const { pool, clock, sends, released, finish, signals } = harness(1);
    await claimAll(pool, [claim(1), claim(2, 200), claim(3)]);
    clock.now += maxQueueWaitMs(200) + 1; // too long for the claim whose connection has a 200 ms deadline only
    await finish('export-1');
    expect([...sends.keys()]).toEqual(['export-1', 'export-3']);
    expect(released).toEqual([['export-2']]);
    expect(signals().released).toBe(1);
  });

  it('keeps a claim that waited exactly as long as its lease allows', async () => {
    const { pool, clock, sends, released, finish } = harness(1);
    await claimAll(pool, [claim(1), claim(2)]);
    clock.now += maxQueueWaitMs(DEADLINE_MS);
    await finish('export-1');
    expect([...sends.keys()]).toEqual(['export-1', 'export-2']);
    expect(released).toEqual([]);
  });

  it('never holds more than MAX_READY_QUEUE claims waiting, however fast it sends', async () => {
    const { pool, clock, finish } = harness(1);
    // A fast instance: thousands of sends a second would size the queue at thousands for a 1 s deadline.
    for (let n = 0; n < 2_000; n += 1) {
      await claimAll(pool, [claim(n)]);
      clock.now += 0.1;
      await finish(`export-${n}`);
    }
    clock.now += 60;
    expect(pool.room()).toBe(1 + MAX_READY_QUEUE);
  });

  it('once closed, starts nothing and hands back the queued claims, then the unfinished ones', async () => {
    const { pool, sends, finish } = harness(1);
    await claimAll(pool, [claim(1), claim(2), claim(3)]);
    expect(pool.close().map((c) => c.id)).toEqual(['export-2', 'export-3']);
    await claimAll(pool, [claim(4)]); // a round that was still running when the pool closed
    await finish('export-1');
    expect([...sends.keys()]).toEqual(['export-1']);
    await pool.finishSends(0);
    expect(pool.unfinished().map((c) => c.id)).toEqual(['export-4']);
  });

  it('hands back a send still in flight when the grace period ends', async () => {
    const { pool } = harness(1);
    await claimAll(pool, [claim(1)]);
    pool.close();
    await pool.finishSends(1);
    expect(pool.unfinished().map((c) => c.id)).toEqual(['export-1']);
  });

  it('queues the claims of a round that returned more than its room before reporting the broken invariant', async () => {
    const { pool, sends } = harness(1);
    await expect(pool.claimWithin(1, async () => ({ claimed: [claim(1), claim(2)] }))).rejects.toThrow(/invariant/);
    expect({ sent: [...sends.keys()], queued: pool.queued }).toEqual({ sent: ['export-1'], queued: 1 });
  });
});
