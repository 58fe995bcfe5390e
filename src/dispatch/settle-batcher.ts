/**
 * Collects attempt results and settles them in batches: one statement (and one feed notice) per batch instead of
 * per send. A batch goes once SETTLE_TIMING.batchSize results have gathered, or delayMs after the first of them
 * (time after the partner has the request); results that arrive while a batch is being settled form the next.
 *
 * States: IDLE (nothing gathered), GATHERING (results wait for the timer or a full batch), SETTLING (a flush
 * runs; it takes whatever gathers meanwhile). A settle that fails (a dropped connection) is tried again a few
 * times; after that its exports are left to lease expiry and the sweeper resends them: at-least-once, never lost.
 */
import type { Logger } from '../logger';
import { invariant } from './invariant';
import type { AttemptResult, SettledExport } from './sql/settle-attempts';

export interface SettleTiming {
  /** Settle at once when this many results have gathered. */
  batchSize: number;
  /** Otherwise this long after the first of them. */
  delayMs: number;
  /** The most results one statement takes (its stale-attempt check grows with the square of the batch). */
  maxBatch: number;
  /** Tries of one batch before its exports are left to lease expiry. */
  tries: number;
  /** Pause before the next try, times the number of tries so far. */
  retryPauseMs: number;
}

export const SETTLE_TIMING: SettleTiming = { batchSize: 64, delayMs: 5, maxBatch: 500, tries: 3, retryPauseMs: 200 };

export type SettleState = 'IDLE' | 'GATHERING' | 'SETTLING';

export class SettleBatcher {
  private readonly gathered: AttemptResult[] = [];
  private timer: NodeJS.Timeout | undefined;
  private settling: Promise<void> | undefined;
  /** Once draining (shutdown), every result is settled at once. */
  private draining = false;

  constructor(
    private readonly settle: (batch: AttemptResult[]) => Promise<SettledExport[]>,
    private readonly onSettled: (settled: SettledExport[]) => void,
    private readonly timing: SettleTiming,
    private readonly logger: Logger,
  ) {}

  get state(): SettleState {
    return this.settling ? 'SETTLING' : this.gathered.length > 0 ? 'GATHERING' : 'IDLE';
  }

  add(result: AttemptResult): void {
    this.gathered.push(result);
    this.schedule();
  }

  /** From now on (shutdown), settles every result at once instead of gathering a batch. */
  settleAtOnce(): void {
    this.draining = true;
    this.flushNow();
  }

  /** Settles everything gathered, and whatever arrives meanwhile, and resolves once nothing is left. */
  async drain(): Promise<void> {
    this.settleAtOnce();
    while (this.settling || this.gathered.length > 0) await (this.settling ?? this.flush());
    invariant(this.timer === undefined && this.gathered.length === 0, 'results left unsettled after draining');
  }

  private schedule(): void {
    if (this.settling) return; // the running flush takes what gathers meanwhile
    if (this.gathered.length >= this.timing.batchSize || this.draining) return this.flushNow();
    this.timer ??= setTimeout(() => this.flushNow(), this.timing.delayMs);
  }

  private flushNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.settling || this.gathered.length === 0) return;
    this.settling = this.flush().finally(() => {
      this.settling = undefined;
      if (this.gathered.length > 0) this.schedule();
    });
  }

  private async flush(): Promise<void> {
    while (this.gathered.length > 0) {
      const batch = this.gathered.splice(0, this.timing.maxBatch);
      for (let tries = 1; ; tries += 1) {
        try {
          this.onSettled(await this.settle(batch));
          break;
        } catch (error) {
          if (tries >= this.timing.tries) {
            this.logger.error('could not record attempt results; their exports will be reclaimed after the lease', { error, exports: batch.map((r) => r.exportId) });
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, this.timing.retryPauseMs * tries));
        }
      }
    }
  }
}
