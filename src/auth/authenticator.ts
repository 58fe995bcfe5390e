/**
 * Turns an `Authorization` header into a `Principal`, or refuses with UNAUTHENTICATED (401 / 4401). A revoked or
 * expired token is refused exactly like an unknown one: the answer tells a caller nothing it did not send.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, TooManyRequestsError } from '../domain/errors';
import type { FailedAuthThrottle } from './failed-auth-throttle';
import { Operator } from '../domain/entities';
import { ADMINISTRATOR, type Principal } from './principal';
import { bearerToken, hashToken, tokensEqual } from './tokens';

export const REFUSED_TOKEN_MESSAGE = 'Unknown, revoked or expired bearer token';

/** The operator a token hash belongs to, if it may still act: not revoked, not expired. */
export function activeOperator(em: EntityManager, where: { tokenHash: string | { $in: string[] } }) {
  return em.find(Operator, { ...where, revokedAt: null, $or: [{ expiresAt: null }, { expiresAt: { $gt: new Date() } }] }, { populate: ['stores'] });
}

export function principalOf(operator: Operator): Principal {
  return {
    id: operator.id,
    name: operator.name,
    permission: operator.permission,
    storeIds: operator.allStores ? null : operator.stores.getItems().map((store) => store.id),
    builtIn: false,
  };
}

export class Authenticator {
  constructor(
    private readonly adminToken: string,
    private readonly throttle: FailedAuthThrottle,
  ) {}

  /**
   * A token set by configuration (JOBOUT_METRICS_TOKEN), under the same throttle as operators' tokens: true when
   * `authorization` carries it.
   */
  checkConfiguredToken(authorization: string | undefined, expected: string, address: string): boolean {
    const retryAfter = this.throttle.retryAfterSeconds(address);
    if (retryAfter > 0) throw new TooManyRequestsError(`Too many refused tokens from this address; try again in ${retryAfter} s`, retryAfter);
    const token = bearerToken(authorization);
    if (token === undefined) return false;
    this.throttle.attempt(address);
    if (!tokensEqual(token, expected)) return false;
    this.throttle.succeeded(address);
    return true;
  }

  /** `address`: the caller's, for the failed-authentication throttle. */
  async authenticate(em: EntityManager, authorization: string | undefined, address: string): Promise<Principal> {
    const retryAfter = this.throttle.retryAfterSeconds(address);
    if (retryAfter > 0) throw new TooManyRequestsError(`Too many refused tokens from this address; try again in ${retryAfter} s`, retryAfter);
    const token = bearerToken(authorization);
    if (token === undefined) throw new DomainError('UNAUTHENTICATED', 'Missing bearer token (Authorization: Bearer <token>)');
    if (tokensEqual(token, this.adminToken)) return ADMINISTRATOR;
    this.throttle.attempt(address); // before the lookup: parallel guesses are counted at once
    const [operator] = await activeOperator(em, { tokenHash: hashToken(token) });
    if (!operator) throw new DomainError('UNAUTHENTICATED', REFUSED_TOKEN_MESSAGE);
    this.throttle.succeeded(address);
    return principalOf(operator);
  }
}
