/**
 * Assembles one Jobout instance: database (embedded or DATABASE_URL) -> migrations -> secrets -> services ->
 * listener and dispatcher -> HTTP (GraphQL and REST) on HOST:PORT. `close()` takes it down in the order that
 * loses nothing: stop claiming and settle in-flight sends (while /readyz says 503), stop HTTP, then the
 * listener, the connections and the embedded database.
 */
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Authenticator } from './auth/authenticator';
import { SecretBox } from './auth/secret-box';
import type { Config } from './config';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './db/embedded-postgres';
import { migrate, openOrm, pendingMigrations } from './db/orm';
import { resolveAdminToken, resolveSecretKey } from './dev-secrets';
import { Dispatcher } from './dispatch/dispatcher';
import { Listener } from './dispatch/listener';
import { Sender } from './dispatch/sender';
import { Sweeper } from './dispatch/sweeper';
import { buildApiSchema } from './graphql/schema';
import { createApolloServer } from './graphql/server';
import { createApp } from './http/app';
import type { Logger } from './logger';
import { createServices } from './services';
import { USER_AGENT } from './version';

export interface Gateway {
  url: string;
  orm: MikroORM;
  dispatcher: Dispatcher;
  listener: Listener;
  sweeper: Sweeper;
  close(): Promise<void>;
}

interface Parts {
  embedded?: EmbeddedPostgres;
  orm?: MikroORM;
  sender?: Sender;
  listener?: Listener;
  dispatcher?: Dispatcher;
  sweeper?: Sweeper;
  apollo?: { stop(): Promise<void> };
}

async function closeParts(parts: Parts, logger: Logger): Promise<void> {
  const steps: [string, (() => Promise<void>) | undefined][] = [
    ['sweeper', parts.sweeper && (() => parts.sweeper!.stop())],
    ['dispatcher', parts.dispatcher && (() => parts.dispatcher!.stop())],
    ['http', parts.apollo && (() => parts.apollo!.stop())],
    ['listener', parts.listener && (() => parts.listener!.stop())],
    ['sender', parts.sender && (() => parts.sender!.close())],
    ['database connections', parts.orm && (() => parts.orm!.close())],
    ['embedded database', parts.embedded && (() => parts.embedded!.stop())],
  ];
  for (const [name, step] of steps) {
    if (step) await step().catch((error) => logger.error(`shutdown: ${name} failed`, { error }));
  }
}

export async function startGateway(config: Config, logger: Logger): Promise<Gateway> {
  const parts: Parts = {};
  let stopping = false;
  try {
    let databaseUrl = config.databaseUrl;
    if (databaseUrl === undefined) {
      parts.embedded = await startEmbeddedPostgres({ dir: config.dataDir, log: (message) => logger.info(message) });
      databaseUrl = parts.embedded.url;
    }
    const orm = (parts.orm = await openOrm(databaseUrl));
    const applied = await migrate(orm, databaseUrl);
    if (applied.length > 0) logger.info('applied migrations', { migrations: applied });

    const log = (message: string) => logger.info(message);
    const adminToken = resolveAdminToken(config, log);
    const secrets = new SecretBox(resolveSecretKey(config, log));
    const services = createServices({ secrets, allowPrivateTargets: config.allowPrivateTargets });

    const sender = (parts.sender = new Sender({ timeoutMs: config.httpTimeoutMs, allowPrivateTargets: config.allowPrivateTargets, userAgent: USER_AGENT }));
    const dispatcher = (parts.dispatcher = new Dispatcher(
      orm,
      sender,
      secrets,
      { concurrency: config.dispatchConcurrency, httpTimeoutMs: config.httpTimeoutMs, retry: config.retry },
      logger,
    ));
    const listener = (parts.listener = new Listener({ databaseUrl, logger, onWake: () => dispatcher.wake() }));
    await listener.start();
    dispatcher.start();
    const sweeper = (parts.sweeper = new Sweeper(orm, dispatcher, config.retry, logger));
    sweeper.start(config.sweepCron);

    const httpServer = createServer();
    const apollo = createApolloServer({ schema: buildApiSchema(), production: config.production, logger, plugins: [ApolloServerPluginDrainHttpServer({ httpServer })] });
    await apollo.start();
    parts.apollo = apollo;
    const app = createApp({
      orm,
      apollo,
      authenticator: new Authenticator(adminToken),
      services,
      logger,
      notReadyReason: async () => {
        if (stopping) return 'shutting down';
        if (!listener.connected) return 'listener disconnected';
        try {
          return (await pendingMigrations(orm)) > 0 ? 'migrations pending' : undefined;
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
    return {
      url,
      orm,
      dispatcher,
      listener,
      sweeper,
      close: () => {
        stopping = true;
        return closeParts(parts, logger);
      },
    };
  } catch (error) {
    stopping = true;
    await closeParts(parts, logger);
    throw error;
  }
}
