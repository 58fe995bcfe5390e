/**
 * Which network addresses an export may reach (SSRF guard). Only globally routable unicast addresses are
 * allowed unless JOBOUT_ALLOW_PRIVATE_TARGETS=true: loopback, private, link-local (incl. the cloud metadata
 * address), carrier-grade NAT, unspecified, multicast, reserved and unique-local ranges are refused, and IPv6
 * forms that embed an IPv4 address (mapped, NAT64, 6to4, Teredo) are judged by that address.
 *
 * `checkUrlTarget` is the save-time check, for a clear error on input, and `screenHost` the first step of a
 * connection test. The boundary is the connect-time check the sender applies to the address it actually dials
 * (DNS can answer differently later).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

const BLOCKED_REASON = 'a private, loopback or reserved address';
const BLOCKED_HOSTNAMES = new Set(['localhost', 'metadata.google.internal', 'metadata', 'instance-data']);
const LOOKUP_TIMEOUT_MS = 2000;

/** IPv6 ranges that carry an IPv4 address in their low 32 bits. */
const EMBEDDING_RANGES = new Set(['ipv4Mapped', 'rfc6052', '6to4', 'teredo', 'rfc6145']);

export function isBlockedAddress(address: string): boolean {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.process(address.replace(/^\[|\]$/g, ''));
  } catch {
    return true; // not an address we can judge: refuse
  }
  if (parsed.kind() === 'ipv6' && EMBEDDING_RANGES.has(parsed.range())) {
    const bytes = parsed.toByteArray();
    return isBlockedAddress(bytes.slice(-4).join('.')) || parsed.range() !== 'ipv4Mapped';
  }
  return parsed.range() !== 'unicast';
}

export function isBlockedHostname(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return BLOCKED_HOSTNAMES.has(host) || host.endsWith('.localhost') || host.endsWith('.internal');
}

async function resolveAll(hostname: string): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string[]>((resolve) => {
    timer = setTimeout(() => resolve([]), LOOKUP_TIMEOUT_MS);
  });
  try {
    const lookedUp = lookup(hostname, { all: true, verbatim: true }).then((answers) => answers.map((answer) => answer.address));
    return await Promise.race([lookedUp, timeout]);
  } catch {
    return []; // unresolvable now: the connect-time guard decides when it resolves
  } finally {
    clearTimeout(timer);
  }
}

/** Why `url` may not be an export target, or undefined when it may. */
export async function checkUrlTarget(url: URL): Promise<string | undefined> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return isBlockedAddress(host) ? `${host} is ${BLOCKED_REASON}` : undefined;
  if (isBlockedHostname(host)) return `${host} is an internal host name`;
  const blocked = (await resolveAll(host)).find(isBlockedAddress);
  return blocked ? `${host} resolves to ${blocked}, ${BLOCKED_REASON}` : undefined;
}

export interface HostScreening {
  /** Every address the host stands for now: itself when it is an IP, else all that DNS answers, all families. */
  addresses: string[];
  /** Why the connect-time guard would refuse it; undefined when it would connect. */
  refusal?: string;
}

/**
 * What the connect-time guard (guarded-connector.ts) would decide for `hostname` now, with the addresses it
 * judged: refused when ANY address is blocked, as the guard does. With `allowPrivateTargets` nothing is refused,
 * as the sender then skips the guard. Unlike `checkUrlTarget`, a name that does not resolve is an error (thrown
 * as DNS reports it): a test must say so rather than pass.
 */
export async function screenHost(hostname: string, options: { allowPrivateTargets: boolean }): Promise<HostScreening> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const guarded = !options.allowPrivateTargets;
  if (isIP(host)) return { addresses: [host], refusal: guarded && isBlockedAddress(host) ? `${host} is ${BLOCKED_REASON}` : undefined };
  if (guarded && isBlockedHostname(host)) return { addresses: [], refusal: `${host} is an internal host name` };
  const addresses = (await lookup(host, { all: true, verbatim: true })).map((answer) => answer.address);
  const blocked = guarded ? addresses.find(isBlockedAddress) : undefined;
  return { addresses, refusal: blocked === undefined ? undefined : `${host} resolves to ${blocked}, ${BLOCKED_REASON}` };
}
