import { Migration } from '@mikro-orm/migrations';

/**
 * Per-connection rate and concurrency limits (CONTRACT §11), held across every instance by the database: a token
 * bucket on the connection row (`rate_tokens`, refilled at `max_requests_per_second` since `rate_refilled_at`,
 * holding one second's worth at most), spent by the claim statement under the row's lock, and `throttled_until`,
 * which keeps a connection out of picks until its next token (or a free slot) can be there, so that its backlog
 * never stands in front of other connections' exports. Null limits (the default) keep the seed's behaviour.
 */
export class Migration20261130030000_rate_limits extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      set local lock_timeout = '10s';
      alter table client_connection add column max_requests_per_second integer null
        constraint client_connection_max_rps_check check (max_requests_per_second > 0);
      alter table client_connection add column max_concurrent_requests integer null
        constraint client_connection_max_concurrent_check check (max_concurrent_requests > 0);
      alter table client_connection add column rate_tokens double precision not null default 0;
      alter table client_connection add column rate_refilled_at timestamptz null;
      alter table client_connection add column throttled_until timestamptz null;
      -- sends held back by a limit, ever (the metric jobout_throttled_sends_total)
      alter table client_connection add column throttled_total bigint not null default 0;
    `);
  }
}
