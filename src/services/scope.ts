import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../auth/principal';
import { visibleStores } from '../db/visibility';

/** One unit of work: a forked EntityManager and the caller it acts for. */
export interface Scope {
  em: EntityManager;
  principal: Principal;
}

/** The principal's store ids as a filter, or undefined when it sees every store. */
export function storeFilter(scope: Scope): string[] | undefined {
  return scope.principal.storeIds ?? undefined;
}

/** The parameters of `supplierVisible(column, '?')`, whose placeholder stands twice in the condition. */
export function visibilityParams(scope: Scope): [string | null, string | null] {
  const stores = visibleStores(storeFilter(scope));
  return [stores, stores];
}

export interface Page<T> {
  content: T[];
  number: number;
  size: number;
  totalElements: number;
  totalPages: number;
}

export function pageOf<T>(content: T[], number: number, size: number, totalElements: number): Page<T> {
  return { content, number, size, totalElements, totalPages: Math.ceil(totalElements / size) };
}
