import net from 'node:net';

/** One HTTP/1.1 response as it came over the wire. */
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A raw client connection: what is written goes out byte for byte, and responses are read back
 * one at a time in the order the server sends them.
 */
export class Wire {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  readonly socket: net.Socket;
  /** Set once the server has closed (or reset) the connection. */
  closed = false;
  error: Error | undefined;
  private closedPromise: Promise<void>;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    socket.on('error', (err) => (this.error = err));
    this.closedPromise = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static connect(port: number, host = '127.0.0.1'): Promise<Wire> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => resolve(new Wire(socket)));
      socket.once('error', reject);
    });
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private changed(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed || !this.socket.writable) return resolve();
      this.socket.write(data, () => resolve());
    });
  }

  /** Every byte received and not yet read as a response. */
  pending(): string {
    return this.buf.toString('latin1');
  }

  /** The next whole response, or undefined when none comes within the time or the connection closed first. */
  async read(timeoutMs = 5000): Promise<WireResponse | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = this.parse();
      if (r) return r;
      if (this.closed) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await this.changed(left);
    }
  }

  /** Reads every response until the server closes the connection or nothing more comes. */
  async readAll(timeoutMs = 5000): Promise<WireResponse[]> {
    const all: WireResponse[] = [];
    for (;;) {
      const r = await this.read(timeoutMs);
      if (!r) return all;
      all.push(r);
    }
  }

  /** Resolves true once the server has closed the connection, false if it is still open after the time. */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    if (this.closed) return true;
    return Promise.race([
      this.closedPromise.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs)),
    ]);
  }

  destroy() {
    this.socket.destroy();
  }

  private parse(): WireResponse | undefined {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end === -1) return undefined;
    const head = this.buf.subarray(0, end).toString('latin1');
    const [statusLine = '', ...lines] = head.split('\r\n');
    const headers: Record<string, string> = {};
    for (const l of lines) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
    const start = end + 4;
    let body: Buffer;
    let next: number;
    if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
      const parts: Buffer[] = [];
      let at = start;
      for (;;) {
        const lineEnd = this.buf.indexOf('\r\n', at);
        if (lineEnd === -1) return undefined;
        const size = parseInt(this.buf.subarray(at, lineEnd).toString('latin1'), 16);
        if (this.buf.length < lineEnd + 2 + size + 2) return undefined;
        if (size === 0) {
          next = lineEnd + 4;
          break;
        }
        parts.push(this.buf.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
      body = Buffer.concat(parts);
    } else {
      const length = Number(headers['content-length'] ?? 0);
      if (this.buf.length < start + length) return undefined;
      body = this.buf.subarray(start, start + length);
      next = start + length;
    }
    this.buf = this.buf.subarray(next);
    return { status: Number(statusLine.split(' ')[1]), headers, body: body.toString('utf8') };
  }
}

/** The bytes of one HTTP/1.1 request; a body gets its Content-Length unless headers say otherwise. */
export function request(
  method: string,
  path: string,
  headers: Record<string, string | number> = {},
  body?: string | Buffer,
): Buffer {
  const all: Record<string, string | number> = { Host: 'localhost', ...headers };
  if (
    body !== undefined &&
    !Object.keys(all).some((k) => k.toLowerCase() === 'content-length' || k.toLowerCase() === 'transfer-encoding')
  ) {
    all['Content-Length'] = Buffer.byteLength(body);
  }
  const head = `${method} ${path} HTTP/1.1\r\n${Object.entries(all)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body === undefined ? Buffer.alloc(0) : Buffer.from(body)]);
}
