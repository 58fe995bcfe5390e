/**
 * Who may call the REST job routes (CONTRACT §2): a bearer token (401 otherwise) and the header
 * `dj-client: OPERATOR` (403 otherwise). What the principal may then do (READER reads only, store scope) is
 * decided by the services. Each request gets its own EntityManager fork, kept beside the request.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Request, RequestHandler } from 'express';
import type { Authenticator } from '../auth/authenticator';
import { addressOf } from '../auth/failed-auth-throttle';
import { DomainError } from '../domain/errors';
import type { Scope } from '../services/scope';

export const CLIENT_HEADER = 'dj-client';
export const OPERATOR_CLIENT = 'OPERATOR';

const scopes = new WeakMap<Request, Scope>();

export function operatorAccess(deps: { orm: MikroORM; authenticator: Authenticator }): RequestHandler {
  return async (req, _res, next) => {
    const em = deps.orm.em.fork();
    const principal = await deps.authenticator.authenticate(em, req.headers.authorization, addressOf(req.socket));
    if (req.get(CLIENT_HEADER)?.trim().toUpperCase() !== OPERATOR_CLIENT) {
      throw new DomainError('FORBIDDEN', `Job routes need the header "${CLIENT_HEADER}: ${OPERATOR_CLIENT}"`, [{ field: CLIENT_HEADER, message: `must be ${OPERATOR_CLIENT}` }]);
    }
    scopes.set(req, { em, principal });
    next();
  };
}

/** The scope `operatorAccess` established for this request. */
export function scopeOf(req: Request): Scope {
  const scope = scopes.get(req);
  if (!scope) throw new Error(`No scope for ${req.method} ${req.path}: operatorAccess must run first`);
  return scope;
}
