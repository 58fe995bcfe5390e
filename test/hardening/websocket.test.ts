/**
 * graphql-ws limits (CONTRACT §9): a message over 1 MiB closes the socket (1009) before it is parsed, and one
 * token holds at most 10 sockets and 100 subscriptions.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFeed, type FeedClient } from '../support/feed-client';
import { createOperator, createStore } from '../support/fixtures';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';
import { waitFor } from '../support/wait';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
  await createStore(t, 'S');
});
afterAll(() => t?.close());

describe('a WebSocket message over 1 MiB', () => {
  it('closes the socket with 1009 before it is parsed', async () => {
    const socket = new WebSocket(`${t.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${ADMIN_TOKEN}`, padding: 'x'.repeat(2 * 1024 * 1024) } }));
    expect(await closed).toBe(1009);
  });
});

describe('one token', () => {
  it('holds at most 10 sockets: the 11th is closed with 4429', async () => {
    const token = await createOperator(t, 'READER', ['S'], 'many sockets');
    const feeds: FeedClient[] = [];
    try {
      for (let i = 0; i < 10; i += 1) {
        const feed = connectFeed(t.url, token);
        feeds.push(feed);
        feed.subscribe();
      }
      await waitFor(() => t.gateway.results.subscriberCount >= 10, { what: 'ten subscriptions' });
      const eleventh = connectFeed(t.url, token);
      feeds.push(eleventh);
      expect(await eleventh.closed).toBe(4429);
    } finally {
      await Promise.all(feeds.map((feed) => feed.close()));
    }
  });

  it('holds at most 100 subscriptions: the 101st is refused, the others go on', async () => {
    const token = await createOperator(t, 'READER', ['S'], 'many subscriptions');
    const feed = connectFeed(t.url, token);
    try {
      const subscriptions = Array.from({ length: 101 }, () => feed.subscribe());
      await waitFor(() => subscriptions.some((subscription) => subscription.errors.length > 0), { what: 'one subscription refused' });
      const refused = subscriptions.filter((subscription) => subscription.errors.length > 0);
      expect(refused).toHaveLength(1);
      expect(refused[0].errors.flat()[0]).toMatchObject({ extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } });
    } finally {
      await feed.close();
    }
  });
});

describe('operations refused after they were admitted', () => {
  it('give their slot back: 100 invalid ones do not use up the token\'s subscriptions', async () => {
    const token = await createOperator(t, 'READER', ['S'], 'invalid operations');
    const feed = connectFeed(t.url, token);
    try {
      const invalid = Array.from({ length: 100 }, () => feed.subscribeRaw('subscription { noSuchField }'));
      await waitFor(() => invalid.every((subscription) => subscription.errors.length > 0), { what: '100 refusals' });
      const valid = feed.subscribe();
      await waitFor(() => t.gateway.results.subscriberCount > 0, { what: 'the valid subscription admitted' });
      expect(valid.errors).toEqual([]);
    } finally {
      await feed.close();
    }
  });
});

describe('a document sent over graphql-ws', () => {
  it('is parsed with the token limit of HTTP: refused with GRAPHQL_PARSE_FAILED, the socket kept open', async () => {
    const feed = connectFeed(t.url, ADMIN_TOKEN);
    try {
      const huge = feed.subscribeRaw(`subscription { ${Array.from({ length: 3_000 }, (_, i) => `a${i}: exportResults { exportId }`).join(' ')} }`);
      const broken = feed.subscribeRaw('subscription { exportResults { ');
      await waitFor(() => huge.errors.length > 0 && broken.errors.length > 0, { what: 'both refused' });
      expect(huge.errors.flat()[0]).toMatchObject({ message: expect.stringContaining('5000 tokens'), extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
      expect(broken.errors.flat()[0]).toMatchObject({ extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
      const before = t.gateway.results.subscriberCount;
      feed.subscribe();
      await waitFor(() => t.gateway.results.subscriberCount > before, { what: 'a valid subscription on the same socket' });
    } finally {
      await feed.close();
    }
  });
});
