/**
 * Browsers (CONTRACT §9): pages of the origins in JOBOUT_CORS_ORIGINS may call /graphql and the REST routes, their
 * preflights succeed; other origins get no CORS headers, and without the variable no origin gets any.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';

const ALLOWED = 'https://backoffice.example.com';
let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({ JOBOUT_CORS_ORIGINS: `${ALLOWED}, http://localhost:5173` });
});
afterAll(() => t?.close());

const preflight = (path: string, origin: string, method = 'POST') =>
  fetch(`${t.url}${path}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type,dj-client' } });

describe('an allowed origin', () => {
  it.each(['/graphql', '/v1/mapper/jobout', '/v2/mapper/jobout/00000000-0000-4000-8000-000000000000'])('passes the preflight of %s', async (path) => {
    const response = await preflight(path, ALLOWED, path.startsWith('/graphql') ? 'POST' : 'GET');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(response.headers.get('access-control-allow-headers')).toMatch(/authorization/);
  });

  it('reads the answer of a real request', async () => {
    const response = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { origin: ALLOWED, 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ query: '{ me { name } }' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
  });
});

describe('another origin', () => {
  it('gets no CORS headers, on the preflight or the request', async () => {
    const response = await preflight('/graphql', 'https://evil.example');
    expect([...response.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
    const request = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify({ query: '{ me { name } }' }) });
    expect([...request.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
  });
});

describe('JOBOUT_CORS_ORIGINS', () => {
  it('takes origins only, and refuses anything else at start, naming the variable', () => {
    expect(loadConfig({ JOBOUT_CORS_ORIGINS: 'https://a.example, https://b.example:8443' }).corsOrigins).toEqual(['https://a.example', 'https://b.example:8443']);
    expect(loadConfig({}).corsOrigins).toEqual([]);
    for (const bad of ['*', 'https://a.example/path', 'a.example', 'ftp://a.example']) expect(() => loadConfig({ JOBOUT_CORS_ORIGINS: bad })).toThrow(/JOBOUT_CORS_ORIGINS/);
  });
});
