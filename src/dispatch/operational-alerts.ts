/**
 * Turns what the dispatcher settles into operational events (CONTRACT §11): a connection's breaker suspending or
 * recovering it, and exports ending FAILED, grouped per job (and supplier, which decides who may see them, as for
 * the exports themselves) per minute, so that a partner failing a thousand orders is one alert a minute, not a
 * thousand. The first failure of a quiet job is told at once; the ones after it within
 * the minute are told together at the minute's end. Grouping is per instance: with several instances, each tells
 * its own share.
 */
import { DISPATCH_CHANNEL, EXPORTS_DUE_NOTICE } from '../db/notify-channels';
import { publishOperationalEvents } from '../db/operational-events';
import type { SqlRunner } from '../db/sql-runner';
import type { OperationalEvent } from '../domain/operational-event';
import type { Logger } from '../logger';
import type { ConnectionTransition, SettledExport } from './sql/settle-attempts';

export const FAILURE_GROUP_WINDOW_MS = 60_000;

interface FailureGroup {
  /** Failures since the last event of this job and supplier, told at the window's end. */
  pending: number;
  latest: SettledExport;
  timer: NodeJS.Timeout;
}

export class OperationalAlerts {
  private readonly groups = new Map<string, FailureGroup>();

  constructor(
    private readonly sql: SqlRunner,
    private readonly logger: Logger,
    private readonly windowMs = FAILURE_GROUP_WINDOW_MS,
  ) {}

  /** Never throws: the dispatcher's bookkeeping is done; an event that cannot be published is logged. */
  report(settled: SettledExport[] & { transitions?: ConnectionTransition[] }): void {
    const events = (settled.transitions ?? []).map(transitionEvent);
    if (events.some((event) => event.type === 'CONNECTION_RECOVERED')) this.wakeDispatchers();
    const failedByGroup = new Map<string, SettledExport[]>();
    for (const exported of settled) {
      if (exported.state !== 'FAILED' || exported.jobId === null) continue;
      const key = `${exported.jobId}\u0000${exported.supplierExternalId ?? ''}`;
      failedByGroup.set(key, [...(failedByGroup.get(key) ?? []), exported]);
    }
    for (const [key, failures] of failedByGroup) {
      const group = this.groups.get(key);
      if (group) {
        group.pending += failures.length;
        group.latest = failures[failures.length - 1];
      } else {
        events.push(failureEvent(failures[failures.length - 1], failures.length));
        this.openWindow(key, failures[failures.length - 1]);
      }
    }
    void this.publish(events);
  }

  /** Tells the failures still grouped, and stops the windows (at shutdown, before the database closes). */
  async flush(): Promise<void> {
    const events: OperationalEvent[] = [];
    for (const [key, group] of this.groups) {
      clearTimeout(group.timer);
      if (group.pending > 0) events.push(failureEvent(group.latest, group.pending));
      this.groups.delete(key);
    }
    await this.publish(events);
  }

  /** `key`: the job and supplier of a group. */
  private openWindow(key: string, latest: SettledExport): void {
    const timer = setTimeout(() => {
      const group = this.groups.get(key)!;
      if (group.pending === 0) return void this.groups.delete(key);
      void this.publish([failureEvent(group.latest, group.pending)]);
      group.pending = 0;
      this.openWindow(key, group.latest); // the next failures wait for the end of a new window
    }, this.windowMs).unref();
    this.groups.set(key, { pending: 0, latest, timer });
  }

  private publish(events: OperationalEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return publishOperationalEvents(this.sql, events).catch((error) => this.logger.warn('could not publish operational events', { error, types: events.map((e) => e.type) }));
  }

  /** Exports released by a recovery are due now, on every instance. */
  private wakeDispatchers(): void {
    this.sql.query('select pg_notify($1, $2)', [DISPATCH_CHANNEL, EXPORTS_DUE_NOTICE]).catch((error) => this.logger.warn('could not wake dispatchers after a recovery', { error }));
  }
}

function transitionEvent(transition: ConnectionTransition): OperationalEvent {
  const suspended = transition.state === 'SUSPENDED';
  return {
    type: suspended ? 'CONNECTION_SUSPENDED' : 'CONNECTION_RECOVERED',
    occurredAt: new Date(),
    jobId: null,
    jobName: null,
    supplierExternalId: null,
    connectionId: transition.connectionId,
    connectionName: transition.connectionName,
    failedExports: null,
    detail: suspended ? 'too many failed attempts in a row: its exports wait PAUSED, one is sent as a probe every retry interval' : 'an attempt succeeded: its parked exports are sent, oldest first',
    storeIds: transition.storeIds,
  };
}

function failureEvent(latest: SettledExport, count: number): OperationalEvent {
  return {
    type: 'EXPORT_FAILED',
    occurredAt: latest.occurredAt,
    jobId: latest.jobId,
    jobName: latest.jobName,
    supplierExternalId: latest.supplierExternalId,
    connectionId: latest.connectionId,
    connectionName: null,
    failedExports: count,
    detail: latest.error,
    storeIds: latest.jobStoreIds,
  };
}
