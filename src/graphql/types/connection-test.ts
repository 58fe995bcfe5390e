import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType('ConnectionTestStep', { description: 'One check of testClientConnection' })
export class ConnectionTestStepType {
  @Field(() => String, {
    description: 'address (the host resolves to addresses the SSRF policy allows), connect (TCP, and for https a verified TLS handshake), token (OAuth2 connections only)',
  })
  name!: string;
  @Field(() => Boolean) ok!: boolean;
  @Field(() => String, { nullable: true, description: 'What was checked (addresses, TLS protocol) or why it failed; never a secret or a token' })
  detail!: string | null;
  @Field(() => Int, { description: 'Time the step took, in ms; each step has the connection timeout as its deadline' }) durationMs!: number;
}

@ObjectType('ConnectionTest', { description: 'Whether a client connection can be reached; nothing is sent to its export target' })
export class ConnectionTestType {
  @Field(() => Boolean, { description: 'True when every listed step passed' }) ok!: boolean;
  @Field(() => [ConnectionTestStepType], { description: 'The steps run, in order; the first failed step is the last listed' }) steps!: ConnectionTestStepType[];
}
