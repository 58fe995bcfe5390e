import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { PermissionEnum } from './enums';

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
  @Field(() => [StoreType]) stores!: StoreType[];
  @Field(() => Boolean, { description: 'True for the built-in administrator (JOBOUT_ADMIN_TOKEN), who sees every store' }) builtIn!: boolean;
}

@ObjectType('CreatedOperator')
export class CreatedOperatorType {
  @Field(() => OperatorType) operator!: OperatorType;
  @Field(() => String, { description: 'The bearer token of the new operator. Shown only here, once: store it now.' }) token!: string;
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
  @Field(() => [String], { defaultValue: [] }) storeExternalIds!: string[];
}
