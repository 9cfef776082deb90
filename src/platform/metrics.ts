import client from 'prom-client';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from './http.js';

let processMetrics = false;

/** Prometheus metrics of one server process, served at GET /metrics. */
export class Metrics {
  readonly registry = new client.Registry();
  private readonly requests = new client.Counter({
    name: 'versionary_http_requests_total',
    help: 'HTTP requests by operation and status',
    labelNames: ['operation', 'status'],
    registers: [this.registry],
  });
  private readonly latency = new client.Histogram({
    name: 'versionary_http_request_duration_seconds',
    help: 'HTTP request latency by operation',
    labelNames: ['operation'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  private readonly faults = new client.Counter({
    name: 'versionary_faults_injected_total',
    help: 'Requests answered or delayed on purpose by a fault rule, by operation and status',
    labelNames: ['operation', 'status'],
    registers: [this.registry],
  });
  readonly storeLatency = new client.Histogram({
    name: 'versionary_store_query_duration_seconds',
    help: 'Database statement latency by kind',
    labelNames: ['kind'],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1],
    registers: [this.registry],
  });
  readonly batchSize = new client.Histogram({
    name: 'versionary_group_commit_batch_size',
    help: 'Write transactions committed together by one SQLite commit',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [this.registry],
  });

  constructor(pool?: () => { total: number; idle: number; waiting: number }) {
    // Process metrics (CPU, memory, event loop, GC) are collected once per process.
    if (!processMetrics) {
      client.collectDefaultMetrics({ prefix: 'versionary_' });
      processMetrics = true;
    }
    if (pool) {
      new client.Gauge({
        name: 'versionary_store_pool_connections',
        help: 'PostgreSQL pool connections by state',
        labelNames: ['state'],
        registers: [this.registry],
        collect() {
          const p = pool();
          this.set({ state: 'total' }, p.total);
          this.set({ state: 'idle' }, p.idle);
          this.set({ state: 'waiting' }, p.waiting);
        },
      });
    }
  }

  private readonly byOperation = new Map<
    string,
    { latency: client.Histogram.Internal<string>; byStatus: Map<number, client.Counter.Internal> }
  >();

  /** Counts a response by its operation id (or route) and status, and records its latency. */
  observe(req: FastifyRequest, reply: FastifyReply, ms: number): void {
    const route = req.routeOptions; // a getter that builds an object: read it once
    const operation =
      (route.schema as { operationId?: string } | undefined)?.operationId ??
      (route.url ? `${req.method} ${route.url}` : 'unknown');
    let op = this.byOperation.get(operation);
    if (op === undefined) {
      op = { latency: this.latency.labels(operation), byStatus: new Map() };
      this.byOperation.set(operation, op);
    }
    let counter = op.byStatus.get(reply.statusCode);
    if (counter === undefined) {
      counter = this.requests.labels(operation, String(reply.statusCode));
      op.byStatus.set(reply.statusCode, counter);
    }
    counter.inc();
    op.latency.observe(ms / 1000);
    if (req.fault !== null) this.faults.labels(operation, String(reply.statusCode)).inc();
  }

  /** Serves /metrics. */
  register(app: App): void {
    const all = client.Registry.merge([this.registry, client.register]);
    app.get('/metrics', { schema: { hide: true } }, async (_req, reply) =>
      reply.type(all.contentType).send(await all.metrics()),
    );
  }
}
