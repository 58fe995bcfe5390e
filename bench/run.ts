/**
 * `npm run bench`: Jobout end to end on this machine, in one run (see BENCHMARKS.md for the latest figures).
 *
 * An embedded PostgreSQL, a partner sink and Jobout each run in their own process; this process generates the
 * load and measures: burst throughput (deliveries/s from the first commit to the last receipt, after a smaller
 * warm-up burst, with the CPU time each process spent per delivery), steady latency
 * (commit to receipt at 100 changes/s), the order system's commit rate with and without Jobout's trigger, a bare
 * undici ceiling against the same sink, and Jobout's peak RSS. `--quick` runs a small version (a test runs it),
 * `--json` prints the figures as JSON.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Pool } from 'pg';
import { Pool as HttpPool } from 'undici';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres';
import { cpuPerDelivery, postgresProcesses, readCpu, type ProcessGroups } from './cpu-time';
import { VERSION } from '../src/version';

const quick = process.argv.includes('--quick');
const asJson = process.argv.includes('--json');
/** `--burst-only`: just the two bursts, to profile them (e.g. with JOBOUT_BENCH_NODE_ARGS below). */
const burstOnly = process.argv.includes('--burst-only');
const SIZE = quick
  ? { warmUpOrders: 200, burstTransactions: 10, perTransaction: 100, burstClients: 4, steadyRate: 100, steadySeconds: 2, writeSeconds: 1, writeClients: 8, ceilingSeconds: 1 }
  : { warmUpOrders: 2_000, burstTransactions: 200, perTransaction: 100, burstClients: 4, steadyRate: 100, steadySeconds: 20, writeSeconds: 5, writeClients: 8, ceilingSeconds: 5 };
const LINES_PER_ORDER = 3;
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const DELIVERY_DEADLINE_MS = quick ? 60_000 : 300_000;

const log = (message: string) => {
  if (!asJson) process.stderr.write(`${message}\n`);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, predicate: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`bench: gave up waiting for ${what}`);
    await sleep(20);
  }
}

interface SinkStats {
  total: number;
  keys: number;
  duplicates: number;
  lastArrival: number;
}

class SinkProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static start(): Promise<SinkProcess> {
    const child = fork(path.join(__dirname, 'sink-process.js'), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Promise((resolve) => child.once('message', (message: { port: number }) => resolve(new SinkProcess(child, message.port))));
  }

  private ask<T>(type: string): Promise<T> {
    return new Promise((resolve) => {
      const onMessage = (message: { type: string } & T) => {
        if (message.type !== type) return;
        this.child.off('message', onMessage);
        resolve(message);
      };
      this.child.on('message', onMessage);
      this.child.send({ type });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  stats = () => this.ask<SinkStats>('stats');
  reset = () => this.ask<unknown>('reset');
  arrivals = async () => (await this.ask<{ arrivals: Record<string, number> }>('arrivals')).arrivals;
  stop = () => this.child.kill();
}

/** The V8 flags `npm start` runs Jobout with, so the benchmark measures the same process. */
function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { scripts: { start: string } };
  return pkg.scripts.start.split(/\s+/).filter((arg) => arg.startsWith('--'));
}

async function startJobout(databaseUrl: string): Promise<{ child: ChildProcess; url: string }> {
  // e.g. JOBOUT_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile Jobout under load
  const nodeArgs = (process.env.JOBOUT_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...startFlags(), ...nodeArgs, path.resolve(__dirname, '../src/main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: databaseUrl,
      PORT: '0',
      JOBOUT_ADMIN_TOKEN: ADMIN_TOKEN,
      JOBOUT_SECRET_KEY: Buffer.alloc(32, 3).toString('base64'),
      JOBOUT_ALLOW_PRIVATE_TARGETS: 'true',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stderr!.on('data', (chunk) => {
      output += chunk;
      const match = /Jobout listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve({ child, url: match[1] });
    });
    child.once('exit', (code) => reject(new Error(`Jobout exited (${code}): ${output}`)));
  });
}

async function graphql(url: string, query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  if (body.errors) throw new Error(`bench setup failed: ${JSON.stringify(body.errors)}`);
  return body.data;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The whole machine's CPU time so far, and how much of it was busy (every process, from /proc/stat). */
function machineTimes(): { busy: number; total: number } {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number);
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: total - idle - iowait, total };
}

/**
 * Burst: transactions of 100 status updates that each fire one export, from a few writers at once. Also reports
 * the CPU each process spent per delivery meanwhile, and how busy the machine was.
 */
async function burst(pool: Pool, sink: SinkProcess, ids: string[], processes: ProcessGroups) {
  await sink.reset();
  const cpuBefore = readCpu(processes);
  const machineBefore = machineTimes();
  const batches: string[][] = [];
  for (let i = 0; i < ids.length; i += SIZE.perTransaction) batches.push(ids.slice(i, i + SIZE.perTransaction));
  const started = Date.now();
  let nextBatch = 0;
  await Promise.all(
    Array.from({ length: SIZE.burstClients }, async () => {
      while (nextBatch < batches.length) {
        const batch = batches[nextBatch++];
        await pool.query(`update order_logistic set status = 'ORDER_CREATED' where id = any($1::uuid[])`, [batch]);
      }
    }),
  );
  const committedSeconds = (Date.now() - started) / 1000;
  await until('every burst export at the sink', async () => (await sink.stats()).keys >= ids.length, DELIVERY_DEADLINE_MS);
  const machineAfter = machineTimes();
  const cpuUs = cpuPerDelivery(cpuBefore, readCpu(processes), ids.length);
  const stats = await sink.stats();
  const seconds = (stats.lastArrival - started) / 1000;
  const machineBusy = (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total);
  return { deliveries: stats.keys, duplicates: stats.duplicates, seconds, committedSeconds, perSecond: stats.keys / seconds, cpuUsPerDelivery: cpuUs, machineBusy };
}

/** Steady: single-row changes at a fixed arrival rate (open model); latency from clock_timestamp() to receipt. */
async function steady(pool: Pool, sink: SinkProcess, rows: { id: string; reference: string }[]) {
  await sink.reset();
  const count = Math.min(rows.length, SIZE.steadyRate * SIZE.steadySeconds);
  const committedAt = new Map<string, number>();
  const started = Date.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < count; i += 1) {
    const due = started + (i * 1000) / SIZE.steadyRate;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    const row = rows[i];
    inflight.push(
      pool
        .query<{ ts: number }>(`update order_logistic set status = 'SHIPPED' where id = $1 returning extract(epoch from clock_timestamp()) * 1000 as ts`, [row.id])
        .then((result) => void committedAt.set(row.reference, Number(result.rows[0].ts))),
    );
  }
  await Promise.all(inflight);
  await until('every steady export at the sink', async () => (await sink.stats()).keys >= count, DELIVERY_DEADLINE_MS);
  const arrivals = await sink.arrivals();
  const latencies = [...committedAt].map(([reference, ts]) => arrivals[reference] - ts).sort((a, b) => a - b);
  return { changes: count, p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] };
}

/** The order system's side: commits/s of single-row status updates by 8 clients, each on its own rows. */
async function commitRate(databaseUrl: string, table: string, ids: string[]): Promise<number> {
  const clients = await Promise.all(Array.from({ length: SIZE.writeClients }, async () => {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    return client;
  }));
  const share = Math.floor(ids.length / clients.length);
  let commits = 0;
  const stopAt = Date.now() + SIZE.writeSeconds * 1000;
  await Promise.all(
    clients.map(async (client, index) => {
      const mine = ids.slice(index * share, (index + 1) * share);
      for (let i = 0; Date.now() < stopAt; i += 1) {
        await client.query(
          `update ${table} set status = case when status = 'WAITING_FULFILLMENT' then 'WAITING_SHIPMENT' else 'WAITING_FULFILLMENT' end where id = $1`,
          [mine[i % mine.length]],
        );
        commits += 1;
      }
    }),
  );
  await Promise.all(clients.map((client) => client.end()));
  return commits / SIZE.writeSeconds;
}

/** What this machine allows: a bare undici request loop against the same sink. */
async function ceiling(port: number): Promise<number> {
  const pool = new HttpPool(`http://127.0.0.1:${port}`, { connections: 32 });
  const body = JSON.stringify({ reference: 'ceiling', orderLines: [] });
  let requests = 0;
  const stopAt = Date.now() + SIZE.ceilingSeconds * 1000;
  await Promise.all(
    Array.from({ length: 32 }, async (_, worker) => {
      for (let i = 0; Date.now() < stopAt; i += 1) {
        const response = await pool.request({ path: '/ceiling', method: 'POST', body, headers: { 'content-type': 'application/json', 'idempotency-key': `c-${worker}-${i}` } });
        await response.body.dump();
        requests += 1;
      }
    }),
  );
  await pool.close();
  return requests / SIZE.ceilingSeconds;
}

function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'jobout-bench-'));
  const pg = await startEmbeddedPostgres({ dir, log: () => {} });
  const cleanups: (() => unknown)[] = [() => pg.stop(), () => rmSync(dir, { recursive: true, force: true })];
  try {
    const admin = new Client({ connectionString: pg.url });
    await admin.connect();
    await admin.query('create database bench');
    await admin.end();
    const databaseUrl = pg.url.replace(/\/postgres$/, '/bench');
    const sink = await SinkProcess.start();
    cleanups.unshift(() => sink.stop());
    const jobout = await startJobout(databaseUrl);
    // SIGTERM, the way an operator stops it (and so that --cpu-prof can write its profile)
    cleanups.unshift(() => new Promise((resolve) => {
      jobout.child.once('exit', resolve);
      jobout.child.kill('SIGTERM');
    }));
    const pool = new Pool({ connectionString: databaseUrl, max: 10 });
    pool.on('error', () => {}); // idle clients see the server stop at the end of the run
    cleanups.unshift(() => pool.end());

    const { createClientConnection } = await graphql(jobout.url, `mutation($input: ClientConnectionInput!) { createClientConnection(input: $input) { id } }`, {
      input: { name: 'Sink', baseUrl: `http://127.0.0.1:${sink.port}` },
    });
    await graphql(jobout.url, `mutation($input: ExportJobInput!) { createExportJob(input: $input) { id } }`, {
      input: { name: 'Bench orders', objectType: 'ORDER', clientConnectionId: createClientConnection.id, triggerStatuses: ['ORDER_CREATED', 'SHIPPED'], apiCall: { httpMethod: 'POST', path: '/orders' } },
    });

    const orders = SIZE.warmUpOrders + SIZE.burstTransactions * SIZE.perTransaction;
    log(`seeding ${orders} orders with ${LINES_PER_ORDER} lines each`);
    const seeded = await pool.query<{ id: string; reference: string }>(
      `insert into order_logistic (reference, account_external_id, supplier_external_id, status)
       select 'B-' || n, 'ACC-' || (n % 97), 'SUP-' || (n % 13), 'DRAFT_ORDER' from generate_series(1, $1) as n
       returning id, reference`,
      [orders],
    );
    await pool.query(
      `insert into order_line (order_logistic_id, order_line_id, offer_price_external_id, variant_external_id, quantity_per_item, gtin, quantity)
       select o.id, o.reference || '-' || l, 'OP-' || l, 'SKU-' || l, '1', '0000000' || l, l from order_logistic o, generate_series(1, $1) as l`,
      [LINES_PER_ORDER],
    );
    await until('the seed changes to be processed', async () => (await pool.query(`select 1 from status_change limit 1`)).rowCount === 0, 120_000);

    const ids = seeded.rows.map((row) => row.id);
    const processes: ProcessGroups = {
      jobout: () => [jobout.child.pid!],
      postgres: () => postgresProcesses(path.join(dir, 'postgres')),
      sink: () => [sink.pid],
      loadGenerator: () => [process.pid],
    };
    // A first, smaller burst warms Jobout up (its JIT compiled a tenth of its CPU time in a burst right after
    // start); it is reported too, as the burst a freshly started gateway manages.
    log('warm-up burst…');
    const coldBurst = await burst(pool, sink, ids.slice(0, SIZE.warmUpOrders), processes);
    log('burst…');
    const burstResult = await burst(pool, sink, ids.slice(SIZE.warmUpOrders), processes);
    if (burstOnly) {
      process.stdout.write(`${JSON.stringify({ coldBurst, burst: burstResult, dispatcherPeakRssMb: peakRssMb(jobout.child.pid!) })}\n`);
      return;
    }
    log('steady latency…');
    const steadyResult = await steady(pool, sink, seeded.rows);

    log('write-path cost…');
    await pool.query(`create table bench_plain (like order_logistic including all)`);
    await pool.query(`insert into bench_plain select * from order_logistic`);
    await pool.query(`update bench_plain set status = 'WAITING_FULFILLMENT'`);
    await pool.query(`update order_logistic set status = 'WAITING_FULFILLMENT'`);
    await until('the outbox to drain', async () => (await pool.query(`select 1 from status_change limit 1`)).rowCount === 0, 120_000);
    // Settle the bulk writes above first, then alternate the two tables and keep each one's best run, so
    // background work (autovacuum, a checkpoint) does not land on one side only.
    await pool.query('vacuum analyze bench_plain, order_logistic, status_change, export');
    await pool.query('checkpoint');
    let withoutTrigger = 0;
    let withTrigger = 0;
    for (let round = 0; round < 2; round += 1) {
      withoutTrigger = Math.max(withoutTrigger, await commitRate(databaseUrl, 'bench_plain', ids));
      withTrigger = Math.max(withTrigger, await commitRate(databaseUrl, 'order_logistic', ids));
    }

    log('ceiling…');
    const ceilingPerSecond = await ceiling(sink.port);
    const rss = peakRssMb(jobout.child.pid!);

    const results = {
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version, jobout: VERSION, quick },
      burst: { ...burstResult, ceilingRatio: burstResult.perSecond / ceilingPerSecond },
      coldBurst,
      steady: steadyResult,
      writePath: { withoutTrigger, withTrigger, kept: withTrigger / withoutTrigger },
      ceiling: { undiciRequestsPerSecond: ceilingPerSecond },
      dispatcherPeakRssMb: rss,
    };
    if (asJson) {
      process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    } else {
      const row = (name: string, value: string, target: string) => `| ${name} | ${value} | ${target} |`;
      const cpu = burstResult.cpuUsPerDelivery;
      process.stdout.write(
        [
          '| measure | result | target |',
          '| --- | --- | --- |',
          row('burst deliveries/s', `${burstResult.perSecond.toFixed(0)} (${burstResult.deliveries} in ${burstResult.seconds.toFixed(2)} s, ${burstResult.duplicates} duplicates)`, '>= 5000'),
          row('burst / bare-sink ceiling', `${(results.burst.ceilingRatio * 100).toFixed(1)} %`, '>= 30 %'),
          row(
            'burst CPU µs per delivery: Jobout / PostgreSQL / sink / load generator',
            `${cpu.jobout.toFixed(0)} / ${cpu.postgres.toFixed(0)} / ${cpu.sink.toFixed(0)} / ${cpu.loadGenerator.toFixed(0)} (machine ${(burstResult.machineBusy * 100).toFixed(0)} % busy)`,
            '',
          ),
          row(`first burst after start (${coldBurst.deliveries} changes, cold) deliveries/s`, coldBurst.perSecond.toFixed(0), ''),
          row('steady p50 / p95 / p99 / max (ms)', `${steadyResult.p50.toFixed(1)} / ${steadyResult.p95.toFixed(1)} / ${steadyResult.p99.toFixed(1)} / ${steadyResult.max.toFixed(1)}`, 'p50 <= 5, p99 <= 25'),
          row('order commits/s without / with trigger', `${withoutTrigger.toFixed(0)} / ${withTrigger.toFixed(0)} (${(results.writePath.kept * 100).toFixed(1)} % kept)`, '>= 80 % kept'),
          row('bare undici ceiling req/s', ceilingPerSecond.toFixed(0), ''),
          row('dispatcher peak RSS (MB)', rss.toFixed(0), '<= 250'),
        ].join('\n') + '\n',
      );
    }
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
