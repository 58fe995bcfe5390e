import { Migration } from '@mikro-orm/migrations';

/**
 * Alert targets (CONTRACT §11 `setAlertTarget`): one per owner store set, an endpoint (a client connection and a
 * path) that operational events are POSTed to as JSON, with the export retry rules. Each event to deliver is a row
 * of `alert_delivery`, written with the event, so an alert survives a restart and a partner's downtime.
 */
export class Migration20261130040000_alert_targets extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      set local lock_timeout = '10s';
      create table alert_target (
        id uuid primary key default gen_random_uuid(),
        -- the owner stores whose events it receives; empty = global (every event)
        store_ids uuid[] not null default '{}' constraint alert_target_store_ids_key unique,
        client_connection_id uuid not null references client_connection (id) on update cascade on delete restrict,
        path text not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index alert_target_client_connection_id_index on alert_target (client_connection_id);
      create table alert_delivery (
        id uuid primary key default gen_random_uuid(),
        target_id uuid not null references alert_target (id) on delete cascade,
        payload text not null,
        state text not null default 'PENDING' constraint alert_delivery_state_check check (state in ('PENDING', 'SUCCEEDED', 'FAILED')),
        attempts integer not null default 0,
        next_attempt_at timestamptz null,
        lease_until timestamptz null,
        last_http_status integer null,
        last_error text null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index alert_delivery_target_id_index on alert_delivery (target_id);
      create index alert_delivery_due_index on alert_delivery (next_attempt_at) where state = 'PENDING';
    `);
  }
}
