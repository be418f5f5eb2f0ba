/** The gateway app: middleware, error mapping and route composition. No I/O at construction. */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { topics as builtInTopics } from '../activities/topics/index.js';
import { Http01Store } from '../certificates/challenges.js';
import { CertificateStore } from '../certificates/store.js';
import { CertificateService } from './certificates/service.js';
import { acmeChallengeRoutes } from './routes/acme-challenge.js';
import { certificateRoutes } from './routes/certificates.js';
import { reportRoutes } from './routes/reports.js';
import type { TopicDefinition } from '../activities/topics/topic.js';
import type { Config } from '../config.js';
import { dataPaths } from '../data-paths.js';
import type { Logger } from '../logger.js';
import type { AppEnv } from './env.js';
import { Auth, authenticate, authorize } from './auth/middleware.js';
import { ApiError, errorBody, PayloadTooLargeError, temporalErrorCode, toApiError, ValidationError } from './errors.js';
import { LiveHub } from './live/hub.js';
import { TaskFeed } from './live/task-feed.js';
import { GatewayMetrics } from './metrics.js';
import { rateLimits } from './middleware/rate-limit.js';
import { temporalDeadline } from './middleware/temporal-deadline.js';
import { checkReadiness } from './readiness.js';
import { docsRoutes } from './routes/docs.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { taskRoutes } from './routes/tasks.js';
import { wsRoutes } from './routes/ws.js';
import { JobService } from './jobs/service.js';
import { TaskService } from './tasks/service.js';

export interface AppDeps {
  config: Config;
  client: Client;
  logger: Logger;
  topics?: readonly TopicDefinition[];
}

/** Every sub-app validates the same way: a zod failure is a 400 naming each field. */
function newApp() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw ValidationError.fromZod(result.error);
    },
  });
}

export interface GatewayApp {
  app: OpenAPIHono<AppEnv>;
  /** Set at shutdown: /ready answers 503 and every response closes its connection. */
  drain(): void;
  auth: Auth;
  hub: LiveHub;
  feed: TaskFeed;
  metrics: GatewayMetrics;
}

/** What a request log line says about the task or job it touched. */
function subjectOf(path: string, location: string | null): Record<string, string> {
  const m = (location ?? path).match(/^\/api\/(tasks|jobs)\/([^/]+)/);
  if (!m || m[2] === 'types' || m[2] === 'stats') return {};
  const id = decodeURIComponent(m[2]!);
  return m[1] === 'tasks' ? { workflowId: id } : { jobId: id };
}

export function createApp({ config, client, logger, topics = builtInTopics }: AppDeps): GatewayApp {
  const app = newApp();
  const tasks = new TaskService(client, config, topics);
  const jobs = new JobService(client, config, tasks);
  const auth = new Auth(config);
  const metrics = new GatewayMetrics();
  const view = { namespace: config.TEMPORAL_NAMESPACE, uiUrl: config.TEMPORAL_UI_URL };
  const feed = new TaskFeed(
    client,
    config.TEMPORAL_NAMESPACE,
    view,
    config.LIVE_POLL_INTERVAL_MS,
    logger,
    (err) => metrics.temporalErrors.inc({ source: 'live_feed', code: temporalErrorCode(err) ?? 'unknown' }),
    (task) => tasks.get(task.id),
  );
  const hub = new LiveHub(
    feed,
    { maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES, pingIntervalMs: config.WS_PING_INTERVAL_MS },
    metrics,
    logger,
  );
  tasks.createdListeners.push((t) => metrics.tasksCreated.inc({ type: t.type, priority: t.priority }));

  let draining = false;
  app.use('*', requestId({ headerName: 'x-request-id' }));
  app.use('*', async (c, next) => {
    if (draining && c.req.path === '/ready') {
      c.header('connection', 'close');
      return c.json({ status: 'not_ready', failing: ['gateway'], message: 'shutting down' }, 503);
    }
    await next();
    // A keep-alive connection would otherwise outlive the shutdown; close it after this response.
    if (draining) c.header('connection', 'close');
  });
  app.use('*', secureHeaders());
  const origins = config.CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  if (origins.length)
    app.use(
      '*',
      cors({
        origin: origins,
        allowMethods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
        allowHeaders: ['authorization', 'content-type', 'x-api-key', 'x-request-id'],
        exposeHeaders: ['x-request-id', 'location', 'retry-after', 'ratelimit', 'ratelimit-policy'],
        maxAge: 600,
      }),
    );
  app.use('*', metrics.middleware());
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const p = c.get('principal');
    const line = {
      requestId: c.get('requestId'),
      principal: p?.id,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: +(performance.now() - started).toFixed(1),
      ...subjectOf(c.req.path, c.res.headers.get('location')),
    };
    if (c.req.path === '/health' || c.req.path === '/ready' || c.req.path === '/metrics') logger.debug(line, 'request');
    else logger.info(line, 'request');
  });
  app.use('*', authenticate(auth, config));
  for (const limit of rateLimits(config)) {
    app.use('/api/*', limit);
    app.use('/ws', limit);
  }
  app.use('*', authorize());
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: config.BODY_LIMIT_BYTES,
      onError: () => {
        throw new PayloadTooLargeError(config.BODY_LIMIT_BYTES);
      },
    }),
  );
  // Every Temporal call a request makes shares one deadline: an unreachable server is a prompt 503.
  app.use('/api/*', temporalDeadline(client, config.TEMPORAL_RPC_TIMEOUT_MS));

  app.onError((err, c) => {
    const apiError = toApiError(err);
    const code = temporalErrorCode(err);
    if (code) metrics.temporalErrors.inc({ source: 'request', code });
    if (apiError.status >= 500 && apiError.status !== 503)
      logger.error({ err, requestId: c.get('requestId'), path: c.req.path }, 'unhandled error');
    else logger.debug({ requestId: c.get('requestId'), code: apiError.code, message: apiError.message }, 'request rejected');
    for (const [k, v] of Object.entries(apiError.headers ?? {})) c.header(k, v);
    return c.json(errorBody(apiError), apiError.status);
  });
  app.notFound((c) => c.json(errorBody(new ApiError(404, 'not_found', `no route for ${c.req.method} ${c.req.path}`)), 404));

  app.route(
    '/',
    healthRoutes(
      () => checkReadiness(client, config.TEMPORAL_NAMESPACE, config.TEMPORAL_TASK_QUEUE, config.TEMPORAL_RPC_TIMEOUT_MS),
      newApp,
    ),
  );
  app.get('/metrics', async (c) => c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }));
  app.route('/api/tasks', taskRoutes(tasks, newApp));
  app.route('/api/jobs', jobRoutes(jobs, newApp));
  app.route('/ws', wsRoutes(hub));
  const data = dataPaths(config);
  const certificates = new CertificateService(CertificateStore.forConfig(config), tasks);
  app.route('/api/certificates', certificateRoutes(certificates, newApp));
  app.route('/api/reports', reportRoutes(data.reports));
  app.route('/.well-known/acme-challenge', acmeChallengeRoutes(new Http01Store(data.acmeChallenges)));

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Taskgate', version: '0.1.0', description: 'Background tasks and cron jobs on Temporal, over REST.' },
    tags: [{ name: 'tasks' }, { name: 'jobs' }, { name: 'certificates' }, { name: 'service' }],
    security: [{ bearer: [] }, { apiKey: [] }],
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', { type: 'apiKey', in: 'header', name: 'X-API-Key' });
  app.route('/docs', docsRoutes('/openapi.json'));
  return { app, auth, hub, feed, metrics, drain: () => void (draining = true) };
}
