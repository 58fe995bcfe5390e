/**
 * Who is calling, and what that allows (CONTRACT §2). Authorisation is explicit: services call these guards at
 * the top of each operation, where a reader can see them; what the caller may see is decided in their SQL.
 */
import { DomainError } from '../domain/errors';
import type { Permission } from '../domain/entities/operator';

export interface Principal {
  /** Operator id, or `administrator` for the built-in administrator. */
  id: string;
  name: string;
  permission: Permission;
  /** Store ids the principal acts for; `null` when it acts for every store (the built-in administrator, an all-stores operator). */
  storeIds: string[] | null;
  /** The built-in administrator (JOBOUT_ADMIN_TOKEN). */
  builtIn: boolean;
}

export const ADMINISTRATOR: Principal = Object.freeze({ id: 'administrator', name: 'administrator', permission: 'ADMIN', storeIds: null, builtIn: true });

/** Every level reads, except INGEST: an order system's token reads nothing. */
export function requireReader(principal: Principal): void {
  if (principal.permission === 'INGEST') throw new DomainError('FORBIDDEN', 'An INGEST operator may only write orders and incidents');
}

/** USER and ADMIN write jobs and connections; READER only reads; INGEST only ingests. */
export function requireWriter(principal: Principal): void {
  requireReader(principal);
  if (principal.permission === 'READER') throw new DomainError('FORBIDDEN', 'A READER operator may only read');
}

/** Operators and reference data (stores, suppliers) are managed by ADMIN only. */
export function requireAdmin(principal: Principal): void {
  if (principal.permission !== 'ADMIN') throw new DomainError('FORBIDDEN', 'Only an ADMIN may do this');
}

/** Orders and incidents are written by INGEST operators (order systems) and the built-in administrator only. */
export function requireIngest(principal: Principal): void {
  if (principal.permission !== 'INGEST' && !principal.builtIn) {
    throw new DomainError('FORBIDDEN', 'Only an INGEST operator (an order system\'s token) may write orders and incidents');
  }
}
