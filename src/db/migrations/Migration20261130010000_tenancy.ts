import { Migration } from '@mikro-orm/migrations';

/**
 * Tenancy (CONTRACT §2, §2a): operators get the INGEST level, all-stores access, an expiry and a revocation;
 * export jobs and client connections get owner stores.
 *
 * Owner stores are a sorted array of store ids, empty for a *global* resource: every existing job and connection
 * becomes global, as the contract asks, until an administrator assigns it to stores. An array (not a join
 * table) because every rule reads it as a set in one expression: visible (`&&` the caller's stores, or global),
 * writable (`<@` the caller's stores), and the dispatcher's matching (the supplier's stores `&&` the job's).
 * Names are unique per owner set, not globally: a global uniqueness would answer NAME_TAKEN for a name used in
 * another store, telling its operators what that store calls its partners.
 */
export class Migration20261130010000_tenancy extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      -- Jobout's own tables only, but export_job and client_connection are read by the dispatcher's hot path:
      -- rather fail (the next start tries again) than queue it behind these locks.
      set local lock_timeout = '10s';

      alter table operator drop constraint operator_permission_check;
      alter table operator add constraint operator_permission_check check (permission in ('ADMIN', 'USER', 'READER', 'INGEST'));
      alter table operator add column all_stores boolean not null default false;
      alter table operator add column expires_at timestamptz null;
      alter table operator add column revoked_at timestamptz null;

      alter table export_job add column store_ids uuid[] not null default '{}';
      alter table export_job drop constraint export_job_name_key;
      alter table export_job add constraint export_job_name_key unique (name, store_ids);

      alter table client_connection add column store_ids uuid[] not null default '{}';
      alter table client_connection drop constraint client_connection_name_key;
      alter table client_connection add constraint client_connection_name_key unique (name, store_ids);
    `);
  }
}
