/**
 * Where claimed exports wait for a send slot and are sent, at most `concurrency` at a time.
 *
 * - The ready queue holds claimed exports, oldest first, as many as readyQueueLimit allows (lease-budget.ts).
 *   An export that waited longer than maxQueueWaitMs is released (due again, the attempt not counted) instead of
 *   sent on a lease that might end mid-send.
 * - Room: both of the dispatcher's loops claim, and each holds the room it claims for (`claimWithin`) until its
 *   claims are queued, so together they never claim more than the queue and the free slots can take.
 * - States: ACCEPTING (sends start whenever a slot is free) and CLOSED (shutdown: nothing starts; the queue is
 *   handed back to be released, in-flight sends get a grace period).
 */
import type { Logger } from '../logger';
import type { ClaimedExport } from './claimed-export';
import { invariant } from './invariant';
import { maxQueueWaitMs, readyQueueLimit } from './lease-budget';
import { RateMeter } from './rate-meter';

export interface SendPoolDeps {
  concurrency: number;
  /** Attempt deadline of connections without their own. */
  httpTimeoutMs: number;
  /** Sends one claim and hands its result on; never rejects. */
  deliver(claim: ClaimedExport): Promise<void>;
  /** Releases claims to the database (sql/release-exports.ts). */
  release(claims: ClaimedExport[]): Promise<number>;
  /** Room may have grown: a send finished, or a claim returned the room it held. */
  onRoom(): void;
  /** Claims that waited too long were released: they are due in the database again. */
  onReleased(): void;
  /** Milliseconds from a fixed origin (`performance.now`). */
  now(): number;
  logger: Logger;
}

type SendPoolState = 'ACCEPTING' | 'CLOSED';

export class SendPool {
  private state: SendPoolState = 'ACCEPTING';
  private readonly ready: { claim: ClaimedExport; queuedAt: number }[] = [];
  private readonly inFlight = new Map<Promise<void>, ClaimedExport>();
  private readonly rate: RateMeter;
  /** Room held by claims in progress. */
  private reserved = 0;
  /** Releases of claims that waited too long; closing waits for them. */
  private readonly releasing = new Set<Promise<void>>();

  constructor(private readonly deps: SendPoolDeps) {
    this.rate = new RateMeter(deps.now);
  }

  get queued(): number {
    return this.ready.length;
  }

  get sending(): number {
    return this.inFlight.size;
  }

  /** How many more exports may be claimed now: the free send slots and the room left in the ready queue. */
  room(): number {
    const queueLimit = readyQueueLimit(this.rate.perSecond(), this.deps.httpTimeoutMs, this.deps.concurrency);
    return Math.max(0, this.deps.concurrency + queueLimit - this.inFlight.size - this.ready.length - this.reserved);
  }

  /** Holds `room` while `claim` runs, so that the other loop cannot claim it too, and queues what it claimed. */
  async claimWithin<T extends { claimed: ClaimedExport[] }>(room: number, claim: () => Promise<T>): Promise<T> {
    invariant(room >= 0, `a claim reserved negative room (${room})`);
    this.reserved += room;
    try {
      const result = await claim();
      this.enqueue(result.claimed); // even beyond the room: claims left out would wait for their lease to end
      invariant(result.claimed.length <= room, `claimed ${result.claimed.length} exports with room for ${room}`);
      return result;
    } finally {
      this.reserved -= room;
      this.deps.onRoom();
    }
  }

  /**
   * Stops starting sends and hands back the queued claims (to be released); in-flight sends go on. Claims a round
   * still running queues later stay queued, unsent, for `unfinished`.
   */
  close(): ClaimedExport[] {
    this.state = 'CLOSED';
    return this.ready.splice(0, this.ready.length).map((entry) => entry.claim);
  }

  /** After `close`: waits up to `graceMs` for the in-flight sends, and for releases in progress. */
  async finishSends(graceMs: number): Promise<void> {
    invariant(this.state === 'CLOSED', 'finishSends() before close()');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.inFlight.keys()), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    await Promise.all(this.releasing);
  }

  /** After `close`: the claims still in flight or queued, to be released. */
  unfinished(): ClaimedExport[] {
    invariant(this.state === 'CLOSED', 'unfinished() before close()');
    return [...this.inFlight.values(), ...this.close()];
  }

  private enqueue(claims: ClaimedExport[]): void {
    const queuedAt = this.deps.now();
    for (const claim of claims) this.ready.push({ claim, queuedAt });
    this.startSends();
  }

  /** Starts queued sends while a slot is free, releasing those that waited longer than their lease allows. */
  private startSends(): void {
    if (this.state === 'CLOSED') return; // the queue is released instead
    const overdue: ClaimedExport[] = [];
    while (this.ready.length > 0 && this.inFlight.size < this.deps.concurrency) {
      const { claim, queuedAt } = this.ready.shift()!;
      if (this.deps.now() - queuedAt > maxQueueWaitMs(claim.connection.timeoutMs ?? this.deps.httpTimeoutMs)) overdue.push(claim);
      else this.startSend(claim);
    }
    if (overdue.length > 0) this.releaseOverdue(overdue);
  }

  private startSend(claim: ClaimedExport): void {
    const send = this.deps.deliver(claim).finally(() => {
      this.inFlight.delete(send);
      this.rate.tick();
      this.startSends(); // a slot is free
      this.deps.onRoom();
    });
    this.inFlight.set(send, claim);
  }

  private releaseOverdue(claims: ClaimedExport[]): void {
    this.deps.logger.warn('released exports that waited longer than their lease allows for a send slot', { exports: claims.length });
    const releasing: Promise<void> = this.deps
      .release(claims)
      .then(
        () => this.deps.onReleased(),
        (error) => this.deps.logger.error('could not release exports that waited too long; they are reclaimed when their lease ends', { error }),
      )
      .finally(() => this.releasing.delete(releasing));
    this.releasing.add(releasing);
  }
}
