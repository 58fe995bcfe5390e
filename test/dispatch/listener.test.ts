/**
 * The listening session must prove it is alive: a connection that goes silent without closing is detected by
 * the heartbeat, replaced, and the dispatcher is woken to drain what it missed.
 */
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISPATCH_CHANNEL } from '../../src/db/notify-channels';
import { Listener } from '../../src/dispatch/listener';
import { silentLogger } from '../../src/logger';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { waitFor } from '../support/wait';

let db: TestDatabase;
let proxy: TcpProxy;

beforeAll(async () => {
  db = await createTestDatabase();
  proxy = await startTcpProxy(Number(new URL(db.url).port));
});
afterAll(async () => {
  await proxy?.close();
  await db?.drop();
});

async function notify(): Promise<void> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  await client.query(`select pg_notify('${DISPATCH_CHANNEL}', '')`);
  await client.end();
}

describe('the listener', () => {
  it('detects a silent connection by its heartbeat, reconnects and wakes the dispatcher', async () => {
    const url = new URL(db.url);
    url.port = String(proxy.port);
    let wakes = 0;
    const listener = new Listener({ databaseUrl: url.toString(), logger: silentLogger, channel: DISPATCH_CHANNEL, onWake: () => (wakes += 1), heartbeatIntervalMs: 200, heartbeatTimeoutMs: 300 });
    await listener.start();
    try {
      expect(listener.connected).toBe(true);
      expect(wakes).toBe(1); // the drain after connecting
      await notify();
      await waitFor(() => wakes === 2, { what: 'a notification' });

      proxy.blackhole();
      await waitFor(() => !listener.connected, { what: 'the heartbeat to notice the silent connection', timeoutMs: 3_000 });
      await waitFor(() => listener.connected, { what: 'a new listening connection', timeoutMs: 5_000 });
      expect(proxy.connections).toBe(2);
      const afterReconnect = wakes;
      expect(afterReconnect).toBeGreaterThanOrEqual(3); // woken to drain after the reconnect
      await notify();
      await waitFor(() => wakes > afterReconnect, { what: 'notifications on the new connection' });
    } finally {
      await listener.stop();
    }
  });
});
