import { Migration } from '@mikro-orm/migrations';

/**
 * The dispatch pipeline (CONTRACT §7–§8): the tables an order system writes, the trigger that records every
 * real status change in the `status_change` outbox in the same transaction, and the export records.
 *
 * The trigger wakes dispatchers with NOTIFY only while one is idle (`dispatch_wakeup.idle`): PostgreSQL
 * serialises the commits of notifying transactions, and the order system's write path must not pay that on
 * every write. A dispatcher that is draining sees new rows anyway; one that goes idle sets the flag and drains
 * once more, and a safety poll covers the last race.
 */
export class Migration20261127010000_dispatch extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table order_logistic (
        id uuid primary key default gen_random_uuid(),
        reference text not null constraint order_logistic_reference_key unique,
        account_external_id text null,
        supplier_external_id text null,
        store_external_id text null,
        status text null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        custom_fields jsonb null default '{}'
      );

      create table order_line (
        id uuid primary key default gen_random_uuid(),
        order_logistic_id uuid not null references order_logistic (id) on update cascade on delete cascade,
        order_line_id text null,
        offer_price_external_id text null,
        variant_external_id text null,
        quantity_per_item text null,
        gtin text null,
        quantity integer null,
        position serial not null
      );
      create index order_line_order_logistic_id_index on order_line (order_logistic_id, position);

      create table incident (
        id uuid primary key default gen_random_uuid(),
        order_incident_id text not null constraint incident_order_incident_id_key unique,
        order_incident_external_id text null,
        order_reference text null,
        status text null,
        reason_code text null,
        reason_description text null,
        supplier_external_id text null,
        account_external_id text null,
        created_at timestamptz not null default now()
      );

      create table incident_line (
        id uuid primary key default gen_random_uuid(),
        incident_id uuid not null references incident (id) on update cascade on delete cascade,
        order_line_id text null,
        order_line_external_id text null,
        incident_line_status text null,
        variant_external_id text null,
        incident_line_quantity integer null,
        position serial not null
      );
      create index incident_line_incident_id_index on incident_line (incident_id, position);

      create table status_change (
        id bigint generated always as identity primary key,
        object_type text not null,
        object_id uuid not null,
        object_reference text not null,
        supplier_external_id text null,
        status text not null,
        changed_at timestamptz not null default clock_timestamp(),
        processed_at timestamptz null
      );
      create index status_change_unprocessed_index on status_change (id) where processed_at is null;

      create table dispatch_wakeup (
        id integer primary key default 1 constraint dispatch_wakeup_single_row check (id = 1),
        idle boolean not null default true
      );
      insert into dispatch_wakeup (id, idle) values (1, true);

      create function jobout_wake_dispatcher() returns void language plpgsql as $$
      begin
        -- Once per transaction, and only when a dispatcher sleeps.
        if coalesce(current_setting('jobout.notified', true), '') <> 'yes' and (select idle from dispatch_wakeup where id = 1) then
          perform pg_notify('jobout_status_change', '');
          perform set_config('jobout.notified', 'yes', true);
        end if;
      end $$;

      -- The (object type, status) pairs some export job triggers on, kept by a statement trigger on export_job. A
      -- change no job watches is still recorded, but as already processed: the dispatcher never handles it, and the
      -- order system's writes to uninteresting statuses cost only the outbox row. Job writes take turns through an
      -- advisory lock, so two concurrent job changes cannot leave a watched status out.
      create table dispatch_watch (
        object_type text not null,
        status text not null,
        primary key (object_type, status)
      );

      create function jobout_refresh_watch() returns trigger language plpgsql as $$
      begin
        perform pg_advisory_xact_lock(hashtext('jobout_dispatch_watch'));
        delete from dispatch_watch w
          where not exists (select 1 from export_job j where j.object_type = w.object_type and w.status = any(j.trigger_statuses));
        insert into dispatch_watch (object_type, status)
          select distinct j.object_type, s.status from export_job j cross join lateral unnest(j.trigger_statuses) as s(status)
          on conflict do nothing;
        return null;
      end $$;
      create trigger export_job_watch after insert or update or delete on export_job
        for each statement execute function jobout_refresh_watch();
      insert into dispatch_watch (object_type, status)
        select distinct j.object_type, s.status from export_job j cross join lateral unnest(j.trigger_statuses) as s(status)
        on conflict do nothing;

      create function jobout_record_change(kind text, changed_id uuid, reference text, supplier text, new_status text) returns void
      language plpgsql as $$
      declare
        watched boolean;
      begin
        -- Waits while a job change is being committed (it holds the lock exclusively), so this change is either
        -- before that job (which then does not see it) or sees the job's statuses.
        perform pg_advisory_xact_lock_shared(hashtext('jobout_dispatch_watch'));
        watched := exists (select 1 from dispatch_watch w where w.object_type = kind and w.status = new_status);
        insert into status_change (object_type, object_id, object_reference, supplier_external_id, status, processed_at)
        values (kind, changed_id, reference, supplier, new_status, case when watched then null else now() end);
        if watched then
          perform jobout_wake_dispatcher();
        end if;
      end $$;

      create function jobout_check_status(kind text, status text, allowed text[]) returns text language plpgsql immutable as $$
      declare
        canonical text := case when status = 'DRAFT_ORDER_ON_HOLD' then 'ORDER_DRAFT_ON_HOLD' else status end;
      begin
        if canonical is null or canonical = any(allowed) then
          return canonical;
        end if;
        raise exception 'unknown % status "%"; allowed values: %', kind, status, array_to_string(allowed, ', ')
          using errcode = 'check_violation';
      end $$;

      -- Statuses are checked (the alias normalised, unknown ones refused) before a row is written. A real change is
      -- recorded in the outbox: for an UPDATE by the same BEFORE trigger (one function call on the order system's
      -- hot path), for an INSERT by an AFTER trigger, because the BEFORE INSERT trigger also runs for the proposed
      -- row of an INSERT ... ON CONFLICT DO UPDATE that ends up updating instead.
      create function jobout_order_status(status text) returns text language sql immutable as $$
        select jobout_check_status('order', status, array[
          'CREATING', 'DRAFT_ORDER', 'ORDER_DRAFT_ON_HOLD', 'BLOCKED_BY_POLICY', 'BLOCKED_BY_PAYMENT', 'ORDER_CREATED',
          'WAITING_CUSTOMER_APPROVAL', 'WAITING_SUPPLIER_APPROVAL', 'DECLINED_BY_CUSTOMER', 'DECLINED_BY_SUPPLIER',
          'ACCEPTED_BY_SUPPLIER', 'WAITING_FULFILLMENT', 'WAITING_SHIPMENT', 'PARTIALLY_SHIPPED', 'PARTIALLY_CANCELED',
          'SHIPPED', 'INCIDENT', 'COMPLETED', 'CANCELED'])
      $$;

      create function jobout_order_inserting() returns trigger language plpgsql as $$
      begin
        new.status := jobout_order_status(new.status);
        return new;
      end $$;
      create trigger order_logistic_status_check before insert on order_logistic
        for each row execute function jobout_order_inserting();

      create function jobout_order_inserted() returns trigger language plpgsql as $$
      begin
        perform jobout_record_change('ORDER', new.id, new.reference, new.supplier_external_id, new.status);
        return null;
      end $$;
      create trigger order_logistic_status_inserted after insert on order_logistic
        for each row when (new.status is not null) execute function jobout_order_inserted();

      create function jobout_order_updating() returns trigger language plpgsql as $$
      begin
        new.status := jobout_order_status(new.status);
        if new.status is not null and new.status is distinct from old.status then
          perform jobout_record_change('ORDER', new.id, new.reference, new.supplier_external_id, new.status);
        end if;
        return new;
      end $$;
      create trigger order_logistic_status_changed before update of status on order_logistic
        for each row execute function jobout_order_updating();

      create function jobout_incident_status(status text) returns text language sql immutable as $$
        select jobout_check_status('incident', status, array['OPEN', 'ON_GOING', 'CLOSED'])
      $$;

      create function jobout_incident_inserting() returns trigger language plpgsql as $$
      begin
        new.status := jobout_incident_status(new.status);
        return new;
      end $$;
      create trigger incident_status_check before insert on incident
        for each row execute function jobout_incident_inserting();

      create function jobout_incident_inserted() returns trigger language plpgsql as $$
      begin
        perform jobout_record_change('INCIDENT', new.id, new.order_incident_id, new.supplier_external_id, new.status);
        return null;
      end $$;
      create trigger incident_status_inserted after insert on incident
        for each row when (new.status is not null) execute function jobout_incident_inserted();

      create function jobout_incident_updating() returns trigger language plpgsql as $$
      begin
        new.status := jobout_incident_status(new.status);
        if new.status is not null and new.status is distinct from old.status then
          perform jobout_record_change('INCIDENT', new.id, new.order_incident_id, new.supplier_external_id, new.status);
        end if;
        return new;
      end $$;
      create trigger incident_status_changed before update of status on incident
        for each row execute function jobout_incident_updating();

      create function jobout_incident_line_status() returns trigger language plpgsql as $$
      begin
        new.incident_line_status := jobout_check_status('incident line', new.incident_line_status, array['OPEN', 'ON_GOING', 'CLOSED']);
        return new;
      end $$;

      create trigger incident_line_status before insert or update of incident_line_status on incident_line
        for each row execute function jobout_incident_line_status();

      create table export (
        id uuid primary key default gen_random_uuid(),
        job_id uuid null references export_job (id) on update cascade on delete set null,
        job_name text not null,
        object_type text not null,
        object_id uuid not null,
        object_reference text not null,
        supplier_external_id text null,
        trigger_status text not null,
        status_change_id bigint not null,
        dedupe_key text not null constraint export_dedupe_key_key unique,
        payload text not null,
        state text not null default 'PENDING'
          constraint export_state_check check (state in ('PENDING', 'SENDING', 'RETRY_SCHEDULED', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
        attempts integer not null default 0,
        -- attempts made before the current round: retryExport gives a FAILED export a fresh round of retries
        retry_base integer not null default 0,
        next_attempt_at timestamptz null,
        lease_token uuid null,
        lease_until timestamptz null,
        last_http_status integer null,
        last_error text null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        finished_at timestamptz null
      );
      create index export_job_id_index on export (job_id, created_at desc);
      create index export_object_reference_index on export (object_reference);
      create index export_due_index on export (next_attempt_at) where state in ('PENDING', 'RETRY_SCHEDULED');
      create index export_lease_index on export (lease_until) where state = 'SENDING';

      create table export_attempt (
        id bigint generated always as identity primary key,
        export_id uuid not null references export (id) on update cascade on delete cascade,
        attempt integer not null,
        started_at timestamptz not null,
        finished_at timestamptz not null,
        duration_ms integer not null,
        http_status integer null,
        response_excerpt text null,
        error_class text null,
        error text null,
        stale boolean not null default false
      );
      create index export_attempt_export_id_index on export_attempt (export_id, attempt);
    `);
  }
}
