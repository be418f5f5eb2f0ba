/**
 * Task changes as events, read from Temporal visibility: every poll asks for task workflows started,
 * closed or re-indexed (TaskUpdatedAt, which the workflow sets on each status change) since the
 * cursor. Each gateway process polls on its own while it has listeners, so any number of gateways
 * serve the same events without shared state. Polls overlap by a few seconds (visibility lag, clock
 * skew) and a per-task memory of the last status sent turns the overlap into no duplicates.
 */
import type { Client } from '@temporalio/client';
import type { Logger } from '../../logger.js';
import { RENEW_TYPE, TEMPORARY_TYPE } from '../../domain/certificates.js';
import { isFinished, type TaskStatus } from '../../domain/status.js';
import { TASK_WORKFLOW_TYPES } from '../../domain/task-input.js';
import { toTask, type Task, type ViewContext } from '../tasks/view.js';

export type TaskEventName = 'task.created' | 'task.updated' | 'task.completed' | 'certificate.updated';
export interface TaskEvent {
  type: TaskEventName;
  task: Task;
  /** When the feed saw the change. */
  at: string;
}

const CERTIFICATE_TYPES = new Set([RENEW_TYPE, TEMPORARY_TYPE]);
const MAX_TRACKED = 200_000;
const MAX_PAGES = 20;

interface Seen {
  runId: string;
  createdAt: number;
  status: TaskStatus;
  attempt: number;
  seenAt: number;
}

export class TaskFeed {
  private readonly listeners = new Set<(e: TaskEvent) => void>();
  private readonly seen = new Map<string, Seen>();
  private timer?: NodeJS.Timeout;
  private cursor = 0;
  private polling?: Promise<void>;
  private readonly overlapMs: number;

  constructor(
    private readonly client: Client,
    private readonly namespace: string,
    private readonly view: ViewContext,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly onError: (err: unknown) => void = () => {},
    /** Adds what visibility lacks (result, error) to a finished task; failures keep the list view. */
    private readonly enrich: (task: Task) => Promise<Task> = async (t) => t,
  ) {
    this.overlapMs = Math.max(5000, intervalMs * 4);
  }

  /** Starts polling with the first listener and stops after the last one leaves. */
  subscribe(listener: (e: TaskEvent) => void): () => void {
    this.listeners.add(listener);
    if (!this.timer) this.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  private start() {
    // Only changes from now on: a new subscriber wants live updates, not a replay of history.
    this.cursor = Date.now();
    const tick = () => {
      this.polling = this.poll()
        .catch((err) => {
          this.onError(err);
          this.logger.warn({ err: String(err) }, 'live feed poll failed; retrying');
        })
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  stop() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  async close() {
    this.listeners.clear();
    this.stop();
    await this.polling;
  }

  private async poll() {
    const pollStart = Date.now();
    const sinceMs = this.cursor - this.overlapMs;
    const since = new Date(sinceMs).toISOString();
    const query =
      `WorkflowType IN (${TASK_WORKFLOW_TYPES.map((t) => `'${t}'`).join(', ')}) AND ` +
      `(StartTime >= '${since}' OR CloseTime >= '${since}' OR TaskUpdatedAt >= '${since}')`;
    let nextPageToken: Uint8Array | undefined;
    const events: TaskEvent[] = [];
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await this.client.workflowService.listWorkflowExecutions({
        namespace: this.namespace,
        query,
        pageSize: 1000,
        nextPageToken,
      });
      // Visibility lists newest first; oldest first keeps each task's events in order.
      for (const info of [...(res.executions ?? [])].reverse()) this.consider(toTask(info, this.view), pollStart, sinceMs, events);
      if (!res.nextPageToken?.length) break;
      nextPageToken = res.nextPageToken;
    }
    if (this.listeners.size) {
      for (let i = 0; i < events.length; i += 32) {
        await Promise.all(
          events.slice(i, i + 32).map(async (e) => {
            if (e.type === 'task.completed') e.task = await this.enrich(e.task).catch(() => e.task);
          }),
        );
      }
      for (const e of events) {
        this.emit(e);
        // A certificate task that stored a certificate: tell the edge a new one is in place.
        if (e.type === 'task.completed' && e.task.status === 'completed' && CERTIFICATE_TYPES.has(e.task.type))
          this.emit({ type: 'certificate.updated', task: e.task, at: e.at });
      }
    }
    this.cursor = pollStart;
    this.prune(pollStart);
  }

  private consider(task: Task, now: number, since: number, out: TaskEvent[]) {
    const prev = this.seen.get(task.id);
    const created = Date.parse(task.createdAt);
    // A retried task lists its older runs too: never step back to one.
    if (prev && prev.runId !== task.runId && created < prev.createdAt) return;
    if (prev && prev.runId === task.runId && prev.status === task.status && prev.attempt === task.attempt) {
      prev.seenAt = now;
      return;
    }
    this.seen.set(task.id, { runId: task.runId, createdAt: created, status: task.status, attempt: task.attempt, seenAt: now });
    const at = new Date(now).toISOString();
    const isNew = !prev && created >= since;
    if (isNew) out.push({ type: 'task.created', task, at });
    if (isFinished(task.status)) out.push({ type: 'task.completed', task, at });
    else if (!isNew) out.push({ type: 'task.updated', task, at });
  }

  private emit(e: TaskEvent) {
    for (const l of this.listeners) l(e);
  }

  /** Finished tasks are forgotten once out of the overlap window; the map never exceeds MAX_TRACKED. */
  private prune(now: number) {
    for (const [id, s] of this.seen) {
      if (isFinished(s.status) && now - s.seenAt > this.overlapMs * 2) this.seen.delete(id);
    }
    if (this.seen.size > MAX_TRACKED) {
      const excess = this.seen.size - MAX_TRACKED;
      let i = 0;
      for (const id of this.seen.keys()) {
        if (i++ >= excess) break;
        this.seen.delete(id);
      }
    }
  }
}
