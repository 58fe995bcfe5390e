/**
 * The OpenAPI document passes the linters API teams gate on (CONTRACT §9, issue #13): Redocly's recommended rules
 * and Spectral's `oas` ruleset, with no error and no warning, using the rule files at the project root; and
 * openapi-typescript, run with its defaults, types every optional request field as optional.
 */
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/rest/openapi';

const root = path.resolve(__dirname, '../..');
const bin = (name: string) => path.join(root, 'node_modules/.bin', name);
const run = promisify(execFile);

let dir: string;
let documentFile: string;
const document = openApiDocument() as any;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'jobout-openapi-'));
  documentFile = path.join(dir, 'openapi.json');
  writeFileSync(documentFile, JSON.stringify(document, null, 2));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a linter, keeping its output whether or not it exits with a failure. */
async function lint(command: string, args: string[]): Promise<string> {
  try {
    return (await run(bin(command), args, { cwd: root, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' } })).stdout;
  } catch (failure) {
    return (failure as { stdout: string }).stdout;
  }
}

describe('the OpenAPI document', () => {
  it('passes Redocly lint (recommended) with no error or warning', async () => {
    const report = JSON.parse(await lint('redocly', ['lint', documentFile, '--config', path.join(root, 'redocly.yaml'), '--format=json']));
    expect(report.problems.map((problem: { ruleId: string; message: string }) => `${problem.ruleId}: ${problem.message}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it("passes Spectral's oas ruleset with nothing reported, hints included", async () => {
    const output = await lint('spectral', ['lint', documentFile, '--ruleset', path.join(root, '.spectral.yaml'), '--format=json', '--fail-severity=hint', '--quiet']);
    const results = JSON.parse(output.slice(output.indexOf('['), output.lastIndexOf(']') + 1));
    expect(results.map((result: { code: string; message: string; path: string[] }) => `${result.code} at ${result.path.join('.')}: ${result.message}`)).toEqual([]);
  });

  it('names its server, license and contact, and describes every operation', () => {
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(document.info.license).toMatchObject({ name: 'MIT' });
    for (const item of Object.values(document.paths) as Record<string, { operationId: string; description?: string }>[]) {
      for (const operation of Object.values(item)) expect(operation.description, operation.operationId).toMatch(/\S{3}/);
    }
  });

  it('is typed by openapi-typescript with every optional request field optional, defaults included', async () => {
    const types = astToString(await openapiTS(structuredClone(document)));
    const jobBody = document.components.requestBodies.ExportJob.content['application/json'].schema;
    const optional = Object.keys(jobBody.properties).filter((name) => !jobBody.required.includes(name) && !jobBody.properties[name].readOnly);
    expect(optional).toEqual(expect.arrayContaining(['exportMethod', 'allowMultipleExports', 'mapping', 'includeCustomFields', 'supplierExternalIds']));
    const section = types.slice(types.indexOf('requestBodies: {'), types.indexOf('headers: never', types.indexOf('requestBodies: {')));
    for (const name of optional) expect(section, name).toMatch(new RegExp(`\\b${name}\\?:`));
    for (const name of jobBody.required) expect(section, name).toMatch(new RegExp(`\\b${name}:`));
    expect(section).toMatch(/\bqueryParams\?:/);
  });
});
