import { Field, GraphQLISODateTime, ID, InputType, ObjectType } from 'type-graphql';

@ObjectType('AlertTarget', { description: 'Where operational events of an owner store set are POSTed as JSON, with the export retry rules' })
export class AlertTargetType {
  @Field(() => ID) id!: string;
  @Field(() => ID) clientConnectionId!: string;
  @Field(() => String, { description: 'Appended to the connection base URL' }) path!: string;
  @Field(() => [String], { description: 'Owner stores (those the caller may see) whose events it receives; empty = a global target (every event)' })
  storeExternalIds!: string[];
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime) updatedAt!: Date;
}

@InputType('AlertTargetInput')
export class AlertTargetInput {
  @Field(() => ID, { description: 'A connection that covers the target\'s stores (global for a global target)' }) clientConnectionId!: string;
  @Field(() => String, { description: 'Appended to the connection base URL; starts with "/"' }) path!: string;
  @Field(() => [String], { nullable: true, description: "Owner stores; omitted: the caller's stores; empty: global (all-stores operators only). Setting a target replaces the one of the same stores." })
  storeExternalIds?: string[];
}
