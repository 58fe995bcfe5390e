/**
 * How long claims last and how much claimed work an instance holds, in one place, because the numbers depend
 * on each other. A claimed export must be sent and its outcome recorded within its lease:
 *
 *   lease (3 deadlines + margin) = the longest wait for a send slot (1 deadline + margin/2; an export that has
 *   waited longer is released unsent) + the attempt (2 deadlines: an OAuth token fetch, then the request) +
 *   recording the outcome (margin/2).
 *
 * The ready queue is sized so that the wait normally stays far below its bound: it holds what the instance sends
 * in half a deadline at its current rate.
 */

/** Time to record an attempt's outcome after its deadline has passed. */
export const LEASE_MARGIN_MS = 5_000;

/** Attempt deadlines a lease spans: the wait for a send slot, the token fetch and the request (see above). */
export const LEASE_DEADLINES = 3;

/** The lease of an export claimed for one attempt whose deadline is `deadlineMs`. */
export const leaseMs = (deadlineMs: number): number => LEASE_DEADLINES * deadlineMs + LEASE_MARGIN_MS;

/**
 * The longest a claimed export may wait for a send slot: a partner that slowed down after the queue was filled
 * (or a connection with a shorter deadline of its own) must not have its exports sent on a lease that might end
 * mid-send. One that waited longer is released, due at once, rather than sent late.
 */
export const maxQueueWaitMs = (deadlineMs: number): number => deadlineMs + LEASE_MARGIN_MS / 2;

/**
 * The most claimed exports an instance keeps waiting for a send slot, whatever its rate: a deep queue lets a
 * burst be claimed in large rounds, and this bounds the work a dying instance leaves to lease expiry.
 */
export const MAX_READY_QUEUE = 500;

/**
 * How many claimed exports may wait for a send slot: what the instance sends in half an attempt deadline at
 * its current rate, at least one concurrency's worth (a cold instance has no rate yet), at most MAX_READY_QUEUE.
 */
export function readyQueueLimit(sendsPerSecond: number, deadlineMs: number, concurrency: number): number {
  const sentInHalfADeadline = Math.round((sendsPerSecond * deadlineMs) / 2_000);
  return Math.min(MAX_READY_QUEUE, Math.max(concurrency, sentInHalfADeadline));
}

/**
 * How long a recording round holds the outbox rows it claimed: far longer than a round takes (milliseconds; a
 * round that takes longer only lets another instance redo its work, which is harmless), and what a crash between
 * a round's two statements delays those changes by.
 */
export const RECORDING_CLAIM_MS = 5_000;
