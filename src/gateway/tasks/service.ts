/**
 * Task operations on Temporal: a task is one workflow execution, its id the workflow id. Nothing is
 * stored outside Temporal; lists and counts come from visibility, details from describe and history.
 */
import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { z } from 'zod';
import type { TopicDefinition } from '../../activities/topics/topic.js';
import type { Config } from '../../config.js';
import { parsePriority, PRIORITY_KEY, PRIORITY_NAMES, PRIORITY_VALUE, type PriorityName } from '../../domain/priority.js';
import { SCHEDULED_BY_ID, TaskPriorityKey, TaskStatusKey, TaskTypeKey } from '../../domain/search-attributes.js';
import { statusQuery, TASK_STATUSES, isFinished, type TaskStatus } from '../../domain/status.js';
import { TASK_WORKFLOW_TYPES, workflowTypeOf, type TaskWorkflowInput } from '../../domain/task-input.js';
import { executionStatusName, failureMessage, fromPayloads, temporal } from '../../temporal/decode.js';
import { ConflictError, NotFoundError, UnknownTaskTypeError, ValidationError } from '../errors.js';
import { historyToLog, type LogLine } from './history-log.js';
import { links, toTask, type Task, type TaskMemo, type ViewContext } from './view.js';

const E = temporal.api.enums.v1;

export interface CreateTaskRequest {
  type: string;
  payload?: unknown;
  priority?: string | number;
  id?: string;
  timeoutSeconds?: number;
  maxAttempts?: number;
}

export interface ListTasksQuery {
  status?: TaskStatus;
  type?: string;
  jobId?: string;
  limit: number;
  offset?: number;
  cursor?: string;
}

export interface TaskList {
  tasks: Task[];
  total: number;
  limit: number;
  offset: number;
  nextCursor: string | null;
}

export interface TaskTypeInfo {
  type: string;
  description: string;
  kind: 'activity' | 'workflow';
  defaults: { maxAttempts: number; timeoutSeconds: number };
  payloadSchema: unknown;
}

/** Temporal visibility strings need single quotes escaped. */
const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * A cursor wraps Temporal's page token with the query it belongs to, so a cursor from another filter
 * or a forged one is a 400 here rather than an error deep in the visibility store.
 */
const queryTag = (query: string) => createHash('sha256').update(query).digest('base64url').slice(0, 12);
const encodeCursor = (query: string, token: Uint8Array) =>
  Buffer.from(JSON.stringify({ q: queryTag(query), t: Buffer.from(token).toString('base64') })).toString('base64url');
function decodeCursor(query: string, cursor: string): Uint8Array {
  const bad = (message: string) => new ValidationError(`cursor: ${message}`, [{ field: 'cursor', message }]);
  let parsed: { q?: unknown; t?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad('not a cursor this API returned');
  }
  if (typeof parsed?.t !== 'string' || typeof parsed.q !== 'string') throw bad('not a cursor this API returned');
  if (parsed.q !== queryTag(query)) throw bad('this cursor belongs to a different status/type filter');
  return Buffer.from(parsed.t, 'base64');
}

export interface PreparedTask {
  input: TaskWorkflowInput;
  priority: PriorityName;
  memo: TaskMemo;
  searchAttributes: SearchAttributePair[];
}

export function preparedFromInput(input: TaskWorkflowInput, priority: PriorityName): PreparedTask {
  return {
    input,
    priority,
    memo: { payload: input.payload, maxAttempts: input.retry.maxAttempts, timeoutSeconds: input.timeoutSeconds },
    searchAttributes: [
      { key: TaskTypeKey, value: input.type },
      { key: TaskPriorityKey, value: PRIORITY_VALUE[priority] },
      { key: TaskStatusKey, value: 'pending' },
    ],
  };
}

export class TaskService {
  private readonly topics: Map<string, TopicDefinition>;
  private readonly view: ViewContext;
  /** Told of each task this gateway starts (metrics count them). */
  readonly createdListeners: ((task: Task) => void)[] = [];

  constructor(
    private readonly client: Client,
    private readonly config: Config,
    topics: readonly TopicDefinition[],
  ) {
    this.topics = new Map(topics.map((t) => [t.name, t]));
    this.view = { namespace: config.TEMPORAL_NAMESPACE, uiUrl: config.TEMPORAL_UI_URL };
  }

  private get namespace() {
    return this.config.TEMPORAL_NAMESPACE;
  }

  topic(type: string): TopicDefinition {
    const topic = this.topics.get(type);
    if (!topic) throw new UnknownTaskTypeError(type, [...this.topics.keys()]);
    return topic;
  }

  types(): TaskTypeInfo[] {
    return [...this.topics.values()].map((t) => ({
      type: t.name,
      description: t.description,
      kind: t.workflow ? 'workflow' : 'activity',
      defaults: {
        maxAttempts: t.maxAttempts ?? this.config.TASK_RETRY_LIMIT,
        timeoutSeconds: t.timeoutSeconds ?? this.config.TASK_TIMEOUT,
      },
      payloadSchema: z.toJSONSchema(t.payload, { unrepresentable: 'any' }),
    }));
  }

  /**
   * Validates a task request against its topic and resolves everything a start needs: the workflow
   * input (topic defaults under the request's overrides), memo and search attributes. Jobs start their
   * runs from the same preparation, so a scheduled run is exactly an API-created task.
   */
  prepare(req: Omit<CreateTaskRequest, 'id'>): PreparedTask {
    const topic = this.topic(req.type);
    const payload = topic.payload.safeParse(req.payload ?? {});
    if (!payload.success) throw ValidationError.fromZod(payload.error, 'payload');
    const priority = req.priority === undefined ? 'normal' : parsePriority(req.priority);
    if (!priority) {
      throw new ValidationError(`priority: must be one of ${PRIORITY_NAMES.join('|')} or ${Object.values(PRIORITY_VALUE).join('|')}`, [
        { field: 'priority', message: `unknown priority '${String(req.priority)}'` },
      ]);
    }
    const timeoutSeconds = req.timeoutSeconds ?? topic.timeoutSeconds ?? this.config.TASK_TIMEOUT;
    const input: TaskWorkflowInput = {
      type: topic.name,
      payload: payload.data,
      activity: topic.name,
      timeoutSeconds,
      heartbeatTimeoutSeconds: Math.min(30, Math.max(5, timeoutSeconds)),
      priorityKey: PRIORITY_KEY[priority],
      retry: {
        maxAttempts: req.maxAttempts ?? topic.maxAttempts ?? this.config.TASK_RETRY_LIMIT,
        initialIntervalSeconds: topic.retry?.initialIntervalSeconds ?? 1,
        backoffCoefficient: topic.retry?.backoffCoefficient ?? 2,
        maximumIntervalSeconds: topic.retry?.maximumIntervalSeconds ?? 60,
        nonRetryableErrorTypes: ['InvalidPayload', ...(topic.nonRetryableErrors ?? [])],
      },
      ...(topic.workflow ? { workflowType: topic.workflow } : {}),
    };
    return preparedFromInput(input, priority);
  }

  private async startRun(id: string, prepared: PreparedTask, reuse: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE') {
    return await this.client.workflow.start(workflowTypeOf(prepared.input), {
      taskQueue: this.config.TEMPORAL_TASK_QUEUE,
      workflowId: id,
      args: [prepared.input],
      workflowIdReusePolicy: reuse,
      workflowIdConflictPolicy: 'FAIL',
      priority: { priorityKey: PRIORITY_KEY[prepared.priority] },
      memo: prepared.memo as unknown as Record<string, unknown>,
      typedSearchAttributes: prepared.searchAttributes,
    });
  }

  /** Starts a task; an id that already exists returns that task and starts nothing (`created: false`). */
  async create(req: CreateTaskRequest): Promise<{ task: Task; created: boolean }> {
    const prepared = this.prepare(req);
    const { input, priority } = prepared;
    const id = req.id ?? `${input.type}-${randomUUID()}`;
    try {
      const handle = await this.startRun(id, prepared, 'REJECT_DUPLICATE');
      const now = new Date().toISOString();
      // Built from what we just sent rather than read back: creation stays one round trip.
      const task: Task = {
        id,
        runId: handle.firstExecutionRunId,
        type: input.type,
        status: 'pending',
        priority,
        payload: input.payload,
        attempt: 1,
        maxAttempts: input.retry.maxAttempts,
        timeoutSeconds: input.timeoutSeconds,
        createdAt: now,
        links: links(this.view, id, handle.firstExecutionRunId),
      };
      for (const listener of this.createdListeners) listener(task);
      return { task, created: true };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const existing = await this.get(id);
      if (existing.type !== input.type) {
        throw new ConflictError(`id '${id}' is already used by a task of type '${existing.type}'`, { task: existing });
      }
      return { task: existing, created: false };
    }
  }

  private async describe(id: string) {
    try {
      return await this.client.workflow.getHandle(id).describe();
    } catch (err) {
      if ((err as Error)?.name === 'WorkflowNotFoundError') throw new NotFoundError('task', id);
      throw err;
    }
  }

  private async closeEvent(id: string, runId: string) {
    const res = await this.client.workflowService.getWorkflowExecutionHistory({
      namespace: this.namespace,
      execution: { workflowId: id, runId },
      historyEventFilterType: E.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
    });
    return res.history?.events?.[0];
  }

  async get(id: string): Promise<Task> {
    const d = await this.describe(id);
    const info = d.raw.workflowExecutionInfo!;
    // A task workflow started outside the gateway indexes itself in its first workflow task.
    if (!info.searchAttributes?.indexedFields?.TaskType && !TASK_WORKFLOW_TYPES.includes(info.type?.name ?? ''))
      throw new NotFoundError('task', id);
    const status = executionStatusName(info.status);
    if (status === 'RUNNING') {
      return toTask(info, this.view, { pendingActivity: d.raw.pendingActivities?.[0] });
    }
    const close = await this.closeEvent(id, info.execution!.runId!);
    const result = close?.workflowExecutionCompletedEventAttributes
      ? fromPayloads(close.workflowExecutionCompletedEventAttributes.result)[0]
      : undefined;
    const error =
      failureMessage(close?.workflowExecutionFailedEventAttributes?.failure) ??
      (close?.workflowExecutionTimedOutEventAttributes ? 'task timed out' : undefined) ??
      (close?.workflowExecutionTerminatedEventAttributes
        ? `terminated: ${close.workflowExecutionTerminatedEventAttributes.reason ?? ''}`.trim()
        : undefined) ??
      (close?.workflowExecutionCanceledEventAttributes ? 'cancelled' : undefined);
    return toTask(info, this.view, { result, error });
  }

  private listQuery(filter: { status?: TaskStatus; type?: string; jobId?: string }): string {
    const clauses = ['TaskType IS NOT NULL'];
    if (filter.type) clauses.push(`TaskType = ${quote(filter.type)}`);
    if (filter.jobId) clauses.push(`${SCHEDULED_BY_ID} = ${quote(filter.jobId)}`);
    if (filter.status) clauses.push(statusQuery(filter.status));
    return clauses.join(' AND ');
  }

  async list(q: ListTasksQuery): Promise<TaskList> {
    if (q.type) this.topic(q.type);
    const query = this.listQuery(q);
    const offset = q.offset ?? 0;
    const totalPromise = this.client.workflow.count(query);
    // Awaited below; if the page read fails first, this rejection must not go unhandled.
    totalPromise.catch(() => {});
    let token: Uint8Array | undefined = q.cursor ? decodeCursor(query, q.cursor) : undefined;
    let toSkip = q.cursor ? 0 : offset;
    const tasks: Task[] = [];
    const seen = new Set<string>();
    // Visibility has no OFFSET: skip through pages (a cursor is the cheap way to page deep).
    while (tasks.length < q.limit) {
      const res = await this.client.workflowService.listWorkflowExecutions({
        namespace: this.namespace,
        query,
        pageSize: toSkip > 0 ? Math.min(1000, toSkip + q.limit) : q.limit - tasks.length,
        nextPageToken: token,
      });
      for (const info of res.executions ?? []) {
        // A retried task has an earlier run; list the task once, as its newest run.
        const wid = info.execution?.workflowId ?? '';
        if (seen.has(wid)) continue;
        seen.add(wid);
        if (toSkip > 0) {
          toSkip--;
          continue;
        }
        if (tasks.length < q.limit) tasks.push(toTask(info, this.view));
      }
      token = res.nextPageToken && res.nextPageToken.length > 0 ? res.nextPageToken : undefined;
      if (!token) break;
    }
    return {
      tasks,
      total: (await totalPromise).count,
      limit: q.limit,
      offset: q.cursor ? 0 : offset,
      nextCursor: token ? encodeCursor(query, token) : null,
    };
  }

  /** Status of each given task id (newest run), from visibility in batches; ids it has not indexed yet are absent. */
  async statusesOf(ids: string[]): Promise<Map<string, Task>> {
    const found = new Map<string, Task>();
    for (let i = 0; i < ids.length; i += 50) {
      const batch = ids.slice(i, i + 50);
      const res = await this.client.workflowService.listWorkflowExecutions({
        namespace: this.namespace,
        query: `WorkflowId IN (${batch.map(quote).join(', ')})`,
        pageSize: batch.length * 2,
      });
      for (const info of res.executions ?? []) {
        const task = toTask(info, this.view);
        const seen = found.get(task.id);
        if (!seen || Date.parse(seen.createdAt) < Date.parse(task.createdAt)) found.set(task.id, task);
      }
    }
    return found;
  }

  async cancel(id: string): Promise<Task> {
    const task = await this.get(id);
    if (isFinished(task.status)) throw new ConflictError(`task '${id}' is already ${task.status}`, { status: task.status });
    await this.client.workflow.getHandle(id, task.runId).cancel();
    return task;
  }

  /** Runs a failed or cancelled task again under the same id; its earlier runs stay in history. */
  async retry(id: string, resetAttempts: boolean): Promise<Task> {
    const task = await this.get(id);
    if (task.status === 'completed')
      throw new ConflictError(`task '${id}' completed; only failed or cancelled tasks can be retried`, { status: task.status });
    if (!isFinished(task.status))
      throw new ConflictError(`task '${id}' is still ${task.status}; cancel it or wait for it to finish`, { status: task.status });
    const first = await this.client.workflowService.getWorkflowExecutionHistory({
      namespace: this.namespace,
      execution: { workflowId: id, runId: task.runId },
      maximumPageSize: 1,
    });
    const started = first.history?.events?.[0]?.workflowExecutionStartedEventAttributes;
    const previous = fromPayloads(started?.input)[0] as TaskWorkflowInput | undefined;
    if (!previous) throw new ConflictError(`task '${id}' has no input to run again`);
    // Without a reset the task gets one more attempt; with it, its whole attempt budget again.
    const input: TaskWorkflowInput = resetAttempts ? previous : { ...previous, retry: { ...previous.retry, maxAttempts: 1 } };
    try {
      const handle = await this.startRun(id, preparedFromInput(input, task.priority), 'ALLOW_DUPLICATE');
      return {
        ...task,
        runId: handle.firstExecutionRunId,
        status: 'pending',
        attempt: 1,
        maxAttempts: input.retry.maxAttempts,
        result: undefined,
        error: undefined,
        completedAt: undefined,
        startedAt: undefined,
        createdAt: new Date().toISOString(),
        links: links(this.view, id, handle.firstExecutionRunId),
      };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new ConflictError(`task '${id}' is already being retried`);
      throw err;
    }
  }

  /** Every run's history as readable lines, oldest first; the newest `limit` lines. */
  async logs(id: string, limit: number): Promise<{ id: string; runs: number; lines: LogLine[] }> {
    const runs: { runId: string; start: number }[] = [];
    let token: Uint8Array | undefined;
    do {
      const res = await this.client.workflowService.listWorkflowExecutions({
        namespace: this.namespace,
        query: `WorkflowId = ${quote(id)} AND TaskType IS NOT NULL`,
        pageSize: 100,
        nextPageToken: token,
      });
      for (const info of res.executions ?? [])
        runs.push({
          runId: info.execution!.runId!,
          start: Number(info.startTime?.seconds ?? 0) * 1e3 + (info.startTime?.nanos ?? 0) / 1e6,
        });
      token = res.nextPageToken?.length ? res.nextPageToken : undefined;
    } while (token);
    if (runs.length === 0) {
      // Visibility lags a freshly started task by a moment; describe is authoritative.
      const task = await this.get(id);
      runs.push({ runId: task.runId, start: Date.parse(task.createdAt) });
    }
    runs.sort((a, b) => a.start - b.start);
    const lines: LogLine[] = [];
    for (const [i, run] of runs.entries()) {
      const history = await this.client.workflow.getHandle(id, run.runId).fetchHistory();
      lines.push(...historyToLog(history.events ?? [], run.runId, i + 1));
    }
    return { id, runs: runs.length, lines: lines.slice(-limit) };
  }

  async stats(): Promise<{
    total: number;
    byStatus: Record<TaskStatus, number>;
    byType: Record<string, number>;
    lastHour: { completed: number; failed: number };
  }> {
    const count = async (query: string) => (await this.client.workflow.count(query)).count;
    const base = 'TaskType IS NOT NULL';
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const types = [...this.topics.keys()];
    const [grouped, running, perType, completedHour, failedHour] = await Promise.all([
      this.client.workflow.count(`${base} GROUP BY ExecutionStatus`),
      Promise.all((['pending', 'processing', 'retrying'] as const).map((s) => count(`${base} AND ${statusQuery(s)}`))),
      // Visibility groups only by ExecutionStatus, so types are counted one query each.
      Promise.all(types.map((t) => count(`TaskType = ${quote(t)}`))),
      count(`${base} AND ${statusQuery('completed')} AND CloseTime > '${hourAgo}'`),
      count(`${base} AND ${statusQuery('failed')} AND CloseTime > '${hourAgo}'`),
    ]);
    const byStatus = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
    for (const g of grouped.groups) {
      const v = String(g.groupValues[0]);
      if (v === 'Completed') byStatus.completed += g.count;
      else if (v === 'Failed' || v === 'TimedOut' || v === 'Terminated') byStatus.failed += g.count;
      else if (v === 'Canceled') byStatus.cancelled += g.count;
    }
    [byStatus.pending, byStatus.processing, byStatus.retrying] = running;
    return {
      total: grouped.count,
      byStatus,
      byType: Object.fromEntries(types.map((t, i) => [t, perType[i]!])),
      lastHour: { completed: completedHour, failed: failedHour },
    };
  }
}
