import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(() => t?.close());

describe('operational endpoints', () => {
  it('GET /healthz answers 200 without a token', async () => {
    const response = await fetch(`${t.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 200 when the database answers and migrations are applied', async () => {
    const response = await fetch(`${t.url}/readyz`);
    expect(response.status).toBe(200);
  });

  it('GET /readyz answers 503 when a migration is missing', async () => {
    const [row] = await t.db.query<{ name: string }>('delete from mikro_orm_migrations returning name');
    try {
      const response = await fetch(`${t.url}/readyz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: 'unavailable', reason: 'migrations pending' });
    } finally {
      await t.db.query('insert into mikro_orm_migrations (name) values ($1)', [row.name]);
    }
  });
});
