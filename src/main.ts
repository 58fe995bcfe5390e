/** Process entry: configuration -> gateway; SIGTERM/SIGINT close it and exit 0. */
import 'reflect-metadata';
import { ConfigError, loadConfig } from './config';
import { startGateway } from './gateway';
import { createLogger } from './logger';
import { StartupError } from './startup-error';

async function main(): Promise<void> {
  const logger = createLogger();
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`jobout: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const gateway = await startGateway(config, logger);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info(`received ${signal}, shutting down`);
    gateway.close().then(
      () => process.exit(0),
      (error) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  // An operator's problem is said plainly; anything else is a bug, reported with its stack.
  const detail = error instanceof StartupError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`jobout: failed to start: ${detail}\n`);
  process.exit(1);
});
