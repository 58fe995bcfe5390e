/** The dispatcher's loop and idle flag on their own. */
import { describe, expect, it } from 'vitest';
import { IdleFlag } from '../../src/dispatch/idle-flag';
import { Loop } from '../../src/dispatch/loop';
import type { Logger } from '../../src/logger';
import { waitFor } from '../support/wait';

function logger() {
  const errors: string[] = [];
  const log: Logger = { info() {}, warn() {}, error: (message) => errors.push(message) };
  return { log, errors };
}

describe('a loop', () => {
  it('runs rounds back to back while they report more, then sleeps until woken', async () => {
    const plan: ('more' | 'done')[] = ['more', 'more', 'done'];
    let rounds = 0;
    const loop = new Loop('test', { round: async () => (rounds += 1, plan.shift() ?? 'done'), polled: () => {}, failed: () => {} }, { pollMs: 60_000, errorPauseMs: 60_000 }, logger().log);
    loop.start();
    await waitFor(() => rounds === 3, { what: 'three rounds' });
    loop.wake();
    await waitFor(() => rounds === 4, { what: 'a round after the wake-up' });
    await loop.stop();
    expect(loop.state).toBe('STOPPED');
    expect(rounds).toBe(4);
  });

  it('polls when nothing wakes it', async () => {
    let polls = 0;
    const loop = new Loop('test', { round: async () => 'done', polled: () => void (polls += 1), failed: () => {} }, { pollMs: 1, errorPauseMs: 60_000 }, logger().log);
    loop.start();
    await waitFor(() => polls >= 2, { what: 'two polls' });
    await loop.stop();
  });

  it('logs a failed round, reports it, pauses, and goes on', async () => {
    const { log, errors } = logger();
    let rounds = 0;
    let failures = 0;
    const loop = new Loop(
      'testing',
      { round: async () => (++rounds === 1 ? Promise.reject(new Error('database down')) : 'done'), polled: () => {}, failed: () => void (failures += 1) },
      { pollMs: 60_000, errorPauseMs: 1 },
      log,
    );
    loop.start();
    await waitFor(() => rounds === 2, { what: 'the round after the pause' });
    await loop.stop();
    expect({ failures, errors }).toEqual({ failures: 1, errors: ['testing failed; retrying'] });
  });

  it('refuses to start twice', () => {
    const loop = new Loop('test', { round: async () => 'done', polled: () => {}, failed: () => {} }, { pollMs: 60_000, errorPauseMs: 1 }, logger().log);
    loop.start();
    expect(() => loop.start()).toThrow(/invariant/);
    return loop.stop();
  });
});

describe('the idle flag', () => {
  it('is LOWERED at start (an instance that died may have left it so) and RAISED once written', async () => {
    const writes: boolean[] = [];
    const flag = new IdleFlag(async (raised) => void writes.push(raised));
    expect(flag.state).toBe('LOWERED');
    await flag.raise();
    expect(flag.state).toBe('RAISED');
    await flag.lower();
    expect({ state: flag.state, writes }).toEqual({ state: 'LOWERED', writes: [true, false] });
  });

  it('counts as lowered even when lowering reports an error (the update may have committed)', async () => {
    const flag = new IdleFlag(async (raised) => {
      if (!raised) throw new Error('connection lost after commit');
    });
    await flag.raise();
    await expect(flag.lower()).rejects.toThrow();
    expect(flag.state).toBe('LOWERED');
  });
});
