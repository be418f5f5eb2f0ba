import { z } from '@hono/zod-openapi';
import { PRIORITY_NAMES } from '../../domain/priority.js';
import { TASK_STATUSES } from '../../domain/status.js';

export const TaskIdSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'letters, digits and . _ : @ - only, starting with a letter or digit');

export const PrioritySchema = z
  .union([z.string(), z.number()])
  .openapi({ description: 'low|normal|high|critical (any case) or 1|5|10|20', example: 'high' });

export const CreateTaskSchema = z
  .object({
    type: z.string().min(1).openapi({ example: 'say_hello' }),
    payload: z
      .unknown()
      .optional()
      .openapi({ example: { name: 'Ada' }, description: "validated against the type's payload schema" }),
    priority: PrioritySchema.optional(),
    id: TaskIdSchema.optional().openapi({ description: 'client-chosen id: resubmitting it returns the existing task' }),
    timeoutSeconds: z.number().int().min(1).max(86_400).optional().openapi({ description: 'per-attempt timeout' }),
    maxAttempts: z.number().int().min(1).max(100).optional(),
  })
  .strict()
  .openapi('CreateTask');

export const TaskSchema = z
  .object({
    id: z.string(),
    runId: z.string(),
    type: z.string(),
    status: z.enum(TASK_STATUSES),
    priority: z.enum(PRIORITY_NAMES),
    payload: z.unknown(),
    result: z.unknown().optional(),
    error: z.string().optional(),
    attempt: z.number().int(),
    maxAttempts: z.number().int(),
    timeoutSeconds: z.number().int().optional(),
    createdAt: z.string(),
    startedAt: z.string().optional(),
    completedAt: z.string().optional(),
    jobId: z.string().optional(),
    links: z.object({ self: z.string(), temporalUi: z.string() }),
  })
  .openapi('Task');

export const TaskListSchema = z
  .object({
    tasks: z.array(TaskSchema),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
    nextCursor: z.string().nullable(),
  })
  .openapi('TaskList');

export const ListTasksQuerySchema = z.object({
  status: z.enum(TASK_STATUSES).optional(),
  type: z.string().min(1).optional(),
  jobId: z.string().min(1).optional().openapi({ description: 'only runs of this job' }),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).optional(),
  cursor: z.string().min(1).optional(),
});

export const IdParamSchema = z.object({ id: TaskIdSchema.openapi({ param: { name: 'id', in: 'path' } }) });

export const RetrySchema = z
  .object({
    resetAttempts: z.boolean().default(false).openapi({ description: 'true: the full attempt budget again; false: one more attempt' }),
  })
  .strict();

export const LogsQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(100) });

export const LogLineSchema = z.object({
  timestamp: z.string(),
  run: z.number().int(),
  runId: z.string(),
  event: z.string(),
  level: z.enum(['info', 'warn', 'error']),
  attempt: z.number().int().optional(),
  message: z.string(),
});

export const LogsSchema = z.object({ id: z.string(), runs: z.number().int(), lines: z.array(LogLineSchema) }).openapi('TaskLogs');

export const StatsSchema = z
  .object({
    total: z.number().int(),
    byStatus: z.record(z.enum(TASK_STATUSES), z.number().int()),
    byType: z.record(z.string(), z.number().int()),
    lastHour: z.object({ completed: z.number().int(), failed: z.number().int() }),
  })
  .openapi('TaskStats');

export const TaskTypesSchema = z
  .object({
    types: z.array(
      z.object({
        type: z.string(),
        description: z.string(),
        kind: z.enum(['activity', 'workflow']),
        defaults: z.object({ maxAttempts: z.number().int(), timeoutSeconds: z.number().int() }),
        payloadSchema: z.unknown(),
      }),
    ),
  })
  .openapi('TaskTypes');
