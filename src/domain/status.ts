/** Task status, and how it derives from Temporal's execution status and the TaskStatus attribute. */
export const TASK_STATUSES = ['pending', 'processing', 'retrying', 'completed', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** The values a running task's TaskStatus search attribute takes. */
export type RunningTaskStatus = Extract<TaskStatus, 'pending' | 'processing' | 'retrying'>;

export type ExecutionStatusName =
  'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELED' | 'TERMINATED' | 'CONTINUED_AS_NEW' | 'TIMED_OUT' | 'PAUSED' | 'UNKNOWN' | 'UNSPECIFIED';

/** A closed execution's status decides; a running one reports what its workflow last upserted. */
export function taskStatusOf(execution: ExecutionStatusName, running: RunningTaskStatus | undefined): TaskStatus {
  switch (execution) {
    case 'COMPLETED':
      return 'completed';
    case 'FAILED':
    case 'TIMED_OUT':
    case 'TERMINATED':
      return 'failed';
    case 'CANCELED':
      return 'cancelled';
    default:
      return running ?? 'pending';
  }
}

/** Visibility query clause selecting tasks in a given status (the inverse of taskStatusOf). */
export function statusQuery(status: TaskStatus): string {
  switch (status) {
    case 'completed':
      return `ExecutionStatus = 'Completed'`;
    case 'failed':
      return `(ExecutionStatus = 'Failed' OR ExecutionStatus = 'TimedOut' OR ExecutionStatus = 'Terminated')`;
    case 'cancelled':
      return `ExecutionStatus = 'Canceled'`;
    case 'pending':
      return `(ExecutionStatus = 'Running' AND (TaskStatus = 'pending' OR TaskStatus IS NULL))`;
    default:
      return `(ExecutionStatus = 'Running' AND TaskStatus = '${status}')`;
  }
}

export function isFinished(status: TaskStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}
