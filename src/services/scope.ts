import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../auth/principal';

/** One unit of work: a forked EntityManager and the caller it acts for. */
export interface Scope {
  em: EntityManager;
  principal: Principal;
}

/** The principal's store ids as a filter, or undefined when it sees every store. */
export function storeFilter(scope: Scope): string[] | undefined {
  return scope.principal.storeIds ?? undefined;
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
