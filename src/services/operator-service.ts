/** Operators (CONTRACT §2): created by an ADMIN, with a permission level and explicit stores; token shown once. */
import { requireAdmin } from '../auth/principal';
import { generateToken, hashToken } from '../auth/tokens';
import { Operator, Store } from '../domain/entities';
import { PERMISSIONS, type Permission } from '../domain/entities/operator';
import { assertNoFieldErrors, DomainError } from '../domain/errors';
import { InputReader, isPlainObject } from '../domain/input-reader';
import { ReferenceDataService, storeView, type StoreView } from './reference-data-service';
import type { Scope } from './scope';

export interface OperatorView {
  id: string;
  name: string;
  permission: Permission;
  /** The stores the caller may see; the built-in administrator sees them all. */
  stores: StoreView[];
  builtIn: boolean;
}

export class OperatorService {
  constructor(private readonly referenceData: ReferenceDataService) {}

  async me(scope: Scope): Promise<OperatorView> {
    const { principal } = scope;
    return { id: principal.id, name: principal.name, permission: principal.permission, stores: await this.referenceData.listStores(scope), builtIn: principal.storeIds === null };
  }

  /** Creates an operator and returns its bearer token: the only time the token can be read. */
  async createOperator(scope: Scope, raw: unknown): Promise<{ operator: OperatorView; token: string }> {
    requireAdmin(scope.principal);
    if (!isPlainObject(raw)) throw new DomainError('BAD_USER_INPUT', 'The operator must be an object');
    const input = new InputReader(raw);
    const name = input.string('name', { required: true, max: 255 });
    const permission = input.oneOf('permission', PERMISSIONS, true);
    const storeExternalIds = input.stringList('storeExternalIds', { max: 1000 }) ?? [];
    assertNoFieldErrors(input.errors, 'Invalid operator');
    return scope.em.transactional(async (em) => {
      const { stores, errors } = await this.referenceData.visibleStores({ ...scope, em }, storeExternalIds, 'storeExternalIds');
      assertNoFieldErrors(errors, 'Invalid operator');
      const token = generateToken();
      const operator = em.create(Operator, { name: name!, permission: permission!, tokenHash: hashToken(token) });
      operator.stores.set(stores);
      await em.flush();
      return { operator: operatorView(operator, stores), token };
    });
  }
}

function operatorView(operator: Operator, stores: Store[]): OperatorView {
  return { id: operator.id, name: operator.name, permission: operator.permission, stores: stores.map(storeView), builtIn: false };
}
