/**
 * Open WebSockets outlive the token check made when they connected. A socket is bound to the token it connected
 * with (its hash): every AUDIT_INTERVAL_MS the operators behind open sockets are looked up again, one query for
 * all of them, and a socket whose token no longer works (the operator revoked, expired or deleted, or its token
 * rotated) is closed with 4401 (CONTRACT §2: within 10 s). The others get their principal refreshed, so that a
 * subscription follows changes of the operator's stores. Each new operation on a socket also checks its token
 * first (`stillValid`), so a refused token runs nothing more from the next request on.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { CloseCode } from 'graphql-ws';
import type { WebSocket } from 'ws';
import { activeOperator, principalOf } from '../auth/authenticator';
import type { Principal } from '../auth/principal';
import type { Logger } from '../logger';

/**
 * Well inside the 10 s the contract allows for a revoked token. A change of the operator's stores reaches a
 * subscription in two steps, this audit and then the feed's own look-up (FEED_SCOPE_REFRESH_MS, 5 s): 3 + 5 s
 * leaves room for both queries within the same 10 s. One query for all sockets, so a short interval costs little.
 */
export const AUDIT_INTERVAL_MS = 3_000;

/** What a socket's subscriptions read their caller from; the audit replaces `principal` in place. */
export interface SocketIdentity {
  principal: Principal;
  /** The hash of the token the socket connected with; none for the built-in administrator. */
  tokenHash: string | undefined;
}

export class SocketAudit {
  private readonly sockets = new Map<WebSocket, SocketIdentity>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly orm: MikroORM,
    private readonly logger: Logger,
  ) {}

  /** Follows a socket until it closes. The built-in administrator's token is configuration: never audited. */
  track(socket: WebSocket, identity: SocketIdentity): void {
    if (identity.principal.builtIn) return;
    this.sockets.set(socket, identity);
    socket.once('close', () => this.sockets.delete(socket));
    this.timer ??= setInterval(() => void this.audit(), AUDIT_INTERVAL_MS).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Whether the socket's token still works (and its principal, refreshed); the built-in administrator's always does. */
  async stillValid(identity: SocketIdentity): Promise<boolean> {
    if (identity.tokenHash === undefined) return true;
    const [operator] = await activeOperator(this.orm.em.fork(), { tokenHash: identity.tokenHash });
    if (!operator || operator.id !== identity.principal.id) return false;
    identity.principal = principalOf(operator);
    return true;
  }

  /** One pass; never throws (a failed pass is logged, the next one tries again). */
  async audit(): Promise<void> {
    if (this.sockets.size === 0) return;
    const hashes = [...new Set([...this.sockets.values()].flatMap((identity) => identity.tokenHash ?? []))];
    try {
      const active = new Map((await activeOperator(this.orm.em.fork(), { tokenHash: { $in: hashes } })).map((operator) => [operator.tokenHash, operator]));
      for (const [socket, identity] of this.sockets) {
        const operator = identity.tokenHash === undefined ? undefined : active.get(identity.tokenHash);
        if (operator && operator.id === identity.principal.id) identity.principal = principalOf(operator);
        else {
          this.sockets.delete(socket);
          socket.close(CloseCode.Unauthorized, 'Token revoked or expired');
        }
      }
    } catch (error) {
      this.logger.warn('could not check the operators of open WebSockets; trying again', { error });
    }
  }
}
