/**
 * Operators (CONTRACT §2): created by an ADMIN, with a permission level and either every store or explicit ones;
 * a token shown once, which can expire, be rotated or revoked.
 *
 * Which operators an ADMIN sees and manages follows the resource rules of §2a: it sees an operator that shares
 * one of its stores, and manages (rotates, revokes) one whose stores all are its own. An all-stores operator is
 * seen and managed by all-stores ADMINs only. Anything else is NOT_FOUND, like an operator that does not exist.
 */
import { requireAdmin, type Principal } from '../auth/principal';
import { generateToken, hashToken } from '../auth/tokens';
import { Operator, Store } from '../domain/entities';
import { PERMISSIONS, type Permission } from '../domain/entities/operator';
import { assertNoFieldErrors, badInput, DomainError, notFound } from '../domain/errors';
import { InputReader, isPlainObject } from '../domain/input-reader';
import { requireId } from './ids';
import { ReferenceDataService, storeView, type StoreView } from './reference-data-service';
import { storeFilter, type Scope } from './scope';

export interface OperatorView {
  id: string;
  name: string;
  permission: Permission;
  allStores: boolean;
  /** Its stores that the caller may see (none for an all-stores operator). */
  stores: StoreView[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  builtIn: boolean;
}

export interface OperatorWithToken {
  operator: OperatorView;
  /** The bearer token: returned here once, only its hash is stored. */
  token: string;
}

const ALL_STORES_ONLY = 'Only an all-stores ADMIN may manage all-stores operators';

export class OperatorService {
  constructor(private readonly referenceData: ReferenceDataService) {}

  /** The caller itself: every level may ask, INGEST included. */
  async me(scope: Scope): Promise<OperatorView> {
    const { principal } = scope;
    const ids = storeFilter(scope);
    const stores = ids === undefined ? [] : await scope.em.find(Store, { id: { $in: ids } }, { orderBy: { externalId: 'asc' } });
    return {
      id: principal.id,
      name: principal.name,
      permission: principal.permission,
      allStores: ids === undefined,
      stores: stores.map(storeView),
      expiresAt: null,
      revokedAt: null,
      builtIn: principal.builtIn,
    };
  }

  /** The operators the caller sees, revoked ones included (an audit trail), by name. */
  async list(scope: Scope): Promise<OperatorView[]> {
    requireAdmin(scope.principal);
    const operators = await scope.em.find(Operator, visibleOperators(scope.principal), { populate: ['stores'], orderBy: { name: 'asc', id: 'asc' } });
    return operators.map((operator) => operatorView(scope, operator));
  }

  /** Creates an operator and returns its bearer token: the only time the token can be read. */
  async create(scope: Scope, raw: unknown): Promise<OperatorWithToken> {
    requireAdmin(scope.principal);
    if (!isPlainObject(raw)) throw badInput('The operator must be an object');
    const input = new InputReader(raw);
    const name = input.string('name', { required: true, max: 255 });
    const permission = input.oneOf('permission', PERMISSIONS, true);
    const allStores = input.boolean('allStores', false);
    const storeExternalIds = input.stringList('storeExternalIds', { max: 1000 }) ?? [];
    const expiresAt = input.date('expiresAt');
    if (allStores && storeExternalIds.length > 0) input.fail('storeExternalIds', 'must be empty for an all-stores operator');
    if (!allStores && storeExternalIds.length === 0) input.fail('storeExternalIds', 'needs at least one store, or allStores: true');
    if (expiresAt && expiresAt.getTime() <= Date.now()) input.fail('expiresAt', 'must be in the future');
    assertNoFieldErrors(input.errors, 'Invalid operator');
    if (allStores && scope.principal.storeIds !== null) throw new DomainError('FORBIDDEN', ALL_STORES_ONLY);
    return scope.em.transactional(async (em) => {
      const { stores, errors } = await this.referenceData.visibleStores({ ...scope, em }, storeExternalIds, 'storeExternalIds');
      assertNoFieldErrors(errors, 'Invalid operator');
      const token = generateToken();
      const operator = em.create(Operator, { name: name!, permission: permission!, allStores, expiresAt: expiresAt ?? null, tokenHash: hashToken(token) });
      operator.stores.set(stores);
      await em.flush();
      return { operator: operatorView(scope, operator), token };
    });
  }

  /** A new token for the operator; the old one stops working with this commit. */
  async rotateToken(scope: Scope, id: string): Promise<OperatorWithToken> {
    return scope.em.transactional(async (em) => {
      const operator = await this.loadManageable({ ...scope, em }, id);
      if (operator.revokedAt) throw new DomainError('INVALID_STATE', `Operator ${id} is revoked; create a new one`);
      const token = generateToken();
      operator.tokenHash = hashToken(token);
      await em.flush();
      return { operator: operatorView(scope, operator), token };
    });
  }

  /** Revokes the operator for good: its token is refused from the next request on, its sockets are closed. */
  async revoke(scope: Scope, id: string): Promise<OperatorView> {
    return scope.em.transactional(async (em) => {
      const operator = await this.loadManageable({ ...scope, em }, id);
      operator.revokedAt ??= new Date();
      await em.flush();
      return operatorView(scope, operator);
    });
  }

  /** An operator the caller sees (NOT_FOUND otherwise) and may manage (FORBIDDEN otherwise). */
  private async loadManageable(scope: Scope, id: string): Promise<Operator> {
    requireAdmin(scope.principal);
    const operator = await scope.em.findOne(Operator, { $and: [{ id: requireId(id, 'id') }, visibleOperators(scope.principal)] }, { populate: ['stores'] });
    if (!operator) throw notFound('Operator', id);
    const callerStores = scope.principal.storeIds;
    if (callerStores !== null && operator.stores.getItems().some((store) => !callerStores.includes(store.id))) {
      throw new DomainError('FORBIDDEN', `Operator ${id} also acts for stores you do not manage`);
    }
    return operator;
  }
}

/** The operators a principal sees, as a query: all for an all-stores principal, else those sharing one of its stores. */
function visibleOperators(principal: Principal) {
  if (principal.storeIds === null) return {};
  return { allStores: false, stores: { id: { $in: principal.storeIds } } };
}

function operatorView(scope: Scope, operator: Operator): OperatorView {
  const callerStores = storeFilter(scope);
  return {
    id: operator.id,
    name: operator.name,
    permission: operator.permission,
    allStores: operator.allStores,
    stores: operator.stores
      .getItems()
      .filter((store) => callerStores === undefined || callerStores.includes(store.id))
      .map(storeView)
      .sort((a, b) => a.externalId.localeCompare(b.externalId)),
    expiresAt: operator.expiresAt ?? null,
    revokedAt: operator.revokedAt ?? null,
    builtIn: false,
  };
}
