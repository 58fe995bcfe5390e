/**
 * MikroORM bootstrap and migrations. Entities and migrations are listed explicitly (no folder discovery), so
 * the same code runs under vitest from `src/` and under node from `dist/`.
 */
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM, type PostgreSqlDriver } from '@mikro-orm/postgresql';
import { FlushMode, LoadStrategy, ReflectMetadataProvider, type Options } from '@mikro-orm/core';
import { Client } from 'pg';
import { ENTITIES } from '../domain/entities';
import { MIGRATIONS } from './migrations';
import { StartupError } from '../startup-error';
import { LOCK_NOT_AVAILABLE, pgErrorCode } from './pg-errors';

/** Any constant works; it only has to be the same for every Jobout instance migrating one database. */
const MIGRATION_LOCK_KEY = 0x6a6f626f; // "jobo"

export interface PoolSettings {
  size?: number;
  /**
   * The dispatcher's own pool. Its sessions commit without waiting for the WAL flush: a database crash can then
   * forget the dispatcher's last few hundred milliseconds of recordings, claims and settles, which makes exports be
   * sent again but never lost: the status change itself was committed durably by its writer, an outbox row and
   * the exports recorded from it commit or vanish together, and an export recorded again gets the same id (it is
   * derived from its dedupe key), so the resend carries the same idempotency key. Its sessions also plan
   * each prepared statement once (generic plans): re-planning the recording statement cost more than running it.
   * And they never scan or hash-join: every dispatcher statement reads a handful of rows by key, but a plan made
   * while `export` was small (statistics lag a burst) chose scans that then read the whole table on every call.
   */
  dispatcher?: boolean;
}

const DISPATCHER_SESSION =
  'set synchronous_commit = off; set plan_cache_mode = force_generic_plan; set enable_seqscan = off; set enable_hashjoin = off; set enable_mergejoin = off';

type PgConnection = { query(sql: string, callback: (error: Error | null) => void): void };

export function ormOptions(databaseUrl: string, settings: PoolSettings = {}): Options<PostgreSqlDriver> {
  return defineConfig({
    clientUrl: databaseUrl,
    entities: ENTITIES,
    extensions: [Migrator],
    // Every decorator names its type, so esbuild (vitest) and tsc agree without design:type metadata.
    metadataProvider: ReflectMetadataProvider,
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    migrations: { migrationsList: MIGRATIONS, tableName: 'mikro_orm_migrations', transactional: true, allOrNothing: true, snapshot: false, silent: true },
    pool: {
      min: 0,
      max: settings.size ?? 10,
      ...(settings.dispatcher
        ? { afterCreate: (connection: PgConnection, done: (error: Error | null, connection: PgConnection) => void) => connection.query(DISPATCHER_SESSION, (error) => done(error, connection)) }
        : {}),
    },
    forceUtcTimezone: true,
    // Writes happen at explicit flushes only, never as a side effect of a query.
    flushMode: FlushMode.COMMIT,
    // One query per relation: predictable with LIMIT and FOR UPDATE, and no row multiplication.
    loadStrategy: LoadStrategy.SELECT_IN,
    debug: false,
  });
}

export function openOrm(databaseUrl: string, settings?: PoolSettings): Promise<MikroORM> {
  return MikroORM.init(ormOptions(databaseUrl, settings));
}

/**
 * Applies pending migrations. Instances starting together against one database take turns through an
 * advisory lock, so only the first one migrates and the others find nothing pending.
 */
export async function migrate(orm: MikroORM, databaseUrl: string): Promise<string[]> {
  const lock = new Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await refuseUnknownHistory(orm);
    const applied = await orm.getMigrator().up().catch((error: unknown) => {
      // A migration that touches the order system's tables sets a lock_timeout and gives up rather than stall its
      // traffic; say why, since nothing was changed and the next start tries again.
      if (pgErrorCode(error) === LOCK_NOT_AVAILABLE) {
        throw new StartupError(
          'a migration could not lock a table within its timeout: another session keeps a transaction open on it ' +
            '(order_logistic or incident, most likely); nothing was changed, start again once it has ended',
          { cause: error },
        );
      }
      throw error;
    });
    return applied.map((migration) => migration.name);
  } finally {
    await lock.end();
  }
}

/**
 * A database whose migration history names a migration this build does not know was made by a development
 * build from before the schema was squashed into one initial migration (or by a newer Jobout). Applying this
 * build's migrations over it would fail halfway or, worse, run on a schema they do not describe.
 */
async function refuseUnknownHistory(orm: MikroORM): Promise<void> {
  const known = new Set(MIGRATIONS.map((migration) => migration.name));
  const unknown = (await orm.getMigrator().getExecutedMigrations()).map((migration) => migration.name).filter((name) => !known.has(name));
  if (unknown.length === 0) return;
  throw new StartupError(
    `this database was made by an unreleased development schema of Jobout (or by a newer version): it records the ` +
      `migrations ${unknown.join(', ')}, which this version does not have, and cannot be upgraded. Recreate it: stop Jobout, ` +
      `delete the data directory (JOBOUT_DATA_DIR, default .data/) or drop the database of DATABASE_URL, and start again. ` +
      `Nothing was changed.`,
  );
}

export async function pendingMigrations(orm: MikroORM): Promise<number> {
  return (await orm.getMigrator().getPendingMigrations()).length;
}
