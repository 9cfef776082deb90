import type { ServerResponse } from 'node:http';

const MiB = 1024 * 1024;

/**
 * The most bytes one response may hold. A list page whose stored renderings add up to more is
 * refused before it is assembled (rendering.ts); any other response over it is refused when it is
 * sent (http.ts).
 */
export const MAX_RESPONSE_BYTES = 32 * MiB;

/** Default of --response-budget: bytes of large responses that may be on their way at once. */
export const DEFAULT_RESPONSE_BUDGET = 64 * MiB;

/** Responses smaller than this are not counted (the hot path stays one comparison). */
export const LARGE_RESPONSE_BYTES = 64 * 1024;

export const mib = (bytes: number) => (bytes / MiB).toFixed(1);

/**
 * Bounds the memory held by large responses on their way to clients: a response's bytes count
 * from the moment it is handed to the socket until the socket has taken all of it (the response
 * closes: flushed, or the client went away). Backpressure from slow readers therefore keeps
 * their responses counted. A response that would take the count over the budget is refused
 * (the caller answers 503 with Retry-After), unless nothing else is in flight: one response up to
 * MAX_RESPONSE_BYTES can always go out.
 */
export class ResponseBudget {
  private inFlight = 0;

  constructor(readonly budget: number) {}

  /** Bytes of large responses handed to sockets and not yet flushed. */
  get bytesInFlight(): number {
    return this.inFlight;
  }

  /** Counts `bytes` for `res` until it closes; false (nothing counted) when the budget cannot carry them now. */
  take(res: ServerResponse, bytes: number): boolean {
    if (this.inFlight > 0 && this.inFlight + bytes > this.budget) return false;
    this.inFlight += bytes;
    // 'close' comes once: after 'finish', or when the connection ends first (also for pipelined
    // responses still queued behind another).
    res.once('close', () => {
      this.inFlight -= bytes;
    });
    return true;
  }
}
