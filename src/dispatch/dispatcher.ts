/**
 * The dispatcher of one instance: outbox -> exports -> claimed sends -> settled attempts, as two loops that
 * share the room for claimed exports but never wait for each other.
 *
 * - The recording loop drains the outbox into exports promptly, up to RECORD_BATCH changes a round (a change is
 *   matched against the jobs as they are when it is recorded, so it must not wait behind a backlog). It claims
 *   as many of the new exports as there is room for (they are written once, already SENDING with a lease,
 *   instead of PENDING and then claimed); the rest wait PENDING.
 * - NOTIFY is only a hint (see listener.ts): the loop also wakes on a safety poll. While rounds come back full
 *   (a burst), it lowers `dispatch_wakeup.idle`, sparing writers a NOTIFY per transaction; once a round drains
 *   the outbox it raises the flag again and looks once more, so a change committed in between is not left for
 *   the poll. A round that was not full leaves the flag alone: a change committed meanwhile has notified, and the
 *   notice is kept for the next wait (wake-signal.ts).
 * - The sending loop claims exports waiting in the database (PENDING: more exports than the recording claimed,
 *   released or retried ones; RETRY_SCHEDULED when the sweeper asks), oldest first.
 * - Claimed exports wait in the `ready` queue for a send slot, as many as this instance sends in half an attempt
 *   deadline (at least one concurrency's worth, at most RECORD_BATCH): a deep queue lets a burst be claimed in
 *   large rounds, and a bounded wait keeps every queued export well inside its lease. Sends start from the queue
 *   whenever a slot is free, at most `concurrency` at a time; results are settled in batches by one flusher.
 *
 * No exception escapes a loop: a failed round is logged and retried after a pause.
 */
import { prepared, type SqlRunner } from '../db/sql-runner';
import type { RetryPolicy } from '../config';
import { secretContext, type SecretBox } from '../auth/secret-box';
import type { Logger } from '../logger';
import { STATUS_CHANGE_NOTICE } from './listener';
import type { ConnectionTarget, OutboundRequest, Sender, SendOutcome } from './sender';
import { claimExports, LEASE_MARGIN_MS, type ClaimedExport } from './sql/claim-exports';
import { recordExports } from './sql/record-exports';
import { RateMeter } from './rate-meter';
import { releaseLeases } from './sql/reclaim-expired';
import { settleAttempts, type AttemptResult, type SettledExport } from './sql/settle-attempts';
import { WakeSignal } from './wake-signal';

/** Outbox rows recorded per round, at most; also the most claimed exports queued for a send slot. */
export const RECORD_BATCH = 500;
/**
 * Wake-up without a notification: bounds the delay of a missed NOTIFY (a writer that saw a busy dispatcher and
 * committed just after it went idle) and picks up work of other instances. An idle poll costs two small queries.
 */
export const SAFETY_POLL_MS = 250;
/**
 * Results are settled once this many have gathered, or this long after the first of them: one statement (and one
 * feed notice) per batch instead of per send. The delay is time after the partner has the request.
 */
export const SETTLE_BATCH = 64;
export const SETTLE_DELAY_MS = 5;
/** The most results one settle statement takes (its stale-attempt check grows with the square of the batch). */
export const SETTLE_MAX_BATCH = 500;
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
  /** Default SAFETY_POLL_MS; a test lengthens it to prove a wake-up does not depend on it. */
  safetyPollMs?: number;
}

export class Dispatcher {
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly recordSignal = new WakeSignal();
  private readonly sendSignal = new WakeSignal();
  private readonly inFlight = new Map<Promise<void>, ClaimedExport>();
  /** Claimed exports waiting for a send slot, oldest first, with when they were queued (`performance.now()`). */
  private readonly ready: { claim: ClaimedExport; queuedAt: number }[] = [];
  private readonly sendRate = new RateMeter();
  /** Room promised to a claim in progress (both loops claim), so that together they never claim too much. */
  private reserved = 0;
  /** Exports may be waiting PENDING in the database (recorded beyond the room, released, retried by an operator). */
  private pendingMayExist = true;
  /** Exports are known to be waiting in the database: new ones must not overtake them (oldest first). */
  private backlogWaiting = false;
  /** Bumped by each sweeper tick: claim due retries too, until a claim started after the last tick finds none. */
  private retryRequests = 0;
  private retriesDue = false;
  private readonly results: AttemptResult[] = [];
  private flushing: Promise<void> | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  /**
   * This instance lowered `dispatch_wakeup.idle` (writers stopped notifying) and must raise it again. True at
   * start: an instance that stopped abruptly may have left it lowered.
   */
  private markedBusy = true;
  /** Overdue claims being given back; stop() waits for them. */
  private readonly givingBack = new Set<Promise<void>>();

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

  /**
   * A hint that there may be work: a status change wakes the recording loop only; exports due now
   * (EXPORTS_DUE_NOTICE), a reconnect (no notice) or anything else end both loops' waits early.
   */
  wake(notice?: string): void {
    this.recordSignal.wake();
    if (notice === STATUS_CHANGE_NOTICE) return;
    this.pendingMayExist = true;
    this.sendSignal.wake();
  }

  private get safetyPollMs(): number {
    return this.options.safetyPollMs ?? SAFETY_POLL_MS;
  }

  /** How many claimed exports may wait for a slot: what this instance sends in half an attempt deadline. */
  private queueLimit(): number {
    const sentInHalfADeadline = Math.round((this.sendRate.perSecond() * this.options.httpTimeoutMs) / 2_000);
    return Math.min(RECORD_BATCH, Math.max(this.options.concurrency, sentInHalfADeadline));
  }

  /** How many more exports this instance may claim now: its free send slots and the room left in its queue. */
  private claimRoom(): number {
    return Math.max(0, this.options.concurrency + this.queueLimit() - this.inFlight.size - this.ready.length - this.reserved);
  }

  /**
   * Holds `room` while `claim` runs, so the other loop cannot claim it too, and queues what it claimed before
   * giving the room back.
   */
  private async claimWithin<T extends { claimed: ClaimedExport[] }>(room: number, claim: () => Promise<T>): Promise<T> {
    this.reserved += room;
    try {
      const result = await claim();
      this.enqueue(result.claimed);
      return result;
    } finally {
      this.reserved -= room;
      // room given back: the sending loop may have found none while this claim held it
      if (this.pendingMayExist || this.retriesDue) this.sendSignal.wake();
    }
  }

  /**
   * Stops claiming, gives the queued exports back at once (due again, for another instance), lets in-flight
   * sends finish for up to `graceMs` and records them, then gives back the unfinished ones too.
   */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await Promise.all(this.loops);
    await this.release(this.ready.splice(0, this.ready.length).map((entry) => entry.claim));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.inFlight.keys()), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    while (this.flushing || this.results.length > 0) await (this.flushing ?? this.flush());
    await this.release([...this.inFlight.values()]);
    await Promise.all(this.givingBack);
    // Writers notify again, for the other instances; a flag left "busy" would leave them to their safety poll.
    await this.setIdle(true).catch(() => {});
  }

  private async release(claims: ClaimedExport[]): Promise<void> {
    if (claims.length === 0) return;
    const released = await releaseLeases(this.sql, claims).catch((error) => {
      this.logger.error('could not release unfinished exports; they are reclaimed when their lease ends', { error });
      return 0;
    });
    this.logger.warn('released exports claimed but not sent or not finished at shutdown', { released });
  }

  private async recordLoop(): Promise<void> {
    while (this.running) {
      try {
        const changes = await this.record();
        if (changes >= RECORD_BATCH) {
          // a burst: more is waiting, and writers need not notify meanwhile (again each round: another
          // instance's safety poll may have raised the flag)
          this.markedBusy = true; // before the update: it may commit and still report an error
          await this.setIdle(false);
          continue;
        }
        if (this.markedBusy) {
          await this.setIdle(true);
          this.markedBusy = false;
          continue; // look once more: a change committed while writers saw the flag lowered sent no notice
        }
        // Unwoken, raise the flag anyway: an instance that lowered it may have died before raising it again.
        if (!(await this.recordSignal.sleep(this.safetyPollMs))) await this.setIdle(true);
      } catch (error) {
        this.logger.error('recording exports failed; retrying', { error });
        await this.recordSignal.sleep(ERROR_PAUSE_MS);
      }
    }
  }

  /** One recording round; returns how many outbox rows it processed (RECORD_BATCH: there may be more). */
  private async record(): Promise<number> {
    if (!this.running) return 0;
    // New exports are claimed at once only when none are waiting before them.
    const room = this.backlogWaiting || this.retriesDue ? 0 : this.claimRoom();
    const recorded = await this.claimWithin(room, () => recordExports(this.sql, RECORD_BATCH, { claim: room, defaultTimeoutMs: this.options.httpTimeoutMs }));
    if (recorded.exports > recorded.claimed.length) {
      this.pendingMayExist = true; // more exports than room: they wait as PENDING
      this.backlogWaiting = true;
      this.sendSignal.wake();
    }
    return recorded.changes;
  }

  private async sendLoop(): Promise<void> {
    while (this.running) {
      try {
        const room = this.claimRoom();
        const retries = this.retriesDue;
        if (room > 0 && (this.pendingMayExist || retries)) {
          const request = this.retryRequests;
          const states: ('PENDING' | 'RETRY_SCHEDULED')[] = retries ? ['PENDING', 'RETRY_SCHEDULED'] : ['PENDING'];
          this.pendingMayExist = false;
          const { claimed } = await this.claimWithin(room, async () => ({
            claimed: await claimExports(this.sql, { states, limit: room, defaultTimeoutMs: this.options.httpTimeoutMs }),
          }));
          if (claimed.length === room) this.pendingMayExist = this.backlogWaiting = true; // maybe more
          // None left, unless exports were recorded PENDING (or released) while the claim ran: its snapshot may
          // have missed them, and the flag raised meanwhile must survive, or they would wait for the safety poll.
          else if (!this.pendingMayExist) this.backlogWaiting = false;
          // Nothing more is due, unless a sweeper tick asked again meanwhile.
          if (retries && claimed.length < room && request === this.retryRequests) this.retriesDue = false;
          if (claimed.length > 0) continue;
        }
        // New exports, a notification or (while exports wait) a finished send end the wait; a poll that ends
        // unwoken also looks for PENDING exports other instances left (released at their shutdown).
        if (!(await this.sendSignal.sleep(this.safetyPollMs))) this.pendingMayExist = true;
      } catch (error) {
        this.pendingMayExist = true;
        this.logger.error('claiming exports failed; retrying', { error });
        await this.sendSignal.sleep(ERROR_PAUSE_MS);
      }
    }
  }

  private enqueue(claims: ClaimedExport[]): void {
    const queuedAt = performance.now();
    for (const claim of claims) this.ready.push({ claim, queuedAt });
    this.startSends();
  }

  /**
   * Starts queued sends while a slot is free (none once stopping: the queue is released instead). An export
   * whose lease has less left than an attempt needs (its deadline twice, a token fetch and the request, and half
   * the margin to record the outcome) is given back rather than sent on a lease that might end mid-send: the
   * queue is sized for half a default deadline of sending, but a partner can slow down meanwhile, and a
   * connection can have a shorter deadline of its own.
   */
  private startSends(): void {
    if (!this.running) return;
    const overdue: ClaimedExport[] = [];
    while (this.ready.length > 0 && this.inFlight.size < this.options.concurrency) {
      const { claim, queuedAt } = this.ready.shift()!;
      if (performance.now() - queuedAt > (claim.connection.timeoutMs ?? this.options.httpTimeoutMs) + LEASE_MARGIN_MS / 2) overdue.push(claim);
      else this.startSend(claim);
    }
    if (overdue.length > 0) this.giveBack(overdue);
  }

  private giveBack(claims: ClaimedExport[]): void {
    this.pendingMayExist = true;
    this.logger.warn('gave back exports that waited longer than their lease allows for a send slot', { exports: claims.length });
    const givingBack: Promise<void> = releaseLeases(this.sql, claims)
      .then(
        () => this.sendSignal.wake(),
        (error) => this.logger.error('could not give back exports that waited too long; they are reclaimed when their lease ends', { error }),
      )
      .finally(() => this.givingBack.delete(givingBack));
    this.givingBack.add(givingBack);
  }

  private startSend(claim: ClaimedExport): void {
    const send = this.deliver(claim).finally(() => {
      this.inFlight.delete(send);
      this.sendRate.tick();
      this.startSends(); // a slot is free
      if (this.pendingMayExist || this.retriesDue) this.sendSignal.wake();
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

  /** Settles at once when a batch is full (or when stopping), otherwise shortly, with what gathers meanwhile. */
  private scheduleFlush(): void {
    if (this.flushing) return; // the running flush takes what gathers meanwhile
    if (this.results.length >= SETTLE_BATCH || !this.running) return this.flushNow();
    this.flushTimer ??= setTimeout(() => this.flushNow(), SETTLE_DELAY_MS);
  }

  private flushNow(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.flushing || this.results.length === 0) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      if (this.results.length > 0) this.scheduleFlush();
    });
  }

  /** Settles every result gathered so far; results that arrive meanwhile form the next batch. */
  private async flush(): Promise<void> {
    while (this.results.length > 0) {
      const batch = this.results.splice(0, SETTLE_MAX_BATCH);
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
  const failed = outcome.kind === 'failed';
  return {
    exportId: claim.id,
    leaseToken: claim.leaseToken,
    attempt: claim.attempt,
    startedAt,
    finishedAt: new Date(),
    durationMs: outcome.durationMs,
    succeeded: outcome.kind === 'delivered',
    httpStatus: failed ? null : outcome.httpStatus,
    excerpt: failed ? null : outcome.excerpt,
    errorClass: failed ? outcome.errorClass : outcome.kind === 'rejected' ? 'HTTP_STATUS' : null,
    error: failed ? outcome.error : outcome.kind === 'rejected' ? `partner answered ${outcome.httpStatus}` : null,
  };
}
