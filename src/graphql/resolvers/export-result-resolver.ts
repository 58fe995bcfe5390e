import { Args, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import type { OperationalEventSource } from '../../dispatch/operational-feed';
import type { ResultSource } from '../../dispatch/results-feed';
import type { ExportResultEvent } from '../../domain/export-result';
import { exportResultFilter } from '../../services/export-results';
import type { GraphQLContext } from '../context';
import { ExportResultArgs, ExportResultType } from '../types/export-result';

/** The context of an operation over graphql-ws: the HTTP one plus the instance's feeds. */
export interface SubscriptionContext extends GraphQLContext {
  results: ResultSource;
  events: OperationalEventSource;
}

@Resolver()
export class ExportResultResolver {
  @Subscription(() => ExportResultType, {
    description: 'One event per finished attempt of the exports the caller may see (graphql-ws only)',
    subscribe: async ({ args, context }: SubscribeResolverData<unknown, ExportResultArgs, SubscriptionContext>) => {
      const filter = await exportResultFilter(context.scope, { jobId: args.jobId ?? undefined, objectType: args.objectType ?? undefined });
      return endingWith(context.results.subscribe(filter.accept), filter.stop);
    },
  })
  exportResults(
    @Root() event: ExportResultEvent,
    // Declared here for the schema; `subscribe` above reads them.
    @Args(() => ExportResultArgs) _args: ExportResultArgs,
  ): ExportResultEvent {
    return event;
  }
}

/** The stream, with `onEnd` run once when it ends: the client completes, the socket closes, or the feed stops. */
export function endingWith<T>(stream: AsyncIterableIterator<T>, onEnd: () => void): AsyncIterableIterator<T> {
  let ended = false;
  const end = () => {
    if (!ended) (ended = true), onEnd();
  };
  return {
    next: async () => {
      const result = await stream.next();
      if (result.done) end();
      return result;
    },
    return: async (value?: unknown) => {
      end();
      return stream.return ? stream.return(value) : { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
