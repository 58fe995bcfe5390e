import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const MAIN = path.resolve(__dirname, '../../dist/src/main.js');

function run(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('npm start with a bad environment', () => {
  it('stops before touching the database and names the variable', async () => {
    const { code, stderr } = await run({ JOBOUT_MAX_RETRIES: '-1', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(code).toBe(2);
    expect(stderr).toContain('JOBOUT_MAX_RETRIES');
  });

  it('explains an unreachable database instead of hanging', async () => {
    const { code, stderr } = await run({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', JOBOUT_DATA_DIR: path.resolve(__dirname, '../../.data-test-unused') });
    expect(code).toBe(1);
    expect(stderr).toMatch(/failed to start/);
  });
});
