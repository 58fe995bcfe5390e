/**
 * What the dispatcher knows of exports waiting in the database for it to claim, so that the sending loop
 * queries only when there may be some, and new exports never overtake waiting ones.
 *
 * Two kinds of waiting work, each a `Demand`:
 * - pending: PENDING exports may exist (recorded beyond the room to claim them, released, retried by an
 *   operator, or left by another instance: the safety poll raises it too);
 * - retries: a sweeper tick asked for due RETRY_SCHEDULED exports.
 * A claim that comes back with less than it had room for has served every request raised before it started;
 * one raised while it ran stays raised, because the claim's snapshot may have missed what it announced.
 *
 * And one ordering state: OLDER_WAITING when exports are known to wait in the database (a recording round
 * produced more than it could claim, or a claim came back full), CLEAR once a claim has found fewer than its
 * room with nothing raised meanwhile. While OLDER_WAITING, or while retries are due, new exports are recorded
 * PENDING instead of being claimed as they are recorded: oldest first.
 */
import type { ClaimableState } from './sql/claim-exports';

/** Requests for a claim, counted, so that a claim clears only the requests made before it started. */
class Demand {
  private raisedCount: number;
  private servedCount = 0;

  constructor(raised: boolean) {
    this.raisedCount = raised ? 1 : 0;
  }

  raise(): void {
    this.raisedCount += 1;
  }

  get raised(): boolean {
    return this.raisedCount > this.servedCount;
  }

  mark(): number {
    return this.raisedCount;
  }

  servedThrough(mark: number): void {
    this.servedCount = Math.max(this.servedCount, mark);
  }
}

export type Ordering = 'CLEAR' | 'OLDER_WAITING';

/** What a claim set out to serve: the states it claims and the requests raised before it started. */
export interface ClaimTicket {
  states: readonly ClaimableState[];
  pending: number;
  retries: number | undefined;
}

export class WaitingExports {
  /** True at start: another instance may have left PENDING exports (released at its shutdown). */
  private readonly pending = new Demand(true);
  private readonly retries = new Demand(false);
  private ordering: Ordering = 'CLEAR';

  get state(): { pending: boolean; retries: boolean; ordering: Ordering } {
    return { pending: this.pending.raised, retries: this.retries.raised, ordering: this.ordering };
  }

  /** A claim from the database may find something. */
  get claimWanted(): boolean {
    return this.pending.raised || this.retries.raised;
  }

  /** New exports may be claimed as they are recorded: nothing older waits for a slot before them. */
  get newMayGoFirst(): boolean {
    return this.ordering === 'CLEAR' && !this.retries.raised;
  }

  /** PENDING exports may exist: a notice, a release, an unwoken poll, a failed claim. */
  mayBePending(): void {
    this.pending.raise();
  }

  /**
   * Exports were made due now (an operator's retry, a resume, a recovery): they are older than the changes being
   * recorded, so new exports wait behind them until a claim finds no more (oldest first, CONTRACT §11).
   */
  olderDue(): void {
    this.pending.raise();
    this.ordering = 'OLDER_WAITING';
  }

  retriesDue(): void {
    this.retries.raise();
  }

  /** A recording round left exports PENDING (more than its room). */
  recordedBeyondRoom(): void {
    this.pending.raise();
    this.ordering = 'OLDER_WAITING';
  }

  /** Before a claim from the database. */
  startClaim(): ClaimTicket {
    const retries = this.retries.raised;
    return { states: retries ? ['PENDING', 'RETRY_SCHEDULED'] : ['PENDING'], pending: this.pending.mark(), retries: retries ? this.retries.mark() : undefined };
  }

  /** After it: a full claim means there may be more; a short one served what was raised before it started. */
  endClaim(ticket: ClaimTicket, claimed: number, room: number): void {
    if (claimed >= room) {
      this.pending.raise();
      this.ordering = 'OLDER_WAITING';
      return;
    }
    this.pending.servedThrough(ticket.pending);
    if (ticket.retries !== undefined) this.retries.servedThrough(ticket.retries);
    if (!this.pending.raised) this.ordering = 'CLEAR';
  }
}
