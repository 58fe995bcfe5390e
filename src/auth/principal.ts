/**
 * Who is calling, and what that allows (CONTRACT §2). Authorisation is explicit: services call these guards at
 * the top of each operation, where a reader can see them.
 */
import { DomainError } from '../domain/errors';
import type { Permission } from '../domain/entities/operator';

export interface Principal {
  /** Operator id, or `administrator` for the built-in administrator. */
  id: string;
  name: string;
  permission: Permission;
  /** Store ids the principal may see; `null` for the built-in administrator, who sees every store. */
  storeIds: string[] | null;
}

export const ADMINISTRATOR: Principal = Object.freeze({ id: 'administrator', name: 'administrator', permission: 'ADMIN', storeIds: null });

/** USER and ADMIN write jobs and connections; READER only reads. */
export function requireWriter(principal: Principal): void {
  if (principal.permission === 'READER') throw new DomainError('FORBIDDEN', 'A READER operator may only read');
}

/** Operators and reference data (stores, suppliers) are managed by ADMIN only. */
export function requireAdmin(principal: Principal): void {
  if (principal.permission !== 'ADMIN') throw new DomainError('FORBIDDEN', 'Only an ADMIN may do this');
}
