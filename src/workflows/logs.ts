/**
 * `logs.process`: plan the input into byte ranges, process them as parallel activities (any worker
 * polling the queue takes some), merge the partial aggregates into the stored report.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { LogActivities } from '../activities/logs.js';
import { logsQueue, type TaskWorkflowInput } from '../domain/task-input.js';
import { fileSafe, markProcessing } from './task-index.js';

export interface LogsPayload {
  source: string;
  format: string;
  from?: string;
  to?: string;
  chunkMB: number;
  parallelism: number;
  /** Incremental mode: only what was appended since the last run with this key. */
  incrementalKey?: string;
}

const NON_RETRYABLE = ['LogSourceError', 'LogFormatError'];
const short = proxyActivities<LogActivities>({
  startToCloseTimeout: '10m',
  retry: { initialInterval: '2s', maximumInterval: '1m', maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE },
});

export async function logsProcessWorkflow(input: TaskWorkflowInput) {
  const p = input.payload as LogsPayload;
  const { workflowId } = workflowInfo();
  markProcessing();
  // A dead worker's range is noticed by its missing heartbeat and resumed elsewhere from its checkpoint.
  const ranges = proxyActivities<LogActivities>({
    taskQueue: logsQueue(workflowInfo().taskQueue),
    startToCloseTimeout: `${input.timeoutSeconds}s`,
    heartbeatTimeout: `${input.heartbeatTimeoutSeconds}s`,
    retry: { initialInterval: '1s', maximumInterval: '1m', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE },
  });
  const reportId = fileSafe(workflowId);
  const opts = { reportId, format: p.format, ...(p.from ? { from: p.from } : {}), ...(p.to ? { to: p.to } : {}) };
  const plan = await short.logsPlan({ source: p.source, format: p.format, chunkBytes: p.chunkMB * 1_048_576, cursorKey: p.incrementalKey });
  const parts: string[] = new Array(plan.ranges.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(p.parallelism, plan.ranges.length) }, async () => {
      for (let i = next++; i < plan.ranges.length; i = next++)
        parts[i] = (await ranges.logsProcessRange({ ...opts, range: plan.ranges[i]! })).part;
    }),
  );
  const summary = await short.logsMerge({ ...opts, parts, source: p.source, taskId: workflowId });
  if (p.incrementalKey && plan.cursorNext) await short.logsCommitCursor({ cursorKey: p.incrementalKey, next: plan.cursorNext });
  return { ...summary, ranges: plan.ranges.length };
}
