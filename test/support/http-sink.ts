/**
 * A partner API for tests: a real HTTP(S) server on loopback that records every request it receives, in order,
 * in a queue (method, url, headers, body), answers as each test scripts it, and counts TCP connections so a
 * test can prove that nothing was dialled at all.
 *
 * Scripting: `enqueue(...)` gives the next requests their answers, one each, in order; `setDefault(...)`
 * answers the rest (200 `{"ok":true}` unless changed). The `reply` helpers cover what a partner can do to a
 * sender: any status, a redirect, a response held open until a deferred settles, a hang, a 1-byte drip, a huge
 * or endless body. Bodies are written with backpressure and stop when the client goes away; `bodyBytesSent`
 * tells how much a client actually took.
 */
import { once } from 'node:events';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import tls from 'node:tls';
import { waitFor } from './wait';

export interface RecordedRequest {
  method: string;
  /** Path and query as received, e.g. `/v1/orders?source=jobout`. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Writes the answer to one request. `sink` gives access to counters the answer updates. */
export type Responder = (request: RecordedRequest, res: ServerResponse, sink: SinkCounters) => void | Promise<void>;

export interface SinkCounters {
  /** Response body bytes handed to the socket so far, all responses together. */
  bodyBytesSent: number;
}

export interface HttpSink extends SinkCounters {
  /** `http://127.0.0.1:<port>` (or https, or `[::1]`). */
  readonly url: string;
  readonly port: number;
  /** Every request received, in arrival order. */
  readonly requests: RecordedRequest[];
  /** TCP connections accepted since start. */
  readonly connections: number;
  /** TCP connections currently open. */
  readonly openConnections: number;
  /** TLS server names (SNI) offered by clients, in order. */
  readonly serverNames: string[];
  enqueue(...responders: Responder[]): void;
  setDefault(responder: Responder): void;
  /** Resolves with the first `count` requests once that many have arrived. */
  waitForRequests(count: number, options?: { timeoutMs?: number }): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

export interface SinkOptions {
  /** Listen address; `127.0.0.1` by default. */
  host?: string;
  /** Serve HTTPS with this identity. */
  tls?: { key: string; cert: string };
}

const BODY_CHUNK_BYTES = 64 * 1024;

function stopped(res: ServerResponse): boolean {
  return res.destroyed || res.writableEnded;
}

/** Writes `chunk` with backpressure; false once the client has gone. */
async function writeChunk(res: ServerResponse, chunk: Buffer, counters: SinkCounters): Promise<boolean> {
  if (stopped(res)) return false;
  counters.bodyBytesSent += chunk.length;
  if (res.write(chunk)) return true;
  await drainedOrClosed(res);
  return !stopped(res);
}

/** Resolves on 'drain' or 'close', whichever comes first, and leaves no listener behind. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export const reply = {
  /** `status` with a text body. */
  status(status: number, body = '', headers: Record<string, string> = {}): Responder {
    return (_request, res, counters) => {
      counters.bodyBytesSent += Buffer.byteLength(body);
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(body);
    };
  },
  json(status: number, value: unknown): Responder {
    return reply.status(status, JSON.stringify(value), { 'content-type': 'application/json' });
  },
  redirect(status: number, location: string): Responder {
    return reply.status(status, `moved to ${location}`, { location });
  },
  /** Accepts the request and never answers. */
  hang(): Responder {
    return () => {};
  },
  /** Holds the response open until `gate` settles, then answers with `then`. */
  hold(gate: Promise<unknown>, then: Responder = reply.status(200)): Responder {
    return async (request, res, counters) => {
      await gate.catch(() => {});
      if (!stopped(res)) await then(request, res, counters);
    };
  },
  /** Headers at once, then one body byte every `intervalMs`, forever. */
  drip(status: number, intervalMs: number): Responder {
    return (_request, res, counters) => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.flushHeaders();
      const timer = setInterval(() => {
        if (stopped(res)) return;
        counters.bodyBytesSent += 1;
        res.write('.');
      }, intervalMs);
      res.on('close', () => clearInterval(timer));
    };
  },
  /** A `bytes`-long body with a content length, written as fast as the client takes it. */
  huge(status: number, bytes: number): Responder {
    return async (_request, res, counters) => {
      res.writeHead(status, { 'content-type': 'text/plain', 'content-length': String(bytes) });
      const chunk = Buffer.alloc(BODY_CHUNK_BYTES, 'x');
      for (let left = bytes; left > 0; left -= chunk.length) {
        if (!(await writeChunk(res, left >= chunk.length ? chunk : chunk.subarray(0, left), counters))) return;
      }
      res.end();
    };
  },
  /** A chunked body that never ends. */
  endless(status: number): Responder {
    return async (_request, res, counters) => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(BODY_CHUNK_BYTES, 'y');
      while (await writeChunk(res, chunk, counters));
    };
  },
};

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A partner that takes `ms` over every answer (200, empty), and tells the most requests it ever had in flight at
 * once: for proving a sender's concurrency bound.
 */
export function answerSlowly(sink: HttpSink, ms: number): { peakInFlight(): number } {
  let inFlight = 0;
  let peak = 0;
  sink.setDefault((_request, res) => {
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    // The partner's own pace, not test synchronisation.
    setTimeout(() => {
      inFlight -= 1;
      res.writeHead(200).end();
    }, ms);
  });
  return { peakInFlight: () => peak };
}

export async function startHttpSink(options: SinkOptions = {}): Promise<HttpSink> {
  const host = options.host ?? '127.0.0.1';
  const requests: RecordedRequest[] = [];
  const queue: Responder[] = [];
  const sockets = new Set<Socket>();
  const serverNames: string[] = [];
  const counters: SinkCounters = { bodyBytesSent: 0 };
  let connections = 0;
  let fallback: Responder = reply.json(200, { ok: true });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: await readBody(req) };
    requests.push(recorded);
    const responder = queue.shift() ?? fallback;
    try {
      await responder(recorded, res, counters);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500).end(String(error));
      else res.destroy();
    }
  };
  // A client that goes away mid-request is part of what these tests do; drop that exchange quietly.
  const listener = (req: IncomingMessage, res: ServerResponse) => void handle(req, res).catch(() => res.destroy());

  const server = options.tls
    ? https.createServer(
        {
          key: options.tls.key,
          cert: options.tls.cert,
          SNICallback: (servername, callback) => {
            serverNames.push(servername);
            callback(null, tls.createSecureContext({ key: options.tls!.key, cert: options.tls!.cert }));
          },
        },
        listener,
      )
    : http.createServer(listener);
  server.on('connection', (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // A client that gives up mid-handshake is expected here (TLS tests); keep the test output clean.
  server.on('tlsClientError', () => {});
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `${options.tls ? 'https' : 'http'}://${urlHost}:${port}`,
    port,
    requests,
    serverNames,
    get connections() {
      return connections;
    },
    get openConnections() {
      return sockets.size;
    },
    get bodyBytesSent() {
      return counters.bodyBytesSent;
    },
    enqueue(...responders) {
      queue.push(...responders);
    },
    setDefault(responder) {
      fallback = responder;
    },
    async waitForRequests(count, waitOptions = {}) {
      await waitFor(() => requests.length >= count, { timeoutMs: waitOptions.timeoutMs, what: `${count} request(s) at ${host}:${port} (have ${requests.length})` });
      return requests.slice(0, count);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/**
 * A self-signed certificate for `localhost` (EC P-256, valid until 2126), for TLS tests only: it is trusted by
 * nothing, which is the point of the test that uses it.
 */
export const SELF_SIGNED_LOCALHOST = {
  key: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg7K9zVTZVRl9EELTe
+iPSX4GthMly6bwr60VvKFQfEumhRANCAASnsDnHuCp/R8UmUuALOZ1t0rQDcSgj
yEfZY3GhL9ce94mUn9uNFHrV1+ZHdSeTz6puM5cJ8hrQ7gpGMol27Ta0
-----END PRIVATE KEY-----
`,
  cert: `-----BEGIN CERTIFICATE-----
MIIBlTCCATugAwIBAgIUK+KEj5rWFfjc1jSm+2v7QdVJ9UcwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNzAzNTg1MFoYDzIxMjYxMTAz
MDM1ODUwWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAASnsDnHuCp/R8UmUuALOZ1t0rQDcSgjyEfZY3GhL9ce94mUn9uNFHrV
1+ZHdSeTz6puM5cJ8hrQ7gpGMol27Ta0o2kwZzAdBgNVHQ4EFgQULzbVpcPVZu+g
2vF6Peeh6zL+kFIwHwYDVR0jBBgwFoAULzbVpcPVZu+g2vF6Peeh6zL+kFIwDwYD
VR0TAQH/BAUwAwEB/zAUBgNVHREEDTALgglsb2NhbGhvc3QwCgYIKoZIzj0EAwID
SAAwRQIgANzAvwlNp8lrXwWOe+rhQPKIm9th8dULg2FSOS6f/toCIQDwXii9DwG+
SgWDkPLTDgl8Ts+Jh8aoHQhTbO28siDVqw==
-----END CERTIFICATE-----
`,
};
