/**
 * LISTEN on a dedicated connection (not from the pool, which closes idle clients): status changes for the
 * dispatcher (DISPATCH_CHANNEL), and attempt results for the result feed (results-feed.ts, its own Listener and
 * channel); the channels are in db/notify-channels.ts.
 *
 * A notification is only a latency hint: it can be missed while this connection is down or being replaced, so
 * the outbox is the truth and the dispatcher drains it at start, after every (re)connect and on a safety poll.
 * A LISTEN session can also die silently (a NAT or proxy dropping it without FIN/RST), so the listener proves it
 * is alive: TCP keep-alive plus a heartbeat that asks the server for `pg_listening_channels()` with a short
 * deadline. Any failure closes the client and reconnects with capped, jittered backoff; `connected` feeds /readyz.
 */
import pRetry from 'p-retry';
import { Client } from 'pg';
import type { Logger } from '../logger';

/** How often the listening session must prove it is alive. */
export const HEARTBEAT_INTERVAL_MS = 10_000;
/** Connecting and LISTEN must finish within this, or the attempt is retried. */
export const CONNECT_TIMEOUT_MS = 5_000;
/** A heartbeat slower than this counts as a dead session. */
export const HEARTBEAT_TIMEOUT_MS = 5_000;
/** Reconnect backoff: 100 ms doubling to 5 s, with jitter so instances do not reconnect in lockstep. */
const RECONNECT = { minTimeout: 100, maxTimeout: 5_000, factor: 2, randomize: true, retries: Infinity } as const;

export interface ListenerOptions {
  databaseUrl: string;
  logger: Logger;
  /** A constant from db/notify-channels.ts, never input: LISTEN takes no parameters. */
  channel: string;
  /** Names the session in pg_stat_activity, so each listener can be told apart. Default `jobout-listener`. */
  applicationName?: string;
  /** Called on every notification, with its payload, and after every (re)connect, without one. */
  onWake?: (payload?: string) => void;
  /** Called with the payload of every notification. */
  onNotification?: (payload: string) => void;
  heartbeatIntervalMs?: number;
  heartbeatTimeoutMs?: number;
}

export class Listener {
  private client: Client | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private stopped = false;
  private reconnecting: Promise<void> | undefined;
  private abort = new AbortController();
  connected = false;

  constructor(private readonly options: ListenerOptions) {}

  private get channel(): string {
    return this.options.channel;
  }

  async start(): Promise<void> {
    await this.connectWithRetry();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    clearInterval(this.heartbeat);
    await this.reconnecting?.catch(() => {});
    await this.closeClient();
  }

  private connectWithRetry(): Promise<void> {
    return pRetry(() => this.connect(), {
      ...RECONNECT,
      signal: this.abort.signal,
      onFailedAttempt: ({ error, attemptNumber }) => {
        if (!this.stopped) this.options.logger.warn('listener could not connect; retrying', { attempt: attemptNumber, error });
      },
    });
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.options.databaseUrl,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      // A server that drops packets silently must not stall a reconnect forever.
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: CONNECT_TIMEOUT_MS,
      application_name: this.options.applicationName ?? 'jobout-listener',
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    client.on('notification', (message) => {
      if (message.channel !== this.channel) return;
      const payload = message.payload ?? '';
      this.options.onNotification?.(payload);
      this.options.onWake?.(payload);
    });
    try {
      await client.connect();
      await client.query(`listen ${this.channel}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      throw error;
    }
    if (this.stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.connected = true;
    this.heartbeat = setInterval(() => void this.checkAlive(client), this.options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS);
    this.options.onWake?.(); // whatever committed while we were not listening
  }

  private async checkAlive(client: Client): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('heartbeat timed out')), this.options.heartbeatTimeoutMs ?? HEARTBEAT_TIMEOUT_MS);
      });
      const result = await Promise.race([client.query('select pg_listening_channels() as channel'), timeout]);
      if (!result.rows.some((row: { channel: string }) => row.channel === this.channel)) throw new Error('not listening any more');
    } catch (error) {
      this.lost(client, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Drops a dead client (once) and starts reconnecting. */
  private lost(client: Client, error: unknown): void {
    if (this.client !== client || this.stopped) return;
    this.options.logger.warn('listener connection lost; reconnecting', { error });
    this.connected = false;
    this.client = undefined;
    clearInterval(this.heartbeat);
    client.removeAllListeners('end');
    // A silently dead socket would make end() wait forever: destroy it.
    (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    void client.end().catch(() => {});
    this.reconnecting = this.connectWithRetry()
      .catch((reason) => {
        if (!this.stopped) this.options.logger.error('listener gave up reconnecting', { error: reason });
      })
      .finally(() => (this.reconnecting = undefined));
  }

  private async closeClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
    }
  }
}
