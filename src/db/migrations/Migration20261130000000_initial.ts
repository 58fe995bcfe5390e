import { Migration } from '@mikro-orm/migrations';

/**
 * Jobout's schema as it is today, created directly (the development history before the first release was
 * squashed into this one file). Part 1 creates the tables; part 2 installs the write path, the functions and
 * triggers through which an order system's writes reach the dispatcher, described there as one protocol.
 *
 * A migration means the same thing forever, so the status lists are literals here, written once each; a test
 * (test/db/migrations.test.ts) checks that the database refuses exactly what `domain/statuses.ts` refuses.
 */
const ORDER_STATUSES = `{CREATING,DRAFT_ORDER,ORDER_DRAFT_ON_HOLD,BLOCKED_BY_POLICY,BLOCKED_BY_PAYMENT,ORDER_CREATED,\
WAITING_CUSTOMER_APPROVAL,WAITING_SUPPLIER_APPROVAL,DECLINED_BY_CUSTOMER,DECLINED_BY_SUPPLIER,ACCEPTED_BY_SUPPLIER,\
WAITING_FULFILLMENT,WAITING_SHIPMENT,PARTIALLY_SHIPPED,PARTIALLY_CANCELED,SHIPPED,INCIDENT,COMPLETED,CANCELED}`;
const INCIDENT_STATUSES = '{OPEN,ON_GOING,CLOSED}';

export class Migration20261130000000_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(TABLES);
    this.addSql(WRITE_PATH);
  }
}

/** Part 1: reference data, operators, connections and jobs (CONTRACT §2–§4), the order system's tables (§7), dispatch. */
const TABLES = `
  create table store (
    id uuid primary key default gen_random_uuid(),
    external_id text not null constraint store_external_id_key unique,
    name text not null,
    created_at timestamptz not null default now()
  );

  create table supplier (
    id uuid primary key default gen_random_uuid(),
    external_id text not null constraint supplier_external_id_key unique,
    name text not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
  );

  create table supplier_store (
    supplier_id uuid not null references supplier (id) on update cascade on delete cascade,
    store_id uuid not null references store (id) on update cascade on delete cascade,
    primary key (supplier_id, store_id)
  );
  create index supplier_store_store_id_index on supplier_store (store_id);

  create table operator (
    id uuid primary key default gen_random_uuid(),
    name text not null,
    permission text not null constraint operator_permission_check check (permission in ('ADMIN', 'USER', 'READER')),
    -- SHA-256 of the token: the token itself is shown once and never stored
    token_hash text not null constraint operator_token_hash_key unique,
    created_at timestamptz not null default now()
  );

  create table operator_store (
    operator_id uuid not null references operator (id) on update cascade on delete cascade,
    store_id uuid not null references store (id) on update cascade on delete cascade,
    primary key (operator_id, store_id)
  );

  create table client_connection (
    id uuid primary key default gen_random_uuid(),
    name text not null constraint client_connection_name_key unique,
    base_url text not null,
    headers jsonb not null default '[]',
    timeout_ms integer null,
    auth_type text not null default 'NONE'
      constraint client_connection_auth_type_check check (auth_type in ('NONE', 'OAUTH2_CLIENT_CREDENTIALS', 'OAUTH2_PASSWORD')),
    token_url text null,
    client_id text null,
    -- AES-256-GCM, sealed with the row id and field name as associated data (auth/secret-box.ts)
    client_secret_enc text null,
    username text null,
    password_enc text null,
    scope text null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
  );

  create table export_job (
    id uuid primary key default gen_random_uuid(),
    name text not null constraint export_job_name_key unique,
    export_method text not null default 'API_CLIENT' constraint export_job_export_method_check check (export_method = 'API_CLIENT'),
    object_type text not null constraint export_job_object_type_check check (object_type in ('ORDER', 'INCIDENT')),
    client_connection_id uuid not null references client_connection (id) on update cascade on delete restrict,
    trigger_statuses text[] not null constraint export_job_trigger_statuses_check check (cardinality(trigger_statuses) > 0),
    allow_multiple_exports boolean not null default false,
    http_method text not null constraint export_job_http_method_check check (http_method in ('POST', 'PUT', 'PATCH')),
    path text not null,
    query_params jsonb not null default '[]',
    mapping jsonb not null default '[]',
    include_custom_fields boolean not null default false,
    created_at timestamptz not null default now(),
    -- also the instant from which the job sees status changes (no backfill): set under the source table lock
    updated_at timestamptz not null default now()
  );
  create index export_job_client_connection_id_index on export_job (client_connection_id);

  create table export_job_supplier (
    export_job_id uuid not null references export_job (id) on update cascade on delete cascade,
    supplier_id uuid not null references supplier (id) on update cascade on delete cascade,
    primary key (export_job_id, supplier_id)
  );
  create index export_job_supplier_supplier_id_index on export_job_supplier (supplier_id);

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
    -- lines are exported in the order they were written
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

  -- The outbox: status changes not yet recorded as exports. A recording round claims rows for a while
  -- (claimed_until; SKIP LOCKED keeps instances apart, never an id cursor: ids commit out of order), then one
  -- statement inserts their exports and deletes them, so the table holds only the backlog.
  create table status_change (
    id bigint generated always as identity primary key,
    object_type text not null,
    object_id uuid not null,
    object_reference text not null,
    supplier_external_id text null,
    status text not null,
    changed_at timestamptz not null default clock_timestamp(),
    claimed_until timestamptz null
  );
  -- A queue table: after a burst it is empty, and vacuum's truncation would take an exclusive lock (replayed on
  -- standbys) for pages the next burst needs again.
  alter table status_change set (vacuum_truncate = false);

  -- The idle flag: writers NOTIFY only while it is raised (no dispatcher is draining a backlog).
  create table dispatch_wakeup (
    id integer primary key default 1 constraint dispatch_wakeup_single_row check (id = 1),
    idle boolean not null default true
  );
  insert into dispatch_wakeup (id, idle) values (1, true);

  -- The (object type, status) pairs some export job triggers on; the recording triggers list them.
  create table dispatch_watch (
    object_type text not null,
    status text not null,
    primary key (object_type, status)
  );

  -- One row per triggered send. The id is a digest of the dedupe key (job, object, status; plus the change for
  -- jobs that allow multiple exports), so the primary key enforces "once per job, object and status".
  create table export (
    id uuid primary key default gen_random_uuid(),
    -- null once the job is deleted (its unsent exports are CANCELLED)
    job_id uuid null references export_job (id) on update cascade on delete set null,
    job_name text not null,
    object_type text not null,
    object_id uuid not null,
    object_reference text not null,
    supplier_external_id text null,
    trigger_status text not null,
    status_change_id bigint not null,
    -- the request body, as text: every attempt sends the same bytes (jsonb would reorder keys)
    payload text not null,
    state text not null default 'PENDING'
      constraint export_state_check check (state in ('PENDING', 'SENDING', 'RETRY_SCHEDULED', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
    attempts integer not null default 0,
    -- attempts made before the current round: retryExport gives a FAILED export a fresh round of retries
    retry_base integer not null default 0,
    next_attempt_at timestamptz null,
    -- the fence of every settle: a lease token exists exactly while the export is being sent
    lease_token uuid null,
    lease_until timestamptz null,
    last_http_status integer null,
    last_error text null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    finished_at timestamptz null,
    constraint export_lease_check check ((state = 'SENDING') = (lease_token is not null))
  );
  create index export_job_id_index on export (job_id, created_at desc);
  create index export_object_reference_index on export (object_reference);
  create index export_due_index on export (next_attempt_at) where state in ('PENDING', 'RETRY_SCHEDULED');
  create index export_lease_index on export (lease_until) where state = 'SENDING';

  -- One row per HTTP try. No foreign key: exports are never deleted, and its per-row check would lock the export
  -- row the settle statement has just updated.
  create table export_attempt (
    id bigint generated always as identity primary key,
    export_id uuid not null,
    attempt integer not null,
    started_at timestamptz not null,
    finished_at timestamptz not null,
    duration_ms integer not null,
    http_status integer null,
    response_excerpt text null,
    error_class text null,
    error text null,
    -- a late result of an attempt whose lease was reclaimed meanwhile
    stale boolean not null default false
  );
  create index export_attempt_export_id_index on export_attempt (export_id, attempt);
`;

/**
 * Part 2: the write path, one protocol between the order system's writes, job edits and dispatchers.
 *
 * 1. Checking. A BEFORE trigger normalises the status alias and refuses unknown statuses with the allowed
 *    values. Its WHEN clause lists the valid ones, so a valid write calls no function at all.
 * 2. Recording. AFTER row triggers whose WHEN clause lists the watched statuses (dispatch_watch) write one
 *    outbox row per real change, in the writer's transaction, and wake sleeping dispatchers. A write to a status
 *    no job watches costs only the evaluation of that clause.
 * 3. Waking. NOTIFY serialises the commits of notifying transactions, so a writer notifies only while the idle
 *    flag is raised, and looks it up once per transaction. A dispatcher lowers the flag while its rounds come
 *    back full (it sees new rows anyway) and raises it, then drains once more, when it catches up; a safety
 *    poll covers the last race. The notice carries no data, so PostgreSQL folds a transaction's notices into one.
 * 4. Watching. A statement trigger on export_job keeps dispatch_watch and the recording triggers in step with
 *    the jobs. Job edits lock the source table of their object type (SHARE ROW EXCLUSIVE: every writer waits,
 *    readers do not), so a status change is either before a job edit or sees it; the trigger takes the same lock
 *    before it rewrites the recording triggers (CREATE OR REPLACE TRIGGER needs that lock and no more; DROP
 *    would take ACCESS EXCLUSIVE and queue every reader). Needs PostgreSQL 14 or later.
 */
const WRITE_PATH = `
  -- 1. Checking
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

  create trigger order_logistic_status_check before insert or update of status on order_logistic for each row
    when (new.status is not null and new.status <> all ('${ORDER_STATUSES}'::text[]))
    execute function jobout_normalise_status('order', '${ORDER_STATUSES}', 'status');
  create trigger incident_status_check before insert or update of status on incident for each row
    when (new.status is not null and new.status <> all ('${INCIDENT_STATUSES}'::text[]))
    execute function jobout_normalise_status('incident', '${INCIDENT_STATUSES}', 'status');
  create trigger incident_line_status_check before insert or update of incident_line_status on incident_line for each row
    when (new.incident_line_status is not null and new.incident_line_status <> all ('${INCIDENT_STATUSES}'::text[]))
    execute function jobout_normalise_status('incident line', '${INCIDENT_STATUSES}', 'incident_line_status');

  -- 3. Waking (called by the recorders below)
  create function jobout_wake_dispatcher() returns void language plpgsql as $$
  begin
    if current_setting('jobout.wake_checked', true) is distinct from 'yes' then
      perform set_config('jobout.wake_checked', 'yes', true);
      if (select idle from dispatch_wakeup where id = 1) then
        perform pg_notify('jobout_status_change', '');
      end if;
    end if;
  end $$;

  -- 2. Recording
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
  -- list never fires).
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

  -- 4. Watching. An object type whose watched statuses change has its table locked first (job edits through
  -- the API hold that lock already), and both sets are read again, in one statement (one snapshot), under the
  -- lock, so two job writes cannot interleave.
  create function jobout_refresh_watch() returns trigger language plpgsql as $$
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
  create trigger export_job_watch after insert or update or delete on export_job
    for each statement execute function jobout_refresh_watch();

  select jobout_install_change_triggers('ORDER');
  select jobout_install_change_triggers('INCIDENT');
`;
