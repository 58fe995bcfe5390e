/**
 * Prometheus metrics for `GET /metrics` (CONTRACT §1), on a registry of this instance's own rather than
 * prom-client's global one, so several gateways in one process (tests) do not clash.
 *
 * Two kinds: the attempt counters and the send duration histograms count what this instance sent (fed by each
 * settled batch; a late result from an instance that had lost its lease changed nothing and is not counted); the
 * gauges are read from the database and describe the whole cluster, so every instance reports the same values
 * (aggregate them with max, not sum).
 *
 * The gauges of work in progress (PENDING, RETRY_SCHEDULED, SENDING, PAUSED, due retries, outbox lag, suspended
 * connections) are read at every scrape: the partial indexes on due, leased and parked exports hold only those
 * rows, so that is cheap. Counting the
 * finished exports (SUCCEEDED, FAILED, CANCELLED) scans the table, which grows without bound: they are counted at
 * most once per FINISHED_COUNT_MAX_AGE_MS, and a scrape in between reports the last count.
 */
import type { Authenticator } from '../auth/authenticator';
import { addressOf } from '../auth/failed-auth-throttle';
import { TooManyRequestsError } from '../domain/errors';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SettledExport } from '../dispatch/sql/settle-attempts';
import { EXPORT_STATES, type ExportState } from '../domain/statuses';
import type { Logger } from '../logger';

/** Send durations, in seconds: up to the default 10 s attempt deadline and beyond (the deadline is configurable). */
export const SEND_DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

const OUTCOMES = ['succeeded', 'failed'] as const;

/** How stale the counts of finished exports may be: one table scan a minute at most, however often scraped. */
export const FINISHED_COUNT_MAX_AGE_MS = 60_000;

const FINISHED_STATES: readonly ExportState[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

/** The state conditions match the partial indexes' predicates, so only rows in progress are read. */
const IN_PROGRESS_SQL = `
  select
    (select coalesce(json_object_agg(state, n), '{}') from (
       select state, count(*)::int as n from export where state in ('PENDING', 'RETRY_SCHEDULED') group by state
       union all select 'SENDING', count(*)::int from export where state = 'SENDING'
       union all select 'PAUSED', count(*)::int from export where state = 'PAUSED') s) as states,
    (select count(*)::int from client_connection where state = 'SUSPENDED') as suspended_connections,
    (select coalesce(sum(throttled_total), 0)::float8 from client_connection) as throttled_total,
    -- the outbox holds only changes not yet recorded; the lowest id is (about) the oldest
    coalesce((select greatest(0, extract(epoch from now() - changed_at))::float8 from status_change order by id limit 1), 0) as outbox_lag,
    (select count(*)::int from export where state = 'RETRY_SCHEDULED' and next_attempt_at <= now()) as due_retries`;

/** Ids that may still label a series: jobs and connections that exist (small tables, read once a minute at most). */
const LIVE_IDS_SQL = `select array(select id::text from export_job) as jobs, array(select id::text from client_connection) as connections`;

const FINISHED_SQL = `select coalesce(json_object_agg(state, n), '{}') as states from (
  select state, count(*)::int as n from export where state in ('SUCCEEDED', 'FAILED', 'CANCELLED') group by state) s`;

interface InProgressRow {
  /** json: the driver parses it. */
  states: Partial<Record<ExportState, number>>;
  suspended_connections: number;
  throttled_total: number;
  outbox_lag: number;
  due_retries: number;
}

export class Metrics {
  private readonly registry = new Registry();
  private readonly exports = new Gauge({ name: 'jobout_exports', help: 'Exports by state', labelNames: ['state'], registers: [this.registry] });
  private readonly attempts = new Counter({
    name: 'jobout_export_attempts_total',
    help: 'Attempts this instance sent and recorded, by outcome (succeeded: a 2xx within the deadline)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly sendDuration = new Histogram({
    name: 'jobout_send_duration_seconds',
    help: 'Duration of an attempt, from the start of the request to the outcome',
    buckets: SEND_DURATION_BUCKETS,
    registers: [this.registry],
  });
  // Per job and per connection, so an alert can name the one failing partner. The labels are ids: bounded by the
  // number of jobs and connections, never by orders; the series of deleted ones are dropped (pruneDeleted).
  private readonly jobAttempts = new Counter({
    name: 'jobout_job_attempts_total',
    help: 'Attempts this instance sent and recorded, by job and outcome',
    labelNames: ['job_id', 'outcome'],
    registers: [this.registry],
  });
  private readonly jobSendDuration = new Histogram({
    name: 'jobout_job_send_duration_seconds',
    help: 'Duration of an attempt, by job',
    labelNames: ['job_id'],
    buckets: SEND_DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly connectionAttempts = new Counter({
    name: 'jobout_connection_attempts_total',
    help: 'Attempts this instance sent and recorded, by client connection and outcome',
    labelNames: ['connection_id', 'outcome'],
    registers: [this.registry],
  });
  private readonly connectionSendDuration = new Histogram({
    name: 'jobout_connection_send_duration_seconds',
    help: 'Duration of an attempt, by client connection',
    labelNames: ['connection_id'],
    buckets: SEND_DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly outboxLag = new Gauge({
    name: 'jobout_outbox_lag_seconds',
    help: 'Age of the oldest status change not yet turned into exports; 0 when there is none',
    registers: [this.registry],
  });
  private readonly suspendedConnections = new Gauge({
    name: 'jobout_suspended_connections',
    help: 'Client connections suspended by their circuit breaker (their exports wait PAUSED)',
    registers: [this.registry],
  });
  private readonly throttledSends = new Counter({
    name: 'jobout_throttled_sends_total',
    help: "Exports held back for a while by their connection's rate or concurrency limit (every instance)",
    registers: [this.registry],
  });
  /** The cluster-wide count at the last scrape: the counter grows by what was added since. */
  private throttledSeen: number | undefined;
  private readonly dueRetries = new Gauge({
    name: 'jobout_due_retries',
    help: 'Exports in RETRY_SCHEDULED whose next attempt is due',
    registers: [this.registry],
  });

  /** The last count of finished exports, and when it was taken (by `now`); one count at a time. */
  private finished: { states: Partial<Record<ExportState, number>>; at: number } | undefined;
  private counting: Promise<void> | undefined;

  constructor(
    private readonly orm: MikroORM,
    /** Milliseconds (`Date.now`): when the finished exports were last counted. */
    private readonly now: () => number,
  ) {
    // Every series exists from the start, so a rate() over a fresh instance is 0 rather than absent.
    for (const outcome of OUTCOMES) this.attempts.inc({ outcome }, 0);
    // CPU, memory, event loop lag, GC, handles: the process's own health, next to the exports'.
    collectDefaultMetrics({ register: this.registry, prefix: 'jobout_' });
  }

  recordSettled(settled: SettledExport[]): void {
    for (const attempt of settled) {
      const outcome = attempt.state === 'SUCCEEDED' ? 'succeeded' : 'failed';
      const seconds = attempt.durationMs / 1000;
      this.attempts.inc({ outcome });
      this.sendDuration.observe(seconds);
      if (attempt.jobId !== null) {
        this.jobAttempts.inc({ job_id: attempt.jobId, outcome });
        this.jobSendDuration.observe({ job_id: attempt.jobId }, seconds);
      }
      if (attempt.connectionId !== null) {
        this.connectionAttempts.inc({ connection_id: attempt.connectionId, outcome });
        this.connectionSendDuration.observe({ connection_id: attempt.connectionId }, seconds);
      }
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The counts of finished exports, taken again once older than FINISHED_COUNT_MAX_AGE_MS; concurrent scrapes share one count. */
  private async finishedCounts(): Promise<Partial<Record<ExportState, number>>> {
    if (this.finished === undefined || this.now() - this.finished.at >= FINISHED_COUNT_MAX_AGE_MS) {
      this.counting ??= this.orm.em
        .fork()
        .execute<{ states: Partial<Record<ExportState, number>> }[]>(FINISHED_SQL)
        .then(async ([row]) => {
          this.finished = { states: row.states, at: this.now() };
          await this.pruneDeleted();
        })
        .finally(() => (this.counting = undefined));
      await this.counting;
    }
    return this.finished!.states;
  }

  /** Drops the per-job and per-connection series of jobs and connections deleted since, so their number stays bounded. */
  private async pruneDeleted(): Promise<void> {
    const [live] = await this.orm.em.fork().execute<{ jobs: string[]; connections: string[] }[]>(LIVE_IDS_SQL);
    const jobs = new Set(live.jobs);
    const connections = new Set(live.connections);
    for (const metric of [this.jobAttempts, this.jobSendDuration]) await removeSeriesWhere(metric, (labels) => !jobs.has(String(labels.job_id)));
    for (const metric of [this.connectionAttempts, this.connectionSendDuration]) await removeSeriesWhere(metric, (labels) => !connections.has(String(labels.connection_id)));
  }

  /** The exposition text, with the gauges of work in progress read now (see the module comment). */
  async scrape(): Promise<string> {
    const [row] = await this.orm.em.fork().execute<InProgressRow[]>(IN_PROGRESS_SQL);
    const finished = await this.finishedCounts();
    for (const state of EXPORT_STATES) this.exports.set({ state }, (FINISHED_STATES.includes(state) ? finished[state] : row.states[state]) ?? 0);
    this.outboxLag.set(Number(row.outbox_lag));
    this.dueRetries.set(row.due_retries);
    this.suspendedConnections.set(row.suspended_connections);
    const throttled = Number(row.throttled_total);
    if (throttled > (this.throttledSeen ?? 0)) this.throttledSends.inc(throttled - (this.throttledSeen ?? 0));
    this.throttledSeen = Math.max(throttled, this.throttledSeen ?? 0);
    return this.registry.metrics();
  }
}

type Labels = Record<string, string | number | undefined>;

/** Removes every series of the metric whose labels match (a histogram's buckets, sum and count go together). */
async function removeSeriesWhere(metric: Counter<string> | Histogram<string>, matches: (labels: Labels) => boolean): Promise<void> {
  const { values } = await metric.get();
  const seen = new Set<string>();
  for (const { labels } of values) {
    const own: Labels = { ...labels };
    delete own.le;
    const key = JSON.stringify(own);
    if (seen.has(key) || !matches(own)) continue;
    seen.add(key);
    metric.remove(own as Record<string, string>);
  }
}

/**
 * `GET /metrics`. Its figures have no store dimension (CONTRACT §2a), and with `JOBOUT_METRICS_TOKEN` set it needs
 * that bearer token: volumes and failure counts of every store are nobody else's business.
 */
export function metricsHandler(metrics: Metrics, logger: Logger, access: { token: string | undefined; authenticator: Authenticator }): RequestHandler {
  return async (req, res) => {
    if (access.token !== undefined) {
      let allowed: boolean;
      try {
        allowed = access.authenticator.checkConfiguredToken(req.headers.authorization, access.token, addressOf(req.socket));
      } catch (error) {
        if (!(error instanceof TooManyRequestsError)) throw error;
        res.status(429).set('retry-after', String(error.retryAfterSeconds)).type('text/plain').send(`${error.message}\n`);
        return;
      }
      if (!allowed) {
        res.status(401).set('www-authenticate', 'Bearer realm="metrics"').type('text/plain').send('metrics need the bearer token of JOBOUT_METRICS_TOKEN\n');
        return;
      }
    }
    try {
      const body = await metrics.scrape();
      res.type(metrics.contentType).send(body);
    } catch (error) {
      logger.warn('metrics scrape failed: database unavailable', { error });
      res.status(503).type('text/plain').send('database unavailable\n');
    }
  };
}
