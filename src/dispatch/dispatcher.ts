/**
 * The dispatcher of one instance: outbox -> exports -> claimed sends -> settled attempts, as two loops that never
 * wait for each other.
 *
 * - The recording loop drains the outbox into exports. NOTIFY is only a hint (see listener.ts): the loop also
 *   wakes on a safety poll. Before sleeping it raises `dispatch_wakeup.idle` so writers notify again, then looks
 *   once more, so a change committed in between is not left for the poll.
 * - The sending loop claims due exports whenever a send slot is free (at most `concurrency` in flight), so a
 *   long backlog being recorded never starves delivery. Results are settled in batches by one flusher.
 *
 * No exception escapes a loop: a failed round is logged and retried after a pause.
 */
import { prepared, type SqlRunner } from '../db/sql-runner';
import type { RetryPolicy } from '../config';
import { secretContext, type SecretBox } from '../auth/secret-box';
import type { Logger } from '../logger';
import type { ConnectionTarget, OutboundRequest, Sender, SendOutcome } from './sender';
import { claimExports, type ClaimedExport } from './sql/claim-exports';
import { recordExports } from './sql/record-exports';
import { releaseLeases } from './sql/reclaim-expired';
import { settleAttempts, type AttemptResult, type SettledExport } from './sql/settle-attempts';
import { WakeSignal } from './wake-signal';

/** Outbox rows recorded per transaction. */
export const RECORD_BATCH = 500;
/**
 * Wake-up without a notification: bounds the delay of a missed NOTIFY (a writer that saw a busy dispatcher and
 * committed just after it went idle) and picks up work of other instances. An idle poll costs two small queries.
 */
export const SAFETY_POLL_MS = 250;
/** A settle that fails (a dropped connection) is tried again before its exports are left to lease expiry. */
export const SETTLE_TRIES = 3;
const SETTLE_RETRY_PAUSE_MS = 200;
/** Pause after a failed round (database down, ...), so an outage does not spin a loop. */
export const ERROR_PAUSE_MS = 1_000;

const SET_IDLE = prepared('jobout_set_idle', 'update dispatch_wakeup set idle = $1 where id = 1 and idle is distinct from $1');

export interface DispatcherOptions {
  concurrency: number;
  httpTimeoutMs: number;
  retry: RetryPolicy;
}

export class Dispatcher {
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly recordSignal = new WakeSignal();
  private readonly sendSignal = new WakeSignal();
  private readonly inFlight = new Map<Promise<void>, ClaimedExport>();
  /** Send slots promised to a claim in progress (both loops claim), so the two never exceed `concurrency` together. */
  private reserved = 0;
  /** Bumped by each sweeper tick: claim due retries too, until a claim started after the last tick finds none. */
  private retryRequests = 0;
  private retriesDue = false;
  private readonly results: AttemptResult[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly sql: SqlRunner,
    private readonly sender: Sender,
    private readonly secrets: SecretBox,
    private readonly options: DispatcherOptions,
    private readonly logger: Logger,
    private readonly onSettled: (settled: SettledExport[]) => void = () => {},
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = [this.recordLoop(), this.sendLoop()];
  }

  /** Called by the sweeper: due retries are sent through the same bounded send path as first attempts. */
  sendDueRetries(): void {
    this.retryRequests += 1;
    this.retriesDue = true;
    this.sendSignal.wake();
  }

  /** A hint that there may be work (a notification, a reconnect): ends both loops' waits early. */
  wake(): void {
    this.recordSignal.wake();
    this.sendSignal.wake();
  }

  private freeSlots(): number {
    return Math.max(0, this.options.concurrency - this.inFlight.size - this.reserved);
  }

  /** Holds `slots` while `claim` runs, so the other loop cannot claim them too; its sends then take them over. */
  private async withReservedSlots<T>(slots: number, claim: () => Promise<T>): Promise<T> {
    this.reserved += slots;
    try {
      return await claim();
    } finally {
      this.reserved -= slots;
    }
  }

  get activeSends(): number {
    return this.inFlight.size;
  }

  /**
   * Stops claiming, lets in-flight sends finish for up to `graceMs` and records them, then gives the
   * unfinished ones back (due at once, for another instance).
   */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await Promise.all(this.loops);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.inFlight.keys()), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    while (this.flushing || this.results.length > 0) await (this.flushing ?? this.flush());
    const unfinished = [...this.inFlight.values()];
    if (unfinished.length > 0) {
      const released = await releaseLeases(this.sql, unfinished).catch((error) => {
        this.logger.error('could not release unfinished exports; they are reclaimed when their lease ends', { error });
        return 0;
      });
      this.logger.warn('released exports still in flight at shutdown', { released });
    }
    // Writers notify again, for the other instances; a flag left "busy" would leave them to their safety poll.
    await this.setIdle(true).catch(() => {});
  }

  private async recordLoop(): Promise<void> {
    while (this.running) {
      try {
        if (await this.record()) {
          await this.setIdle(false); // busy: writers need not notify meanwhile
          continue;
        }
        await this.setIdle(true);
        if (await this.record()) continue; // a change committed before writers saw the flag
        await this.recordSignal.sleep(SAFETY_POLL_MS);
      } catch (error) {
        this.logger.error('recording exports failed; retrying', { error });
        await this.recordSignal.sleep(ERROR_PAUSE_MS);
      }
    }
  }

  /** One recording round; true when it processed outbox rows (so the loop goes on without waiting). */
  private async record(): Promise<boolean> {
    const free = this.running ? this.freeSlots() : 0;
    const recorded = await this.withReservedSlots(free, () => recordExports(this.sql, RECORD_BATCH, { claim: free, defaultTimeoutMs: this.options.httpTimeoutMs }));
    for (const claim of recorded.claimed) this.startSend(claim);
    if (recorded.exports > recorded.claimed.length) this.sendSignal.wake(); // the rest wait as PENDING
    return recorded.changes > 0;
  }

  private async sendLoop(): Promise<void> {
    while (this.running) {
      try {
        const free = this.freeSlots();
        if (free > 0) {
          const retries = this.retriesDue;
          const request = this.retryRequests;
          const states: ('PENDING' | 'RETRY_SCHEDULED')[] = retries ? ['PENDING', 'RETRY_SCHEDULED'] : ['PENDING'];
          const claimed = await this.withReservedSlots(free, () => claimExports(this.sql, { states, limit: free, defaultTimeoutMs: this.options.httpTimeoutMs }));
          // Nothing more is due, unless a sweeper tick asked again meanwhile.
          if (retries && claimed.length < free && request === this.retryRequests) this.retriesDue = false;
          for (const claim of claimed) this.startSend(claim);
          if (claimed.length > 0 && this.inFlight.size < this.options.concurrency) continue;
        }
        await this.sendSignal.sleep(SAFETY_POLL_MS); // a finished send, new exports or a notification ends it
      } catch (error) {
        this.logger.error('claiming exports failed; retrying', { error });
        await this.sendSignal.sleep(ERROR_PAUSE_MS);
      }
    }
  }

  private startSend(claim: ClaimedExport): void {
    const send = this.deliver(claim).finally(() => {
      this.inFlight.delete(send);
      this.sendSignal.wake(); // a slot is free
    });
    this.inFlight.set(send, claim);
  }

  private async deliver(claim: ClaimedExport): Promise<void> {
    const startedAt = new Date();
    let outcome: SendOutcome;
    try {
      outcome = await this.sender.send(this.request(claim));
    } catch (error) {
      // The sender reports failures as outcomes; anything thrown here is a bug, recorded like a failure.
      outcome = { kind: 'failed', errorClass: 'OTHER', error: error instanceof Error ? error.message : String(error), durationMs: Date.now() - startedAt.getTime() };
    }
    this.results.push(attemptResult(claim, startedAt, outcome));
    this.scheduleFlush();
  }

  private request(claim: ClaimedExport): OutboundRequest {
    return {
      exportId: claim.id,
      attempt: claim.attempt,
      method: claim.httpMethod,
      connection: this.target(claim.connection),
      path: claim.path,
      queryParams: claim.queryParams,
      body: claim.payload,
    };
  }

  private target(connection: ClaimedExport['connection']): ConnectionTarget {
    const open = (sealed: string | null, field: 'clientSecret' | 'password') => (sealed ? this.secrets.open(sealed, secretContext(connection.id, field)) : null);
    return {
      id: connection.id,
      baseUrl: connection.baseUrl,
      headers: connection.headers,
      timeoutMs: connection.timeoutMs,
      auth: {
        type: connection.authType,
        tokenUrl: connection.tokenUrl,
        clientId: connection.clientId,
        clientSecret: open(connection.clientSecretEnc, 'clientSecret'),
        username: connection.username,
        password: open(connection.passwordEnc, 'password'),
        scope: connection.scope,
      },
    };
  }

  private scheduleFlush(): void {
    if (this.flushing) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      if (this.results.length > 0) this.scheduleFlush();
    });
  }

  /** Settles every result gathered so far; results that arrive meanwhile form the next batch. */
  private async flush(): Promise<void> {
    while (this.results.length > 0) {
      const batch = this.results.splice(0, this.results.length);
      for (let tries = 1; ; tries += 1) {
        try {
          this.onSettled(await settleAttempts(this.sql, batch, this.options.retry));
          break;
        } catch (error) {
          if (tries >= SETTLE_TRIES) {
            // The leases of this batch expire and the sweeper resends: at-least-once, never lost.
            this.logger.error('could not record attempt results; their exports will be reclaimed after the lease', { error, exports: batch.map((r) => r.exportId) });
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, SETTLE_RETRY_PAUSE_MS * tries));
        }
      }
    }
  }

  /** Not cached: the flag is shared by every instance, and another one may have changed it. */
  private async setIdle(idle: boolean): Promise<void> {
    await this.sql.query(SET_IDLE, [idle]);
  }


}

function attemptResult(claim: ClaimedExport, startedAt: Date, outcome: SendOutcome): AttemptResult {
  const base = { exportId: claim.id, leaseToken: claim.leaseToken, attempt: claim.attempt, startedAt, finishedAt: new Date(), durationMs: outcome.durationMs };
  switch (outcome.kind) {
    case 'delivered':
      return { ...base, succeeded: true, httpStatus: outcome.httpStatus, excerpt: outcome.excerpt, errorClass: null, error: null };
    case 'rejected':
      return { ...base, succeeded: false, httpStatus: outcome.httpStatus, excerpt: outcome.excerpt, errorClass: 'HTTP_STATUS', error: `partner answered ${outcome.httpStatus}` };
    case 'failed':
      return { ...base, succeeded: false, httpStatus: null, excerpt: null, errorClass: outcome.errorClass, error: outcome.error };
  }
}
