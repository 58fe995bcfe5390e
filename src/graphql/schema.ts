import { printSchema, type GraphQLSchema } from 'graphql';
import { buildSchemaSync, type PubSub } from 'type-graphql';
import { AlertTargetResolver } from './resolvers/alert-target-resolver';
import { ClientConnectionResolver } from './resolvers/client-connection-resolver';
import { ExportJobHealthResolver } from './resolvers/export-job-health-resolver';
import { ExportJobResolver } from './resolvers/export-job-resolver';
import { ExportResolver } from './resolvers/export-resolver';
import { ExportResultResolver } from './resolvers/export-result-resolver';
import { ReferenceDataResolver } from './resolvers/reference-data-resolver';
import { OperationalEventResolver } from './resolvers/operational-event-resolver';

/**
 * type-graphql refuses to build subscriptions without a PubSub, even when each one brings its own `subscribe`
 * (exportResults reads the results feed from its context), so it gets one that nothing can use.
 */
const NO_PUBSUB: PubSub = {
  publish() {
    throw new Error('subscriptions read the results feed; there is no PubSub');
  },
  subscribe() {
    throw new Error('subscriptions read the results feed; there is no PubSub');
  },
};

/** The back-office schema. Input rules are checked by the services, not by class-validator. */
export function buildApiSchema(): GraphQLSchema {
  return buildSchemaSync({
    resolvers: [ReferenceDataResolver, ClientConnectionResolver, ExportJobResolver, ExportJobHealthResolver, ExportResolver, ExportResultResolver, OperationalEventResolver, AlertTargetResolver],
    pubSub: NO_PUBSUB,
    validate: false,
  });
}

/** The SDL checked in as `schema/schema.graphql`. */
export function printApiSchema(schema: GraphQLSchema = buildApiSchema()): string {
  return `${printSchema(schema)}\n`;
}
