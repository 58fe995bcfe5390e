/**
 * What one principal may hold open over graphql-ws (CONTRACT §9): at most MAX_SOCKETS_PER_PRINCIPAL sockets and
 * MAX_SUBSCRIPTIONS_PER_PRINCIPAL operations across them, so that one token cannot exhaust the instance's memory
 * or the feed's fan-out. Counted per instance.
 */
import type { WebSocket } from 'ws';

export const MAX_SOCKETS_PER_PRINCIPAL = 10;
export const MAX_SUBSCRIPTIONS_PER_PRINCIPAL = 100;
/** The close code of a socket over a limit: its principal's sockets, or refused tokens from its address (4xxx: the application's, like graphql-ws's 4401). */
export const TOO_MANY = 4429;

export class SocketLimits {
  /** Open operation ids by socket, sockets by principal id. */
  private readonly operations = new Map<WebSocket, Set<string>>();
  private readonly sockets = new Map<string, Set<WebSocket>>();

  /** Admits a socket for `principalId`, or refuses it (the caller closes it); forgets it when it closes. */
  admitSocket(principalId: string, socket: WebSocket): boolean {
    const held = this.sockets.get(principalId) ?? new Set();
    if (held.size >= MAX_SOCKETS_PER_PRINCIPAL) return false;
    held.add(socket);
    this.sockets.set(principalId, held);
    this.operations.set(socket, new Set());
    socket.once('close', () => {
      held.delete(socket);
      if (held.size === 0) this.sockets.delete(principalId);
      this.operations.delete(socket);
    });
    return true;
  }

  /** Admits an operation on a socket, or refuses it when its principal holds the most it may. */
  admitOperation(principalId: string, socket: WebSocket, id: string): boolean {
    let open = 0;
    for (const held of this.sockets.get(principalId) ?? []) open += this.operations.get(held)?.size ?? 0;
    if (open >= MAX_SUBSCRIPTIONS_PER_PRINCIPAL) return false;
    this.operations.get(socket)?.add(id);
    return true;
  }

  operationEnded(socket: WebSocket, id: string): void {
    this.operations.get(socket)?.delete(id);
  }
}
