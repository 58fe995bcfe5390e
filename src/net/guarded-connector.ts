/**
 * The SSRF boundary of outbound HTTP: an undici connector that refuses to open a TCP connection to an address
 * `address-policy.ts` blocks. Checking the URL when a connection is saved is only for a clear error on input;
 * DNS may answer differently at send time (rebinding), so the check that counts is this one, on the address
 * actually dialled, on every new connection, for the export target and the OAuth token URL alike.
 *
 * Two paths, because undici's `lookup` hook is never called for a literal IP host:
 * - a literal IP (`127.0.0.1`, `[::1]`, `[::ffff:127.0.0.1]`) is judged here before anything is dialled;
 * - a name goes through a guarded `lookup` that resolves every address and refuses if ANY of them is blocked,
 *   so happy-eyeballs cannot pick the bad one. The socket connects to the checked addresses only.
 * The URL host is never rewritten to an IP, so TLS SNI and certificate checks still see the real name.
 *
 * A refusal is a `TransportError` with code `ERR_BLOCKED_DESTINATION`, raised before any socket exists.
 */
import dns from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import { isBlockedAddress, isBlockedHostname } from './address-policy';
import { TRANSPORT_ERROR_CODES, TransportError } from './transport-error';

const blocked = (message: string) => new TransportError(TRANSPORT_ERROR_CODES.blockedDestination, message);

/** Every address a name resolves to, all families. */
export type Resolver = (hostname: string) => Promise<dns.LookupAddress[]>;

export interface GuardedConnectorOptions {
  /** Passed to undici's own connector (TLS options, connect timeout in ms). */
  connect?: Partial<buildConnector.BuildOptions>;
  /** Name resolution; the system resolver by default. Tests inject one to play DNS rebinding. */
  resolve?: Resolver;
  /** The address policy; `address-policy.ts` by default. */
  isBlocked?: (address: string) => boolean;
}

const systemResolve: Resolver = (hostname) => dns.promises.lookup(hostname, { all: true, family: 0, verbatim: true });

const BLOCKED_REASON = 'a private, loopback or reserved address';

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Why `hostname` may not be dialled without resolving it, or undefined when only its addresses can tell. */
function refuseLiteral(hostname: string, isBlocked: (address: string) => boolean): TransportError | undefined {
  if (isIP(hostname)) {
    return isBlocked(hostname) ? blocked(`${hostname} is ${BLOCKED_REASON}`) : undefined;
  }
  return isBlockedHostname(hostname) ? blocked(`${hostname} is an internal host name`) : undefined;
}

function createGuardedLookup(resolve: Resolver, isBlocked: (address: string) => boolean): LookupFunction {
  // net.connect calls this with `all: true` when it races address families (Node 20's autoSelectFamily) and
  // expects (err, address, family) otherwise; both shapes are served from one all-families answer.
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (answers) => {
        const refused = answers.find((answer) => isBlocked(answer.address));
        if (refused) {
          callback(blocked(`${hostname} resolves to ${refused.address}, ${BLOCKED_REASON}`), '', 0);
          return;
        }
        const usable = options.family ? answers.filter((answer) => answer.family === options.family) : answers;
        if (usable.length === 0) {
          const notFound = Object.assign(new Error(`no usable address for ${hostname}`), { code: 'ENOTFOUND' });
          callback(notFound, '', 0);
          return;
        }
        if (options.all) (callback as unknown as (err: null, addresses: dns.LookupAddress[]) => void)(null, usable);
        else callback(null, usable[0].address, usable[0].family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

/** An undici `connect` function that dials only addresses the policy allows. */
export function createGuardedConnector(options: GuardedConnectorOptions = {}): buildConnector.connector {
  const isBlocked = options.isBlocked ?? isBlockedAddress;
  const lookup = createGuardedLookup(options.resolve ?? systemResolve, isBlocked);
  const connect = buildConnector({ ...options.connect, lookup } as buildConnector.BuildOptions);
  return (connectOptions, callback) => {
    const refusal = refuseLiteral(stripBrackets(connectOptions.hostname), isBlocked);
    if (refusal) {
      // undici expects the callback after the call returns, as a real connect does.
      process.nextTick(callback, refusal, null);
      return;
    }
    connect(connectOptions, callback);
  };
}

/**
 * The connector of every outbound connection to a partner or a token endpoint (the sender's and a connection
 * test's alike): guarded, unless JOBOUT_ALLOW_PRIVATE_TARGETS lifts the address policy altogether.
 */
export function createOutboundConnector(options: { allowPrivateTargets: boolean; connect: Partial<buildConnector.BuildOptions> }): buildConnector.connector {
  return options.allowPrivateTargets ? buildConnector(options.connect as buildConnector.BuildOptions) : createGuardedConnector({ connect: options.connect });
}
