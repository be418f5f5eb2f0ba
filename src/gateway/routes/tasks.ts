import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env.js';
import { conflict, errorResponses, json, jsonBody, notFound } from '../schemas.js';
import type { TaskService } from '../tasks/service.js';
import {
  CreateTaskSchema,
  IdParamSchema,
  ListTasksQuerySchema,
  LogsQuerySchema,
  LogsSchema,
  RetrySchema,
  StatsSchema,
  TaskListSchema,
  TaskSchema,
  TaskTypesSchema,
} from '../tasks/schemas.js';

const tags = ['tasks'];

export function taskRoutes(service: TaskService, newApp: () => OpenAPIHono<AppEnv>) {
  const app = newApp();

  // Static paths first: /types and /stats/summary must not be read as task ids.
  app.openapi(
    createRoute({
      method: 'get',
      path: '/types',
      tags,
      summary: 'Task types with their payload schemas',
      responses: { 200: json(TaskTypesSchema, 'Supported types') },
    }),
    (c) => c.json({ types: service.types() }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/stats/summary',
      tags,
      summary: 'Counts by status and type',
      responses: { 200: json(StatsSchema, 'Counts from visibility'), ...errorResponses },
    }),
    async (c) => c.json(await service.stats(), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/',
      tags,
      summary: 'Create a task',
      request: jsonBody(CreateTaskSchema),
      responses: {
        201: json(TaskSchema, 'Started'),
        200: json(TaskSchema, 'A task with this id already existed; nothing was started'),
        ...errorResponses,
        ...conflict,
      },
    }),
    async (c) => {
      const { task, created } = await service.create(c.req.valid('json'));
      c.header('location', task.links.self);
      return created ? c.json(task, 201) : c.json(task, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags,
      summary: 'List tasks',
      request: { query: ListTasksQuerySchema },
      responses: { 200: json(TaskListSchema, 'A page of tasks'), ...errorResponses },
    }),
    async (c) => c.json(await service.list(c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}',
      tags,
      summary: 'Get a task',
      request: { params: IdParamSchema },
      responses: { 200: json(TaskSchema, 'The task'), ...errorResponses, ...notFound },
    }),
    async (c) => c.json(await service.get(c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/cancel',
      tags,
      summary: 'Cancel a task',
      description: 'Cancels the workflow; the running activity sees it at its next heartbeat and cleans up.',
      request: { params: IdParamSchema },
      responses: { 202: json(TaskSchema, 'Cancellation requested'), ...errorResponses, ...notFound, ...conflict },
    }),
    async (c) => c.json(await service.cancel(c.req.valid('param').id), 202),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/retry',
      tags,
      summary: 'Retry a failed or cancelled task',
      request: { params: IdParamSchema, body: { content: { 'application/json': { schema: RetrySchema } }, required: false } },
      responses: { 202: json(TaskSchema, 'A new run started under the same id'), ...errorResponses, ...notFound, ...conflict },
    }),
    async (c) => {
      const { resetAttempts } = c.req.valid('json') ?? { resetAttempts: false };
      return c.json(await service.retry(c.req.valid('param').id, resetAttempts ?? false), 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/logs',
      tags,
      summary: "A task's history as readable lines",
      request: { params: IdParamSchema, query: LogsQuerySchema },
      responses: { 200: json(LogsSchema, 'Log lines, oldest first'), ...errorResponses, ...notFound },
    }),
    async (c) => c.json(await service.logs(c.req.valid('param').id, c.req.valid('query').limit), 200),
  );

  return app;
}
