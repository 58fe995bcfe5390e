/**
 * Guessing tokens (CONTRACT §9): more than 20 refused tokens from one address within a minute, and that address
 * is answered 429 with Retry-After until the minute ends, over GraphQL, REST and WebSocket alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressOf, FailedAuthThrottle, MAX_FAILED_AUTHENTICATIONS, THROTTLE_WINDOW_MS } from '../../src/auth/failed-auth-throttle';
import { connectFeed } from '../support/feed-client';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';

describe('the throttle', () => {
  it('lets 20 refused tokens pass as 401s, holds the address from the 21st until its minute ends, then forgets it', () => {
    const clock = { now: 1_000_000 };
    const throttle = new FailedAuthThrottle(() => clock.now);
    for (let i = 0; i < MAX_FAILED_AUTHENTICATIONS; i += 1) throttle.attempt('10.0.0.1');
    expect(throttle.retryAfterSeconds('10.0.0.1')).toBe(0);
    throttle.attempt('10.0.0.1');
    expect(throttle.retryAfterSeconds('10.0.0.1')).toBe(60);
    expect(throttle.retryAfterSeconds('10.0.0.2')).toBe(0);
    clock.now += THROTTLE_WINDOW_MS - 1_500;
    expect(throttle.retryAfterSeconds('10.0.0.1')).toBe(2);
    clock.now += 1_500;
    expect(throttle.retryAfterSeconds('10.0.0.1')).toBe(0);
  });

  it('forgives a good token, and counts an IPv6 host by its /64', () => {
    const throttle = new FailedAuthThrottle(() => 0);
    for (let i = 0; i < 30; i += 1) {
      throttle.attempt('10.0.0.3');
      throttle.succeeded('10.0.0.3');
    }
    expect(throttle.retryAfterSeconds('10.0.0.3')).toBe(0);
    expect(addressOf({ remoteAddress: '2001:db8:1:2:aaaa::1' })).toBe(addressOf({ remoteAddress: '2001:db8:1:2:bbbb::9' }));
    expect(addressOf({ remoteAddress: '::ffff:192.0.2.7' })).toBe('192.0.2.7');
  });
});

describe('an address that guessed too many tokens', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(() => t?.close());

  it('is answered 429 with Retry-After everywhere, a good token included, for the rest of the minute', async () => {
    for (let i = 1; i <= MAX_FAILED_AUTHENTICATIONS + 1; i += 1) {
      const refused = await t.gql(`jo_guess-${i}-0123456789`, '{ me { name } }');
      expect(refused.status).toBe(401);
    }
    const graphql = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify({ query: '{ me { name } }' }) });
    expect(graphql.status).toBe(429);
    expect(Number(graphql.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(graphql.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect((await graphql.json()).errors[0].extensions.code).toBe('TOO_MANY_REQUESTS');
    const rest = await fetch(`${t.url}/v1/mapper/jobout`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'dj-client': 'OPERATOR' } });
    expect(rest.status).toBe(429);
    expect(rest.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await rest.json()).code).toBe('TOO_MANY_REQUESTS');
    const feed = connectFeed(t.url, ADMIN_TOKEN);
    expect(await feed.closed).toBe(4429);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200); // no token, no throttle
  });
});

describe('guesses sent all at once', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(() => t?.close());

  it('are counted as they arrive: no more than 21 are checked before the address is held', async () => {
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => t.gql(`jo_parallel-${i}-0123456789`, '{ me { name } }')));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(MAX_FAILED_AUTHENTICATIONS + 1);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(60 - MAX_FAILED_AUTHENTICATIONS - 1);
  });
});
