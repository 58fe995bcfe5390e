import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { startGateway } from '../../src/gateway';
import { silentLogger } from '../../src/logger';

const dataDir = mkdtempSync(path.join(tmpdir(), 'jobout-embedded-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function graphql(url: string, token: string, query: string) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data?: any; errors?: unknown[] };
}

describe('without DATABASE_URL', () => {
  it('runs an embedded PostgreSQL whose data and generated secrets survive a restart', async () => {
    const config = loadConfig({ JOBOUT_DATA_DIR: dataDir, PORT: '0' });
    const first = await startGateway(config, silentLogger);
    const adminToken = readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
    expect(statSync(path.join(dataDir, 'admin-token')).mode & 0o077).toBe(0);
    try {
      const created = await graphql(first.url, adminToken, 'mutation { createStore(input: { externalId: "KEPT", name: "Kept" }) { id } }');
      expect(created.errors).toBeUndefined();
    } finally {
      await first.close();
    }

    const second = await startGateway(config, silentLogger);
    try {
      expect(readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim()).toBe(adminToken);
      const stores = await graphql(second.url, adminToken, '{ stores { externalId } }');
      expect(stores.data.stores).toEqual([{ externalId: 'KEPT' }]);
      expect((await fetch(`${second.url}/readyz`)).status).toBe(200);
    } finally {
      await second.close();
    }
  });
});
