import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../context';
import { ClientConnectionInput, ClientConnectionType } from '../types/client-connection';
import { ConnectionTestType } from '../types/connection-test';

@Resolver()
export class ClientConnectionResolver {
  @Query(() => [ClientConnectionType])
  clientConnections(@Ctx() { scope, services }: GraphQLContext) {
    return services.connections.list(scope);
  }

  @Query(() => ClientConnectionType)
  clientConnection(@Arg('id', () => ID) id: string, @Ctx() { scope, services }: GraphQLContext) {
    return services.connections.get(scope, id);
  }

  @Mutation(() => ClientConnectionType)
  createClientConnection(@Arg('input', () => ClientConnectionInput) input: ClientConnectionInput, @Ctx() { scope, services }: GraphQLContext) {
    return services.connections.create(scope, input);
  }

  @Mutation(() => ClientConnectionType, { description: 'Replaces the settings; omitted secrets keep their stored value' })
  updateClientConnection(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => ClientConnectionInput) input: ClientConnectionInput,
    @Ctx() { scope, services }: GraphQLContext,
  ) {
    return services.connections.update(scope, id, input);
  }

  @Mutation(() => ClientConnectionType, { description: 'Ends a suspension: ACTIVE again, its parked exports sent oldest first (those of paused jobs stay)' })
  resumeClientConnection(@Arg('id', () => ID) id: string, @Ctx() { scope, services }: GraphQLContext) {
    return services.connectionResumes.resume(scope, id);
  }

  @Mutation(() => Boolean, { description: 'Fails with CONFLICT while an export job uses the connection' })
  async deleteClientConnection(@Arg('id', () => ID) id: string, @Ctx() { scope, services }: GraphQLContext) {
    await services.connections.delete(scope, id);
    return true;
  }

  @Mutation(() => ConnectionTestType, {
    description: 'Checks, step by step, that the connection can be reached (address check, connect/TLS, OAuth2 token) without sending any order. Network failures are reported in the steps; USER and ADMIN only',
  })
  testClientConnection(@Arg('id', () => ID) id: string, @Ctx() { scope, services }: GraphQLContext) {
    return services.connectionTests.run(scope, id);
  }
}
