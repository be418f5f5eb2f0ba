import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env.js';
import type { JobService } from '../jobs/service.js';
import {
  BackfillResultSchema,
  BackfillSchema,
  CreateJobSchema,
  JobListSchema,
  JobRunsQuerySchema,
  JobSchema,
  ListJobsQuerySchema,
  NoteSchema,
  UpdateJobSchema,
} from '../jobs/schemas.js';
import { conflict, errorResponses, json, jsonBody, notFound } from '../schemas.js';
import { IdParamSchema, TaskListSchema, TaskSchema } from '../tasks/schemas.js';

const tags = ['jobs'];

export function jobRoutes(service: JobService, newApp: () => OpenAPIHono<AppEnv>) {
  const app = newApp();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/',
      tags,
      summary: 'Create a job (a Temporal Schedule)',
      request: jsonBody(CreateJobSchema),
      responses: { 201: json(JobSchema, 'Created'), ...errorResponses, ...conflict },
    }),
    async (c) => {
      const job = await service.create(c.req.valid('json'));
      c.header('location', job.links.self);
      return c.json(job, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags,
      summary: 'List jobs',
      request: { query: ListJobsQuerySchema },
      responses: { 200: json(JobListSchema, 'A page of jobs'), ...errorResponses },
    }),
    async (c) => c.json(await service.list(c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}',
      tags,
      summary: 'Get a job',
      request: { params: IdParamSchema },
      responses: { 200: json(JobSchema, 'The job'), ...errorResponses, ...notFound },
    }),
    async (c) => c.json(await service.get(c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/{id}',
      tags,
      summary: 'Change schedule, payload, priority, name, timezone or overlap (history is kept)',
      request: { params: IdParamSchema, ...jsonBody(UpdateJobSchema) },
      responses: { 200: json(JobSchema, 'Updated'), ...errorResponses, ...notFound },
    }),
    async (c) => c.json(await service.update(c.req.valid('param').id, c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/pause',
      tags,
      summary: 'Pause a job',
      request: { params: IdParamSchema, ...jsonBody(NoteSchema, false) },
      responses: { 200: json(JobSchema, 'Paused'), ...errorResponses, ...notFound },
    }),
    async (c) => c.json(await service.pause(c.req.valid('param').id, c.req.valid('json')?.note), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/resume',
      tags,
      summary: 'Resume a paused job',
      request: { params: IdParamSchema, ...jsonBody(NoteSchema, false) },
      responses: { 200: json(JobSchema, 'Resumed'), ...errorResponses, ...notFound },
    }),
    async (c) => c.json(await service.resume(c.req.valid('param').id, c.req.valid('json')?.note), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/trigger',
      tags,
      summary: 'Run a job now',
      request: { params: IdParamSchema },
      responses: { 202: json(TaskSchema, 'The task it started'), ...errorResponses, ...notFound, ...conflict },
    }),
    async (c) => c.json(await service.trigger(c.req.valid('param').id), 202),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/backfill',
      tags,
      summary: 'Run the occurrences a window missed',
      request: { params: IdParamSchema, ...jsonBody(BackfillSchema) },
      responses: { 202: json(BackfillResultSchema, 'Backfill started'), ...errorResponses, ...notFound },
    }),
    async (c) => {
      const { from, to, overlap } = c.req.valid('json');
      return c.json(await service.backfill(c.req.valid('param').id, new Date(from), new Date(to), overlap), 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/{id}',
      tags,
      summary: 'Delete a job (its running tasks finish)',
      request: { params: IdParamSchema },
      responses: { 204: { description: 'Deleted' }, ...errorResponses, ...notFound },
    }),
    async (c) => {
      await service.remove(c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/runs',
      tags,
      summary: "The job's tasks, from visibility",
      request: { params: IdParamSchema, query: JobRunsQuerySchema },
      responses: { 200: json(TaskListSchema, 'Its tasks'), ...errorResponses, ...notFound },
    }),
    async (c) => c.json(await service.runs(c.req.valid('param').id, c.req.valid('query')), 200),
  );

  return app;
}
