import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { EXPORT_SORT_FIELDS } from '../../services/export-service';
import { parsePageRequest } from '../../services/paging';
import type { GraphQLContext } from '../context';
import { ExportDetailType, ExportFilterInput, ExportPageType, ExportType, IncidentInput, IncidentType, OrderInput, OrderType, RetryExportsFilterInput } from '../types/exports';

@Resolver()
export class ExportResolver {
  @Query(() => ExportPageType, { description: 'Exports the caller may see (their supplier is in one of its stores)' })
  exports(
    @Arg('filter', () => ExportFilterInput, { nullable: true }) filter: ExportFilterInput | undefined,
    @Arg('page', () => Int, { nullable: true, description: '0-based; default 0' }) page: number | undefined,
    @Arg('size', () => Int, { nullable: true, description: '1..100; default 20' }) size: number | undefined,
    @Arg('sort', () => String, { nullable: true, description: 'createdAt|updatedAt:asc|desc; default createdAt:desc' }) sort: string | undefined,
    @Ctx() { scope, services }: GraphQLContext,
  ) {
    const request = parsePageRequest({ page, size, sort }, EXPORT_SORT_FIELDS, { field: 'createdAt', direction: 'desc' });
    return services.exports.list(scope, { ...filter }, request);
  }

  @Query(() => ExportDetailType)
  export(@Arg('id', () => ID) id: string, @Ctx() { scope, services }: GraphQLContext) {
    return services.exports.get(scope, id);
  }

  @Query(() => String, { description: 'The JSON the job would send for the object now; nothing is recorded or sent' })
  exportPreview(@Arg('jobId', () => ID) jobId: string, @Arg('objectReference', () => String) objectReference: string, @Ctx() { scope, services }: GraphQLContext) {
    return services.exports.preview(scope, jobId, objectReference);
  }

  @Mutation(() => ExportType, { description: 'Gives a FAILED export a fresh round of attempts; INVALID_STATE for any other state' })
  retryExport(@Arg('id', () => ID) id: string, @Ctx() { scope, services }: GraphQLContext) {
    return services.exports.retry(scope, id);
  }

  @Mutation(() => Int, { description: 'retryExport in bulk, by job, state and time window; returns how many were queued' })
  retryExports(
    @Arg('filter', () => RetryExportsFilterInput) filter: RetryExportsFilterInput,
    @Arg('dryRun', () => Boolean, { defaultValue: false, description: 'Only count the exports the retry would queue; nothing changes' }) dryRun: boolean,
    @Ctx() { scope, services }: GraphQLContext,
  ) {
    return services.exports.retryMany(scope, { ...filter, state: filter.state as 'FAILED' | 'RETRY_SCHEDULED' | undefined }, dryRun);
  }

  @Mutation(() => OrderType, { description: 'Writes order_logistic/order_line; a status change triggers exports' })
  upsertOrder(@Arg('input', () => OrderInput) input: OrderInput, @Ctx() { scope, services }: GraphQLContext) {
    return services.ingest.upsertOrder(scope, input);
  }

  @Mutation(() => OrderType)
  setOrderStatus(@Arg('reference', () => String) reference: string, @Arg('status', () => String) status: string, @Ctx() { scope, services }: GraphQLContext) {
    return services.ingest.setOrderStatus(scope, reference, status);
  }

  @Mutation(() => IncidentType, { description: 'Writes incident/incident_line; a status change triggers exports' })
  upsertIncident(@Arg('input', () => IncidentInput) input: IncidentInput, @Ctx() { scope, services }: GraphQLContext) {
    return services.ingest.upsertIncident(scope, input);
  }

  @Mutation(() => IncidentType)
  setIncidentStatus(@Arg('orderIncidentId', () => String) orderIncidentId: string, @Arg('status', () => String) status: string, @Ctx() { scope, services }: GraphQLContext) {
    return services.ingest.setIncidentStatus(scope, orderIncidentId, status);
  }
}
