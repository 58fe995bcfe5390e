/**
 * The dispatcher of one instance: outbox -> exports -> claimed sends -> settled attempts. It is made of parts,
 * each with its states named in its own module:
 *
 * - the recording loop (a `Loop` over `recordRound`) drains the outbox into exports promptly, up to RECORD_BATCH
 *   changes a round (a change is matched against the jobs as they are when it is recorded, so it must not wait
 *   behind a backlog), and claims as many of the new exports as the send pool has room for (recorder.ts);
 *   while its rounds come back full it keeps the idle flag lowered (idle-flag.ts);
 * - the sending loop (a `Loop` over `claimRound`) claims exports waiting in the database, oldest first, when
 *   there may be some (waiting-exports.ts);
 * - the send pool (send-pool.ts) queues claimed exports for a send slot and sends them, at most `concurrency`
 *   at a time, releasing those that waited longer than their lease allows;
 * - the settle batcher (settle-batcher.ts) records attempt results in batches.
 *
 * The loops share the pool's room but never wait for each other. Their database steps are injected
 * (`DispatchSteps`), so a test can hold or fail one. NOTIFY is only a hint (listener.ts): both loops also wake on
 * a safety poll.
 */
import type { SecretBox } from '../auth/secret-box';
import type { RetryPolicy } from '../config';
import type { SqlRunner } from '../db/sql-runner';
import { EXPORTS_DUE_NOTICE, STATUS_CHANGE_NOTICE } from '../db/notify-channels';
import type { Logger } from '../logger';
import { outboundRequest, type ClaimedExport } from './claimed-export';
import { IdleFlag } from './idle-flag';
import { invariant } from './invariant';
import { Loop } from './loop';
import { recordExports, recordingSteps, type RecordedRound } from './recorder';
import { SendPool } from './send-pool';
import type { Sender, SendOutcome } from './sender';
import { SETTLE_TIMING, SettleBatcher } from './settle-batcher';
import { claimExports, type ClaimableState } from './sql/claim-exports';
import { releaseExports } from './sql/release-exports';
import { setIdleFlag } from './sql/set-idle-flag';
import { settleAttempts, type AttemptResult, type SettledExport } from './sql/settle-attempts';
import { WaitingExports } from './waiting-exports';

/** Outbox rows recorded per round, at most: a full round means more may be waiting. */
export const RECORD_BATCH = 500;
/**
 * Wake-up without a notification: bounds the delay of a missed NOTIFY (a writer that saw a busy dispatcher and
 * committed just after it went idle) and picks up work of other instances. An idle poll costs two small queries.
 */
export const SAFETY_POLL_MS = 250;
/** Pause after a failed round (database down, ...), so an outage does not spin a loop. */
export const ERROR_PAUSE_MS = 1_000;
/** How long a stop waits for in-flight sends before releasing them (CONTRACT §1: SIGTERM finishes or releases). */
export const SHUTDOWN_GRACE_MS = 10_000;

/** The dispatcher's statements, bound to a database and the configuration. */
export interface DispatchSteps {
  /** Records up to `limit` outbox rows, claiming up to `room` of the new exports for sending. */
  record(limit: number, room: number): Promise<RecordedRound>;
  claim(states: readonly ClaimableState[], limit: number): Promise<ClaimedExport[]>;
  settle(results: AttemptResult[]): Promise<SettledExport[]>;
  release(claims: ClaimedExport[]): Promise<number>;
  setIdleFlag(raised: boolean): Promise<void>;
}

export function dispatchSteps(sql: SqlRunner, options: { httpTimeoutMs: number; retry: RetryPolicy }): DispatchSteps {
  const recording = recordingSteps(sql);
  return {
    record: (limit, room) => recordExports(recording, limit, { claim: room, defaultTimeoutMs: options.httpTimeoutMs }),
    claim: (states, limit) => claimExports(sql, states, limit, options.httpTimeoutMs),
    settle: (results) => settleAttempts(sql, results, options.retry),
    release: (claims) => releaseExports(sql, claims),
    setIdleFlag: (raised) => setIdleFlag(sql, raised),
  };
}

export interface DispatcherOptions {
  concurrency: number;
  httpTimeoutMs: number;
  /** SAFETY_POLL_MS; a test lengthens it to prove a wake-up does not depend on it. */
  safetyPollMs: number;
}

export interface DispatcherDeps {
  steps: DispatchSteps;
  sender: Pick<Sender, 'send'>;
  secrets: SecretBox;
  logger: Logger;
  /** Every settled attempt: metrics and the result feed. */
  onSettled(settled: SettledExport[]): void;
}

/**
 * Starts and stops runs: each `start()` after a `stop()` begins a fresh run, its knowledge of the database (what
 * may be waiting, the idle flag) starting from "unknown" as at process start.
 */
export class Dispatcher {
  private run: DispatchRun | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly deps: DispatcherDeps,
    private readonly options: DispatcherOptions,
  ) {}

  start(): void {
    invariant(this.stopping === undefined, 'start() while the previous run is stopping: two runs would share the idle flag');
    this.run ??= new DispatchRun(this.deps, this.options);
  }

  /** See `DispatchRun.stop`. */
  async stop(graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
    const run = this.run;
    this.run = undefined;
    if (!run) return this.stopping;
    this.stopping = run.stop(graceMs).finally(() => (this.stopping = undefined));
    return this.stopping;
  }

  /** Called by the sweeper: due retries are sent through the same bounded send path as first attempts. */
  sendDueRetries(): void {
    this.run?.sendDueRetries();
  }

  /** A hint that there may be work (see `DispatchRun.wake`). */
  wake(notice?: string): void {
    this.run?.wake(notice);
  }
}

/** One run of the dispatcher, from start to stop: its parts and the rounds that join them. */
class DispatchRun {
  private readonly waiting = new WaitingExports();
  private readonly idleFlag: IdleFlag;
  private readonly pool: SendPool;
  private readonly settler: SettleBatcher;
  private readonly recording: Loop;
  private readonly sending: Loop;

  constructor(
    private readonly deps: DispatcherDeps,
    options: DispatcherOptions,
  ) {
    const { steps, logger } = deps;
    const timing = { pollMs: options.safetyPollMs, errorPauseMs: ERROR_PAUSE_MS };
    this.idleFlag = new IdleFlag(steps.setIdleFlag);
    this.settler = new SettleBatcher(steps.settle, deps.onSettled, SETTLE_TIMING, logger);
    this.pool = new SendPool({
      concurrency: options.concurrency,
      httpTimeoutMs: options.httpTimeoutMs,
      deliver: (claim) => this.deliver(claim),
      release: steps.release,
      onRoom: () => this.wakeSendingIfWanted(),
      onReleased: () => {
        this.waiting.mayBePending();
        this.sending.wake();
      },
      now: () => performance.now(),
      logger,
    });
    this.recording = new Loop('recording exports', { round: () => this.recordRound(), polled: () => this.idleFlag.raise(), failed: () => {} }, timing, logger);
    this.sending = new Loop('claiming exports', { round: () => this.claimRound(), polled: () => this.waiting.mayBePending(), failed: () => this.waiting.mayBePending() }, timing, logger);
    this.recording.start();
    this.sending.start();
  }

  sendDueRetries(): void {
    this.waiting.retriesDue();
    this.sending.wake();
  }

  /**
   * A status change wakes the recording loop only; exports due now (EXPORTS_DUE_NOTICE), a reconnect (no
   * notice) or anything else wake both loops.
   */
  wake(notice?: string): void {
    this.recording.wake();
    if (notice === STATUS_CHANGE_NOTICE) return;
    if (notice === EXPORTS_DUE_NOTICE) this.waiting.olderDue();
    else this.waiting.mayBePending();
    this.sending.wake();
  }

  /**
   * Stops claiming and releases the queued exports at once (due again, for another instance), lets in-flight
   * sends finish for up to `graceMs` and records them, then releases the unfinished ones too.
   */
  async stop(graceMs: number): Promise<void> {
    const queued = this.pool.close(); // nothing starts from now on
    this.settler.settleAtOnce();
    await Promise.all([this.recording.stop(), this.sending.stop()]);
    await this.releaseAtShutdown([...queued, ...this.pool.close()]); // and what a round still running queued
    await this.pool.finishSends(graceMs);
    await this.settler.drain();
    // Only now: a send that finished during the drain but could not be settled is left to lease expiry (an
    // attempt counted), as any settle that fails.
    await this.releaseAtShutdown(this.pool.unfinished());
    // Writers notify again, for the other instances; a flag left lowered would leave them to their safety poll.
    await this.idleFlag.raise().catch(() => {});
  }

  /** One recording round: 'more' while the outbox may hold more than a round takes. */
  private async recordRound(): Promise<'more' | 'done'> {
    // New exports are claimed at once only when none are waiting before them.
    const room = this.waiting.newMayGoFirst ? this.pool.room() : 0;
    const recorded = await this.pool.claimWithin(room, () => this.deps.steps.record(RECORD_BATCH, room));
    if (recorded.exports > recorded.claimed.length) {
      this.waiting.recordedBeyondRoom();
      this.sending.wake();
    }
    if (recorded.changes >= RECORD_BATCH) {
      // A burst: more is waiting, and writers need not notify meanwhile (lowered again each round: another
      // instance's safety poll may have raised it).
      await this.idleFlag.lower();
      return 'more';
    }
    if (this.idleFlag.state === 'LOWERED') {
      await this.idleFlag.raise();
      return 'more'; // look once more: a change committed while writers saw the flag lowered sent no notice
    }
    return 'done';
  }

  /** One claim of exports waiting in the database, when there may be some and there is room. */
  private async claimRound(): Promise<'more' | 'done'> {
    const room = this.pool.room();
    if (room === 0 || !this.waiting.claimWanted) return 'done';
    const ticket = this.waiting.startClaim();
    const { claimed } = await this.pool.claimWithin(room, async () => {
      const claimed = await this.deps.steps.claim(ticket.states, room);
      // Before the room is returned, whose wake-up asks whether a claim is still wanted.
      this.waiting.endClaim(ticket, claimed.length, room);
      return { claimed };
    });
    return claimed.length > 0 ? 'more' : 'done';
  }

  private wakeSendingIfWanted(): void {
    if (this.waiting.claimWanted) this.sending.wake();
  }

  private async deliver(claim: ClaimedExport): Promise<void> {
    const startedAt = new Date();
    let outcome: SendOutcome;
    try {
      outcome = await this.deps.sender.send(outboundRequest(claim, this.deps.secrets));
    } catch (error) {
      // The sender reports failures as outcomes; anything thrown here is a bug, recorded like a failure.
      outcome = { kind: 'failed', errorClass: 'OTHER', error: error instanceof Error ? error.message : String(error), durationMs: Date.now() - startedAt.getTime() };
    }
    this.settler.add(attemptResult(claim, startedAt, outcome));
  }

  private async releaseAtShutdown(claims: ClaimedExport[]): Promise<void> {
    if (claims.length === 0) return;
    const released = await this.deps.steps.release(claims).catch((error) => {
      this.deps.logger.error('could not release unfinished exports; they are reclaimed when their lease ends', { error });
      return 0;
    });
    this.deps.logger.warn('released exports claimed but not sent or not finished at shutdown', { released });
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
