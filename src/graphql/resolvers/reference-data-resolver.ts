import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../context';
import { CreatedOperatorType, OperatorInput, OperatorType, StoreInput, StoreType, SupplierInput, SupplierType } from '../types/reference-data';

@Resolver()
export class ReferenceDataResolver {
  @Query(() => OperatorType, { description: 'The caller: permission level and the stores it may see' })
  me(@Ctx() { scope, services }: GraphQLContext) {
    return services.operators.me(scope);
  }

  @Query(() => [StoreType], { description: 'The stores the caller may see' })
  stores(@Ctx() { scope, services }: GraphQLContext) {
    return services.referenceData.listStores(scope);
  }

  @Query(() => [SupplierType], { description: 'The suppliers of the stores the caller may see' })
  suppliers(@Ctx() { scope, services }: GraphQLContext) {
    return services.referenceData.listSuppliers(scope);
  }

  @Mutation(() => StoreType, { description: 'ADMIN only' })
  createStore(@Arg('input', () => StoreInput) input: StoreInput, @Ctx() { scope, services }: GraphQLContext) {
    return services.referenceData.createStore(scope, input);
  }

  @Mutation(() => SupplierType, { description: 'Creates the supplier or replaces its name and stores. ADMIN only.' })
  upsertSupplier(@Arg('input', () => SupplierInput) input: SupplierInput, @Ctx() { scope, services }: GraphQLContext) {
    return services.referenceData.upsertSupplier(scope, input);
  }

  @Mutation(() => CreatedOperatorType, { description: 'ADMIN only. The token is returned once.' })
  createOperator(@Arg('input', () => OperatorInput) input: OperatorInput, @Ctx() { scope, services }: GraphQLContext) {
    return services.operators.createOperator(scope, input);
  }
}
