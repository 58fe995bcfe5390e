import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../context';
import { AlertTargetInput, AlertTargetType } from '../types/alert-target';

@Resolver()
export class AlertTargetResolver {
  @Query(() => [AlertTargetType], { description: 'The alert targets the caller may see' })
  alertTargets(@Ctx() { scope, services }: GraphQLContext) {
    return services.alertTargets.list(scope);
  }

  @Mutation(() => AlertTargetType, { description: 'Sets the alert target of an owner store set (replacing it): operational events are POSTed there as JSON' })
  setAlertTarget(@Arg('input', () => AlertTargetInput) input: AlertTargetInput, @Ctx() { scope, services }: GraphQLContext) {
    return services.alertTargets.set(scope, input);
  }
}
