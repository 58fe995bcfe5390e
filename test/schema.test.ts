import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOrm } from '../src/db/orm';
import { printApiSchema } from '../src/graphql/schema';
import { createTestDatabase, type TestDatabase } from './support/database';

describe('schema/schema.graphql', () => {
  const sdl = printApiSchema();

  it('matches the code (run `npm run schema:emit` after changing the API)', () => {
    expect(readFileSync(path.resolve(__dirname, '../schema/schema.graphql'), 'utf8')).toBe(sdl);
  });

  it('has no readable secret: secrets appear only in inputs', () => {
    const outputTypes = sdl.split(/\n(?=input |type |enum |scalar |""")/).filter((block) => /^type /m.test(block));
    for (const block of outputTypes) expect(block).not.toMatch(/\b(clientSecret|password|tokenHash|clientSecretEnc|passwordEnc)\b\s*:/);
  });
});

describe('migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  // The migrations are hand-written SQL (checks, triggers, indexes the ORM does not model), so instead of the
  // ORM's schema diff this checks what the ORM relies on: every mapped table and column exists, with the
  // nullability the entity declares.
  it('create every table and column the entities map, with the same nullability', async () => {
    const columns = await db.query<{ table_name: string; column_name: string; is_nullable: string }>(
      "select table_name, column_name, is_nullable from information_schema.columns where table_schema = 'public'",
    );
    const actual = new Map(columns.map((c) => [`${c.table_name}.${c.column_name}`, c.is_nullable === 'YES']));
    const orm = await openOrm(db.url, { size: 1 });
    try {
      const expected: string[] = [];
      for (const meta of Object.values(orm.getMetadata().getAll())) {
        for (const prop of meta.props) {
          for (const column of prop.fieldNames ?? []) {
            if (prop.kind === 'm:n' || prop.kind === '1:m') continue;
            expected.push(`${meta.tableName}.${column} nullable=${Boolean(prop.nullable)}`);
          }
        }
      }
      expect(expected.length).toBeGreaterThan(20);
      const found = expected.map((entry) => {
        const [key] = entry.split(' ');
        return actual.has(key) ? `${key} nullable=${actual.get(key)}` : `${key} missing`;
      });
      expect(found).toEqual(expected);
    } finally {
      await orm.close();
    }
  });
});
