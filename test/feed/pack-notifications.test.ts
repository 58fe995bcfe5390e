import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES, packNotifications } from '../../src/dispatch/results-feed';

describe('packNotifications', () => {
  it('packs events in order into as few notifications as fit the payload limit', () => {
    const payloads = Array.from({ length: 100 }, (_, i) => JSON.stringify({ exportId: `e${i}`, error: 'x'.repeat(300 + i) }));
    const notifications = packNotifications(payloads);
    expect(notifications.length).toBeGreaterThan(1);
    expect(notifications.length).toBeLessThan(10);
    for (const notification of notifications) expect(Buffer.byteLength(notification)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    expect(notifications.flatMap((n) => JSON.parse(n))).toEqual(payloads.map((p) => JSON.parse(p)));
  });

  it('sends nothing for nothing', () => {
    expect(packNotifications([])).toEqual([]);
  });
});
