import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, GraphQLISODateTime, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ObjectTypeEnum } from './enums';

export enum ExportStateEnum {
  PENDING = 'PENDING',
  SENDING = 'SENDING',
  RETRY_SCHEDULED = 'RETRY_SCHEDULED',
  PAUSED = 'PAUSED',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(ExportStateEnum, { name: 'ExportState' });

@ObjectType('ExportAttempt', { description: 'One HTTP try of an export' })
export class ExportAttemptType {
  @Field(() => Int) attempt!: number;
  @Field(() => GraphQLISODateTime) startedAt!: Date;
  @Field(() => GraphQLISODateTime) finishedAt!: Date;
  @Field(() => Int) durationMs!: number;
  @Field(() => Int, { nullable: true }) httpStatus!: number | null;
  @Field(() => String, { nullable: true, description: 'The first 2 KiB of the response body' }) responseExcerpt!: string | null;
  @Field(() => String, { nullable: true, description: 'HTTP_STATUS, TIMEOUT, BLOCKED_DESTINATION, CONNECTION, TLS, AUTH, OTHER' }) errorClass!: string | null;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field(() => Boolean, { description: 'Reported by an instance that had lost its lease: it changed nothing' }) stale!: boolean;
}

@ObjectType('Export', { description: 'One triggered send: a job, an object and the status it reached' })
export class ExportType {
  @Field(() => ID) id!: string;
  @Field(() => ID, { nullable: true, description: 'Null once the job is deleted' }) jobId!: string | null;
  @Field(() => String) jobName!: string;
  @Field(() => ObjectTypeEnum) objectType!: ObjectTypeEnum;
  @Field(() => String) objectReference!: string;
  @Field(() => String, { nullable: true }) supplierExternalId!: string | null;
  @Field(() => String) triggerStatus!: string;
  @Field(() => ExportStateEnum) state!: ExportStateEnum;
  @Field(() => Int, { description: 'Attempts made so far' }) attemptCount!: number;
  @Field(() => GraphQLISODateTime, { nullable: true }) nextAttemptAt!: Date | null;
  @Field(() => Int, { nullable: true }) lastHttpStatus!: number | null;
  @Field(() => String, { nullable: true }) lastError!: string | null;
  @Field(() => String, { description: 'The JSON body, byte for byte as every attempt sends it; empty once purged' }) payload!: string;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime) updatedAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) finishedAt!: Date | null;
  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'When retention (JOBOUT_RETENTION_DAYS) deleted its payload and attempts; the export itself stays, so its status still fires nothing again',
  })
  purgedAt!: Date | null;
}

@ObjectType('ExportDetail')
export class ExportDetailType extends ExportType {
  @Field(() => [ExportAttemptType]) attempts!: ExportAttemptType[];
}

@ObjectType('ExportPage')
export class ExportPageType {
  @Field(() => [ExportType]) content!: ExportType[];
  @Field(() => Int) number!: number;
  @Field(() => Int) size!: number;
  @Field(() => Int) totalElements!: number;
  @Field(() => Int) totalPages!: number;
}

@InputType('ExportFilter')
export class ExportFilterInput {
  @Field(() => ID, { nullable: true }) jobId?: string;
  @Field(() => ExportStateEnum, { nullable: true }) state?: ExportStateEnum;
  @Field(() => ObjectTypeEnum, { nullable: true }) objectType?: ObjectTypeEnum;
  @Field(() => String, { nullable: true, description: 'The object reference, across jobs' }) objectReference?: string;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Exports created at or after this instant' }) from?: Date;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Exports created before this instant' }) to?: Date;
}

@ObjectType('Order')
export class OrderType {
  @Field(() => ID) id!: string;
  @Field(() => String) reference!: string;
  @Field(() => String, { nullable: true }) status!: string | null;
}

@ObjectType('Incident')
export class IncidentType {
  @Field(() => ID) id!: string;
  @Field(() => String) orderIncidentId!: string;
  @Field(() => String, { nullable: true }) status!: string | null;
}

@InputType('OrderLineInput')
export class OrderLineInput {
  @Field(() => String, { nullable: true }) orderLineId?: string;
  @Field(() => String, { nullable: true }) offerPriceExternalId?: string;
  @Field(() => String, { nullable: true }) variantExternalId?: string;
  @Field(() => String, { nullable: true, description: 'Exported as a string, as documented' }) quantityPerItem?: string;
  @Field(() => String, { nullable: true }) gtin?: string;
  @Field(() => Int, { nullable: true }) quantity?: number;
}

@InputType('OrderInput', { description: 'An order logistic; an existing reference is replaced (lines too, when given)' })
export class OrderInput {
  @Field(() => String) reference!: string;
  @Field(() => String, { nullable: true }) accountExternalId?: string;
  @Field(() => String, { nullable: true }) supplierExternalId?: string;
  @Field(() => String, { nullable: true }) storeExternalId?: string;
  @Field(() => String, { nullable: true, description: 'Omitted on update: the status is kept' }) status?: string;
  @Field(() => GraphQLISODateTime, { nullable: true }) createdAt?: Date;
  @Field(() => GraphQLJSONObject, { nullable: true }) customFields?: Record<string, unknown>;
  @Field(() => [OrderLineInput], { nullable: true }) orderLines?: OrderLineInput[];
}

@InputType('IncidentLineInput')
export class IncidentLineInput {
  @Field(() => String, { nullable: true }) orderLineId?: string;
  @Field(() => String, { nullable: true }) orderLineExternalId?: string;
  @Field(() => String, { nullable: true }) incidentLineStatus?: string;
  @Field(() => String, { nullable: true }) variantExternalId?: string;
  @Field(() => Int, { nullable: true }) incidentLineQuantity?: number;
}

@InputType('IncidentInput', { description: 'An incident; an existing orderIncidentId is replaced (lines too, when given)' })
export class IncidentInput {
  @Field(() => String) orderIncidentId!: string;
  @Field(() => String, { nullable: true }) orderIncidentExternalId?: string;
  @Field(() => String, { nullable: true }) orderReference?: string;
  @Field(() => String, { nullable: true }) status?: string;
  @Field(() => String, { nullable: true }) reasonCode?: string;
  @Field(() => String, { nullable: true }) reasonDescription?: string;
  @Field(() => String, { nullable: true }) supplierExternalId?: string;
  @Field(() => String, { nullable: true }) accountExternalId?: string;
  @Field(() => GraphQLISODateTime, { nullable: true }) createdAt?: Date;
  @Field(() => [IncidentLineInput], { nullable: true }) orderLineIncident?: IncidentLineInput[];
}

@InputType('RetryExportsFilter')
export class RetryExportsFilterInput {
  @Field(() => ID, { nullable: true }) jobId?: string;
  @Field(() => ExportStateEnum, { nullable: true, description: 'FAILED (default): a fresh round of attempts; RETRY_SCHEDULED: the next attempt now' })
  state?: ExportStateEnum;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Exports last changed (for FAILED: failed) at or after this instant' }) from?: Date;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Exports last changed before this instant' }) to?: Date;
  @Field(() => String, { nullable: true, description: 'The object reference, across jobs' }) objectReference?: string;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Exports created at or after this instant (the exports filter from)' }) createdFrom?: Date;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Exports created before this instant (the exports filter to)' }) createdTo?: Date;
}
