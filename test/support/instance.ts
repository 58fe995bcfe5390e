/**
 * A Jobout instance in its own process (`node dist/src/main.js`, built by the global setup), so a test can
 * SIGKILL or SIGTERM it. It shares the test file's database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ADMIN_TOKEN, SECRET_KEY } from './gateway';

const MAIN = path.resolve(__dirname, '../../dist/src/main.js');

export interface Instance {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  log(): string;
}

export function startInstance(databaseUrl: string, env: Record<string, string> = {}): Promise<Instance> {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: databaseUrl,
      PORT: '0',
      JOBOUT_ADMIN_TOKEN: ADMIN_TOKEN,
      JOBOUT_SECRET_KEY: SECRET_KEY,
      JOBOUT_ALLOW_PRIVATE_TARGETS: 'true',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk) => {
      output += chunk;
      const match = /Jobout listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve({ child, url: match[1], exited, log: () => output });
    });
    child.on('exit', (code) => reject(new Error(`instance exited with ${code} before listening: ${output}`)));
  });
}

/** Stops an instance however it is: SIGKILL, then waits for the exit. */
export async function killInstance(instance: Instance | undefined): Promise<void> {
  if (!instance || instance.child.exitCode !== null || instance.child.signalCode !== null) return;
  instance.child.kill('SIGKILL');
  await instance.exited;
}
