import { Field, GraphQLISODateTime, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { AuthTypeEnum } from './enums';

@ObjectType('Header')
export class HeaderType {
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true, description: 'null for a sensitive header: its value is write-only' }) value!: string | null;
  @Field(() => Boolean, {
    description: 'Stored encrypted and never returned. Always true for authorization, cookie, proxy-authorization and names containing key, token, secret, signature, password or session',
  })
  sensitive!: boolean;
}

@ObjectType('ConnectionAuth', { description: 'OAuth2 settings. Secrets are write-only: only whether one is stored is shown.' })
export class ConnectionAuthType {
  @Field(() => AuthTypeEnum) type!: AuthTypeEnum;
  @Field(() => String, { nullable: true }) tokenUrl!: string | null;
  @Field(() => String, { nullable: true }) clientId!: string | null;
  @Field(() => String, { nullable: true }) username!: string | null;
  @Field(() => String, { nullable: true }) scope!: string | null;
  @Field(() => Boolean) hasClientSecret!: boolean;
  @Field(() => Boolean) hasPassword!: boolean;
}

export enum ConnectionStateEnum {
  ACTIVE = 'ACTIVE',
  SUSPENDED = 'SUSPENDED',
}
registerEnumType(ConnectionStateEnum, { name: 'ConnectionState' });

@ObjectType('ClientConnection')
export class ClientConnectionType {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => [String], { description: 'Owner stores (those the caller may see); empty = a global connection' }) storeExternalIds!: string[];
  @Field(() => String) baseUrl!: string;
  @Field(() => [HeaderType]) headers!: HeaderType[];
  @Field(() => Int, { nullable: true, description: 'Attempt deadline in ms; null = JOBOUT_HTTP_TIMEOUT_MS' }) timeoutMs!: number | null;
  @Field(() => Int, { nullable: true, description: 'Circuit breaker: failed attempts in a row after which the connection is SUSPENDED; null = never' })
  suspendAfterConsecutiveFailures!: number | null;
  @Field(() => Int, { nullable: true, description: 'Requests a second to the partner from every instance together (one second\'s burst at most); null = no limit' })
  maxRequestsPerSecond!: number | null;
  @Field(() => Int, { nullable: true, description: 'Requests in flight to the partner from every instance together; null = no limit' })
  maxConcurrentRequests!: number | null;
  @Field(() => ConnectionStateEnum, { description: 'SUSPENDED: its exports wait PAUSED (retries kept) and one is sent as a probe every JOBOUT_RETRY_INTERVAL_MS' })
  state!: ConnectionStateEnum;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When its breaker suspended it; null while ACTIVE' }) suspendedAt!: Date | null;
  @Field(() => ConnectionAuthType) auth!: ConnectionAuthType;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime) updatedAt!: Date;
}

@InputType('HeaderInput')
export class HeaderInput {
  @Field(() => String) name!: string;
  @Field(() => String, {
    nullable: true,
    description: 'Required, except for a sensitive header already stored under this name: omitted, its value is kept (unless the connection moves to another origin)',
  })
  value?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Write-only and encrypted; some names are always sensitive (see Header.sensitive)' }) sensitive?: boolean | null;
}

@InputType('ConnectionAuthInput')
export class ConnectionAuthInput {
  @Field(() => AuthTypeEnum) type!: AuthTypeEnum;
  @Field(() => String, { nullable: true }) tokenUrl?: string;
  @Field(() => String, { nullable: true }) clientId?: string;
  @Field(() => String, { nullable: true, description: 'Write-only. On update, omit to keep the stored secret.' }) clientSecret?: string;
  @Field(() => String, { nullable: true }) username?: string;
  @Field(() => String, { nullable: true, description: 'Write-only. On update, omit to keep the stored password.' }) password?: string;
  @Field(() => String, { nullable: true }) scope?: string;
}

@InputType('ClientConnectionInput')
export class ClientConnectionInput {
  @Field(() => String) name!: string;
  @Field(() => [String], {
    nullable: true,
    description: 'Owner stores, each visible to the caller; omitted: the caller\'s stores on create, unchanged on update; empty: global (all-stores operators only)',
  })
  storeExternalIds?: string[];
  @Field(() => String, { description: 'Absolute http(s) URL; job paths are appended to it' }) baseUrl!: string;
  @Field(() => [HeaderInput], { nullable: true }) headers?: HeaderInput[];
  @Field(() => Int, { nullable: true }) timeoutMs?: number;
  @Field(() => Int, { nullable: true, description: 'Circuit breaker: suspend after this many failed attempts in a row (1..10000); absent or null = never' })
  suspendAfterConsecutiveFailures?: number | null;
  @Field(() => Int, { nullable: true, description: 'Requests a second from every instance together (1..100000); absent or null = no limit' }) maxRequestsPerSecond?: number | null;
  @Field(() => Int, { nullable: true, description: 'Requests in flight from every instance together (1..10000); absent or null = no limit' }) maxConcurrentRequests?: number | null;
  @Field(() => ConnectionAuthInput, { nullable: true, description: 'Absent = no authentication' }) auth?: ConnectionAuthInput;
}
