import { Args, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import type { OperationalEvent } from '../../domain/operational-event';
import { operationalEventFilter } from '../../services/operational-event-filter';
import { OperationalEventArgs, OperationalEventType } from '../types/operational-event';
import { endingWith, type SubscriptionContext } from './export-result-resolver';

@Resolver()
export class OperationalEventResolver {
  @Subscription(() => OperationalEventType, {
    description: 'Failures, suspended and recovered connections, paused and resumed jobs, of the jobs and connections the caller may see (graphql-ws only)',
    subscribe: async ({ args, context }: SubscribeResolverData<unknown, OperationalEventArgs, SubscriptionContext>) => {
      const filter = await operationalEventFilter(context.scope, {
        types: args.types ?? undefined,
        jobId: args.jobId ?? undefined,
        clientConnectionId: args.clientConnectionId ?? undefined,
      });
      return endingWith(context.events.subscribe(filter.accept), filter.stop);
    },
  })
  operationalEvents(
    @Root() event: OperationalEvent,
    // Declared here for the schema; `subscribe` above reads them.
    @Args(() => OperationalEventArgs) _args: OperationalEventArgs,
  ): OperationalEvent {
    return event;
  }
}
