import { Ctx, FieldResolver, GraphQLISODateTime, Int, Resolver, Root } from 'type-graphql';
import type { JobHealth } from '../../services/export-service';
import type { ExportJobView } from '../../services/export-job-service';
import { BatchLoader } from '../batch-loader';
import type { GraphQLContext } from '../context';
import { ExportJobType } from '../types/export-job';

/** One health query per GraphQL operation, however many jobs it shows. */
const loaders = new WeakMap<GraphQLContext, BatchLoader<string, JobHealth>>();

function health(context: GraphQLContext, job: ExportJobView): Promise<JobHealth> {
  let loader = loaders.get(context);
  if (!loader) {
    loader = new BatchLoader((ids) => context.services.exports.health(context.scope, ids));
    loaders.set(context, loader);
  }
  return loader.load(job.id);
}

@Resolver(() => ExportJobType)
export class ExportJobHealthResolver {
  @FieldResolver(() => GraphQLISODateTime, { nullable: true, description: 'When an attempt of this job last succeeded' })
  async lastSuccessAt(@Root() job: ExportJobView, @Ctx() context: GraphQLContext) {
    return (await health(context, job)).lastSuccessAt;
  }

  @FieldResolver(() => GraphQLISODateTime, { nullable: true, description: 'When an attempt of this job last failed' })
  async lastFailureAt(@Root() job: ExportJobView, @Ctx() context: GraphQLContext) {
    return (await health(context, job)).lastFailureAt;
  }

  @FieldResolver(() => Int, { description: 'Failed attempts since the last successful one' })
  async consecutiveFailures(@Root() job: ExportJobView, @Ctx() context: GraphQLContext) {
    return (await health(context, job)).consecutiveFailures;
  }

  @FieldResolver(() => Int, { description: 'Exports of this job that ended FAILED' })
  async failedExports(@Root() job: ExportJobView, @Ctx() context: GraphQLContext) {
    return (await health(context, job)).failedExports;
  }
}
