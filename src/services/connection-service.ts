/**
 * Client connections: where and how exports are sent. Secrets are sealed with the SecretBox before they reach
 * the database and are never part of a view (`hasClientSecret` / `hasPassword` say whether one is stored).
 * Connections have owner stores, read and written by the rules of owner-stores.ts.
 */
import { ForeignKeyConstraintViolationException, LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { requireReader, requireWriter } from '../auth/principal';
import { headerSecretField, secretContext, type SecretBox } from '../auth/secret-box';
import { headerView, isSensitive, type HeaderView } from '../domain/connection-headers';
import { parseConnectionInput, type ConnectionInput, type StoredSecrets } from '../domain/connection-input';
import { ClientConnection, ExportJob } from '../domain/entities';
import type { AuthType, ConnectionState, StoredHeader } from '../domain/entities/client-connection';
import { assertNoFieldErrors, DomainError, notFound, type FieldError } from '../domain/errors';
import { checkUrlTarget } from '../net/address-policy';
import { requireId } from './ids';
import { assertWritable, callerStores, ownedBy, ownerStoresFor, storeNames, visibleToCaller, type Owned } from './owner-stores';
import type { ReferenceDataService } from './reference-data-service';
import type { Scope } from './scope';

export interface ConnectionView {
  id: string;
  name: string;
  /** Owner stores the caller sees; empty for a global connection. */
  storeExternalIds: string[];
  baseUrl: string;
  /** Sensitive header values are write-only: `value: null`. */
  headers: HeaderView[];
  timeoutMs: number | null;
  /** Circuit breaker threshold; null = never suspended (CONTRACT §11). */
  suspendAfterConsecutiveFailures: number | null;
  /** Limits across every instance; null = none. */
  maxRequestsPerSecond: number | null;
  maxConcurrentRequests: number | null;
  state: ConnectionState;
  suspendedAt: Date | null;
  auth: {
    type: AuthType;
    tokenUrl: string | null;
    clientId: string | null;
    username: string | null;
    scope: string | null;
    hasClientSecret: boolean;
    hasPassword: boolean;
  };
  createdAt: Date;
  updatedAt: Date;
}

function connectionView(connection: ClientConnection, storeExternalIds: string[]): ConnectionView {
  return {
    id: connection.id,
    name: connection.name,
    storeExternalIds,
    baseUrl: connection.baseUrl,
    headers: connection.headers.map(headerView),
    timeoutMs: connection.timeoutMs ?? null,
    suspendAfterConsecutiveFailures: connection.suspendAfterConsecutiveFailures ?? null,
    maxRequestsPerSecond: connection.maxRequestsPerSecond ?? null,
    maxConcurrentRequests: connection.maxConcurrentRequests ?? null,
    state: connection.state,
    suspendedAt: connection.suspendedAt ?? null,
    auth: {
      type: connection.authType,
      tokenUrl: connection.tokenUrl ?? null,
      clientId: connection.clientId ?? null,
      username: connection.username ?? null,
      scope: connection.scope ?? null,
      hasClientSecret: Boolean(connection.clientSecretEnc),
      hasPassword: Boolean(connection.passwordEnc),
    },
    createdAt: connection.createdAt,
    updatedAt: connection.updatedAt,
  };
}

export class ConnectionService {
  constructor(
    private readonly secrets: SecretBox,
    private readonly referenceData: ReferenceDataService,
    private readonly options: { allowPrivateTargets: boolean },
  ) {}

  async list(scope: Scope): Promise<ConnectionView[]> {
    requireReader(scope.principal);
    return this.views(scope, await scope.em.find(ClientConnection, visibleToCaller(scope), { orderBy: { name: 'asc', id: 'asc' } }));
  }

  async get(scope: Scope, id: string): Promise<ConnectionView> {
    requireReader(scope.principal);
    return this.view(scope, await this.load(scope, id));
  }

  async create(scope: Scope, raw: unknown): Promise<ConnectionView> {
    requireWriter(scope.principal);
    const input = parseConnectionInput(raw);
    const storeIds = await ownerStoresFor(scope, this.referenceData, input.storeExternalIds, callerStores(scope));
    await this.assertReachableTargets(input);
    const connection = scope.em.create(ClientConnection, { id: randomUUID(), name: input.name, baseUrl: input.baseUrl, storeIds });
    this.assign(connection, input);
    await this.save(scope, connection);
    return this.view(scope, connection);
  }

  /**
   * Replaces the connection's settings; a secret left out keeps the stored one (secrets are write-only), and
   * omitted owner stores stay as they are. New owner stores must still cover every job that uses it.
   */
  async update(scope: Scope, id: string, raw: unknown): Promise<ConnectionView> {
    requireWriter(scope.principal);
    return scope.em.transactional(async (em) => {
      const txScope = { ...scope, em };
      const connection = await this.load(txScope, id, 'update');
      assertWritable(scope, connection, `Client connection ${id}`);
      const input = parseConnectionInput(raw, storedSecrets(connection));
      const storeIds = await ownerStoresFor(txScope, this.referenceData, input.storeExternalIds, connection.storeIds);
      await this.assertReachableTargets(input);
      if (input.storeExternalIds !== undefined) await this.assertStillCoversJobs(txScope, connection, storeIds);
      connection.storeIds = storeIds;
      this.assign(connection, input);
      connection.updatedAt = new Date();
      await this.save(txScope, connection);
      return this.view(txScope, connection);
    });
  }

  async delete(scope: Scope, id: string): Promise<void> {
    requireWriter(scope.principal);
    const connection = await this.load(scope, id);
    assertWritable(scope, connection, `Client connection ${id}`);
    const users = await scope.em.count(ExportJob, { clientConnection: connection.id });
    if (users > 0) throw new DomainError('CONFLICT', `Connection ${id} is used by ${users} export job(s); change or delete them first`);
    try {
      await scope.em.remove(connection).flush();
    } catch (error) {
      if (error instanceof ForeignKeyConstraintViolationException) throw new DomainError('CONFLICT', `Connection ${id} is used by an export job or an alert target`);
      throw error;
    }
  }

  /**
   * A connection the caller sees; any other answers NOT_FOUND, like one that does not exist. In a transaction,
   * `lock` holds it until the commit: `update` for a change of the connection, `share` for a job that starts using
   * it, so a job write and a change of the connection's owner stores cannot both pass their coverage check.
   */
  async load(scope: Scope, id: string, lock?: 'update' | 'share'): Promise<ClientConnection> {
    const lockMode = lock === 'update' ? LockMode.PESSIMISTIC_WRITE : lock === 'share' ? LockMode.PESSIMISTIC_READ : undefined;
    const connection = await scope.em.findOne(ClientConnection, { $and: [{ id: requireId(id, 'id') }, visibleToCaller(scope)] }, lockMode ? { lockMode } : {});
    if (!connection) throw notFound('Client connection', id);
    return connection;
  }

  /** A connection changing owner stores must keep covering the jobs that use it (see `connectionCovers`). */
  private async assertStillCoversJobs(scope: Scope, connection: ClientConnection, storeIds: string[]): Promise<void> {
    const jobs = await scope.em.find(ExportJob, { clientConnection: connection.id }, { fields: ['name', 'storeIds'] });
    const uncovered = jobs.filter((job) => !connectionCovers({ storeIds }, job));
    if (uncovered.length > 0) {
      throw new DomainError('CONFLICT', `Connection ${connection.id} would no longer cover the stores of the jobs using it: ${uncovered.map((job) => job.name).join(', ')}`, [
        { field: 'storeExternalIds', message: 'must cover the stores of every job using the connection' },
      ]);
    }
  }

  private async view(scope: Scope, connection: ClientConnection): Promise<ConnectionView> {
    return (await this.views(scope, [connection]))[0];
  }

  private async views(scope: Scope, connections: ClientConnection[]): Promise<ConnectionView[]> {
    const names = await storeNames(scope, scope.em, connections);
    return connections.map((connection) => connectionView(connection, names(connection)));
  }

  private assign(connection: ClientConnection, input: ConnectionInput): void {
    const { auth } = input;
    const oauth = auth.type !== 'NONE';
    connection.name = input.name;
    connection.baseUrl = input.baseUrl;
    connection.headers = input.headers.map((header) => this.storedHeader(connection, header));
    connection.timeoutMs = input.timeoutMs;
    connection.suspendAfterConsecutiveFailures = input.suspendAfterConsecutiveFailures;
    connection.maxRequestsPerSecond = input.maxRequestsPerSecond;
    connection.maxConcurrentRequests = input.maxConcurrentRequests;
    connection.authType = auth.type;
    connection.tokenUrl = oauth ? auth.tokenUrl : null;
    connection.clientId = oauth ? auth.clientId : null;
    connection.scope = oauth ? (auth.scope ?? null) : null;
    connection.username = auth.type === 'OAUTH2_PASSWORD' ? auth.username : null;
    if (!oauth) connection.clientSecretEnc = null;
    else if (auth.clientSecret !== undefined) connection.clientSecretEnc = this.secrets.seal(auth.clientSecret, secretContext(connection.id, 'clientSecret'));
    if (auth.type !== 'OAUTH2_PASSWORD') connection.passwordEnc = null;
    else if (auth.password !== undefined) connection.passwordEnc = this.secrets.seal(auth.password, secretContext(connection.id, 'password'));
  }

  /** Names are unique among the connections of the same owner stores, all of which the caller sees. */
  /** A header to store: a sensitive value sealed, an omitted one taken over from the stored header of that name. */
  private storedHeader(connection: ClientConnection, header: ConnectionInput['headers'][number]): StoredHeader {
    if (!header.sensitive) return { name: header.name, sensitive: false, value: header.value! };
    const field = headerSecretField(header.name);
    if (header.value !== undefined) return { name: header.name, sensitive: true, valueEnc: this.secrets.seal(header.value, secretContext(connection.id, field)) };
    const kept = connection.headers.find((stored) => stored.name.toLowerCase() === header.name.toLowerCase())!; // the parser allows omitting only a stored one
    return { name: header.name, sensitive: true, valueEnc: kept.valueEnc ?? this.secrets.seal(kept.value ?? '', secretContext(connection.id, field)) };
  }

  private async save(scope: Scope, connection: ClientConnection): Promise<void> {
    const clash = await scope.em.findOne(ClientConnection, { name: connection.name, id: { $ne: connection.id }, ...ownedBy(connection.storeIds) });
    if (clash) throw new DomainError('NAME_TAKEN', `A client connection named "${connection.name}" exists`, [{ field: 'name', message: 'must be unique' }]);
    try {
      await scope.em.persist(connection).flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw new DomainError('NAME_TAKEN', `A client connection named "${connection.name}" exists`, [{ field: 'name', message: 'must be unique' }]);
      throw error;
    }
  }

  /** Save-time SSRF check, for a clear error now; the sender checks the address it dials on every attempt. */
  private async assertReachableTargets(input: ConnectionInput): Promise<void> {
    if (this.options.allowPrivateTargets) return;
    const errors: FieldError[] = [];
    const baseProblem = await checkUrlTarget(new URL(input.baseUrl));
    if (baseProblem) errors.push({ field: 'baseUrl', message: `not allowed: ${baseProblem}` });
    if (input.auth.tokenUrl) {
      const tokenProblem = await checkUrlTarget(new URL(input.auth.tokenUrl));
      if (tokenProblem) errors.push({ field: 'auth.tokenUrl', message: `not allowed: ${tokenProblem}` });
    }
    assertNoFieldErrors(errors, 'Invalid client connection');
  }
}

/**
 * Whether a connection may carry a job's exports: a global connection carries any job; another one only jobs
 * whose owner stores it covers. A global job exports every store's objects, so only a global connection may
 * carry it (a store's connection, and its secrets, never receive another store's orders).
 */
export function connectionCovers(connection: Owned, job: Owned): boolean {
  if (connection.storeIds.length === 0) return true;
  return job.storeIds.length > 0 && job.storeIds.every((id) => connection.storeIds.includes(id));
}

/** What an update must know of the stored secrets: which exist, and the origins they were entered for. */
function storedSecrets(connection: ClientConnection): StoredSecrets {
  return {
    hasClientSecret: Boolean(connection.clientSecretEnc),
    hasPassword: Boolean(connection.passwordEnc),
    sensitiveHeaders: new Set(connection.headers.filter(isSensitive).map((header) => header.name.toLowerCase())),
    baseUrl: connection.baseUrl,
    tokenUrl: connection.tokenUrl ?? null,
  };
}
