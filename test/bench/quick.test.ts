/** `npm run bench -- --quick` completes and delivers every export; its timings are not judged here. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const BENCH = path.resolve(__dirname, '../../dist/bench/run.js');

describe('the benchmark, quick', () => {
  it('runs end to end and delivers every export exactly once', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [BENCH, '--quick', '--json'], { timeout: 240_000, env: { PATH: process.env.PATH ?? '' } });
    const results = JSON.parse(stdout);
    expect(results.coldBurst).toMatchObject({ deliveries: 200, duplicates: 0 });
    expect(results.burst).toMatchObject({ deliveries: 1000, duplicates: 0 });
    // every process the run accounts used some CPU for the burst
    for (const name of ['jobout', 'postgres', 'sink', 'loadGenerator']) expect(results.burst.cpuUsPerDelivery[name]).toBeGreaterThan(0);
    expect(results.steady.changes).toBe(200);
    expect(Number.isFinite(results.steady.p99)).toBe(true);
    expect(results.writePath.withTrigger).toBeGreaterThan(0);
    expect(results.ceiling.undiciRequestsPerSecond).toBeGreaterThan(0);
    expect(results.dispatcherPeakRssMb).toBeGreaterThan(0);
  }, 300_000);
});
