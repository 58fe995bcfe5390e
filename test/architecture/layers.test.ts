/**
 * The layers import in one direction (DESIGN.md): adapters (graphql, rest, http) over services, services and the
 * dispatcher side by side over db/ and domain/, which import neither. A change that needs to cross the line
 * moves the shared piece down instead. Files stay small enough to hold in mind.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every relative import of every file under src/, as [importing file, imported path], both relative to src/. */
function imports(): [string, string][] {
  return sourceFiles(SRC).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((match) => match[1]);
    return specifiers.map((specifier): [string, string] => [path.relative(SRC, file), path.relative(SRC, path.resolve(path.dirname(file), specifier))]);
  });
}

const layer = (relative: string) => relative.split(path.sep)[0];

const FORBIDDEN: Record<string, string[]> = {
  services: ['dispatch', 'graphql', 'rest', 'http'],
  dispatch: ['services', 'graphql', 'rest', 'http'],
  rest: ['http', 'graphql', 'dispatch'],
  db: ['services', 'dispatch', 'graphql', 'rest', 'http'],
  domain: ['services', 'dispatch', 'graphql', 'rest', 'http', 'db'],
};

describe('imports between layers', () => {
  const all = imports();

  it('finds the imports it checks', () => {
    expect(all.length).toBeGreaterThan(200);
    expect(all).toContainEqual(['services/export-service.ts', 'db/object-snapshots']);
  });

  it.each(Object.entries(FORBIDDEN))('%s imports none of %j', (from, forbidden) => {
    const crossing = all.filter(([file, target]) => layer(file) === from && forbidden.includes(layer(target)));
    expect(crossing).toEqual([]);
  });
});

describe('source files', () => {
  it('have at most 400 lines each', () => {
    const long = sourceFiles(SRC)
      .map((file) => [path.relative(SRC, file), readFileSync(file, 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > 400);
    expect(long).toEqual([]);
  });
});
