import type { Services } from '../services';
import type { Scope } from '../services/scope';

/** Per operation: the caller's unit of work and the shared services. */
export interface GraphQLContext {
  scope: Scope;
  services: Services;
}
