/**
 * Once per `npm test`: build `dist/` (tests that start real processes run the built code), start one embedded
 * PostgreSQL unless DATABASE_URL is set, and migrate a template database that every test file clones.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
