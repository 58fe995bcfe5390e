/**
 * GraphQL documents typed from schema/schema.graphql by gql.tada: a document that asks for a field the API does not
 * have fails `npm run build` (tsc -p console), with no generated code checked in to drift.
 */
import { initGraphQLTada } from 'gql.tada';
import type { introspection } from './graphql-env';

export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: { DateTimeISO: string; JSONObject: Record<string, unknown> };
}>();

export type { ResultOf, VariablesOf } from 'gql.tada';
