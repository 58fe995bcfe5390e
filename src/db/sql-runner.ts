/**
 * Plain SQL on MikroORM's own connection pool, for the dispatcher's hot path: statements go straight to the
 * pooled `pg` connection (`$1` parameters), without the ORM's per-query work, which measured here at twice the
 * cost of the round trip itself. CRUD keeps going through entities.
 *
 * A `Statement` with a name is prepared once per connection and its plan reused: planning the dispatcher's
 * larger statements took 2–5 ms each, several times their execution.
 */
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';

interface PgConnection {
  query(statement: { text: string; name?: string; values?: unknown[] }): Promise<{ rows: any[] }>;
}

/** SQL text, or a named statement to prepare once per connection. */
export type Statement = string | { name: string; text: string };

export const prepared = (name: string, text: string): Statement => ({ name, text });

/** Numbered parameters for SQL built in pieces: `add(value)` returns its placeholder ($1, $2, ...), usable many times. */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): `$${number}` {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

function run(connection: PgConnection, statement: Statement, params?: unknown[]) {
  return connection.query(typeof statement === 'string' ? { text: statement, values: params } : { ...statement, values: params });
}

interface KnexClient {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<unknown>;
}

export interface SqlRunner {
  /** One statement on a pooled connection, in a transaction of its own. */
  query<T = Record<string, any>>(statement: Statement, params?: unknown[]): Promise<T[]>;
  /** Several statements in one transaction on one pooled connection (`work`'s runner); rolled back if it throws. */
  transaction?<T>(work: (sql: SqlRunner) => Promise<T>): Promise<T>;
}

export function sqlRunner(source: MikroORM | EntityManager): SqlRunner {
  const em = ('em' in source ? source.em : source) as EntityManager;
  const client = em.getKnex().client as unknown as KnexClient;
  return {
    async query(statement, params) {
      const connection = await client.acquireConnection();
      try {
        return (await run(connection, statement, params)).rows;
      } finally {
        await client.releaseConnection(connection);
      }
    },
    async transaction(work) {
      const connection = await client.acquireConnection();
      try {
        await run(connection, 'begin');
        const result = await work({ query: async (statement, params) => (await run(connection, statement, params)).rows });
        await run(connection, 'commit');
        return result;
      } catch (error) {
        await run(connection, 'rollback').catch(() => {});
        throw error;
      } finally {
        await client.releaseConnection(connection);
      }
    },
  };
}

/**
 * The same `$1` SQL inside the EntityManager's transaction (`em` as `transactional` hands it over), for a service's
 * multi-statement change that must commit or fail as one. MikroORM takes `?` placeholders: each `$n` becomes one,
 * with its value repeated where `$n` is.
 */
export function transactionSql(em: EntityManager): SqlRunner {
  return {
    async query(statement, params = []) {
      const text = typeof statement === 'string' ? statement : statement.text;
      const values: unknown[] = [];
      const positional = text.replace(/\$(\d+)/g, (_match, index: string) => {
        values.push(params[Number(index) - 1]);
        return '?';
      });
      return (await em.execute(positional, values, 'all')) as never[];
    },
  };
}
