import { printSchema, type GraphQLSchema } from 'graphql';
import { buildSchemaSync } from 'type-graphql';
import { ClientConnectionResolver } from './resolvers/client-connection-resolver';
import { ExportJobHealthResolver } from './resolvers/export-job-health-resolver';
import { ExportJobResolver } from './resolvers/export-job-resolver';
import { ExportResolver } from './resolvers/export-resolver';
import { ReferenceDataResolver } from './resolvers/reference-data-resolver';

/** The back-office schema. Input rules are checked by the services, not by class-validator. */
export function buildApiSchema(): GraphQLSchema {
  return buildSchemaSync({ resolvers: [ReferenceDataResolver, ClientConnectionResolver, ExportJobResolver, ExportJobHealthResolver, ExportResolver], validate: false });
}

/** The SDL checked in as `schema/schema.graphql`. */
export function printApiSchema(schema: GraphQLSchema = buildApiSchema()): string {
  return `${printSchema(schema)}\n`;
}
