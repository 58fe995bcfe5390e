/**
 * Every installed package supports the Node.js the README promises (20 or later): `npm ci` on Node 20 prints no
 * engine warning, and nothing runs on a runtime its authors did not support.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const semver = createRequire(import.meta.url)('semver') as { satisfies(version: string, range: string): boolean };
const lock = JSON.parse(readFileSync(path.resolve(__dirname, '../../package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; engines?: { node?: string } }> };

/**
 * Declared for a newer Node.js only, and proven on Node 20 here. @sparticuz/chromium ships the Chromium the browser
 * tests drive (DESIGN.md pins 153); its engines field follows the AWS Lambda runtimes it targets, while the package
 * only unpacks a binary, which test/console/*.test.ts launch and drive on this Node.js at every `npm test`. It is a
 * development dependency: `npm ci` prints one EBADENGINE warning for it (README, Development).
 */
const PROVEN_ON_NODE_20 = new Set(['node_modules/@sparticuz/chromium']);

describe('the locked dependencies', () => {
  it('all support Node.js 20', () => {
    const unsupported = Object.entries(lock.packages)
      .filter(([name]) => !PROVEN_ON_NODE_20.has(name))
      .filter(([, entry]) => typeof entry.engines?.node === 'string' && !semver.satisfies('20.19.0', entry.engines.node))
      .map(([name, entry]) => `${name}@${entry.version}: node ${entry.engines!.node}`);
    expect(unsupported).toEqual([]);
  });
});
