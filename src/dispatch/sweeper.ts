/**
 * The retry sweeper, ticked by node-cron (JOBOUT_SWEEP_CRON). Every instance ticks; the database arbitrates:
 * each step claims with SKIP LOCKED or a conditional update, so N sweepers send each due retry once.
 *
 * A tick: reclaim exports whose lease expired (counted as an attempt), let the dispatcher send the retries that
 * are due (through its concurrency-bounded send path), and cancel exports whose job was deleted mid-send.
 */
import cron, { type ScheduledTask } from 'node-cron';
import { CANCEL_ORPHANED_EXPORTS } from '../db/cancel-orphaned-exports';
import type { SqlRunner } from '../db/sql-runner';
import type { RetryPolicy } from '../config';
import type { Logger } from '../logger';
import type { Dispatcher } from './dispatcher';
import { reclaimExpiredLeases } from './sql/reclaim-expired-leases';
import type { SettledExport } from './sql/settle-attempts';

export class Sweeper {
  private task: ScheduledTask | undefined;

  constructor(
    private readonly sql: SqlRunner,
    private readonly dispatcher: Pick<Dispatcher, 'sendDueRetries'>,
    private readonly retry: RetryPolicy,
    private readonly logger: Logger,
    /** Reclaimed exports count as finished attempts: metrics and the result feed. */
    private readonly onReclaimed: (reclaimed: SettledExport[]) => void,
  ) {}

  start(expression: string): void {
    this.task = cron.schedule(
      expression,
      async () => {
        try {
          await this.sweep();
        } catch (error) {
          this.logger.error('sweep failed; the next tick retries', { error });
        }
      },
      { noOverlap: true, name: 'jobout-sweeper' },
    );
  }

  async stop(): Promise<void> {
    await this.task?.destroy();
    this.task = undefined;
  }

  /** One tick; callable directly (tests, operators' tools). */
  async sweep(): Promise<{ reclaimed: number }> {
    const reclaimed = await reclaimExpiredLeases(this.sql, this.retry);
    if (reclaimed.length > 0) {
      this.logger.warn('reclaimed exports whose lease expired', { exports: reclaimed.map((r) => r.id) });
      this.onReclaimed(reclaimed);
    }
    this.dispatcher.sendDueRetries();
    await this.sql.query(CANCEL_ORPHANED_EXPORTS); // exports of a job deleted mid-send that ended up waiting again
    return { reclaimed: reclaimed.length };
  }
}
