/**
 * Sends the alert deliveries (CONTRACT §11 `setAlertTarget`): each operational event for a target is POSTed as JSON
 * to the target's connection and path, through the exports' own sender (address policy, OAuth2, headers, deadline,
 * `idempotency-key: <delivery id>`), with the exports' retry rules: up to JOBOUT_MAX_RETRIES retries,
 * JOBOUT_RETRY_INTERVAL_MS apart, then FAILED. Run at every sweep; SKIP LOCKED lets every instance take part, and a
 * claim is due again once its lease ends, should its instance stop mid-send.
 */
import type { SecretBox } from '../auth/secret-box';
import type { RetryPolicy } from '../config';
import type { SqlRunner } from '../db/sql-runner';
import type { Logger } from '../logger';
import { CONNECTION_JSON, outboundRequest, type StoredConnection } from './claimed-export';
import type { Sender } from './sender';

/** Deliveries per sweep and instance: alerts are few; a backlog drains over the next sweeps. */
export const ALERT_BATCH = 50;

const CLAIM_SQL = `
  with due as (
    select id from alert_delivery where state = 'PENDING' and next_attempt_at <= now()
    order by next_attempt_at limit $1 for update skip locked
  )
  update alert_delivery d set attempts = d.attempts + 1, next_attempt_at = now() + $2 * interval '1 millisecond', updated_at = now()
  from alert_target t join client_connection c on c.id = t.client_connection_id
  where d.id = any(array(select id from due)) and t.id = d.target_id
  returning d.id, d.attempts, d.payload, t.path, ${CONNECTION_JSON} as connection`;

/** Fenced by the attempt number: a late outcome of a claim taken again after its lease changes nothing. */
const SETTLE_SQL = `
  update alert_delivery set
    state = case when $2 then 'SUCCEEDED' when attempts > $3 then 'FAILED' else 'PENDING' end,
    next_attempt_at = case when $2 or attempts > $3 then null else now() + $4 * interval '1 millisecond' end,
    last_http_status = $5, last_error = $6, updated_at = now()
  where id = $1 and attempts = $7`;

interface Claimed {
  id: string;
  attempts: number;
  payload: string;
  path: string;
  connection: StoredConnection;
}

export class AlertSender {
  constructor(
    private readonly sql: SqlRunner,
    private readonly sender: Pick<Sender, 'send'>,
    private readonly secrets: SecretBox,
    private readonly retry: RetryPolicy,
    private readonly httpTimeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /** Sends what is due now; returns how many were sent. */
  async sendDue(): Promise<number> {
    const leaseMs = 2 * this.httpTimeoutMs + 5_000;
    const claimed = await this.sql.query<Claimed>(CLAIM_SQL, [ALERT_BATCH, leaseMs]);
    await Promise.all(claimed.map((delivery) => this.deliver(delivery)));
    return claimed.length;
  }

  private async deliver(delivery: Claimed): Promise<void> {
    const request = outboundRequest(
      { id: delivery.id, attempt: delivery.attempts, payload: delivery.payload, httpMethod: 'POST', path: delivery.path, queryParams: [], connection: delivery.connection },
      this.secrets,
    );
    const outcome = await this.sender.send(request);
    const delivered = outcome.kind === 'delivered';
    const httpStatus = outcome.kind === 'failed' ? null : outcome.httpStatus;
    const error = outcome.kind === 'failed' ? outcome.error : delivered ? null : `partner answered ${outcome.httpStatus}`;
    await this.sql
      .query(SETTLE_SQL, [delivery.id, delivered, this.retry.maxRetries, this.retry.intervalMs, httpStatus, error, delivery.attempts])
      .catch((failure) => this.logger.warn('could not record an alert delivery; it is sent again once its lease ends', { error: failure, delivery: delivery.id }));
    if (!delivered) this.logger.warn('alert delivery failed', { delivery: delivery.id, attempt: delivery.attempts, httpStatus, error });
  }
}
