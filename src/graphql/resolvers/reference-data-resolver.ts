import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { requireReader } from '../../auth/principal';
import { fieldCatalogue } from '../../domain/field-catalogue';
import { OBJECT_TYPES, statusesOf } from '../../domain/statuses';
import type { GraphQLContext } from '../context';
import type { ObjectTypeEnum } from '../types/enums';
import { CreatedOperatorType, ObjectTypeInfoType, OperatorInput, OperatorTokenType, OperatorType, StoreInput, StoreType, SupplierInput, SupplierType } from '../types/reference-data';

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

  @Query(() => [ObjectTypeInfoType], { description: 'Each object type with its statuses and field catalogue, the same for every caller (what a job form offers)' })
  objectTypes(@Ctx() { scope }: GraphQLContext): ObjectTypeInfoType[] {
    requireReader(scope.principal);
    return OBJECT_TYPES.map((objectType) => ({ objectType: objectType as ObjectTypeEnum, statuses: [...statusesOf(objectType)], fields: [...fieldCatalogue(objectType)] }));
  }

  @Mutation(() => StoreType, { description: 'ADMIN only' })
  createStore(@Arg('input', () => StoreInput) input: StoreInput, @Ctx() { scope, services }: GraphQLContext) {
    return services.referenceData.createStore(scope, input);
  }

  @Mutation(() => SupplierType, { description: 'Creates the supplier or replaces its name and stores. ADMIN only.' })
  upsertSupplier(@Arg('input', () => SupplierInput) input: SupplierInput, @Ctx() { scope, services }: GraphQLContext) {
    return services.referenceData.upsertSupplier(scope, input);
  }

  @Query(() => [OperatorType], { description: 'ADMIN only: the operators sharing one of its stores (all of them for an all-stores ADMIN), revoked ones included' })
  operators(@Ctx() { scope, services }: GraphQLContext) {
    return services.operators.list(scope);
  }

  @Mutation(() => CreatedOperatorType, { description: 'ADMIN only. The token is returned once.' })
  createOperator(@Arg('input', () => OperatorInput) input: OperatorInput, @Ctx() { scope, services }: GraphQLContext) {
    return services.operators.create(scope, input);
  }

  @Mutation(() => OperatorTokenType, { description: 'ADMIN of all its stores only. A new token, returned once; the old one stops working at once.' })
  rotateOperatorToken(@Arg('id', () => ID) id: string, @Ctx() { scope, services }: GraphQLContext) {
    return services.operators.rotateToken(scope, id);
  }

  @Mutation(() => OperatorType, { description: 'ADMIN of all its stores only. Its token stops working at once and its open WebSockets close within 10 s.' })
  revokeOperator(@Arg('id', () => ID) id: string, @Ctx() { scope, services }: GraphQLContext) {
    return services.operators.revoke(scope, id);
  }
}
