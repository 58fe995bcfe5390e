/** Turns an `Authorization` header into a `Principal`, or refuses with UNAUTHENTICATED (401 / 4401). */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from '../domain/errors';
import { Operator } from '../domain/entities';
import { ADMINISTRATOR, type Principal } from './principal';
import { bearerToken, hashToken, tokensEqual } from './tokens';

export class Authenticator {
  constructor(private readonly adminToken: string) {}

  async authenticate(em: EntityManager, authorization: string | undefined): Promise<Principal> {
    const token = bearerToken(authorization);
    if (token === undefined) throw new DomainError('UNAUTHENTICATED', 'Missing bearer token (Authorization: Bearer <token>)');
    if (tokensEqual(token, this.adminToken)) return ADMINISTRATOR;
    const operator = await em.findOne(Operator, { tokenHash: hashToken(token) }, { populate: ['stores'] });
    if (!operator) throw new DomainError('UNAUTHENTICATED', 'Unknown bearer token');
    return {
      id: operator.id,
      name: operator.name,
      permission: operator.permission,
      storeIds: operator.stores.getItems().map((store) => store.id),
    };
  }
}
