import { Migration } from '@mikro-orm/migrations';

/**
 * Partner controls (CONTRACT §11), the parts that hold state:
 * - a job can be paused: its exports are recorded but wait PAUSED, not attempted, no retry used;
 * - a connection has a circuit breaker: after `suspend_after_consecutive_failures` failed attempts in a row it is
 *   SUSPENDED, its waiting exports are PAUSED with their retries kept, and one of them is sent as a probe (`probe`)
 *   every retry interval (`next_probe_at`) until one succeeds;
 * - finished exports older than the retention period lose their payload and attempts (`purged_at`), while the row,
 *   whose id is the once-per-(job, object, status) key, stays.
 * Every default keeps the seed's behaviour: nothing is paused, no breaker, nothing purged before 90 days.
 */
export class Migration20261130020000_partner_controls extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      -- Jobout's own tables only, read by the dispatcher's hot path: rather fail (the next start tries again) than
      -- queue it behind these locks.
      set local lock_timeout = '10s';

      -- The migration runs in one transaction, so the export table is locked while the new check and the two
      -- indexes below are built: a pause of the dispatcher's writes that grows with the table. Jobout is not
      -- released yet; the first migration after a release must build its indexes CONCURRENTLY, outside a
      -- transaction (README, Development).
      alter table export drop constraint export_state_check;
      alter table export add constraint export_state_check
        check (state in ('PENDING', 'SENDING', 'RETRY_SCHEDULED', 'PAUSED', 'SUCCEEDED', 'FAILED', 'CANCELLED'));
      alter table export add column probe boolean not null default false;
      alter table export add column purged_at timestamptz null;
      -- parked exports are released oldest first; retention walks finished exports by age
      create index export_parked_index on export (created_at) where state = 'PAUSED';
      create index export_retention_index on export (finished_at) where finished_at is not null and purged_at is null;

      alter table export_job add column paused boolean not null default false;

      alter table client_connection add column suspend_after_consecutive_failures integer null
        constraint client_connection_suspend_after_check check (suspend_after_consecutive_failures > 0);
      alter table client_connection add column state text not null default 'ACTIVE'
        constraint client_connection_state_check check (state in ('ACTIVE', 'SUSPENDED'));
      alter table client_connection add column suspended_at timestamptz null;
      -- failed attempts since the last success, kept only for connections with a breaker
      alter table client_connection add column consecutive_failures integer not null default 0;
      alter table client_connection add column next_probe_at timestamptz null;
    `);
  }
}
