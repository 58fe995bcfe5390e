/**
 * The retry sweeper, ticked by node-cron (JOBOUT_SWEEP_CRON). Every instance ticks; the database arbitrates:
 * each step claims with SKIP LOCKED or a conditional update, so N sweepers send each due retry once.
 *
 * A tick: reclaim exports whose lease expired (counted as an attempt), release the probes of suspended
 * connections, let the dispatcher send the retries and probes that are due (through its concurrency-bounded send
 * path), cancel exports whose job was deleted mid-send, and purge the payloads and attempts of exports finished
 * longer ago than the retention period.
 */
import cron, { type ScheduledTask } from 'node-cron';
import { CANCEL_ORPHANED_EXPORTS } from '../db/cancel-orphaned-exports';
import { EXPORTS_DUE_NOTICE } from '../db/notify-channels';
import { RELEASE_UNHELD_PARKED_EXPORTS } from '../db/parked-exports';
import type { SqlRunner } from '../db/sql-runner';
import type { RetryPolicy } from '../config';
import type { Logger } from '../logger';
import type { AlertSender } from './alert-sender';
import type { Dispatcher } from './dispatcher';
import { reclaimExpiredLeases } from './sql/reclaim-expired-leases';
import { purgeFinishedExports } from './sql/purge-finished-exports';
import { releaseProbes } from './sql/release-probes';
import type { SettledExport } from './sql/settle-attempts';

export class Sweeper {
  private task: ScheduledTask | undefined;

  constructor(
    private readonly sql: SqlRunner,
    private readonly dispatcher: Pick<Dispatcher, 'sendDueRetries' | 'wake'>,
    private readonly retry: RetryPolicy,
    /** JOBOUT_RETENTION_DAYS. */
    private readonly retentionDays: number,
    private readonly logger: Logger,
    /** Reclaimed exports count as finished attempts: metrics and the result feed. */
    private readonly onReclaimed: (reclaimed: SettledExport[]) => void,
    /** Sends the alert deliveries that are due (setAlertTarget). */
    private readonly alerts?: Pick<AlertSender, 'sendDue'>,
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
  async sweep(): Promise<{ reclaimed: number; purged: number }> {
    const reclaimed = await reclaimExpiredLeases(this.sql, this.retry);
    if (reclaimed.length > 0) {
      this.logger.warn('reclaimed exports whose lease expired', { exports: reclaimed.map((r) => r.id) });
      this.onReclaimed(reclaimed);
    }
    // a probe is PENDING: the dispatcher's pending path sends it; so are parked exports nothing holds any more
    const probes = await releaseProbes(this.sql, this.retry.intervalMs);
    const unheld = await this.sql.query(RELEASE_UNHELD_PARKED_EXPORTS);
    if (probes.length > 0 || unheld.length > 0) this.dispatcher.wake(EXPORTS_DUE_NOTICE);
    this.dispatcher.sendDueRetries();
    await this.sql.query(CANCEL_ORPHANED_EXPORTS); // exports of a job deleted mid-send that ended up waiting again
    const purged = await purgeFinishedExports(this.sql, this.retentionDays);
    await this.alerts?.sendDue();
    if (purged > 0) this.logger.info('purged the payloads and attempts of exports past their retention', { exports: purged, retentionDays: this.retentionDays });
    return { reclaimed: reclaimed.length, purged };
  }
}
