import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config.js';

const REDACT = [
  'req.headers.authorization',
  'req.headers["x-auth-token"]',
  'req.headers["x-subject-token"]',
  'req.headers["x-security-token"]',
  'res.headers["x-subject-token"]',
  '*.password',
  '*.secret_key',
  '*.secretKey',
  '*.sk',
];

/**
 * JSON logs through an asynchronous, buffered destination: lines are written 4 KiB at a time, or
 * within 200 ms, so logging never waits on the terminal or disk and costs one write for many lines.
 */
export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  let dest: pino.DestinationStream | NodeJS.WritableStream | undefined = destination;
  if (!dest) {
    const buffered = pino.destination({ dest: 1, sync: false, minLength: 4096 });
    setInterval(() => buffered.flush(), 200).unref();
    dest = buffered;
  }
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'versionary' } }, dest);
}

/** Waits until every line logged so far is written. */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}

/**
 * The logger of the per-request access lines: same level and destination, without redaction (those lines hold no
 * secrets).
 */
export function accessLogger(logger: Logger): Logger {
  const stream = (logger as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym];
  return pino({ level: logger.level, base: { service: 'versionary' } }, stream);
}
