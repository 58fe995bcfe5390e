/**
 * The world every tenancy test starts from: two stores, a supplier of each and one shared by both, and an
 * operator of every level in each store, plus an all-stores ADMIN.
 */
import { createOperator, createStore, upsertSupplier } from '../support/fixtures';
import type { TestGateway } from '../support/gateway';

export const LEVELS = ['ADMIN', 'USER', 'READER', 'INGEST'] as const;
export type Level = (typeof LEVELS)[number];

export interface TwoStores {
  /** Operator tokens by store and level. */
  a: Record<Level, string>;
  b: Record<Level, string>;
  /** An ADMIN of every store, present and future. */
  allStoresAdmin: string;
}

export async function setUpTwoStores(t: TestGateway): Promise<TwoStores> {
  await createStore(t, 'STORE-A');
  await createStore(t, 'STORE-B');
  await upsertSupplier(t, 'SUP-A', ['STORE-A']);
  await upsertSupplier(t, 'SUP-B', ['STORE-B']);
  await upsertSupplier(t, 'SUP-AB', ['STORE-A', 'STORE-B']);
  const operatorsOf = async (store: string) => {
    const tokens = {} as Record<Level, string>;
    for (const level of LEVELS) tokens[level] = await createOperator(t, level, [store], `${level} of ${store}`);
    return tokens;
  };
  const a = await operatorsOf('STORE-A');
  const b = await operatorsOf('STORE-B');
  const { createOperator: allStores } = await t.admin(`mutation { createOperator(input: { name: "all-stores admin", permission: ADMIN, allStores: true }) { token } }`);
  return { a, b, allStoresAdmin: allStores.token };
}
