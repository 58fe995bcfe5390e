/**
 * Assembles one Jobout instance: database (embedded or DATABASE_URL) -> migrations -> secrets -> services ->
 * result feed, listener and dispatcher -> HTTP (GraphQL, graphql-ws, REST, metrics) on HOST:PORT. `close()` takes
 * it down in the order that loses nothing: stop claiming and settle in-flight sends (while /readyz says 503), close
 * the WebSockets and the feed, stop HTTP, then the listener, the connections and the embedded database.
 */
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Authenticator } from './auth/authenticator';
import { FailedAuthThrottle } from './auth/failed-auth-throttle';
import { SecretBox } from './auth/secret-box';
import type { Config } from './config';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './db/embedded-postgres';
import { migrate, openOrm, pendingMigrations } from './db/orm';
import { DISPATCH_CHANNEL } from './db/notify-channels';
import { sqlRunner } from './db/sql-runner';
import { resolveAdminToken, resolveSecretKey } from './dev-secrets';
import { Dispatcher, dispatchSteps, SAFETY_POLL_MS } from './dispatch/dispatcher';
import { Listener } from './dispatch/listener';
import { AlertSender } from './dispatch/alert-sender';
import { OperationalAlerts } from './dispatch/operational-alerts';
import { OperationalFeed } from './dispatch/operational-feed';
import { ResultsFeed } from './dispatch/results-feed';
import { Sender } from './dispatch/sender';
import type { SettledExport } from './dispatch/sql/settle-attempts';
import { Sweeper } from './dispatch/sweeper';
import { buildApiSchema } from './graphql/schema';
import { createApolloServer } from './graphql/server';
import { serveSubscriptions, type SubscriptionServer } from './graphql/subscriptions';
import { createApp } from './http/app';
import type { Logger } from './logger';
import { Metrics } from './observability/metrics';
import { createServices } from './services';
import { sealStoredHeaders } from './services/seal-stored-headers';
import { USER_AGENT } from './version';
import { defaultConsoleDir } from './http/console';

export interface Gateway {
  url: string;
  orm: MikroORM;
  dispatcher: Dispatcher;
  listener: Listener;
  sweeper: Sweeper;
  results: ResultsFeed;
  events: OperationalFeed;
  close(): Promise<void>;
}

interface Parts {
  embedded?: EmbeddedPostgres;
  orm?: MikroORM;
  dispatchOrm?: MikroORM;
  sender?: Sender;
  listener?: Listener;
  dispatcher?: Dispatcher;
  sweeper?: Sweeper;
  results?: ResultsFeed;
  events?: OperationalFeed;
  alerts?: OperationalAlerts;
  subscriptions?: SubscriptionServer;
  apollo?: { stop(): Promise<void> };
}

async function closeParts(parts: Parts, logger: Logger): Promise<void> {
  const steps: [string, (() => Promise<void>) | undefined][] = [
    ['sweeper', parts.sweeper && (() => parts.sweeper!.stop())],
    ['dispatcher', parts.dispatcher && (() => parts.dispatcher!.stop())],
    ['subscriptions', parts.subscriptions && (() => parts.subscriptions!.close())],
    ['operational alerts', parts.alerts && (() => parts.alerts!.flush())],
    ['result feed', parts.results && (() => parts.results!.stop())],
    ['operational event feed', parts.events && (() => parts.events!.stop())],
    ['http', parts.apollo && (() => parts.apollo!.stop())],
    ['listener', parts.listener && (() => parts.listener!.stop())],
    ['sender', parts.sender && (() => parts.sender!.close())],
    ['database connections', parts.orm && (() => parts.orm!.close())],
    ['dispatcher database connections', parts.dispatchOrm && (() => parts.dispatchOrm!.close())],
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
    const sealedHeaders = await sealStoredHeaders(orm.em.fork(), secrets);
    if (sealedHeaders > 0) logger.info('sealed sensitive header values stored in clear', { connections: sealedHeaders });
    const services = createServices({ secrets, allowPrivateTargets: config.allowPrivateTargets, httpTimeoutMs: config.httpTimeoutMs, userAgent: USER_AGENT });

    // The dispatcher's bookkeeping commits asynchronously on its own pool (see PoolSettings.dispatcher); API writes stay durable.
    const dispatchOrm = (parts.dispatchOrm = await openOrm(databaseUrl, { dispatcher: true }));
    const sender = (parts.sender = new Sender({ timeoutMs: config.httpTimeoutMs, allowPrivateTargets: config.allowPrivateTargets, userAgent: USER_AGENT }));
    const metrics = new Metrics(orm, Date.now);
    // Published on the dispatcher's pool too: a result notice is best effort and need not wait for a WAL flush.
    const results = (parts.results = new ResultsFeed(dispatchOrm, databaseUrl, logger));
    await results.start();
    const events = (parts.events = new OperationalFeed(databaseUrl, logger));
    await events.start();
    const dispatchSql = sqlRunner(dispatchOrm);
    const alerts = (parts.alerts = new OperationalAlerts(dispatchSql, logger));
    // Every finished attempt, whether settled by a sender or reclaimed after an expired lease, is counted and published.
    const report = (settled: SettledExport[]) => {
      metrics.recordSettled(settled);
      results.publish(settled);
      alerts.report(settled);
    };
    const dispatcher = (parts.dispatcher = new Dispatcher(
      { steps: dispatchSteps(dispatchSql, { httpTimeoutMs: config.httpTimeoutMs, retry: config.retry }), sender, secrets, logger, onSettled: report },
      { concurrency: config.dispatchConcurrency, httpTimeoutMs: config.httpTimeoutMs, safetyPollMs: SAFETY_POLL_MS },
    ));
    const listener = (parts.listener = new Listener({ databaseUrl, logger, channel: DISPATCH_CHANNEL, onWake: (notice) => dispatcher.wake(notice) }));
    await listener.start();
    dispatcher.start();
    const sweeper = (parts.sweeper = new Sweeper(dispatchSql, dispatcher, config.retry, config.retentionDays, logger, report,
      new AlertSender(dispatchSql, sender, secrets, config.retry, config.httpTimeoutMs, logger)));
    sweeper.start(config.sweepCron);

    const httpServer = createServer();
    const schema = buildApiSchema();
    const authenticator = new Authenticator(adminToken, new FailedAuthThrottle(Date.now));
    const apollo = createApolloServer({ schema, production: config.production, logger, plugins: [ApolloServerPluginDrainHttpServer({ httpServer })] });
    await apollo.start();
    parts.apollo = apollo;
    parts.subscriptions = serveSubscriptions({ httpServer, schema, orm, authenticator, services, results, events, logger, production: config.production });
    const app = createApp({
      orm,
      apollo,
      authenticator,
      services,
      logger,
      metrics,
      metricsToken: config.metricsToken,
      corsOrigins: config.corsOrigins,
      consoleDir: defaultConsoleDir(),
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
      results,
      events,
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
