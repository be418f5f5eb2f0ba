/** `logs.process`: access-log analytics as a task (a workflow that fans ranges out over workers). */
import { z } from 'zod';
import { LOGS_WORKFLOW } from '../../domain/task-input.js';
import { compileFormat } from '../../logs/formats.js';
import { defineTopic } from './topic.js';

export const logsProcess = defineTopic({
  name: 'logs.process',
  description:
    'Parses an access log (file, directory, glob, .gz, or URL; combined, common, json or a %h %t %r %s %b ... format) into a report with traffic, status classes, top tables, latency, unique visitors and security events',
  payload: z
    .object({
      source: z.string().min(1),
      format: z
        .string()
        .min(1)
        .default('combined')
        .superRefine((f, ctx) => {
          if (['combined', 'common', 'json'].includes(f)) return;
          try {
            compileFormat(f);
          } catch (err) {
            ctx.addIssue({ code: 'custom', message: (err as Error).message });
          }
        }),
      from: z.iso.datetime({ offset: true }).optional(),
      to: z.iso.datetime({ offset: true }).optional(),
      chunkMB: z.number().int().min(1).max(4096).default(64),
      parallelism: z.number().int().min(1).max(256).default(8),
      incrementalKey: z
        .string()
        .regex(/^[A-Za-z0-9._-]{1,100}$/)
        .optional(),
    })
    .strict(),
  workflow: LOGS_WORKFLOW,
  timeoutSeconds: 3600,
  maxAttempts: 1,
});
