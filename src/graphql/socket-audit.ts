/**
 * Open WebSockets outlive the token check made when they connected. Every AUDIT_INTERVAL_MS, the operators
 * behind open sockets are looked up again (one query for all of them): a socket whose operator was revoked,
 * expired or deleted is closed with 4401 (CONTRACT §2: within 10 s), and the others get their principal
 * refreshed, so that a subscription follows changes of the operator's stores.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { CloseCode } from 'graphql-ws';
import type { WebSocket } from 'ws';
import { activeOperator, principalOf } from '../auth/authenticator';
import type { Principal } from '../auth/principal';
import type { Logger } from '../logger';

/** Half the 10 s the contract allows, so that a slow audit still closes in time. */
export const AUDIT_INTERVAL_MS = 5_000;

/** What a socket's subscriptions read their caller from; the audit replaces `principal` in place. */
export interface SocketIdentity {
  principal: Principal;
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

  /** One pass; never throws (a failed pass is logged, the next one tries again). */
  async audit(): Promise<void> {
    if (this.sockets.size === 0) return;
    const ids = [...new Set([...this.sockets.values()].map((identity) => identity.principal.id))];
    try {
      const active = new Map((await activeOperator(this.orm.em.fork(), { id: { $in: ids } })).map((operator) => [operator.id, principalOf(operator)]));
      for (const [socket, identity] of this.sockets) {
        const principal = active.get(identity.principal.id);
        if (principal) identity.principal = principal;
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
