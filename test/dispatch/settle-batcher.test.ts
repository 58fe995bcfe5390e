/** The settle batcher on its own: batching by size and by delay, retries of a failed settle, and draining. */
import { describe, expect, it } from 'vitest';
import { SettleBatcher, type SettleTiming } from '../../src/dispatch/settle-batcher';
import type { AttemptResult, SettledExport } from '../../src/dispatch/sql/settle-attempts';
import type { Logger } from '../../src/logger';
import { deferred, waitFor } from '../support/wait';

const TIMING: SettleTiming = { batchSize: 3, delayMs: 5, maxBatch: 4, tries: 3, retryPauseMs: 1 };

const result = (n: number) => ({ exportId: `export-${n}` }) as AttemptResult;
const settledOf = (batch: AttemptResult[]) => batch.map((r) => ({ id: r.exportId }) as SettledExport);

function harness(settle: (batch: AttemptResult[]) => Promise<SettledExport[]> = async (batch) => settledOf(batch)) {
  const batches: string[][] = [];
  const reported: string[] = [];
  const errors: string[] = [];
  const logger: Logger = { info() {}, warn() {}, error: (message) => errors.push(message) };
  const batcher = new SettleBatcher(
    (batch) => {
      batches.push(batch.map((r) => r.exportId));
      return settle(batch);
    },
    (settled) => reported.push(...settled.map((s) => s.id)),
    TIMING,
    logger,
  );
  return { batcher, batches, reported, errors };
}

describe('the settle batcher', () => {
  it('settles at once when a batch is full', () => {
    const { batcher, batches } = harness();
    for (const n of [1, 2, 3]) batcher.add(result(n));
    expect(batches).toEqual([['export-1', 'export-2', 'export-3']]);
    expect(batcher.state).toBe('SETTLING');
  });

  it('settles a partial batch after the delay, and reports what was settled', async () => {
    const { batcher, batches, reported } = harness();
    batcher.add(result(1));
    expect(batcher.state).toBe('GATHERING');
    expect(batches).toEqual([]);
    await waitFor(() => batcher.state === 'IDLE', { what: 'the delayed settle' });
    expect(batches).toEqual([['export-1']]);
    expect(reported).toEqual(['export-1']);
  });

  it('takes what gathers while a batch settles into the next one, at most maxBatch a statement', async () => {
    const held = deferred();
    let first = true;
    const { batcher, batches } = harness(async (batch) => {
      if (first) {
        first = false;
        await held.promise;
      }
      return settledOf(batch);
    });
    for (let n = 1; n <= 3; n += 1) batcher.add(result(n));
    for (let n = 4; n <= 9; n += 1) batcher.add(result(n)); // while the first batch is held
    expect(batches).toHaveLength(1);
    held.resolve();
    await waitFor(() => batcher.state === 'IDLE');
    expect(batches).toEqual([['export-1', 'export-2', 'export-3'], ['export-4', 'export-5', 'export-6', 'export-7'], ['export-8', 'export-9']]);
  });

  it('tries a failed settle again, then leaves the batch to lease expiry with an error in the log', async () => {
    let calls = 0;
    const { batcher, batches, reported, errors } = harness(async (batch) => {
      calls += 1;
      if (batch[0].exportId === 'export-1' || calls === 4) throw new Error('connection lost');
      return settledOf(batch);
    });
    for (const n of [1, 2, 3]) batcher.add(result(n));
    await waitFor(() => batcher.state === 'IDLE');
    expect(batches).toHaveLength(TIMING.tries);
    expect(errors).toEqual(['could not record attempt results; their exports will be reclaimed after the lease']);
    for (const n of [4, 5, 6]) batcher.add(result(n));
    await waitFor(() => batcher.state === 'IDLE');
    expect(reported).toEqual(['export-4', 'export-5', 'export-6']); // the fourth call failed, the fifth settled
  });

  it('once told to settle at once (shutdown), gathers no batch', () => {
    const { batcher, batches } = harness();
    batcher.add(result(1));
    batcher.settleAtOnce();
    expect(batches).toEqual([['export-1']]);
  });

  it('when draining, settles everything at once and resolves once nothing is left', async () => {
    const { batcher, batches } = harness();
    batcher.add(result(1));
    await batcher.drain();
    expect(batches).toEqual([['export-1']]);
    batcher.add(result(2)); // a send that finished after the drain began
    expect(batches).toEqual([['export-1'], ['export-2']]);
    await batcher.drain();
    expect(batcher.state).toBe('IDLE');
  });
});
