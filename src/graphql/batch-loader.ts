/**
 * Collects the keys asked for during one synchronous pass of GraphQL execution (e.g. a field of every job in a
 * page) and loads them with one call, instead of one query per parent.
 */
export class BatchLoader<K, V> {
  private pending: { key: K; resolve: (value: V) => void; reject: (error: unknown) => void }[] = [];

  constructor(private readonly loadMany: (keys: K[]) => Promise<Map<K, V>>) {}

  load(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      if (this.pending.length === 0) queueMicrotask(() => void this.dispatch());
      this.pending.push({ key, resolve, reject });
    });
  }

  private async dispatch(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      const values = await this.loadMany([...new Set(batch.map((entry) => entry.key))]);
      for (const entry of batch) entry.resolve(values.get(entry.key) as V);
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  }
}
