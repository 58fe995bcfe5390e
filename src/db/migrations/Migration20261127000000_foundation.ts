import { Migration } from '@mikro-orm/migrations';

/** Reference data, operators, client connections and export jobs (CONTRACT §2–§4). */
export class Migration20261127000000_foundation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
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
        updated_at timestamptz not null default now()
      );
      create index export_job_client_connection_id_index on export_job (client_connection_id);

      create table export_job_supplier (
        export_job_id uuid not null references export_job (id) on update cascade on delete cascade,
        supplier_id uuid not null references supplier (id) on update cascade on delete cascade,
        primary key (export_job_id, supplier_id)
      );
      create index export_job_supplier_supplier_id_index on export_job_supplier (supplier_id);
    `);
  }
}
