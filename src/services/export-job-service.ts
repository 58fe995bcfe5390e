/**
 * Export jobs: every rule of CONTRACT §4, for GraphQL and REST alike. Jobs have owner stores, read and written by
 * the rules of owner-stores.ts. Supplier lists are store-scoped: a caller names and sees only suppliers of its
 * stores, and a change it makes never touches suppliers it cannot see.
 */
import { LockMode, UniqueConstraintViolationException, type FilterQuery } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { CANCEL_ORPHANED_EXPORTS } from '../db/cancel-orphaned-exports';
import { DEADLOCK_DETECTED, LOCK_NOT_AVAILABLE, pgErrorCode } from '../db/pg-errors';
import { requireReader, requireWriter } from '../auth/principal';
import { ClientConnection, ExportJob, Supplier } from '../domain/entities';
import type { HttpMethod, QueryParam } from '../domain/entities/export-job';
import { assertNoFieldErrors, badInput, DomainError, notFound } from '../domain/errors';
import { parseExportJobInput, type ExportJobInput } from '../domain/export-job-input';
import type { MappingEntry } from '../domain/mapping';
import { OBJECT_TYPES, type ObjectType } from '../domain/statuses';
import { connectionCovers, type ConnectionService } from './connection-service';
import { requireId } from './ids';
import { assertWritable, callerStores, ownedBy, ownerStoresFor, storeNames, visibleToCaller } from './owner-stores';
import type { PageRequest } from './paging';
import { canSeeSupplier, type ReferenceDataService } from './reference-data-service';
import { pageOf, storeFilter, type Page, type Scope } from './scope';

export interface ExportJobView {
  id: string;
  name: string;
  /** Owner stores the caller sees; empty for a global job. */
  storeExternalIds: string[];
  exportMethod: 'API_CLIENT';
  objectType: ObjectType;
  clientConnectionId: string;
  triggerStatuses: string[];
  allowMultipleExports: boolean;
  apiCall: { httpMethod: HttpMethod; path: string; queryParams: QueryParam[] };
  mapping: MappingEntry[];
  includeCustomFields: boolean;
  /** Paused by pauseExportJob: its exports wait PAUSED until resumeExportJob. */
  paused: boolean;
  /** Only the suppliers visible to the caller. */
  suppliers: { externalId: string; name: string }[];
  createdAt: Date;
  updatedAt: Date;
}

export interface ExportJobFilter {
  supplierExternalIds?: string[];
  objectType?: ObjectType;
  search?: string;
}

export const JOB_SORT_FIELDS = ['name', 'createdAt', 'updatedAt'] as const;
export type JobSortField = (typeof JOB_SORT_FIELDS)[number];
/** Newest first, when a list request names no sort. */
export const DEFAULT_JOB_SORT: PageRequest<JobSortField>['sort'] = { field: 'createdAt', direction: 'desc' };

/** Most supplier external ids one supplier PATCH/DELETE may name. */
export const MAX_SUPPLIER_CHANGE = 1000;
/** Most entries a list in a filter may hold (CONTRACT §9): each one is work for the query, none is free. */
export const MAX_FILTER_LIST = 1000;

export class ExportJobService {
  constructor(
    private readonly referenceData: ReferenceDataService,
    private readonly connections: ConnectionService,
  ) {}

  async list(scope: Scope, filter: ExportJobFilter, request: PageRequest<JobSortField>): Promise<Page<ExportJobView>> {
    requireReader(scope.principal);
    const where: FilterQuery<ExportJob> = {};
    if (filter.objectType !== undefined) {
      if (!OBJECT_TYPES.includes(filter.objectType)) throw badInput(`objectType must be one of ${OBJECT_TYPES.join(', ')}`, [{ field: 'objectType', message: 'unknown object type' }]);
      where.objectType = filter.objectType;
    }
    if (filter.search) where.name = { $ilike: `%${filter.search.replace(/[\\%_]/g, '\\$&')}%` };
    if (filter.supplierExternalIds && filter.supplierExternalIds.length > MAX_FILTER_LIST) {
      throw badInput(`supplierExternalIds holds at most ${MAX_FILTER_LIST} entries`, [{ field: 'supplierExternalIds', message: `at most ${MAX_FILTER_LIST} entries` }]);
    }
    if (filter.supplierExternalIds && filter.supplierExternalIds.length > 0) {
      // OR logic: jobs configured with any of the named suppliers. Invisible suppliers match nothing.
      const suppliers = await this.visibleSuppliers(scope, filter.supplierExternalIds);
      where.suppliers = { id: { $in: suppliers.map((supplier) => supplier.id) } };
    }
    const [jobs, total] = await scope.em.findAndCount(ExportJob, { $and: [where, visibleToCaller(scope)] }, {
      populate: ['suppliers', 'suppliers.stores'],
      orderBy: { [request.sort.field]: request.sort.direction, id: 'asc' },
      limit: request.size,
      offset: request.page * request.size,
    });
    return pageOf(await this.views(scope, jobs), request.page, request.size, total);
  }

  async get(scope: Scope, id: string): Promise<ExportJobView> {
    requireReader(scope.principal);
    return this.view(scope, await this.load(scope, id));
  }

  async create(scope: Scope, raw: unknown): Promise<ExportJobView> {
    requireWriter(scope.principal);
    const input = parseExportJobInput(raw);
    return jobTransaction(scope.em, async (em) => {
      const txScope = { ...scope, em };
      const storeIds = await ownerStoresFor(txScope, this.referenceData, input.storeExternalIds, callerStores(scope));
      const job = em.create(ExportJob, { id: randomUUID(), name: input.name, storeIds, objectType: input.objectType, clientConnection: input.clientConnectionId, triggerStatuses: input.triggerStatuses, httpMethod: input.apiCall.httpMethod, path: input.apiCall.path });
      await this.apply(txScope, job, input, [], true);
      return this.view(txScope, job);
    });
  }

  /**
   * Full replacement (PUT): omitted optional fields return to their defaults, except the owner stores, which
   * stay as they are (a default would be the caller's stores, and an all-stores caller would make the job global).
   */
  async replace(scope: Scope, id: string, raw: unknown): Promise<ExportJobView> {
    requireWriter(scope.principal);
    const input = parseExportJobInput(raw);
    return jobTransaction(scope.em, async (em) => {
      const txScope = { ...scope, em };
      const job = await this.load(txScope, id, true);
      assertWritable(scope, job, `Export job ${id}`);
      job.storeIds = await ownerStoresFor(txScope, this.referenceData, input.storeExternalIds, job.storeIds);
      const hidden = job.suppliers.getItems().filter((supplier) => !canSeeSupplier(txScope, supplier));
      await this.apply(txScope, job, input, hidden, false);
      return this.view(txScope, job);
    });
  }

  /** Irreversible. Exports not yet sent are CANCELLED; one in flight finishes and is recorded. */
  async delete(scope: Scope, id: string): Promise<void> {
    requireWriter(scope.principal);
    await jobTransaction(scope.em, async (em) => {
      const job = await this.load({ ...scope, em }, id, true);
      assertWritable(scope, job, `Export job ${id}`);
      // Its exports are detached and the unsent ones cancelled first: the delete may stop a status being watched,
      // and the source table lock that takes is then held for the delete alone. An export settled concurrently
      // waits for these row locks and is cancelled too; one still in flight ends CANCELLED when it settles. The
      // sweeper repeats the cancel as a safety net.
      await em.execute('update export set job_id = null where job_id = ?', [job.id]);
      await em.execute(CANCEL_ORPHANED_EXPORTS);
      await em.remove(job).flush();
    });
  }

  /** ADM-JOBOUT-200: merges suppliers into the job; duplicates are ignored; unknown ones are a 400 listing them. */
  async addSuppliers(scope: Scope, id: string, rawIds: unknown): Promise<ExportJobView> {
    requireWriter(scope.principal);
    const externalIds = parseSupplierChange(rawIds);
    return jobTransaction(scope.em, async (em) => {
      const txScope = { ...scope, em };
      const job = await this.load(txScope, id, true);
      assertWritable(scope, job, `Export job ${id}`);
      const suppliers = await this.requireVisibleSuppliers(txScope, externalIds);
      this.assertInOwnerStores(job, suppliers);
      job.suppliers.add(suppliers.filter((supplier) => !job.suppliers.contains(supplier)));
      job.updatedAt = await activationTime(em, [job.objectType]);
      await em.flush();
      return this.view(txScope, job);
    });
  }

  /**
   * ADM-JOBOUT-300: removes the named suppliers; absent (or invisible) ones are ignored. A job left without
   * suppliers exports for every supplier.
   */
  async removeSuppliers(scope: Scope, id: string, rawIds: unknown): Promise<ExportJobView> {
    requireWriter(scope.principal);
    const externalIds = parseSupplierChange(rawIds);
    return jobTransaction(scope.em, async (em) => {
      const txScope = { ...scope, em };
      const job = await this.load(txScope, id, true);
      assertWritable(scope, job, `Export job ${id}`);
      const removed = job.suppliers.getItems().filter((supplier) => externalIds.includes(supplier.externalId) && canSeeSupplier(txScope, supplier));
      job.suppliers.remove(removed);
      job.updatedAt = await activationTime(em, [job.objectType]);
      await em.flush();
      return this.view(txScope, job);
    });
  }

  private async apply(scope: Scope, job: ExportJob, input: ExportJobInput, hiddenSuppliers: Supplier[], isNew: boolean): Promise<void> {
    const { em } = scope;
    const connection = await this.usableConnection(scope, job, input.clientConnectionId);
    const suppliers = await this.requireVisibleSuppliers(scope, input.supplierExternalIds);
    this.assertInOwnerStores(job, suppliers);
    // Names are unique among the jobs of the same owner stores, all of which the caller sees.
    const clash = await em.findOne(ExportJob, { name: input.name, id: { $ne: job.id }, ...ownedBy(job.storeIds) });
    if (clash) throw new DomainError('NAME_TAKEN', `An export job named "${input.name}" exists`, [{ field: 'name', message: 'must be unique' }]);

    const previousType = isNew ? input.objectType : job.objectType;
    job.name = input.name;
    job.objectType = input.objectType;
    job.clientConnection = connection;
    job.triggerStatuses = input.triggerStatuses;
    job.allowMultipleExports = input.allowMultipleExports;
    job.httpMethod = input.apiCall.httpMethod;
    job.path = input.apiCall.path;
    job.queryParams = input.apiCall.queryParams;
    job.mapping = input.mapping;
    job.includeCustomFields = input.includeCustomFields;
    job.suppliers.set([...hiddenSuppliers, ...suppliers]);
    job.updatedAt = await activationTime(em, [previousType, input.objectType]);
    if (isNew) job.createdAt = job.updatedAt;
    try {
      await em.persist(job).flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw new DomainError('NAME_TAKEN', `An export job named "${input.name}" exists`, [{ field: 'name', message: 'must be unique' }]);
      throw error;
    }
  }

  /** A job the caller sees; any other answers NOT_FOUND, like one that does not exist. */
  private async load(scope: Scope, id: string, forUpdate = false): Promise<ExportJob> {
    const job = await scope.em.findOne(ExportJob, { $and: [{ id: requireId(id, 'id') }, visibleToCaller(scope)] }, {
      populate: ['suppliers', 'suppliers.stores'],
      ...(forUpdate ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {}),
    });
    if (!job) throw notFound('Export job', id);
    return job;
  }

  /**
   * The connection a job may send through: one the caller sees (else unknown, like one that does not exist) and
   * may write (using a connection is writing it: its secrets go with the job's orders), and that covers the job's
   * owner stores (`connectionCovers`).
   */
  private async usableConnection(scope: Scope, job: ExportJob, connectionId: string): Promise<ClientConnection> {
    const connection = await this.connections.load(scope, connectionId, 'share').catch((error: unknown) => {
      if (error instanceof DomainError && error.code === 'NOT_FOUND') {
        throw badInput(`Client connection ${connectionId} does not exist`, [{ field: 'clientConnectionId', message: 'unknown client connection' }]);
      }
      throw error;
    });
    assertWritable(scope, connection, `Client connection ${connectionId}`);
    if (!connectionCovers(connection, job)) {
      throw badInput(`Client connection ${connectionId} does not cover the job's stores`, [
        { field: 'clientConnectionId', message: job.storeIds.length === 0 ? 'a global job needs a global connection' : 'the connection must be global or belong to every store of the job' },
      ]);
    }
    return connection;
  }

  /** A job of owner stores exports only their suppliers' objects: a supplier outside them would never match. */
  private assertInOwnerStores(job: ExportJob, suppliers: Supplier[]): void {
    if (job.storeIds.length === 0) return;
    const outside = suppliers.filter((supplier) => !supplier.stores.getItems().some((store) => job.storeIds.includes(store.id)));
    assertNoFieldErrors(
      outside.length ? [{ field: 'supplierExternalIds', message: `not in the job's stores: ${outside.map((supplier) => supplier.externalId).join(', ')}` }] : [],
      'Suppliers outside the job\'s stores',
    );
  }

  private async visibleSuppliers(scope: Scope, externalIds: string[]): Promise<Supplier[]> {
    const stores = storeFilter(scope);
    return scope.em.find(Supplier, { externalId: { $in: externalIds }, ...(stores === undefined ? {} : { stores: { id: { $in: stores } } }) }, { populate: ['stores'] });
  }

  /** Suppliers by external id; any the caller cannot see is reported, like one that does not exist. */
  private async requireVisibleSuppliers(scope: Scope, externalIds: string[]): Promise<Supplier[]> {
    if (externalIds.length === 0) return [];
    const suppliers = await this.visibleSuppliers(scope, externalIds);
    const unknown = externalIds.filter((externalId) => !suppliers.some((supplier) => supplier.externalId === externalId));
    assertNoFieldErrors(unknown.length ? [{ field: 'supplierExternalIds', message: `unknown suppliers: ${unknown.join(', ')}` }] : [], 'Unknown suppliers');
    return suppliers;
  }

  private async view(scope: Scope, job: ExportJob): Promise<ExportJobView> {
    return (await this.views(scope, [job]))[0];
  }

  private async views(scope: Scope, jobs: ExportJob[]): Promise<ExportJobView[]> {
    const names = await storeNames(scope, scope.em, jobs);
    return jobs.map((job) => jobView(scope, job, names(job)));
  }
}

function jobView(scope: Scope, job: ExportJob, storeExternalIds: string[]): ExportJobView {
  return {
    id: job.id,
    name: job.name,
    storeExternalIds,
    exportMethod: job.exportMethod,
    objectType: job.objectType,
    clientConnectionId: typeof job.clientConnection === 'string' ? job.clientConnection : job.clientConnection.id,
    triggerStatuses: job.triggerStatuses,
    allowMultipleExports: job.allowMultipleExports,
    apiCall: { httpMethod: job.httpMethod, path: job.path, queryParams: job.queryParams },
    mapping: job.mapping,
    includeCustomFields: job.includeCustomFields,
    paused: job.paused,
    suppliers: job.suppliers
      .getItems()
      .filter((supplier) => canSeeSupplier(scope, supplier))
      .map((supplier) => ({ externalId: supplier.externalId, name: supplier.name }))
      .sort((a, b) => a.externalId.localeCompare(b.externalId)),
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
  };
}

/** A lock wait that gave up: the timeout, or a deadlock with an order-system writer. */
const LOCK_GAVE_UP = new Set([LOCK_NOT_AVAILABLE, DEADLOCK_DETECTED]);

/** How long a job write waits for a lock (the order system's open write transactions, mostly) before giving up. */
const SOURCE_LOCK_TIMEOUT = '5s';

const SOURCE_TABLES: Record<ObjectType, string> = { ORDER: 'order_logistic', INCIDENT: 'incident' };

/**
 * A job write: one transaction whose every lock wait is bounded, and reported as CONFLICT when it gives up. Job
 * writes lock the order system's tables (below, and in the watch refresh trigger); a long order transaction
 * must make the edit fail rather than stall the order system's writes, which queue behind the waiting lock.
 */
export async function jobTransaction<T>(em: EntityManager, work: (em: EntityManager) => Promise<T>): Promise<T> {
  try {
    return await em.transactional(async (tx) => {
      await tx.execute(`set local lock_timeout = '${SOURCE_LOCK_TIMEOUT}'`);
      return work(tx);
    });
  } catch (error) {
    if (LOCK_GAVE_UP.has(pgErrorCode(error) ?? '')) {
      throw new DomainError('CONFLICT', 'The order system is writing orders or incidents right now; try the change again');
    }
    throw error;
  }
}

/**
 * Locks the tables whose status changes the edited job watches (before and after the edit), in the mode every
 * writer's row lock waits for but readers do not, so that the edit and the status changes around it are ordered
 * (see the lean write path migration). Always in the same order, so two job edits never wait for each other's
 * second table.
 */
async function lockSourceTables(em: EntityManager, objectTypes: ObjectType[]): Promise<void> {
  const tables = OBJECT_TYPES.filter((type) => objectTypes.includes(type)).map((type) => SOURCE_TABLES[type]);
  await em.execute(`lock table ${tables.join(', ')} in share row exclusive mode`);
}

/**
 * The job's new `updatedAt`, the instant from which it sees status changes, read on the database clock (status
 * change times are database time too) once the source tables are locked: every change recorded before this
 * instant has committed, and every later one waits for this job to commit and then sees it.
 */
async function activationTime(em: EntityManager, objectTypes: ObjectType[]): Promise<Date> {
  await lockSourceTables(em, objectTypes);
  const [row] = await em.execute<{ now: Date }[]>('select clock_timestamp() as now');
  return new Date(row.now);
}

/** Body of the supplier PATCH/DELETE: `supplierExternalIds` with at least one element. */
function parseSupplierChange(raw: unknown): string[] {
  const field = 'supplierExternalIds';
  if (!Array.isArray(raw)) throw badInput(`${field} must be an array of supplier external ids`, [{ field, message: 'must be an array of strings' }]);
  if (raw.length === 0) throw badInput(`${field} must contain at least one element`, [{ field, message: 'must contain at least one element' }]);
  if (raw.length > MAX_SUPPLIER_CHANGE) throw badInput(`${field} must have at most ${MAX_SUPPLIER_CHANGE} elements`, [{ field, message: 'too many elements' }]);
  const bad = raw.findIndex((item) => typeof item !== 'string' || item.length === 0 || item.length > 255);
  if (bad >= 0) throw badInput(`${field}[${bad}] must be a non-empty string`, [{ field: `${field}[${bad}]`, message: 'must be a non-empty string' }]);
  return [...new Set(raw as string[])];
}
