/** The gateway app: middleware, error mapping and route composition. No I/O at construction. */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { topics as builtInTopics } from '../activities/topics/index.js';
import type { TopicDefinition } from '../activities/topics/topic.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { AppEnv } from './env.js';
import { ApiError, errorBody, PayloadTooLargeError, toApiError, ValidationError } from './errors.js';
import { temporalDeadline } from './middleware/temporal-deadline.js';
import { checkReadiness } from './readiness.js';
import { docsRoutes } from './routes/docs.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { taskRoutes } from './routes/tasks.js';
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

export function createApp({ config, client, logger, topics = builtInTopics }: AppDeps) {
  const app = newApp();
  const tasks = new TaskService(client, config, topics);
  const jobs = new JobService(client, config, tasks);

  app.use('*', requestId({ headerName: 'x-request-id' }));
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    logger.debug(
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: +(performance.now() - started).toFixed(1),
      },
      'request',
    );
  });
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
  app.route('/api/tasks', taskRoutes(tasks, newApp));
  app.route('/api/jobs', jobRoutes(jobs, newApp));

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Taskgate', version: '0.1.0', description: 'Background tasks and cron jobs on Temporal, over REST.' },
    tags: [{ name: 'tasks' }, { name: 'jobs' }, { name: 'service' }],
  });
  app.route('/docs', docsRoutes('/openapi.json'));
  return app;
}
