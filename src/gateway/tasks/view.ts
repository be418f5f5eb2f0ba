/** Temporal's view of an execution -> the REST task. One mapping, used by get, list and create. */
import { priorityFromValue, type PriorityName } from '../../domain/priority.js';
import { SCHEDULED_BY_ID } from '../../domain/search-attributes.js';
import { taskStatusOf, type RunningTaskStatus, type TaskStatus } from '../../domain/status.js';
import type { temporal as pb } from '@temporalio/proto';
import { decodeMemo, decodeSearchAttributes, executionStatusName, temporal, tsToDate } from '../../temporal/decode.js';

type RawInfo = pb.api.workflow.v1.IWorkflowExecutionInfo;
type RawPendingActivity = pb.api.workflow.v1.IPendingActivityInfo;

export interface Task {
  id: string;
  runId: string;
  type: string;
  status: TaskStatus;
  priority: PriorityName;
  payload: unknown;
  result?: unknown;
  error?: string;
  attempt: number;
  maxAttempts: number;
  timeoutSeconds?: number;
  createdAt: string;
  startedAt?: string;
  completedAt?: string;
  jobId?: string;
  links: { self: string; temporalUi: string };
}

/** What the gateway keeps in a task's memo: shown in lists without reading history. */
export interface TaskMemo {
  payload: unknown;
  maxAttempts: number;
  timeoutSeconds: number;
}

export interface ViewContext {
  namespace: string;
  uiUrl: string;
}

export function temporalUiLink(ctx: ViewContext, workflowId: string, runId?: string): string {
  const base = `${ctx.uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(ctx.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}

export function links(ctx: ViewContext, workflowId: string, runId?: string) {
  return { self: `/api/tasks/${encodeURIComponent(workflowId)}`, temporalUi: temporalUiLink(ctx, workflowId, runId) };
}

/** Running status from the pending activity, the most current fact Temporal has (used by get). */
export function statusFromPendingActivity(pa: RawPendingActivity | undefined): RunningTaskStatus | undefined {
  if (!pa) return undefined;
  const S = temporal.api.enums.v1.PendingActivityState;
  if (pa.state === S.PENDING_ACTIVITY_STATE_STARTED || pa.state === S.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED) return 'processing';
  return (pa.attempt ?? 1) > 1 ? 'retrying' : 'pending';
}

export interface TaskExtras {
  pendingActivity?: RawPendingActivity;
  result?: unknown;
  error?: string;
}

export function toTask(info: RawInfo, ctx: ViewContext, extras: TaskExtras = {}): Task {
  const sa = decodeSearchAttributes(info.searchAttributes?.indexedFields);
  const memo = decodeMemo(info.memo) as Partial<TaskMemo>;
  const workflowId = info.execution?.workflowId ?? '';
  const runId = info.execution?.runId ?? '';
  const running = statusFromPendingActivity(extras.pendingActivity) ?? (sa.TaskStatus as RunningTaskStatus | undefined);
  const status = taskStatusOf(executionStatusName(info.status), running);
  const pa = extras.pendingActivity;
  const attempt = pa?.attempt ?? (typeof sa.TaskAttempt === 'number' ? sa.TaskAttempt : status === 'pending' ? 1 : 0);
  const lastError = extras.error ?? (pa?.lastFailure?.message || undefined);
  const startedAt = sa.TaskStartedAt ? new Date(sa.TaskStartedAt as string) : undefined;
  const completedAt = tsToDate(info.closeTime);
  const task: Task = {
    id: workflowId,
    runId,
    type: String(sa.TaskType ?? info.type?.name ?? 'unknown'),
    status,
    priority: priorityFromValue(Number(sa.TaskPriority)) ?? 'normal',
    payload: memo.payload ?? null,
    attempt: Math.max(attempt, 0),
    maxAttempts: memo.maxAttempts ?? 1,
    timeoutSeconds: memo.timeoutSeconds,
    createdAt: (tsToDate(info.startTime) ?? new Date(0)).toISOString(),
    links: links(ctx, workflowId, runId),
  };
  if (startedAt && !Number.isNaN(startedAt.getTime())) task.startedAt = startedAt.toISOString();
  if (completedAt) task.completedAt = completedAt.toISOString();
  if (extras.result !== undefined) task.result = extras.result;
  if (lastError && status !== 'completed') task.error = lastError;
  if (typeof sa[SCHEDULED_BY_ID] === 'string') task.jobId = sa[SCHEDULED_BY_ID] as string;
  return task;
}
