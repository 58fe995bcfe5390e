/**
 * CPU time of the benchmark's processes, read from /proc (Linux), so that a run says where the machine's cores
 * went, not only how fast the burst was. A sampling profiler cannot: on a busy two-core machine it counts the
 * time a process waits to be scheduled inside whatever call it was in (a `writev` to PostgreSQL, mostly).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The kernel's accounting unit for utime/stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** The processes to account, by name; a function so that PostgreSQL's backends are listed when read. */
export type ProcessGroups = Record<string, () => number[]>;

/** CPU ms per process id, per group. */
export type CpuReading = Record<string, Map<number, number>>;

/** User plus system CPU of one process and all its threads, in ms (0 once it has exited). */
function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** The postmaster of a data directory and its children (backends, background workers). */
export function postgresProcesses(pgdata: string): number[] {
  const postmaster = Number(readFileSync(path.join(pgdata, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => parentOf(pid) === postmaster);
  return [postmaster, ...children];
}

export function readCpu(groups: ProcessGroups): CpuReading {
  const reading: CpuReading = {};
  for (const [name, pids] of Object.entries(groups)) reading[name] = new Map(pids().map((pid) => [pid, processCpuMs(pid)]));
  return reading;
}

/**
 * CPU used between two readings, per group, in µs per delivery: per process, so that one started in between
 * counts from zero and one that exited in between (it takes its time with it) subtracts nothing.
 */
export function cpuPerDelivery(before: CpuReading, after: CpuReading, deliveries: number): Record<string, number> {
  const perDelivery: Record<string, number> = {};
  for (const [name, pids] of Object.entries(after)) {
    let usedMs = 0;
    for (const [pid, ms] of pids) usedMs += ms - (before[name]?.get(pid) ?? 0);
    perDelivery[name] = (usedMs * 1000) / deliveries;
  }
  return perDelivery;
}
