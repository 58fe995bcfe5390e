import { ArgsType, Field, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum OperationalEventTypeEnum {
  EXPORT_FAILED = 'EXPORT_FAILED',
  CONNECTION_SUSPENDED = 'CONNECTION_SUSPENDED',
  CONNECTION_RECOVERED = 'CONNECTION_RECOVERED',
  JOB_PAUSED = 'JOB_PAUSED',
  JOB_RESUMED = 'JOB_RESUMED',
}
registerEnumType(OperationalEventTypeEnum, {
  name: 'OperationalEventType',
  description: "EXPORT_FAILED: a job's exports ended FAILED (grouped per job per minute); CONNECTION_SUSPENDED / CONNECTION_RECOVERED: a connection's circuit breaker; JOB_PAUSED / JOB_RESUMED",
});

@ObjectType('OperationalEvent', { description: 'Something an operator should know about a job or a connection (CONTRACT §11)' })
export class OperationalEventType {
  @Field(() => OperationalEventTypeEnum) type!: OperationalEventTypeEnum;
  @Field(() => GraphQLISODateTime) occurredAt!: Date;
  @Field(() => ID, { nullable: true }) jobId!: string | null;
  @Field(() => String, { nullable: true }) jobName!: string | null;
  @Field(() => String, { nullable: true, description: 'EXPORT_FAILED: the supplier of the failed exports (grouped per job and supplier)' }) supplierExternalId!: string | null;
  @Field(() => ID, { nullable: true }) connectionId!: string | null;
  @Field(() => String, { nullable: true }) connectionName!: string | null;
  @Field(() => Int, { nullable: true, description: 'EXPORT_FAILED: how many of the job\'s exports ended FAILED since its previous EXPORT_FAILED event' })
  failedExports!: number | null;
  @Field(() => String, { nullable: true, description: 'Why: the last error, or who paused or resumed the job' }) detail!: string | null;
}

@ArgsType()
export class OperationalEventArgs {
  @Field(() => [OperationalEventTypeEnum], { nullable: true, description: 'Only these types; absent or empty: all' }) types?: OperationalEventTypeEnum[] | null;
  @Field(() => ID, { nullable: true, description: 'Only events of this export job' }) jobId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Only events of this client connection' }) clientConnectionId?: string | null;
}
