import { z } from '@hono/zod-openapi';
import { OVERLAP_POLICIES } from '../../domain/schedule-spec.js';
import { PRIORITY_NAMES } from '../../domain/priority.js';
import { TASK_STATUSES } from '../../domain/status.js';
import { PrioritySchema, TaskIdSchema } from '../tasks/schemas.js';

export const JOB_STATUSES = ['active', 'paused', 'failed'] as const;

export const JobScheduleSchema = z
  .union([
    z.string().min(1).openapi({
      description: 'five-field cron (minute hour day-of-month month day-of-week) or @hourly/@daily/@weekly/@monthly/@yearly',
      example: '*/15 * * * *',
    }),
    z.object({ every: z.string().min(2).openapi({ example: '15m' }), offset: z.string().optional() }).strict(),
  ])
  .openapi('JobSchedule');

const Duration = z.string().min(2).openapi({ description: 'a duration like 30s, 15m, 1h30m, 2d' });

export const CreateJobSchema = z
  .object({
    name: z.string().min(1).max(200),
    type: z.string().min(1).openapi({ example: 'webhook' }),
    schedule: JobScheduleSchema,
    payload: z.unknown().optional(),
    priority: PrioritySchema.optional(),
    timezone: z.string().min(1).optional().openapi({ description: 'IANA name; default UTC', example: 'Europe/Paris' }),
    overlap: z
      .enum(OVERLAP_POLICIES)
      .optional()
      .openapi({ description: 'what to do when a run is due while the previous still runs; default skip' }),
    catchupWindow: Duration.optional().openapi({ description: 'how late a missed run (server down) may still start' }),
    paused: z.boolean().optional(),
    note: z.string().max(1000).optional(),
    id: TaskIdSchema.optional(),
    maxAttempts: z.number().int().min(1).max(100).optional(),
    timeoutSeconds: z.number().int().min(1).max(86_400).optional(),
  })
  .strict()
  .openapi('CreateJob');

export const UpdateJobSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    schedule: JobScheduleSchema.optional(),
    payload: z.unknown().optional(),
    priority: PrioritySchema.optional(),
    timezone: z.string().min(1).optional(),
    overlap: z.enum(OVERLAP_POLICIES).optional(),
    catchupWindow: Duration.optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, { message: 'give at least one field to change' })
  .openapi('UpdateJob');

export const NoteSchema = z.object({ note: z.string().max(1000).optional() }).strict();

export const BackfillSchema = z
  .object({
    from: z.iso.datetime({ offset: true }).openapi({ example: '2026-11-01T00:00:00Z' }),
    to: z.iso.datetime({ offset: true }).openapi({ example: '2026-11-02T00:00:00Z' }),
    overlap: z.enum(OVERLAP_POLICIES).optional().openapi({ description: 'default allow_all: every missed occurrence runs' }),
  })
  .strict()
  .openapi('Backfill');

const JobRunSchema = z.object({
  taskId: z.string(),
  scheduledAt: z.string(),
  startedAt: z.string(),
  status: z.enum(TASK_STATUSES).optional(),
});

export const JobSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.string(),
    schedule: z.unknown(),
    timezone: z.string(),
    status: z.enum(JOB_STATUSES),
    payload: z.unknown(),
    priority: z.enum(PRIORITY_NAMES),
    overlap: z.enum(OVERLAP_POLICIES),
    catchupWindow: z.string().optional(),
    note: z.string().optional(),
    nextRun: z.string().nullable(),
    nextRuns: z.array(z.string()),
    lastRun: JobRunSchema.nullable(),
    recentRuns: z.array(JobRunSchema),
    createdAt: z.string(),
    updatedAt: z.string(),
    links: z.object({ self: z.string(), runs: z.string(), temporalUi: z.string() }),
  })
  .openapi('Job');

export const JobListSchema = z
  .object({ jobs: z.array(JobSchema), total: z.number().int(), limit: z.number().int(), offset: z.number().int() })
  .openapi('JobList');

export const ListJobsQuerySchema = z.object({
  status: z.enum(JOB_STATUSES).optional(),
  type: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(20),
  offset: z.coerce.number().int().min(0).default(0),
});

export const JobRunsQuerySchema = z.object({
  status: z.enum(TASK_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).optional(),
  cursor: z.string().min(1).optional(),
});

export const BackfillResultSchema = z
  .object({ jobId: z.string(), from: z.string(), to: z.string(), runs: z.number().int() })
  .openapi('BackfillResult');
