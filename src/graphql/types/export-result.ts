import { ArgsType, Field, GraphQLISODateTime, ID, Int, ObjectType } from 'type-graphql';
import { ObjectTypeEnum } from './enums';
import { ExportStateEnum } from './exports';

@ObjectType('ExportResult', { description: 'One finished attempt of an export, as the live feed reports it' })
export class ExportResultType {
  @Field(() => ID) exportId!: string;
  @Field(() => ID, { nullable: true, description: 'Null once the job is deleted' }) jobId!: string | null;
  @Field(() => String) jobName!: string;
  @Field(() => ObjectTypeEnum) objectType!: ObjectTypeEnum;
  @Field(() => String) objectReference!: string;
  @Field(() => String) triggerStatus!: string;
  @Field(() => ExportStateEnum, { description: 'The export after this attempt: SUCCEEDED, RETRY_SCHEDULED or FAILED' }) state!: ExportStateEnum;
  @Field(() => Int, { description: 'This attempt\'s number, from 1' }) attempt!: number;
  @Field(() => Int, { nullable: true }) httpStatus!: number | null;
  @Field(() => String, { nullable: true, description: 'Capped at 1000 characters; the export record keeps it whole' }) error!: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) nextAttemptAt!: Date | null;
  @Field(() => GraphQLISODateTime, { description: 'When the attempt finished' }) occurredAt!: Date;
}

@ArgsType()
export class ExportResultArgs {
  @Field(() => ID, { nullable: true, description: 'Only results of this export job' }) jobId?: string | null;
  @Field(() => ObjectTypeEnum, { nullable: true, description: 'Only results of this object type' }) objectType?: ObjectTypeEnum | null;
}
