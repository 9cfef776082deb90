import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RawServerDefault,
} from 'fastify';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import sjson from 'secure-json-parse';
import fastJsonStringify from 'fast-json-stringify';
import type { Logger } from 'pino';
import { AppError, envelope, ErrorTables, render, type ErrorKind, type ErrorTable } from './errors.js';
import { JsonText } from './json-text.js';
import { validationError, validatorCompiler } from './validation.js';
import { accessLogger } from './logger.js';
import { systemClock, type Clock } from './clock.js';
import { randomIds, requestId, type IdSource } from './ids.js';
import {
  contentTypeProblem,
  invalidUtf8Offset,
  loneSurrogateProblem,
  mayHoldLoneSurrogate,
  SEND_JSON_UTF8,
} from './text.js';
import {
  closeAfterResponse,
  closeGently,
  connectionOf,
  connectionOfRequest,
  requestStarted,
  responseFinished,
} from './connections.js';
import {
  DEFAULT_RESPONSE_BUDGET,
  LARGE_RESPONSE_BYTES,
  MAX_RESPONSE_BYTES,
  mib,
  ResponseBudget,
} from './response-budget.js';

declare module 'fastify' {
  interface FastifyInstance {
    errorTables: ErrorTables;
    /** The time the server stores (tests give their own). */
    clock: Clock;
  }
  interface FastifyRequest {
    rawBody: Buffer | undefined;
    bodyError: AppError | null;
    /** The error code answered, once an error was. */
    errorCode: string | null;
    /** The id of the fault rule that answered or delayed the request on purpose. */
    fault: string | null;
  }
}

export interface HttpOptions {
  logger: Logger;
  bodyLimit: number;
  /** Longest time to receive a whole request (slow clients are cut off). */
  requestTimeoutMs?: number;
  /** On shutdown, how long requests in flight may take before their connections are cut. */
  shutdownGraceMs?: number;
  /** Bytes of large responses that may be on their way to clients at once (response-budget.ts). */
  responseBudget?: number;
  /** Classifies store errors: true when the database is unreachable or timed out. */
  isUnavailable?: (err: unknown) => boolean;
  /** Classifies store errors: true when the database refused a value of the request. */
  isValueRejected?: (err: unknown) => boolean;
  /** Told of every response and its duration in milliseconds (metrics). */
  observe?: (req: FastifyRequest, reply: FastifyReply, ms: number) => void;
  clock?: Clock;
  /** Where request ids come from (ids.ts). */
  ids?: IdSource;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const JSON_TYPE = 'application/json;charset=UTF-8';
/** The API gateway's limit on all request headers together (a single one may use it all). */
const MAX_HEADER_BYTES = 128 * 1024;
/**
 * On shutdown, connections between requests are closed after this long, and again as often
 * while the server drains: a request already on its way meets an answer, not a reset.
 */
const DRAIN_SWEEP_MS = 500;

/**
 * Requests that cannot be parsed as HTTP never reach Fastify: answer them as the API gateway does
 * (APIG.0201 with its status), in the envelope, and close the connection. Responses go out in
 * request order: when earlier requests on the connection are still being answered (pipelining),
 * the error waits for their responses. A response already under way for the broken request itself
 * is not interrupted by an error text (as Node itself does); the connection is just closed.
 */
function answerClientError(
  err: NodeJS.ErrnoException,
  socket: Socket & { _httpMessage?: { headersSent?: boolean } },
  logger: Logger,
  newRequestId: () => string,
): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const c = connectionOf(socket);
  // The parser stays broken: every later byte (and the client's end) is reported again.
  if (c.closing || c.pendingError) return;
  const [status, reason, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [
          431,
          'Request Header Fields Too Large',
          `Request headers too large. All headers together must stay within ${MAX_HEADER_BYTES / 1024} KiB.`,
        ]
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'Request timeout. The whole request must arrive within the request timeout.']
        : [400, 'Bad Request', 'Bad request. The request is not valid HTTP/1.1.'];
  const reqId = newRequestId();
  const send = () => {
    logger.info({ reqId, status, code: err.code }, 'client error');
    if (socket.destroyed) return;
    if (!socket.writable || socket._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    const body = JSON.stringify(envelope({ status, code: 'APIGW.0201', message }));
    closeGently(
      socket,
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${reqId}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
  // A request whose body broke off will never be answered; those before it will.
  const waitFor = c.last && !c.last.complete ? 1 : 0;
  if (c.open > waitFor) {
    c.pendingError = { waitFor, send };
    return;
  }
  send();
}

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** Errors of requests under `prefix` are rendered by `table` (a family's envelope). */
export function registerErrors(app: App, prefix: string, table: ErrorTable): void {
  app.errorTables.register(prefix, table);
}

/** Registers an encapsulated group of routes: hooks added inside apply to that group only. */
export function group(app: App, fn: (child: App) => void | Promise<void>): void {
  app.register(async (child) => fn(child.withTypeProvider<TypeBoxTypeProvider>()));
}

/** The Fastify instance with every cross-cutting HTTP concern and no routes. */
export function createHttp(opts: HttpOptions): App {
  // Graceful shutdown: requests in flight finish; new ones get 503 in the envelope; the last
  // response on each connection asks the client to close it; connections between requests are
  // closed after a moment; stragglers are cut off after a grace period.
  let closing = false;
  const budget = new ResponseBudget(opts.responseBudget ?? DEFAULT_RESPONSE_BUDGET);
  const ids = opts.ids ?? randomIds;
  const newRequestId = () => requestId(ids);
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // One logger for all requests (no child per request); lines carry reqId themselves.
    childLoggerFactory: (logger) => logger,
    bodyLimit: opts.bodyLimit,
    // Node checks request timeouts only every connectionsCheckingInterval (30 s by default).
    serverFactory: (handler) => {
      const timeout = opts.requestTimeoutMs ?? 30_000;
      const server = http.createServer(
        {
          requestTimeout: timeout,
          connectionsCheckingInterval: Math.min(1000, timeout),
          keepAliveTimeout: 72_000,
          maxHeaderSize: MAX_HEADER_BYTES,
        },
        (req, res) => {
          if (requestStarted(req)) handler(req, res);
        },
      );
      drainIdleConnections(server, () => closing);
      return server;
    },
    clientErrorHandler: (err, socket) => answerClientError(err, socket, opts.logger, newRequestId),
    genReqId: newRequestId,
    requestIdHeader: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    return503OnClosing: false,
    // Malformed URLs and over-long path segments never reach a route: answer them in the envelope too.
    frameworkErrors: (err, req, reply) => {
      const detail =
        err.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? 'a path segment is longer than 1024 characters'
          : 'the URL is malformed';
      sendError(req, reply, new AppError('invalid', detail));
    },
    ajv: undefined,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const access = opts.logger.isLevelEnabled('info') ? accessLogger(opts.logger) : undefined;
  app.setValidatorCompiler(validatorCompiler);
  // Response serializers are generated from the schemas on first use, like the validators. A body
  // that comes serialized already (JsonText) is sent as it is.
  app.setSerializerCompiler(({ schema }) => {
    let serialize: ((data: unknown) => string) | undefined;
    return (data: unknown) =>
      data instanceof JsonText ? data.text : (serialize ??= fastJsonStringify(schema as object))(data);
  });
  app.decorate('errorTables', new ErrorTables());
  app.decorate('clock', opts.clock ?? systemClock);
  app.decorateRequest('rawBody', undefined);
  app.decorateRequest('bodyError', null);
  app.decorateRequest('errorCode', null);
  app.decorateRequest('fault', null);

  app.addHook('preClose', async () => {
    closing = true;
    setTimeout(() => app.server.closeAllConnections(), opts.shutdownGraceMs ?? 10_000).unref();
  });

  // The hooks every request passes are callback-style and synchronous: no promise, no extra tick.
  // Every body goes out as JSON with the content type the Huawei services use, unless a route
  // says otherwise; an empty response has no content type.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('X-Request-Id', req.id);
    reply.header('content-type', JSON_TYPE);
    if (!closing) return done();
    reply.header('Connection', 'close');
    done(new AppError('unavailable', 'The server is shutting down.'));
  });

  app.addHook('onSend', (req, reply, payload, done) => {
    if (payload === undefined) reply.removeHeader('content-type');
    // A request refused before its body has all arrived (401, 413, 415) ends its connection, the
    // rest of the body dropped, unless Node can skip the rest on its own: nobody has read any of
    // it and it is declared no larger than a body the server would read.
    if (req.raw.complete === false && !skippable(req.raw, opts.bodyLimit)) {
      reply.header('Connection', 'close');
      closeAfterResponse(req.raw);
    } else if (closing && connectionOfRequest(req.raw)?.last === req.raw) reply.header('Connection', 'close');
    if ((typeof payload === 'string' || Buffer.isBuffer(payload)) && payload.length >= LARGE_RESPONSE_BYTES) {
      return done(null, withinBudget(req, reply, payload, budget, opts.logger));
    }
    done(null, payload);
  });

  app.addHook('onResponse', (req, reply, done) => {
    responseFinished(req.raw);
    const ms = reply.elapsedTime;
    opts.observe?.(req, reply, ms);
    const line = {
      reqId: req.id,
      method: req.method,
      url: req.url,
      status: reply.statusCode,
      ms: Math.round(ms * 10) / 10,
    };
    access?.info(req.fault === null ? line : { ...line, fault: req.fault }, 'request');
    done();
  });

  // A body is JSON in UTF-8 and nothing else (415 otherwise, saying what to send). Checked once
  // the credentials are (after every onRequest hook) and before any content-type parser, so that
  // it holds for routes with parsers of their own too (the streamed snapshot import). A request
  // without a body needs no content type; GET bodies are never parsed (a signed one is only read to check its hash, in
  // auth.ts).
  app.addHook('preParsing', (req, _reply, payload, done) => {
    const type = req.headers['content-type'];
    if (type === 'application/json' || !BODY_METHODS.has(req.method) || req.is404) return done(null, payload);
    if (type === undefined && !hasBody(req)) return done(null, payload);
    const problem = contentTypeProblem(type);
    done(problem ? new AppError('unsupported_media', problem) : null, payload);
  });

  // JSON bodies are kept raw for signature checks. An empty body (the SDK's GET/DELETE with a JSON
  // content type) is no body; a broken one is reported after authentication (see auth.ts).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const buf = body as Buffer;
    if (buf.length === 0) return done(null, undefined);
    req.rawBody = buf;
    const value = parseJsonBody(req, buf);
    done(null, req.bodyError ? undefined : value);
  });

  app.setNotFoundHandler(async (req, reply) => {
    sendError(req, reply, new AppError('no_route', `${req.method} ${req.url.split('?')[0]}`));
  });

  app.setErrorHandler(async (err: FastifyError | AppError, req, reply) => {
    const appErr = toAppError(err, opts);
    if (appErr.kind === 'internal') opts.logger.error({ reqId: req.id, err }, 'unexpected error');
    else if (appErr.kind === 'unavailable')
      opts.logger.warn({ reqId: req.id, err: (err as Error).message }, 'store unavailable');
    sendError(req, reply, appErr);
  });

  return app;
}

/** A body whose rest Node skips after the response, keeping the connection for the next request. */
function skippable(raw: IncomingMessage, bodyLimit: number): boolean {
  if (raw.readableDidRead || raw.destroyed || raw.headers['transfer-encoding'] !== undefined) return false;
  const length = Number(raw.headers['content-length']);
  return length >= 0 && length <= bodyLimit;
}

/**
 * A large response goes out only while the bytes of large responses on their way stay within the
 * budget (503 with Retry-After otherwise, in the family's envelope); one larger than
 * MAX_RESPONSE_BYTES never goes out (500: only data stored before the size bounds can make one).
 */
function withinBudget(
  req: FastifyRequest,
  reply: FastifyReply,
  payload: string | Buffer,
  budget: ResponseBudget,
  logger: Logger,
): string | Buffer {
  const bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  let refusal: AppError;
  if (bytes > MAX_RESPONSE_BYTES) {
    refusal = new AppError(
      'internal',
      `The response would be ${mib(bytes)} MiB, more than one response may carry (${mib(MAX_RESPONSE_BYTES)} MiB).`,
    );
    logger.error({ reqId: req.id, bytes }, 'response too large');
  } else if (!budget.take(reply.raw, bytes)) {
    refusal = new AppError(
      'unavailable',
      'The server is sending too many large responses at once; retry shortly.',
      undefined,
      { 'Retry-After': '1' },
    );
    logger.warn({ reqId: req.id, bytes, inFlight: budget.bytesInFlight }, 'response budget exhausted');
  } else return payload;
  const r = render(req.server.errorTables.of(req.url), refusal);
  reply.code(r.status).headers({ 'content-type': JSON_TYPE, ...refusal.headers });
  reply.removeHeader('content-disposition');
  return JSON.stringify(envelope(r));
}

/**
 * While the server closes, Node and Fastify close the connections that sit between requests at
 * once; a request the client has just sent on one would meet a reset. Instead they are closed
 * after DRAIN_SWEEP_MS (then again as often until the server has closed), once whatever was on its
 * way has been read: a request that arrived in time is answered (503 in the envelope, with
 * Connection: close).
 */
function drainIdleConnections(server: http.Server, closing: () => boolean): void {
  const closeIdle = server.closeIdleConnections.bind(server);
  let sweeping: NodeJS.Timeout | undefined;
  server.closeIdleConnections = () => {
    if (!closing()) return closeIdle();
    if (sweeping) return;
    // setImmediate: after the poll phase, so that bytes that arrived meanwhile have been read.
    sweeping = setInterval(() => setImmediate(closeIdle), DRAIN_SWEEP_MS);
    sweeping.unref();
    server.once('close', () => clearInterval(sweeping));
  };
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'QUERY']);
const hasBody = (req: FastifyRequest) =>
  req.headers['transfer-encoding'] !== undefined ||
  (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
const JSON_OPTIONS = { protoAction: 'error', constructorAction: 'error' } as const;

/**
 * A JSON body: UTF-8 (a fatal decoder: never a replacement character), valid JSON, no prototype
 * keys, and well-formed Unicode in every string and key (a lone surrogate escape is refused, not
 * stored as U+FFFD). A body that fails is left in req.bodyError, to be reported after
 * authentication.
 */
function parseJsonBody(req: FastifyRequest, buf: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(buf);
  } catch {
    req.bodyError = new AppError(
      'wrong_type',
      `The body is not valid UTF-8 (byte ${invalidUtf8Offset(buf)}). ${SEND_JSON_UTF8}`,
    );
    return undefined;
  }
  let value: unknown;
  try {
    value = sjson.parse(text, null, JSON_OPTIONS);
  } catch (err) {
    const why = err instanceof SyntaxError ? err.message : 'the body is not valid JSON';
    req.bodyError = new AppError('wrong_type', `The body is not valid JSON: ${why}`);
    return undefined;
  }
  // Only a \uD800-\uDFFF escape can make a lone surrogate: the quick scan spares the walk.
  if (mayHoldLoneSurrogate(text)) {
    const problem = loneSurrogateProblem(value);
    if (problem) req.bodyError = new AppError('invalid', problem);
  }
  return value;
}

export function sendError(req: FastifyRequest, reply: FastifyReply, err: AppError): FastifyReply {
  const r = render(req.server.errorTables.of(req.url), err);
  req.errorCode = r.code;
  reply.header('X-Request-Id', req.id);
  if (err.headers) reply.headers(err.headers);
  if (r.status === 503 && !reply.hasHeader('retry-after')) reply.header('Retry-After', '5');
  return reply.code(r.status).type(JSON_TYPE).send(envelope(r));
}

const FASTIFY_KINDS: Record<string, ErrorKind> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'wrong_type',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media',
  FST_ERR_CTP_EMPTY_TYPE: 'unsupported_media',
};

function toAppError(err: FastifyError | AppError, { isUnavailable, isValueRejected }: HttpOptions): AppError {
  if (err instanceof AppError) return err;
  if (err.validation) return validationError(err.validation, err.validationContext ?? 'body');
  const kind = FASTIFY_KINDS[err.code];
  if (kind) return new AppError(kind, kind === 'too_large' ? undefined : err.message);
  if (isUnavailable?.(err)) return new AppError('unavailable');
  if (isValueRejected?.(err))
    return new AppError('invalid', 'a value contains a character or size the store cannot hold');
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500)
    return new AppError('invalid', err.message);
  return new AppError('internal');
}
