/**
 * The gateway's Prometheus metrics, on a registry of its own (several gateways can share a test
 * process). Route labels are route patterns, never raw paths, so cardinality stays bounded.
 */
import type { MiddlewareHandler } from 'hono';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { handlerRoutePath } from './auth/middleware.js';
import type { AppEnv } from './env.js';

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requestDuration = new Histogram({
    name: 'taskgate_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly tasksCreated = new Counter({
    name: 'taskgate_tasks_created_total',
    help: 'Tasks started through this gateway, by type and priority',
    labelNames: ['type', 'priority'] as const,
    registers: [this.registry],
  });
  readonly wsConnections = new Gauge({
    name: 'taskgate_ws_connections',
    help: 'Open WebSocket connections',
    registers: [this.registry],
  });
  readonly wsEvents = new Counter({
    name: 'taskgate_ws_events_sent_total',
    help: 'Task events sent to WebSocket clients',
    registers: [this.registry],
  });
  readonly wsDropped = new Counter({
    name: 'taskgate_ws_dropped_total',
    help: 'WebSocket connections closed by the gateway, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly temporalErrors = new Counter({
    name: 'taskgate_temporal_client_errors_total',
    help: 'Temporal client calls that failed, by what failed (request or live feed) and gRPC code',
    labelNames: ['source', 'code'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'taskgate_gateway_' });
  }

  middleware(): MiddlewareHandler<AppEnv> {
    return async (c, next) => {
      const end = this.requestDuration.startTimer();
      try {
        await next();
      } finally {
        end({ method: c.req.method, route: handlerRoutePath(c) ?? 'unmatched', status: String(c.res.status) });
      }
    };
  }
}
