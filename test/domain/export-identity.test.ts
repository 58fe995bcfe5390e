import { describe, expect, it } from 'vitest';
import { exportIdFor } from '../../src/domain/export-identity';
import { isUuid } from '../../src/domain/export-job-input';

describe('export ids', () => {
  it('are UUIDs derived from the dedupe key, so an export recorded again keeps its idempotency key', () => {
    const key = '2b6f0000-0000-4000-8000-000000000001:9c1e0000-0000-4000-8000-000000000002:SHIPPED';
    expect(exportIdFor(key)).toBe(exportIdFor(key));
    expect(isUuid(exportIdFor(key))).toBe(true);
    expect(exportIdFor(key)[14]).toBe('8'); // version 8: custom
    expect(exportIdFor(`${key}:42`)).not.toBe(exportIdFor(key));
  });
});
