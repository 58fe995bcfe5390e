/**
 * Alert targets (CONTRACT §11 `setAlertTarget`): per owner store set, the endpoint operational events are POSTed to
 * (a client connection and a path), with the export retry rules. Setting one replaces the target of the same
 * stores. The connection must be one the caller may write and cover those stores, as for a job (a global target
 * needs a global connection).
 */
import { requireReader, requireWriter } from '../auth/principal';
import { sqlRunner } from '../db/sql-runner';
import { jobVisible, visibleStores } from '../db/visibility';
import { assertNoFieldErrors, badInput } from '../domain/errors';
import { pathProblem } from '../domain/export-job-input';
import { connectionCovers, type ConnectionService } from './connection-service';
import { requireId } from './ids';
import { assertWritable, callerStores, ownerStoresFor, storeNames } from './owner-stores';
import type { ReferenceDataService } from './reference-data-service';
import { storeFilter, type Scope } from './scope';

export interface AlertTargetInput {
  clientConnectionId: string;
  path: string;
  /** Owner stores by external id; omitted: the caller's stores; empty: global (all-stores operators only). */
  storeExternalIds?: string[];
}

export interface AlertTargetView {
  id: string;
  clientConnectionId: string;
  path: string;
  storeExternalIds: string[];
  createdAt: Date;
  updatedAt: Date;
}

interface Row {
  id: string;
  store_ids: string[];
  client_connection_id: string;
  path: string;
  created_at: Date;
  updated_at: Date;
}

export class AlertTargetService {
  constructor(
    private readonly referenceData: ReferenceDataService,
    private readonly connections: ConnectionService,
  ) {}

  /** The targets the caller may see: global ones and those sharing one of its stores. */
  async list(scope: Scope): Promise<AlertTargetView[]> {
    requireReader(scope.principal);
    const rows = await sqlRunner(scope.em).query<Row>(
      `select id, store_ids::text[] as store_ids, client_connection_id, path, created_at, updated_at from alert_target t where ${jobVisible('t', '$1')} order by created_at`,
      [visibleStores(storeFilter(scope))],
    );
    return this.views(scope, rows);
  }

  async set(scope: Scope, input: AlertTargetInput): Promise<AlertTargetView> {
    requireWriter(scope.principal);
    const connectionId = requireId(input.clientConnectionId, 'clientConnectionId');
    const problem = pathProblem(input.path);
    if (problem) throw badInput(`Invalid alert target: path ${problem}`, [{ field: 'path', message: problem }]);
    const storeIds = await ownerStoresFor(scope, this.referenceData, input.storeExternalIds, callerStores(scope));
    assertWritable(scope, { storeIds }, 'An alert target of these stores');
    const connection = await this.connections.load(scope, connectionId); // NOT_FOUND when invisible
    // Alerts go out with the connection's credentials: using it is writing it, as for a job (CONTRACT §2a).
    assertWritable(scope, connection, `Client connection ${connectionId}`);
    if (!connectionCovers(connection, { storeIds })) {
      assertNoFieldErrors([{ field: 'clientConnectionId', message: "must be global or owned by every store of the alert target" }], 'Invalid alert target');
    }
    const [row] = await sqlRunner(scope.em).query<Row>(
      `insert into alert_target (store_ids, client_connection_id, path) values ($1::uuid[], $2, $3)
       on conflict (store_ids) do update set client_connection_id = excluded.client_connection_id, path = excluded.path, updated_at = now()
       returning id, store_ids::text[] as store_ids, client_connection_id, path, created_at, updated_at`,
      [`{${storeIds.join(',')}}`, connection.id, input.path],
    );
    return (await this.views(scope, [row]))[0];
  }

  private async views(scope: Scope, rows: Row[]): Promise<AlertTargetView[]> {
    const names = await storeNames(scope, scope.em, rows.map((row) => ({ storeIds: row.store_ids })));
    return rows.map((row) => ({
      id: row.id,
      clientConnectionId: row.client_connection_id,
      path: row.path,
      storeExternalIds: names({ storeIds: row.store_ids }),
      createdAt: new Date(row.created_at),
      updatedAt: new Date(row.updated_at),
    }));
  }
}
