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

/** JSON logs through an asynchronous destination, so logging never waits on the terminal or disk. */
export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  const dest = destination ?? pino.destination({ dest: 1, sync: false });
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'versionary' } }, dest);
}

/** The logger of the per-request access lines: same level and destination, without redaction (those lines hold no secrets). */
export function accessLogger(logger: Logger): Logger {
  const stream = (logger as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym];
  return pino({ level: logger.level, base: { service: 'versionary' } }, stream);
}
