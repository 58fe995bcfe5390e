/**
 * Every environment variable Jobout reads, resolved once into a typed `Config` (CONTRACT §1).
 *
 * `loadConfig(env)` never reads `process.env` itself, so tests build configurations side by side. A bad
 * value throws a `ConfigError` naming the variable; `main.ts` prints it and exits non-zero.
 */
import cron from 'node-cron';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

export interface RetryPolicy {
  /** Retries after the first attempt (so `maxRetries + 1` attempts in all). Default 5. */
  maxRetries: number;
  /** Fixed wait between two attempts, in ms: no backoff, no jitter. Default 15 minutes. */
  intervalMs: number;
}

export interface Config {
  /** PostgreSQL connection string; `undefined` starts the embedded server. */
  databaseUrl: string | undefined;
  host: string;
  port: number;
  /** Embedded database files and generated development secrets. Default `.data`. */
  dataDir: string;
  /** Bearer token of the built-in administrator; `undefined` = generated into the data dir. */
  adminToken: string | undefined;
  /** 32-byte key encrypting connection secrets; `undefined` = generated into the data dir (not in production). */
  secretKey: Buffer | undefined;
  retry: RetryPolicy;
  /** node-cron expression of the retry sweeper. Default every minute. */
  sweepCron: string;
  /** Days a finished export keeps its payload and attempts (CONTRACT §11). Default 90. */
  retentionDays: number;
  /** One deadline per attempt, connection to last byte, in ms. Default 10 s. */
  httpTimeoutMs: number;
  /** Allow targets on loopback, private and link-local addresses. Default false. */
  allowPrivateTargets: boolean;
  /** Concurrent sends per instance. Default 32. */
  dispatchConcurrency: number;
  /** Bearer token `GET /metrics` requires; `undefined` = open, as a Prometheus scrape usually is. */
  metricsToken: string | undefined;
  /** Origins whose pages may call the API from a browser (CORS); empty = none. */
  corsOrigins: string[];
  production: boolean;
}

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 4000,
  dataDir: '.data',
  maxRetries: 5,
  retryIntervalMs: 15 * MINUTE,
  sweepCron: '* * * * *',
  httpTimeoutMs: 10 * SECOND,
  dispatchConcurrency: 32,
  retentionDays: 90,
} as const;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`Invalid ${variable}: ${reason}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function text(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `"${raw}" is not an integer`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `${value} is outside ${min}..${max}`);
  return value;
}

function boolean(env: Env, name: string): boolean {
  const raw = text(env, name)?.toLowerCase();
  if (raw === undefined || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new ConfigError(name, `"${raw}" is not true or false`);
}

function databaseUrl(env: Env): string | undefined {
  const raw = text(env, 'DATABASE_URL');
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('DATABASE_URL', 'not a URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError('DATABASE_URL', 'must start with postgres:// or postgresql://');
  }
  return raw;
}

function secretKey(env: Env): Buffer | undefined {
  const raw = text(env, 'JOBOUT_SECRET_KEY');
  if (raw === undefined) return undefined;
  const key = Buffer.from(raw, 'base64');
  if (key.length !== 32) throw new ConfigError('JOBOUT_SECRET_KEY', `must be 32 bytes in base64, got ${key.length}`);
  return key;
}

/** A bearer token from the environment: long enough not to be guessed. */
function token(env: Env, name: 'JOBOUT_ADMIN_TOKEN' | 'JOBOUT_METRICS_TOKEN'): string | undefined {
  const raw = text(env, name);
  if (raw !== undefined && raw.length < 16) throw new ConfigError(name, 'must be at least 16 characters');
  return raw;
}

/** `JOBOUT_CORS_ORIGINS`: comma-separated origins (`https://backoffice.example.com`), each exactly an origin. */
function corsOrigins(env: Env): string[] {
  const raw = text(env, 'JOBOUT_CORS_ORIGINS');
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      let origin: string;
      try {
        origin = new URL(entry).origin;
      } catch {
        throw new ConfigError('JOBOUT_CORS_ORIGINS', `"${entry}" is not an origin such as https://backoffice.example.com`);
      }
      if (origin !== entry.replace(/\/$/, '') || !/^https?:/.test(origin)) throw new ConfigError('JOBOUT_CORS_ORIGINS', `"${entry}" is not an origin such as https://backoffice.example.com`);
      return origin;
    });
}

function sweepCron(env: Env): string {
  const raw = text(env, 'JOBOUT_SWEEP_CRON') ?? DEFAULTS.sweepCron;
  if (!cron.validate(raw)) throw new ConfigError('JOBOUT_SWEEP_CRON', `"${raw}" is not a cron expression`);
  return raw;
}

export function loadConfig(env: Env): Config {
  const production = env.NODE_ENV === 'production';
  const config = {
    databaseUrl: databaseUrl(env),
    host: text(env, 'HOST') ?? DEFAULTS.host,
    port: integer(env, 'PORT', DEFAULTS.port, 0, 65535),
    dataDir: text(env, 'JOBOUT_DATA_DIR') ?? DEFAULTS.dataDir,
    adminToken: token(env, 'JOBOUT_ADMIN_TOKEN'),
    secretKey: secretKey(env),
    retry: {
      maxRetries: integer(env, 'JOBOUT_MAX_RETRIES', DEFAULTS.maxRetries, 0, 100),
      intervalMs: integer(env, 'JOBOUT_RETRY_INTERVAL_MS', DEFAULTS.retryIntervalMs, 1, 7 * 24 * 60 * MINUTE),
    },
    sweepCron: sweepCron(env),
    retentionDays: integer(env, 'JOBOUT_RETENTION_DAYS', DEFAULTS.retentionDays, 1, 36_500),
    httpTimeoutMs: integer(env, 'JOBOUT_HTTP_TIMEOUT_MS', DEFAULTS.httpTimeoutMs, 1, 10 * MINUTE),
    allowPrivateTargets: boolean(env, 'JOBOUT_ALLOW_PRIVATE_TARGETS'),
    dispatchConcurrency: integer(env, 'JOBOUT_DISPATCH_CONCURRENCY', DEFAULTS.dispatchConcurrency, 1, 10_000),
    metricsToken: token(env, 'JOBOUT_METRICS_TOKEN'),
    corsOrigins: corsOrigins(env),
    production,
  } satisfies Config;
  if (production && config.secretKey === undefined) {
    throw new ConfigError('JOBOUT_SECRET_KEY', 'is required when NODE_ENV=production');
  }
  return config;
}
