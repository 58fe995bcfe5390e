import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, loadConfig } from '../src/config';

const KEY = Buffer.alloc(32, 1).toString('base64');

describe('loadConfig', () => {
  it('applies the defaults of CONTRACT §1 to an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      databaseUrl: undefined,
      host: '127.0.0.1',
      port: 4000,
      dataDir: '.data',
      adminToken: undefined,
      secretKey: undefined,
      retry: { maxRetries: 5, intervalMs: 900_000 },
      sweepCron: '* * * * *',
      httpTimeoutMs: 10_000,
      allowPrivateTargets: false,
      dispatchConcurrency: 32,
      production: false,
    });
    expect(DEFAULTS.retryIntervalMs).toBe(15 * 60 * 1000);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db:5432/jobout',
      HOST: '0.0.0.0',
      PORT: '8080',
      JOBOUT_DATA_DIR: '/var/lib/jobout',
      JOBOUT_ADMIN_TOKEN: 'a-long-enough-admin-token',
      JOBOUT_SECRET_KEY: KEY,
      JOBOUT_MAX_RETRIES: '3',
      JOBOUT_RETRY_INTERVAL_MS: '300',
      JOBOUT_SWEEP_CRON: '*/5 * * * * *',
      JOBOUT_HTTP_TIMEOUT_MS: '2500',
      JOBOUT_ALLOW_PRIVATE_TARGETS: 'true',
      JOBOUT_DISPATCH_CONCURRENCY: '4',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgres://u:p@db:5432/jobout',
      host: '0.0.0.0',
      port: 8080,
      dataDir: '/var/lib/jobout',
      adminToken: 'a-long-enough-admin-token',
      retry: { maxRetries: 3, intervalMs: 300 },
      sweepCron: '*/5 * * * * *',
      httpTimeoutMs: 2500,
      allowPrivateTargets: true,
      dispatchConcurrency: 4,
    });
    expect(config.secretKey).toEqual(Buffer.alloc(32, 1));
  });

  it.each([
    ['JOBOUT_MAX_RETRIES', '-1'],
    ['JOBOUT_MAX_RETRIES', 'five'],
    ['JOBOUT_RETRY_INTERVAL_MS', '0'],
    ['PORT', '70000'],
    ['JOBOUT_HTTP_TIMEOUT_MS', '1.5'],
    ['JOBOUT_DISPATCH_CONCURRENCY', '0'],
    ['JOBOUT_ALLOW_PRIVATE_TARGETS', 'yes please'],
    ['JOBOUT_SWEEP_CRON', 'every minute'],
    ['JOBOUT_SECRET_KEY', Buffer.alloc(16).toString('base64')],
    ['JOBOUT_ADMIN_TOKEN', 'short'],
    ['DATABASE_URL', 'mysql://localhost/jobout'],
  ])('refuses %s=%s with an error naming the variable', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrow(new RegExp(`^Invalid ${variable}:`));
  });

  it('requires JOBOUT_SECRET_KEY in production, where a generated key would not survive a new machine', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JOBOUT_SECRET_KEY/);
    expect(loadConfig({ NODE_ENV: 'production', JOBOUT_SECRET_KEY: KEY }).production).toBe(true);
  });
});
