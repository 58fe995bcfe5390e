import { Field, GraphQLISODateTime, ID, InputType, ObjectType } from 'type-graphql';
import { ObjectTypeEnum, PermissionEnum } from './enums';

@ObjectType('Store')
export class StoreType {
  @Field(() => ID) id!: string;
  @Field(() => String) externalId!: string;
  @Field(() => String) name!: string;
}

@ObjectType('Supplier')
export class SupplierType {
  @Field(() => ID) id!: string;
  @Field(() => String) externalId!: string;
  @Field(() => String) name!: string;
  @Field(() => [String], { description: 'External ids of the stores of this supplier that the caller may see' }) storeExternalIds!: string[];
}

@ObjectType('Operator')
export class OperatorType {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => PermissionEnum) permission!: PermissionEnum;
  @Field(() => Boolean, { description: 'Acts for every store, present and future' }) allStores!: boolean;
  @Field(() => [StoreType], { description: 'Its stores that the caller may see; empty for an all-stores operator' }) stores!: StoreType[];
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When its token stops working; null = never' }) expiresAt!: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When it was revoked; its token no longer works' }) revokedAt!: Date | null;
  @Field(() => Boolean, { description: 'True for the built-in administrator (JOBOUT_ADMIN_TOKEN), who acts for every store' }) builtIn!: boolean;
}

@ObjectType('CreatedOperator')
export class CreatedOperatorType {
  @Field(() => OperatorType) operator!: OperatorType;
  @Field(() => String, { description: 'The bearer token of the new operator. Shown only here, once: store it now.' }) token!: string;
}

@ObjectType('OperatorToken')
export class OperatorTokenType {
  @Field(() => OperatorType) operator!: OperatorType;
  @Field(() => String, { description: 'The new bearer token. Shown only here, once: the previous token no longer works.' }) token!: string;
}

@InputType('StoreInput')
export class StoreInput {
  @Field(() => String) externalId!: string;
  @Field(() => String) name!: string;
}

@InputType('SupplierInput')
export class SupplierInput {
  @Field(() => String) externalId!: string;
  @Field(() => String) name!: string;
  @Field(() => [String]) storeExternalIds!: string[];
}

@InputType('OperatorInput')
export class OperatorInput {
  @Field(() => String) name!: string;
  @Field(() => PermissionEnum) permission!: PermissionEnum;
  @Field(() => Boolean, { defaultValue: false, description: 'Every store, present and future (only an all-stores ADMIN may grant it)' }) allStores!: boolean;
  @Field(() => [String], { defaultValue: [], description: 'Its stores (at least one unless allStores), each visible to the caller' }) storeExternalIds!: string[];
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When its token stops working; omitted = never' }) expiresAt?: Date | null;
}

@ObjectType('ObjectTypeInfo', { description: 'What jobs of an object type may trigger on and map from' })
export class ObjectTypeInfoType {
  @Field(() => ObjectTypeEnum) objectType!: ObjectTypeEnum;
  @Field(() => [String], { description: 'Its statuses, in lifecycle order: the valid trigger statuses' }) statuses!: string[];
  @Field(() => [String], { description: 'Its field catalogue: the valid mapping sources (ORDER also takes customFields.<name>)' }) fields!: string[];
}
