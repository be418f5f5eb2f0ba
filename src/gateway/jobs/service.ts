/**
 * Jobs are Temporal Schedules whose action starts a task workflow, so every run is an ordinary task
 * and `temporal schedule list/describe` shows the same jobs. Mutable job facts (name, the schedule as
 * the user wrote it) travel in the action's memo, which Temporal lets us update; the schedule's own
 * search attributes carry the type and priority for filtering lists without describing every job.
 */
import { randomUUID } from 'node:crypto';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleOverlapPolicy,
  type ScheduleSummary,
  type ScheduleUpdateOptions,
} from '@temporalio/client';
import { msNumberToTs } from '@temporalio/common/lib/time.js';
import type { Config } from '../../config.js';
import { priorityFromKey, PRIORITY_VALUE, type PriorityName } from '../../domain/priority.js';
import {
  OVERLAP_POLICIES,
  parseDuration,
  ScheduleSpecError,
  toTemporalSpec,
  type JobSchedule,
  type OverlapPolicy,
} from '../../domain/schedule-spec.js';
import { TaskPriorityKey, TaskTypeKey } from '../../domain/search-attributes.js';
import { TASK_WORKFLOW_TYPES, workflowTypeOf, type TaskWorkflowInput } from '../../domain/task-input.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { preparedFromInput, type TaskService } from '../tasks/service.js';
import type { Task } from '../tasks/view.js';

export type JobStatus = 'active' | 'paused' | 'failed';

export interface CreateJobRequest {
  name: string;
  type: string;
  schedule: JobSchedule;
  payload?: unknown;
  priority?: string | number;
  timezone?: string;
  overlap?: OverlapPolicy;
  catchupWindow?: string;
  paused?: boolean;
  note?: string;
  id?: string;
  maxAttempts?: number;
  timeoutSeconds?: number;
}

export type UpdateJobRequest = Partial<
  Pick<CreateJobRequest, 'name' | 'schedule' | 'payload' | 'priority' | 'timezone' | 'overlap' | 'catchupWindow'>
>;

export interface JobRun {
  taskId: string;
  scheduledAt: string;
  startedAt: string;
  status?: Task['status'];
}

export interface Job {
  id: string;
  name: string;
  type: string;
  schedule: JobSchedule | unknown;
  timezone: string;
  status: JobStatus;
  payload: unknown;
  priority: PriorityName;
  overlap: OverlapPolicy;
  catchupWindow?: string;
  note?: string;
  nextRun: string | null;
  nextRuns: string[];
  lastRun: JobRun | null;
  recentRuns: JobRun[];
  createdAt: string;
  updatedAt: string;
  links: { self: string; runs: string; temporalUi: string };
}

/** What the action's memo holds besides the task memo. */
interface JobMemo {
  name: string;
  schedule: JobSchedule;
  catchupWindow?: string;
}

export interface ListJobsQuery {
  status?: JobStatus;
  type?: string;
  limit: number;
  offset: number;
}

const MAX_BACKFILL_RUNS = 500;
const toOverlap = (p: OverlapPolicy) => p.toUpperCase() as ScheduleOverlapPolicy;
const fromOverlap = (p: string | undefined): OverlapPolicy => (p ? (p.toLowerCase() as OverlapPolicy) : 'skip');
const iso = (d: Date | undefined) => (d ? d.toISOString() : undefined);

function specError(err: unknown): never {
  if (err instanceof ScheduleSpecError) throw new ValidationError(err.message, [{ field: err.field, message: err.message }]);
  throw err;
}

export class JobService {
  constructor(
    private readonly client: Client,
    private readonly config: Config,
    private readonly tasks: TaskService,
  ) {}

  private uiLink(id: string) {
    return `${this.config.TEMPORAL_UI_URL.replace(/\/$/, '')}/namespaces/${encodeURIComponent(this.config.TEMPORAL_NAMESPACE)}/schedules/${encodeURIComponent(id)}`;
  }

  private handle(id: string) {
    return this.client.schedule.getHandle(id);
  }

  private async describe(id: string): Promise<ScheduleDescription> {
    try {
      const d = await this.handle(id).describe();
      if (d.action.type !== 'startWorkflow' || !TASK_WORKFLOW_TYPES.includes(d.action.workflowType)) throw new NotFoundError('job', id);
      return d;
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) throw new NotFoundError('job', id);
      throw err;
    }
  }

  private spec(schedule: JobSchedule, timezone: string) {
    try {
      return toTemporalSpec(schedule, timezone);
    } catch (err) {
      specError(err);
    }
  }

  private catchup(window: string | undefined): string | undefined {
    if (window === undefined) return undefined;
    try {
      return `${parseDuration(window, 'catchupWindow')}s`;
    } catch (err) {
      specError(err);
    }
  }

  private action(jobId: string, input: TaskWorkflowInput, priority: PriorityName, job: JobMemo): ScheduleOptionsStartWorkflowAction<any> {
    const prepared = preparedFromInput(input, priority);
    return {
      type: 'startWorkflow',
      workflowType: workflowTypeOf(input),
      // Temporal appends the scheduled time, so each run is a task id of its own: <job id>-<time>.
      workflowId: jobId,
      taskQueue: this.config.TEMPORAL_TASK_QUEUE,
      args: [input],
      memo: { ...prepared.memo, job },
      typedSearchAttributes: prepared.searchAttributes,
    };
  }

  async create(req: CreateJobRequest): Promise<Job> {
    const prepared = this.tasks.prepare(req);
    const id = req.id ?? `job-${randomUUID()}`;
    const timezone = req.timezone ?? 'UTC';
    const spec = this.spec(req.schedule, timezone);
    const catchupWindow = this.catchup(req.catchupWindow);
    const job: JobMemo = { name: req.name, schedule: req.schedule, ...(req.catchupWindow ? { catchupWindow: req.catchupWindow } : {}) };
    try {
      await this.client.schedule.create({
        scheduleId: id,
        spec,
        action: this.action(id, prepared.input, prepared.priority, job),
        policies: { overlap: toOverlap(req.overlap ?? 'skip'), ...(catchupWindow ? { catchupWindow } : {}) },
        state: { paused: req.paused ?? false, note: req.note ?? (req.paused ? 'created paused' : undefined) },
        memo: { createdBy: 'taskgate', createdAt: new Date().toISOString() },
        typedSearchAttributes: [
          { key: TaskTypeKey, value: prepared.input.type },
          { key: TaskPriorityKey, value: PRIORITY_VALUE[prepared.priority] },
        ],
      });
    } catch (err) {
      if (err instanceof ScheduleAlreadyRunning) throw new ConflictError(`a job with id '${id}' already exists`);
      throw err;
    }
    return this.get(id);
  }

  /** Recent runs of a job, newest first, with their task statuses. */
  private async runsOf(d: ScheduleDescription): Promise<JobRun[]> {
    const actions = [...d.info.recentActions].reverse();
    const ids = actions.map((a) => a.action.workflow.workflowId);
    const statuses = ids.length ? await this.tasks.statusesOf(ids) : new Map<string, Task>();
    return actions.map((a) => ({
      taskId: a.action.workflow.workflowId,
      scheduledAt: a.scheduledAt.toISOString(),
      startedAt: a.takenAt.toISOString(),
      status: statuses.get(a.action.workflow.workflowId)?.status,
    }));
  }

  private view(id: string, d: ScheduleDescription, runs: JobRun[]): Job {
    const action = d.action as unknown as { args?: TaskWorkflowInput[]; memo?: { job?: JobMemo } };
    const input = action.args?.[0];
    const memo = action.memo?.job;
    const last = runs[0] ?? null;
    const spec = d.spec as { cronExpressions?: string[]; intervals?: { every: unknown }[]; calendars?: unknown[]; timezone?: string };
    return {
      id,
      name: memo?.name ?? id,
      type: input?.type ?? d.typedSearchAttributes.get(TaskTypeKey) ?? 'unknown',
      // The schedule as the user wrote it; for a job made elsewhere, Temporal's own spec.
      schedule: memo?.schedule ?? spec.cronExpressions?.[0] ?? spec.intervals?.[0] ?? spec.calendars ?? null,
      timezone: spec.timezone ?? 'UTC',
      status: d.state.paused ? 'paused' : last?.status === 'failed' ? 'failed' : 'active',
      payload: input?.payload ?? null,
      // From the action (what runs get); Temporal does not apply search-attribute changes on update.
      priority: priorityFromKey(input?.priorityKey),
      overlap: fromOverlap(d.policies.overlap),
      ...(memo?.catchupWindow ? { catchupWindow: memo.catchupWindow } : {}),
      ...(d.state.note ? { note: d.state.note } : {}),
      nextRun: iso(d.info.nextActionTimes[0]) ?? null,
      nextRuns: d.info.nextActionTimes.slice(0, 5).map((t) => t.toISOString()),
      lastRun: last,
      recentRuns: runs,
      createdAt: d.info.createdAt.toISOString(),
      updatedAt: (d.info.lastUpdatedAt ?? d.info.createdAt).toISOString(),
      links: { self: `/api/jobs/${encodeURIComponent(id)}`, runs: `/api/jobs/${encodeURIComponent(id)}/runs`, temporalUi: this.uiLink(id) },
    };
  }

  async get(id: string): Promise<Job> {
    const d = await this.describe(id);
    return this.view(id, d, await this.runsOf(d));
  }

  async list(q: ListJobsQuery): Promise<{ jobs: Job[]; total: number; limit: number; offset: number }> {
    if (q.type) this.tasks.topic(q.type);
    const summaries: ScheduleSummary[] = [];
    for await (const s of this.client.schedule.list({ pageSize: 1000 })) {
      if (s.action?.type === 'startWorkflow' && TASK_WORKFLOW_TYPES.includes(s.action.workflowType)) summaries.push(s);
    }
    let matching = summaries.filter((s) => !q.type || s.typedSearchAttributes?.get(TaskTypeKey) === q.type);
    if (q.status === 'paused') matching = matching.filter((s) => s.state.paused);
    if (q.status === 'active' || q.status === 'failed') {
      // A job has failed when its latest run failed: one batch of visibility queries for all of them.
      const active = matching.filter((s) => !s.state.paused);
      const latest = active.map((s) => s.info.recentActions.at(-1)?.action.workflow.workflowId).filter((x): x is string => !!x);
      const statuses = await this.tasks.statusesOf(latest);
      const failed = (s: ScheduleSummary) =>
        statuses.get(s.info.recentActions.at(-1)?.action.workflow.workflowId ?? '')?.status === 'failed';
      matching = active.filter((s) => (q.status === 'failed' ? failed(s) : !failed(s)));
    }
    const createdAt = (s: ScheduleSummary) => String((s.memo as { createdAt?: string } | undefined)?.createdAt ?? '');
    matching.sort((a, b) => createdAt(b).localeCompare(createdAt(a)) || a.scheduleId.localeCompare(b.scheduleId));
    const page = matching.slice(q.offset, q.offset + q.limit);
    const jobs = await Promise.all(
      page.map(async (s) => {
        try {
          return await this.get(s.scheduleId);
        } catch (err) {
          // Deleted between list and describe: leave it out of the page.
          if (err instanceof NotFoundError) return undefined;
          throw err;
        }
      }),
    );
    return { jobs: jobs.filter((j): j is Job => !!j), total: matching.length, limit: q.limit, offset: q.offset };
  }

  async update(id: string, patch: UpdateJobRequest): Promise<Job> {
    const current = await this.describe(id);
    const action = current.action as unknown as { args: TaskWorkflowInput[]; memo?: { job?: JobMemo } };
    const input = action.args[0]!;
    const memo: JobMemo = action.memo?.job ?? { name: id, schedule: '' };
    const currentPriority = priorityFromKey(input.priorityKey);
    // Re-validate the task as it will run after the change (payload against the type's schema).
    const prepared = this.tasks.prepare({
      type: input.type,
      payload: patch.payload ?? input.payload,
      priority: patch.priority ?? currentPriority,
      maxAttempts: input.retry.maxAttempts,
      timeoutSeconds: input.timeoutSeconds,
    });
    const timezone = patch.timezone ?? (current.spec as { timezone?: string }).timezone ?? 'UTC';
    const schedule = patch.schedule ?? memo.schedule;
    const spec = patch.schedule !== undefined || patch.timezone !== undefined ? this.spec(schedule, timezone) : undefined;
    const catchupWindow = this.catchup(patch.catchupWindow);
    const nextMemo: JobMemo = {
      name: patch.name ?? memo.name,
      schedule,
      ...((patch.catchupWindow ?? memo.catchupWindow) ? { catchupWindow: patch.catchupWindow ?? memo.catchupWindow } : {}),
    };
    await this.handle(id).update(
      (prev) =>
        ({
          ...prev,
          spec: spec ?? prev.spec,
          action: this.action(id, prepared.input, prepared.priority, nextMemo),
          policies: {
            ...prev.policies,
            overlap: patch.overlap ? toOverlap(patch.overlap) : prev.policies.overlap,
            ...(catchupWindow ? { catchupWindow } : {}),
          },
        }) as unknown as ScheduleUpdateOptions,
    );
    return this.get(id);
  }

  async pause(id: string, note?: string): Promise<Job> {
    await this.describe(id);
    await this.handle(id).pause(note ?? 'paused through Taskgate');
    return this.get(id);
  }

  async resume(id: string, note?: string): Promise<Job> {
    await this.describe(id);
    await this.handle(id).unpause(note ?? 'resumed through Taskgate');
    return this.get(id);
  }

  /** Runs the job now (whatever its overlap policy) and returns the task it started. */
  async trigger(id: string): Promise<Task> {
    const before = await this.describe(id);
    const known = new Set(before.info.recentActions.map((a) => a.action.workflow.workflowId));
    // Temporal names a run <job id>-<time to the second>: a second start in the same second would
    // collide with the first and be dropped, so wait for the next second.
    const latest = before.info.recentActions.at(-1)?.action.workflow.workflowId;
    if (latest?.endsWith(`-${new Date().toISOString().slice(0, 19)}Z`)) await new Promise((r) => setTimeout(r, 1020 - (Date.now() % 1000)));
    await this.handle(id).trigger('ALLOW_ALL');
    // Temporal does not answer a trigger with the run it started; the schedule records it a moment later.
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const d = await this.handle(id).describe();
      const fresh = d.info.recentActions.map((a) => a.action.workflow.workflowId).find((w) => !known.has(w));
      if (fresh) {
        const task = await this.tasks.get(fresh);
        // A run of a schedule made outside Taskgate names its type once its workflow has indexed itself.
        if (!TASK_WORKFLOW_TYPES.includes(task.type)) return task;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new ConflictError(`job '${id}' was triggered but its run did not appear within 5 s; see GET /api/jobs/${id}/runs`);
  }

  async remove(id: string): Promise<void> {
    await this.describe(id);
    await this.handle(id).delete();
  }

  async runs(id: string, q: { status?: Task['status']; limit: number; offset?: number; cursor?: string }) {
    await this.describe(id);
    return this.tasks.list({ ...q, jobId: id });
  }

  /** Starts the occurrences the schedule would have had in [from, to). */
  async backfill(
    id: string,
    from: Date,
    to: Date,
    overlap: OverlapPolicy = 'allow_all',
  ): Promise<{ jobId: string; from: string; to: string; runs: number }> {
    if (!(from < to)) throw new ValidationError('to: must be after from', [{ field: 'to', message: 'must be after from' }]);
    await this.describe(id);
    // Count first: a one-second interval over a year would otherwise start millions of tasks.
    const matching: { startTime?: unknown[] | null } = await this.client.workflowService.listScheduleMatchingTimes({
      namespace: this.config.TEMPORAL_NAMESPACE,
      scheduleId: id,
      startTime: msNumberToTs(from.getTime()),
      endTime: msNumberToTs(to.getTime()),
    });
    const runs = matching.startTime?.length ?? 0;
    // Temporal lists at most 1000 matching times, so the cap sits below that.
    if (runs > MAX_BACKFILL_RUNS) {
      throw new ValidationError(
        `to: the window holds ${runs >= 1000 ? '1000 or more' : runs} occurrences; backfill at most ${MAX_BACKFILL_RUNS} at a time`,
        [{ field: 'to', message: 'window too large' }],
      );
    }
    if (runs > 0) await this.handle(id).backfill({ start: from, end: to, overlap: toOverlap(overlap) });
    return { jobId: id, from: from.toISOString(), to: to.toISOString(), runs };
  }
}

export { OVERLAP_POLICIES };
