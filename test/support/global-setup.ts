/**
 * Once per `npm test`: build `dist/` (tests that start real processes run the built code) and the console when its
 * sources changed since it was last built (browser tests load it), start one embedded
 * PostgreSQL unless DATABASE_URL is set, and migrate a template database that every test file clones.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded-postgres';
import { migrate, openOrm } from '../../src/db/orm';
import { databaseUrlFor, TEMPLATE_DATABASE } from './database-url';

declare module 'vitest' {
  export interface ProvidedContext {
    serverUrl: string;
    templateDatabase: string;
  }
}

let embedded: EmbeddedPostgres | undefined;
let dataDir: string | undefined;
let serverUrl: string;
let templateDatabase: string;

export async function setup(project: TestProject): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', '.'], { stdio: 'inherit' });
  buildConsoleIfChanged();
  if (process.env.DATABASE_URL) {
    serverUrl = process.env.DATABASE_URL;
    templateDatabase = `${TEMPLATE_DATABASE}_${process.pid}`;
  } else {
    dataDir = mkdtempSync(path.join(tmpdir(), 'jobout-test-pg-'));
    embedded = await startEmbeddedPostgres({ dir: dataDir, log: () => {}, ephemeral: true });
    serverUrl = embedded.url;
    templateDatabase = TEMPLATE_DATABASE;
  }
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${templateDatabase}`);
  await admin.query(`create database ${templateDatabase}`);
  await admin.end();
  const url = databaseUrlFor(serverUrl, templateDatabase);
  const orm = await openOrm(url, { size: 2 });
  await migrate(orm, url);
  await orm.close();
  project.provide('serverUrl', serverUrl);
  project.provide('templateDatabase', templateDatabase);
}

/** The console's inputs: its sources, its build settings and the SDL its documents are checked against. */
function consoleSourceHash(): string {
  const hash = createHash('sha256');
  const visit = (entry: string) => {
    if (statSync(entry).isDirectory()) return readdirSync(entry).sort().forEach((name) => visit(path.join(entry, name)));
    if (!entry.endsWith('graphql-env.d.ts')) hash.update(entry).update(readFileSync(entry));
  };
  ['console', 'schema/schema.graphql', 'package-lock.json'].forEach(visit);
  return hash.digest('hex');
}

function buildConsoleIfChanged(): void {
  const stamp = 'dist/console/.source-hash';
  const current = consoleSourceHash();
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === current) return;
  execFileSync('npm', ['run', '-s', 'build:console'], { stdio: 'inherit' });
  writeFileSync(stamp, current);
}

export async function teardown(): Promise<void> {
  if (serverUrl === undefined) return; // setup failed before there was anything to undo
  if (embedded) {
    await embedded.stop();
    rmSync(dataDir!, { recursive: true, force: true });
  } else {
    const admin = new Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${templateDatabase} with (force)`);
    await admin.end();
  }
}
