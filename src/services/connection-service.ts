/**
 * Client connections: where and how exports are sent. Secrets are sealed with the SecretBox before they reach
 * the database and are never part of a view (`hasClientSecret` / `hasPassword` say whether one is stored).
 */
import { ForeignKeyConstraintViolationException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { requireReader, requireWriter } from '../auth/principal';
import { secretContext, type SecretBox } from '../auth/secret-box';
import { parseConnectionInput, type ConnectionInput } from '../domain/connection-input';
import { ClientConnection, ExportJob } from '../domain/entities';
import type { AuthType, HeaderEntry } from '../domain/entities/client-connection';
import { assertNoFieldErrors, DomainError, notFound, type FieldError } from '../domain/errors';
import { checkUrlTarget } from '../net/address-policy';
import { requireId } from './ids';
import type { Scope } from './scope';

export interface ConnectionView {
  id: string;
  name: string;
  baseUrl: string;
  headers: HeaderEntry[];
  timeoutMs: number | null;
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

export function connectionView(connection: ClientConnection): ConnectionView {
  return {
    id: connection.id,
    name: connection.name,
    baseUrl: connection.baseUrl,
    headers: connection.headers,
    timeoutMs: connection.timeoutMs ?? null,
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
    private readonly options: { allowPrivateTargets: boolean },
  ) {}

  async list(scope: Scope): Promise<ConnectionView[]> {
    requireReader(scope.principal);
    return (await scope.em.find(ClientConnection, {}, { orderBy: { name: 'asc' } })).map(connectionView);
  }

  async get(scope: Scope, id: string): Promise<ConnectionView> {
    requireReader(scope.principal);
    return connectionView(await this.load(scope, id));
  }

  async create(scope: Scope, raw: unknown): Promise<ConnectionView> {
    requireWriter(scope.principal);
    const input = parseConnectionInput(raw);
    await this.assertReachableTargets(input);
    const connection = scope.em.create(ClientConnection, { id: randomUUID(), name: input.name, baseUrl: input.baseUrl });
    this.assign(connection, input);
    await this.save(scope, connection);
    return connectionView(connection);
  }

  /** Replaces the connection's settings; a secret left out keeps the stored one (secrets are write-only). */
  async update(scope: Scope, id: string, raw: unknown): Promise<ConnectionView> {
    requireWriter(scope.principal);
    const connection = await this.load(scope, id);
    const input = parseConnectionInput(raw, { hasClientSecret: Boolean(connection.clientSecretEnc), hasPassword: Boolean(connection.passwordEnc) });
    await this.assertReachableTargets(input);
    this.assign(connection, input);
    connection.updatedAt = new Date();
    await this.save(scope, connection);
    return connectionView(connection);
  }

  async delete(scope: Scope, id: string): Promise<void> {
    requireWriter(scope.principal);
    const connection = await this.load(scope, id);
    const users = await scope.em.count(ExportJob, { clientConnection: connection.id });
    if (users > 0) throw new DomainError('CONFLICT', `Connection ${id} is used by ${users} export job(s); change or delete them first`);
    try {
      await scope.em.remove(connection).flush();
    } catch (error) {
      if (error instanceof ForeignKeyConstraintViolationException) throw new DomainError('CONFLICT', `Connection ${id} is used by an export job`);
      throw error;
    }
  }

  private async load(scope: Scope, id: string): Promise<ClientConnection> {
    const connection = await scope.em.findOne(ClientConnection, { id: requireId(id, 'id') });
    if (!connection) throw notFound('Client connection', id);
    return connection;
  }

  private assign(connection: ClientConnection, input: ConnectionInput): void {
    const { auth } = input;
    const oauth = auth.type !== 'NONE';
    connection.name = input.name;
    connection.baseUrl = input.baseUrl;
    connection.headers = input.headers;
    connection.timeoutMs = input.timeoutMs;
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

  private async save(scope: Scope, connection: ClientConnection): Promise<void> {
    const clash = await scope.em.findOne(ClientConnection, { name: connection.name, id: { $ne: connection.id } });
    if (clash) throw new DomainError('NAME_TAKEN', `A client connection named "${connection.name}" exists`);
    try {
      await scope.em.persist(connection).flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw new DomainError('NAME_TAKEN', `A client connection named "${connection.name}" exists`);
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
