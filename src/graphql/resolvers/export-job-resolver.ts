import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { JOB_SORT_FIELDS } from '../../services/export-job-service';
import { parsePageRequest } from '../../services/paging';
import type { GraphQLContext } from '../context';
import { ExportJobFilterInput, ExportJobInput, ExportJobPageType, ExportJobType } from '../types/export-job';

@Resolver()
export class ExportJobResolver {
  @Query(() => ExportJobPageType)
  exportJobs(
    @Arg('filter', () => ExportJobFilterInput, { nullable: true }) filter: ExportJobFilterInput | undefined,
    @Arg('page', () => Int, { nullable: true, description: '0-based; default 0' }) page: number | undefined,
    @Arg('size', () => Int, { nullable: true, description: '1..100; default 20' }) size: number | undefined,
    @Arg('sort', () => String, { nullable: true, description: 'name|createdAt|updatedAt:asc|desc; default createdAt:desc' }) sort: string | undefined,
    @Ctx() { scope, services }: GraphQLContext,
  ) {
    const request = parsePageRequest({ page, size, sort }, JOB_SORT_FIELDS, { field: 'createdAt', direction: 'desc' });
    return services.jobs.list(scope, { supplierExternalIds: filter?.supplierExternalIds, objectType: filter?.objectType, search: filter?.search }, request);
  }

  @Query(() => ExportJobType)
  exportJob(@Arg('id', () => ID) id: string, @Ctx() { scope, services }: GraphQLContext) {
    return services.jobs.get(scope, id);
  }

  @Mutation(() => ExportJobType)
  createExportJob(@Arg('input', () => ExportJobInput) input: ExportJobInput, @Ctx() { scope, services }: GraphQLContext) {
    return services.jobs.create(scope, input);
  }

  @Mutation(() => ExportJobType, { description: 'Full replacement, like PUT' })
  updateExportJob(@Arg('id', () => ID) id: string, @Arg('input', () => ExportJobInput) input: ExportJobInput, @Ctx() { scope, services }: GraphQLContext) {
    return services.jobs.replace(scope, id, input);
  }

  @Mutation(() => ExportJobType, { description: 'Changes reaching a trigger status are recorded as PAUSED exports, not attempted; waiting exports are parked with their retries' })
  pauseExportJob(@Arg('id', () => ID) id: string, @Ctx() { scope, services }: GraphQLContext) {
    return services.jobPauses.pause(scope, id);
  }

  @Mutation(() => ExportJobType, { description: 'Sends the PAUSED exports oldest first (unless the connection is suspended) and exports as before' })
  resumeExportJob(@Arg('id', () => ID) id: string, @Ctx() { scope, services }: GraphQLContext) {
    return services.jobPauses.resume(scope, id);
  }

  @Mutation(() => Boolean, { description: 'Irreversible' })
  async deleteExportJob(@Arg('id', () => ID) id: string, @Ctx() { scope, services }: GraphQLContext) {
    await services.jobs.delete(scope, id);
    return true;
  }

  @Mutation(() => ExportJobType, { description: 'Merges suppliers into the job; duplicates are ignored' })
  addExportJobSuppliers(
    @Arg('id', () => ID) id: string,
    @Arg('supplierExternalIds', () => [String]) supplierExternalIds: string[],
    @Ctx() { scope, services }: GraphQLContext,
  ) {
    return services.jobs.addSuppliers(scope, id, supplierExternalIds);
  }

  @Mutation(() => ExportJobType, { description: 'Removes suppliers; absent ones are ignored; none left = all suppliers' })
  removeExportJobSuppliers(
    @Arg('id', () => ID) id: string,
    @Arg('supplierExternalIds', () => [String]) supplierExternalIds: string[],
    @Ctx() { scope, services }: GraphQLContext,
  ) {
    return services.jobs.removeSuppliers(scope, id, supplierExternalIds);
  }
}
