import { Migration } from '@mikro-orm/migrations';

/**
 * A cheaper write path for the order system and the dispatcher (issue #6, measured in BENCHMARKS.md).
 *
 * - Status changes are recorded by AFTER row triggers whose WHEN clause lists the watched statuses. The
 *   triggers are regenerated whenever the set of statuses some job watches changes, so a write to a status no
 *   job watches never calls a function, only the clause is evaluated. The old per-row function took a
 *   shared advisory lock, looked the status up in `dispatch_watch` and always wrote an outbox row.
 * - Job edits order themselves against status changes by locking the source table of their object type (SHARE
 *   ROW EXCLUSIVE, which every writer's ROW EXCLUSIVE waits for, readers not) instead of through an advisory lock
 *   every writer took per row. Needs PostgreSQL 14 or later (CREATE OR REPLACE TRIGGER).
 * - Statuses are still checked and the alias normalised before a row is written, but the checking function is
 *   called only for a status outside the allowed list (the WHEN clause filters the valid ones).
 * - Outbox rows are deleted once recorded (a delete writes no index entries; marking them processed wrote a
 *   new row version into two indexes), so the table holds only the backlog.
 * - Attempt rows no longer carry a foreign key to their export: exports are never deleted, and the key's
 *   per-row check locked the export row the same statement had just updated.
 * - Exports lose their dedupe key column and its unique index: the primary key, a digest of that key, does the
 *   same job.
 */
export class Migration20261127020000_lean_write_path extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      -- Rather fail (the next start tries again) than queue the order system's traffic behind these locks.
      set local lock_timeout = '10s';

      -- Jobout's own tables first.
      alter table export_attempt drop constraint export_attempt_export_id_fkey;

      -- The export id is a digest of the dedupe key (see exportIdFor): the primary key enforces "once per job,
      -- object and status" by itself, and every write of an export no longer maintains a second, wide unique index.
      alter table export drop column dedupe_key;
      -- A lease token alone fences a settle: it exists exactly while the export is being sent.
      alter table export add constraint export_lease_check check ((state = 'SENDING') = (lease_token is not null));

      delete from status_change where processed_at is not null;
      drop index status_change_unprocessed_index;
      alter table status_change drop column processed_at;

      -- Checking statuses: the BEFORE triggers fire only for a value outside the allowed list, to normalise the
      -- alias or refuse the value with a message naming the allowed ones.
      create function jobout_normalise_status() returns trigger language plpgsql as $$
      declare
        allowed text[] := TG_ARGV[1]::text[];
      begin
        if TG_ARGV[2] = 'incident_line_status' then
          new.incident_line_status := jobout_check_status(TG_ARGV[0], new.incident_line_status, allowed);
        else
          new.status := jobout_check_status(TG_ARGV[0], new.status, allowed);
        end if;
        return new;
      end $$;

      -- Recording a change: one outbox row, and a wake-up for sleeping dispatchers, looked up once per
      -- transaction (a NOTIFY serialises the commits of notifying transactions, so it is sent only when needed).
      create or replace function jobout_wake_dispatcher() returns void language plpgsql as $$
      begin
        if current_setting('jobout.wake_checked', true) is distinct from 'yes' then
          perform set_config('jobout.wake_checked', 'yes', true);
          if (select idle from dispatch_wakeup where id = 1) then
            perform pg_notify('jobout_status_change', '');
          end if;
        end if;
      end $$;

      create function jobout_order_changed() returns trigger language plpgsql as $$
      begin
        insert into status_change (object_type, object_id, object_reference, supplier_external_id, status)
        values ('ORDER', new.id, new.reference, new.supplier_external_id, new.status);
        perform jobout_wake_dispatcher();
        return null;
      end $$;

      create function jobout_incident_changed() returns trigger language plpgsql as $$
      begin
        insert into status_change (object_type, object_id, object_reference, supplier_external_id, status)
        values ('INCIDENT', new.id, new.order_incident_id, new.supplier_external_id, new.status);
        perform jobout_wake_dispatcher();
        return null;
      end $$;

      -- (Re)creates one object type's recording triggers with the statuses dispatch_watch lists for it (an empty
      -- list never fires). CREATE OR REPLACE TRIGGER takes SHARE ROW EXCLUSIVE, the lock a job edit already
      -- holds; dropping a trigger would take ACCESS EXCLUSIVE and queue every reader of the table behind it.
      create function jobout_install_change_triggers(kind text) returns void language plpgsql as $$
      declare
        source text := case kind when 'ORDER' then 'order_logistic' else 'incident' end;
        recorder text := case kind when 'ORDER' then 'jobout_order_changed' else 'jobout_incident_changed' end;
        statuses text[] := array(select w.status from dispatch_watch w where w.object_type = kind order by w.status);
      begin
        execute format('create or replace trigger %I after insert on %I for each row when (new.status = any (%L::text[])) execute function %I()',
                       source || '_status_inserted', source, statuses, recorder);
        execute format('create or replace trigger %I after update of status on %I for each row when (new.status is distinct from old.status and new.status = any (%L::text[])) execute function %I()',
                       source || '_status_changed', source, statuses, recorder);
      end $$;

      -- Keeps dispatch_watch and the recording triggers in step with the jobs. An object type whose watched
      -- statuses change has its table locked first (job edits through the API hold that lock already), and both
      -- sets are read again, in one statement (one snapshot), under the lock, so two job writes cannot interleave.
      create or replace function jobout_refresh_watch() returns trigger language plpgsql as $$
      declare
        kind text;
        wanted text[];
        watched text[];
      begin
        foreach kind in array array['ORDER', 'INCIDENT'] loop
          for pass in 1..2 loop
            select array(select distinct s.status from export_job j cross join lateral unnest(j.trigger_statuses) as s(status)
                         where j.object_type = kind order by s.status),
                   array(select w.status from dispatch_watch w where w.object_type = kind order by w.status)
              into wanted, watched;
            exit when wanted is not distinct from watched;
            if pass = 1 then
              execute format('lock table %I in share row exclusive mode', case kind when 'ORDER' then 'order_logistic' else 'incident' end);
            else
              delete from dispatch_watch where object_type = kind;
              insert into dispatch_watch (object_type, status) select kind, unnest(wanted);
              perform jobout_install_change_triggers(kind);
            end if;
          end loop;
        end loop;
        return null;
      end $$;

      -- Last, the order system's tables: dropping their old triggers locks them exclusively until this commits.
      drop trigger order_logistic_status_check on order_logistic;
      drop trigger order_logistic_status_inserted on order_logistic;
      drop trigger order_logistic_status_changed on order_logistic;
      drop trigger incident_status_check on incident;
      drop trigger incident_status_inserted on incident;
      drop trigger incident_status_changed on incident;
      drop trigger incident_line_status on incident_line;
      drop function jobout_order_inserting();
      drop function jobout_order_inserted();
      drop function jobout_order_updating();
      drop function jobout_incident_inserting();
      drop function jobout_incident_inserted();
      drop function jobout_incident_updating();
      drop function jobout_incident_line_status();
      drop function jobout_record_change(text, uuid, text, text, text);
      drop function jobout_order_status(text);
      drop function jobout_incident_status(text);

      create trigger order_logistic_status_check before insert or update of status on order_logistic for each row
        when (new.status is not null and new.status <> all ('{CREATING,DRAFT_ORDER,ORDER_DRAFT_ON_HOLD,BLOCKED_BY_POLICY,BLOCKED_BY_PAYMENT,ORDER_CREATED,WAITING_CUSTOMER_APPROVAL,WAITING_SUPPLIER_APPROVAL,DECLINED_BY_CUSTOMER,DECLINED_BY_SUPPLIER,ACCEPTED_BY_SUPPLIER,WAITING_FULFILLMENT,WAITING_SHIPMENT,PARTIALLY_SHIPPED,PARTIALLY_CANCELED,SHIPPED,INCIDENT,COMPLETED,CANCELED}'::text[]))
        execute function jobout_normalise_status('order', '{CREATING,DRAFT_ORDER,ORDER_DRAFT_ON_HOLD,BLOCKED_BY_POLICY,BLOCKED_BY_PAYMENT,ORDER_CREATED,WAITING_CUSTOMER_APPROVAL,WAITING_SUPPLIER_APPROVAL,DECLINED_BY_CUSTOMER,DECLINED_BY_SUPPLIER,ACCEPTED_BY_SUPPLIER,WAITING_FULFILLMENT,WAITING_SHIPMENT,PARTIALLY_SHIPPED,PARTIALLY_CANCELED,SHIPPED,INCIDENT,COMPLETED,CANCELED}', 'status');
      create trigger incident_status_check before insert or update of status on incident for each row
        when (new.status is not null and new.status <> all ('{OPEN,ON_GOING,CLOSED}'::text[]))
        execute function jobout_normalise_status('incident', '{OPEN,ON_GOING,CLOSED}', 'status');
      create trigger incident_line_status_check before insert or update of incident_line_status on incident_line for each row
        when (new.incident_line_status is not null and new.incident_line_status <> all ('{OPEN,ON_GOING,CLOSED}'::text[]))
        execute function jobout_normalise_status('incident line', '{OPEN,ON_GOING,CLOSED}', 'incident_line_status');

      select jobout_install_change_triggers('ORDER');
      select jobout_install_change_triggers('INCIDENT');
    `);
  }
}
