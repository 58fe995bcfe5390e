/** `npm run schema:emit` writes schema/schema.graphql from the code; `npm run schema:check` fails on drift. */
import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { printApiSchema } from '../graphql/schema';

const file = path.resolve(__dirname, '../../../schema/schema.graphql');
const sdl = printApiSchema();
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(file, 'utf8');
  } catch {
    // missing counts as drift
  }
  if (committed !== sdl) {
    process.stderr.write('schema/schema.graphql is out of date with the code: run `npm run schema:emit` and commit it\n');
    process.exit(1);
  }
} else {
  writeFileSync(file, sdl);
  process.stdout.write(`wrote ${file}\n`);
}
