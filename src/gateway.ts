/**
 * Assembles one Jobout instance: database (embedded or DATABASE_URL) -> migrations -> secrets -> services ->
 * HTTP (GraphQL) on HOST:PORT. `close()` undoes it in reverse order. Used by `main.ts` and by the tests.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Authenticator } from './auth/authenticator';
import { SecretBox } from './auth/secret-box';
import type { Config } from './config';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './db/embedded-postgres';
import { migrate, openOrm, pendingMigrations } from './db/orm';
import { resolveAdminToken, resolveSecretKey } from './dev-secrets';
import { buildApiSchema } from './graphql/schema';
import { createApolloServer } from './graphql/server';
import { createApp } from './http/app';
import type { Logger } from './logger';
import { createServices } from './services';

export interface Gateway {
  url: string;
  orm: MikroORM;
  close(): Promise<void>;
}

export async function startGateway(config: Config, logger: Logger): Promise<Gateway> {
  const cleanups: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => logger.error('shutdown step failed', { error }));
    cleanups.length = 0;
  };
  try {
    let databaseUrl = config.databaseUrl;
    if (databaseUrl === undefined) {
      const embedded: EmbeddedPostgres = await startEmbeddedPostgres({ dir: config.dataDir, log: (message) => logger.info(message) });
      cleanups.push(() => embedded.stop());
      databaseUrl = embedded.url;
    }
    const orm = await openOrm(databaseUrl);
    cleanups.push(() => orm.close());
    const applied = await migrate(orm, databaseUrl);
    if (applied.length > 0) logger.info('applied migrations', { migrations: applied });

    const log = (message: string) => logger.info(message);
    const adminToken = resolveAdminToken(config, log);
    const secrets = new SecretBox(resolveSecretKey(config, log));
    const services = createServices({ secrets, allowPrivateTargets: config.allowPrivateTargets });

    const httpServer: Server = createServer();
    const apollo = createApolloServer({
      schema: buildApiSchema(),
      production: config.production,
      logger,
      plugins: [ApolloServerPluginDrainHttpServer({ httpServer })],
    });
    await apollo.start();
    cleanups.push(() => apollo.stop());

    const app = createApp({
      orm,
      apollo,
      authenticator: new Authenticator(adminToken),
      services,
      logger,
      notReadyReason: async () => {
        try {
          if ((await pendingMigrations(orm)) > 0) return 'migrations pending';
          return undefined;
        } catch {
          return 'database unreachable';
        }
      },
    });
    httpServer.on('request', app);
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.port, config.host, resolve);
    });
    const { port } = httpServer.address() as AddressInfo;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    logger.info(`Jobout listening on ${url} (GraphQL at ${url}/graphql)`, { dataDir: path.resolve(config.dataDir) });
    return { url, orm, close };
  } catch (error) {
    await close();
    throw error;
  }
}
