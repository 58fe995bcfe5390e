/**
 * Opening one connection to a partner's origin the way the sender would, and closing it at once: the connect
 * step of a connection test. It dials through the sender's connector (net/guarded-connector.ts), so the
 * connect-time address guard, the TLS certificate verification and SNI are the ones an export meets. Nothing is
 * ever written on the socket: a partner sees a connection (and a TLS handshake) but no HTTP request.
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { AttemptDeadline } from './attempt-deadline';
import { createOutboundConnector } from './guarded-connector';

export interface OpenedConnection {
  /** The address and port actually connected to. */
  remoteAddress: string;
  remotePort: number;
  /** The negotiated protocol (`TLSv1.3`) for https, after the certificate was verified; null for http. */
  tlsProtocol: string | null;
}

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/** Connects to `url`'s origin within `deadline`, then closes the connection; rejects with the connect error. */
export async function probeConnection(url: URL, options: { allowPrivateTargets: boolean; deadline: AttemptDeadline }): Promise<OpenedConnection> {
  const { deadline } = options;
  // undici's own connect timer ends a dial that hangs (destroying its socket); the deadline is the backstop.
  const connect = createOutboundConnector({ allowPrivateTargets: options.allowPrivateTargets, connect: { timeout: deadline.remainingMs() } });
  const opened = new Promise<Socket>((resolve, reject) => {
    connect(
      {
        // undici hands a connector the bare IPv6 address, without brackets; so does this.
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        host: url.host,
        protocol: url.protocol,
        port: url.port || DEFAULT_PORTS[url.protocol],
      },
      (error, socket) => (error ? reject(error) : resolve(socket!)),
    );
  });
  try {
    const socket = await deadline.race(opened);
    // Read before closing: a closed socket no longer knows its peer.
    const connection = {
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      tlsProtocol: socket instanceof TLSSocket ? socket.getProtocol() : null,
    };
    socket.destroy();
    return connection;
  } catch (error) {
    // A connection that completes after the deadline is closed as soon as it exists.
    opened.then((late) => late.destroy(), () => {});
    throw error;
  }
}
