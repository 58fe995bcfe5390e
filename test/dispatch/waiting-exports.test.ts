/** What the dispatcher knows of exports waiting in the database, request by request. */
import { describe, expect, it } from 'vitest';
import { WaitingExports } from '../../src/dispatch/waiting-exports';

describe('waiting exports', () => {
  it('start as "maybe pending", so the first claim looks, and let new exports go first', () => {
    const waiting = new WaitingExports();
    expect(waiting.state).toEqual({ pending: true, retries: false, ordering: 'CLEAR' });
    expect(waiting.claimWanted).toBe(true);
    expect(waiting.newMayGoFirst).toBe(true);
  });

  it('are cleared by a claim that comes back short', () => {
    const waiting = new WaitingExports();
    const ticket = waiting.startClaim();
    expect(ticket.states).toEqual(['PENDING']);
    waiting.endClaim(ticket, 3, 10);
    expect(waiting.state).toEqual({ pending: false, retries: false, ordering: 'CLEAR' });
    expect(waiting.claimWanted).toBe(false);
  });

  it('stay pending after a short claim when something was raised while it ran', () => {
    const waiting = new WaitingExports();
    waiting.recordedBeyondRoom();
    const ticket = waiting.startClaim();
    waiting.mayBePending(); // a recording left exports PENDING while the claim's snapshot was taken
    waiting.endClaim(ticket, 0, 10);
    expect(waiting.state).toEqual({ pending: true, retries: false, ordering: 'OLDER_WAITING' });
  });

  it('after a full claim, may be more, and older exports go first', () => {
    const waiting = new WaitingExports();
    const ticket = waiting.startClaim();
    waiting.endClaim(ticket, 10, 10);
    expect(waiting.state).toEqual({ pending: true, retries: false, ordering: 'OLDER_WAITING' });
    expect(waiting.newMayGoFirst).toBe(false);
  });

  it('once exports were recorded beyond the room, keep new ones waiting until a claim catches up', () => {
    const waiting = new WaitingExports();
    waiting.recordedBeyondRoom();
    expect(waiting.newMayGoFirst).toBe(false);
    waiting.endClaim(waiting.startClaim(), 2, 10);
    expect(waiting.newMayGoFirst).toBe(true);
  });

  it('claim due retries with the pending ones, and keep asking while a sweeper tick came during the claim', () => {
    const waiting = new WaitingExports();
    waiting.endClaim(waiting.startClaim(), 0, 10);
    waiting.retriesDue();
    expect(waiting.newMayGoFirst).toBe(false); // due retries are older than anything recorded now
    const ticket = waiting.startClaim();
    expect(ticket.states).toEqual(['PENDING', 'RETRY_SCHEDULED']);
    waiting.retriesDue();
    waiting.endClaim(ticket, 1, 10);
    expect(waiting.state.retries).toBe(true);
    waiting.endClaim(waiting.startClaim(), 0, 10);
    expect(waiting.state).toEqual({ pending: false, retries: false, ordering: 'CLEAR' });
  });
});
