import { Field, GraphQLISODateTime, ID, InputType, Int, ObjectType } from 'type-graphql';
import { ExportMethodEnum, HttpMethodEnum, ObjectTypeEnum } from './enums';

@ObjectType('QueryParam')
export class QueryParamType {
  @Field(() => String) name!: string;
  @Field(() => String) value!: string;
}

@ObjectType('ApiCall')
export class ApiCallType {
  @Field(() => HttpMethodEnum) httpMethod!: HttpMethodEnum;
  @Field(() => String, { description: 'Appended to the connection base URL' }) path!: string;
  @Field(() => [QueryParamType]) queryParams!: QueryParamType[];
}

@ObjectType('MappingEntry')
export class MappingEntryType {
  @Field(() => String, { description: 'A field of the object, e.g. reference or orderLines[].gtin' }) source!: string;
  @Field(() => String, { description: 'Where it goes in the body, e.g. orderNumber or lines[].ean' }) target!: string;
}

@ObjectType('JobSupplier')
export class JobSupplierType {
  @Field(() => String) externalId!: string;
  @Field(() => String) name!: string;
}

@ObjectType('ExportJob')
export class ExportJobType {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => [String], { description: 'Owner stores (those the caller may see); empty = a global job' }) storeExternalIds!: string[];
  @Field(() => ExportMethodEnum) exportMethod!: ExportMethodEnum;
  @Field(() => ObjectTypeEnum) objectType!: ObjectTypeEnum;
  @Field(() => ID) clientConnectionId!: string;
  @Field(() => [String]) triggerStatuses!: string[];
  @Field(() => Boolean) allowMultipleExports!: boolean;
  @Field(() => ApiCallType) apiCall!: ApiCallType;
  @Field(() => [MappingEntryType]) mapping!: MappingEntryType[];
  @Field(() => Boolean) includeCustomFields!: boolean;
  @Field(() => Boolean, { description: 'Paused (pauseExportJob): changes are recorded as PAUSED exports, sent oldest first on resumeExportJob' }) paused!: boolean;
  @Field(() => [JobSupplierType], { description: 'The suppliers of the job that the caller may see; empty = all suppliers' }) suppliers!: JobSupplierType[];
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime) updatedAt!: Date;
}

@ObjectType('ExportJobPage')
export class ExportJobPageType {
  @Field(() => [ExportJobType]) content!: ExportJobType[];
  @Field(() => Int, { description: '0-based page number' }) number!: number;
  @Field(() => Int) size!: number;
  @Field(() => Int) totalElements!: number;
  @Field(() => Int) totalPages!: number;
}

@InputType('QueryParamInput')
export class QueryParamInput {
  @Field(() => String) name!: string;
  @Field(() => String) value!: string;
}

@InputType('ApiCallInput')
export class ApiCallInput {
  @Field(() => HttpMethodEnum) httpMethod!: HttpMethodEnum;
  @Field(() => String) path!: string;
  @Field(() => [QueryParamInput], { nullable: true }) queryParams?: QueryParamInput[];
}

@InputType('MappingEntryInput')
export class MappingEntryInput {
  @Field(() => String) source!: string;
  @Field(() => String) target!: string;
}

@InputType('ExportJobInput', { description: 'A whole export job: on update, omitted optional fields return to their defaults' })
export class ExportJobInput {
  @Field(() => String) name!: string;
  @Field(() => [String], {
    nullable: true,
    description: 'Owner stores, each visible to the caller; omitted: the caller\'s stores on create, unchanged on update; empty: global (all-stores operators only)',
  })
  storeExternalIds?: string[];
  @Field(() => ExportMethodEnum, { nullable: true }) exportMethod?: ExportMethodEnum;
  @Field(() => ObjectTypeEnum) objectType!: ObjectTypeEnum;
  @Field(() => ID) clientConnectionId!: string;
  @Field(() => [String], { description: 'Statuses of objectType; DRAFT_ORDER_ON_HOLD is accepted for ORDER_DRAFT_ON_HOLD' }) triggerStatuses!: string[];
  @Field(() => Boolean, { nullable: true, description: 'ORDER jobs with ORDER_DRAFT_ON_HOLD only: export each time that status is reached' })
  allowMultipleExports?: boolean;
  @Field(() => ApiCallInput) apiCall!: ApiCallInput;
  @Field(() => [MappingEntryInput], { nullable: true, description: 'Empty or absent: the documented payload' }) mapping?: MappingEntryInput[];
  @Field(() => Boolean, { nullable: true }) includeCustomFields?: boolean;
  @Field(() => [String], { nullable: true, description: 'Supplier external ids; absent or empty = all suppliers' }) supplierExternalIds?: string[];
  @Field(() => [String], { nullable: true, deprecationReason: 'Removed in v3.113: use supplierExternalIds. Sending it fails with SUPPLIERS_FIELD_REMOVED.' })
  suppliers?: string[];
}

@InputType('ExportJobFilter')
export class ExportJobFilterInput {
  @Field(() => [String], { nullable: true, description: 'Jobs configured with any of these suppliers (OR)' }) supplierExternalIds?: string[];
  @Field(() => ObjectTypeEnum, { nullable: true }) objectType?: ObjectTypeEnum;
  @Field(() => String, { nullable: true, description: 'Name contains (case-insensitive)' }) search?: string;
}
