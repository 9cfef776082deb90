import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/**
 * What the HTTP layer knows of each client connection, so that a connection always ends cleanly:
 * responses go out in request order (an error about a later, unparsable request waits for the
 * responses before it), a refused request whose body is still arriving closes its connection
 * without a reset, and a shutdown closes connections only between requests.
 */

/** How long a closing connection keeps reading (and dropping) what the client still sends. */
export const LINGER_MS = 2000;

const kConnection = Symbol('versionary.connection');

export interface Connection {
  socket: Socket;
  /** Requests received on the connection whose responses have not finished. */
  open: number;
  /** The latest request received. */
  last: IncomingMessage | undefined;
  /**
   * An answer to a request that could not be parsed, sent once no more than `waitFor` requests
   * are open (the responses before it are out).
   */
  pendingError: { waitFor: number; send: () => void } | undefined;
  /** The connection was told it closes: the server sends nothing more on it. */
  closing: boolean;
}

// Requests point to their connection too: Node forgets the socket of a request whose body stream
// is destroyed (an abandoned async iteration), so that the connection survives it.
type Tracked<T> = T & { [kConnection]?: Connection };

export function connectionOf(socket: Socket): Connection {
  const s = socket as Tracked<Socket>;
  return (s[kConnection] ??= { socket, open: 0, last: undefined, pendingError: undefined, closing: false });
}

/** The connection a request came on (undefined for injected requests, which have none). */
export function connectionOfRequest(req: IncomingMessage): Connection | undefined {
  return (req as Tracked<IncomingMessage>)[kConnection];
}

/**
 * Counts a request received on its connection. False when the connection is closing: the request
 * came after the server said so (pipelined behind a refused body) and is neither handled nor
 * answered; its body is dropped until the connection closes.
 */
export function requestStarted(req: IncomingMessage): boolean {
  const c = connectionOf(req.socket);
  if (c.closing) {
    req.resume();
    return false;
  }
  (req as Tracked<IncomingMessage>)[kConnection] = c;
  c.open++;
  c.last = req;
  return true;
}

/** A response has been written out; an error waiting for it may go now. */
export function responseFinished(req: IncomingMessage): void {
  const c = connectionOfRequest(req);
  if (!c) return;
  c.open--;
  if (c.last === req && c.open === 0) c.last = undefined;
  const pending = c.pendingError;
  if (pending && c.open <= pending.waitFor) {
    c.pendingError = undefined;
    pending.send();
  }
}

/**
 * Ends a connection without a reset: sends `data` and the end of the stream, keeps reading what
 * the client still sends (and drops it) so that the client sees the answer rather than a reset of
 * a connection with unread data, and destroys it when the client closes its side or after
 * LINGER_MS.
 */
export function closeGently(socket: Socket, data?: string): void {
  if (socket.destroyed) return;
  connectionOf(socket).closing = true;
  if (data === undefined) socket.end();
  else socket.end(data);
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/**
 * After the response to `req`, the connection closes gently (Node would destroy it right away).
 * The rest of the request body is read and dropped meanwhile, also when a handler read part of it
 * and gave up (the refused snapshot import).
 */
export function closeAfterResponse(req: IncomingMessage): void {
  const c = connectionOfRequest(req);
  if (!c) return;
  c.closing = true;
  const socket = c.socket as Socket & { destroySoon?: () => void };
  socket.destroySoon = () => {
    // A dumped request drops the body bytes the parser still finds, instead of buffering them
    // (and stopping the socket when its buffer is full).
    const dumped = req as IncomingMessage & { _dumped?: boolean; _dump?: () => void };
    if (!req.complete && !dumped._dumped) {
      if (typeof dumped._dump === 'function') dumped._dump();
      else dumped._dumped = true;
    }
    socket.resume();
    closeGently(socket);
  };
}
