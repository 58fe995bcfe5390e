/**
 * Development defaults for the two secrets of CONTRACT §1: when `JOBOUT_ADMIN_TOKEN` or `JOBOUT_SECRET_KEY` is
 * unset, a value is generated once into the data directory (mode 0600) and reused on every later start. The
 * admin token is printed only when it is generated.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config';
import { generateToken } from './auth/tokens';

function readOrCreate(file: string, create: () => string): { value: string; created: boolean } {
  if (existsSync(file)) return { value: readFileSync(file, 'utf8').trim(), created: false };
  mkdirSync(path.dirname(file), { recursive: true });
  const value = create();
  writeFileSync(file, value + '\n', { mode: 0o600, flag: 'wx' });
  return { value, created: true };
}

export function resolveAdminToken(config: Config, log: (message: string) => void): string {
  if (config.adminToken) return config.adminToken;
  const file = path.resolve(config.dataDir, 'admin-token');
  const { value, created } = readOrCreate(file, generateToken);
  // The token itself is never logged (CONTRACT §9): logs are shipped and kept where a secret must not be.
  if (created) log(`generated the administrator token into ${file} (read it there; set JOBOUT_ADMIN_TOKEN to choose one)`);
  else log(`administrator token: see ${file}, or set JOBOUT_ADMIN_TOKEN`);
  return value;
}

export function resolveSecretKey(config: Config, log: (message: string) => void): Buffer {
  if (config.secretKey) return config.secretKey;
  const file = path.resolve(config.dataDir, 'secret-key');
  const { value, created } = readOrCreate(file, () => randomBytes(32).toString('base64'));
  if (created) log(`generated a development JOBOUT_SECRET_KEY in ${file}; set JOBOUT_SECRET_KEY in production`);
  const key = Buffer.from(value, 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
  return key;
}
