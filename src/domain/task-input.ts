/**
 * What the gateway resolves before it starts a task workflow, so the workflow needs no registry:
 * the topic's activity, its retry policy and timeouts, all fixed at start (and replayed unchanged).
 */
export interface TaskRetryPolicy {
  maxAttempts: number;
  initialIntervalSeconds: number;
  backoffCoefficient: number;
  maximumIntervalSeconds: number;
  nonRetryableErrorTypes: string[];
}

export interface TaskWorkflowInput {
  type: string;
  payload: unknown;
  activity: string;
  timeoutSeconds: number;
  heartbeatTimeoutSeconds: number;
  /** Temporal priorityKey for the activity; schedule-started runs get their priority only this way. */
  priorityKey?: number;
  retry: TaskRetryPolicy;
  /** A task type that is a workflow of its own (certificates); absent: taskWorkflow runs `activity`. */
  workflowType?: string;
}

/** What every topic activity receives. */
export interface TopicActivityInput {
  taskId: string;
  type: string;
  payload: unknown;
  maxAttempts: number;
}

/** Sent by a topic activity to its own workflow when an attempt starts or fails. */
export interface AttemptReport {
  attempt: number;
  state: 'started' | 'failed';
  error?: string;
  nonRetryable?: boolean;
}

export const ATTEMPT_SIGNAL = 'taskgate.attempt';
export const TASK_WORKFLOW = 'taskWorkflow';
export const CERTIFICATE_WORKFLOWS = {
  renew: 'certificateRenewWorkflow',
  check: 'certificateCheckWorkflow',
  temporary: 'certificateTemporaryWorkflow',
} as const;
export const LOGS_WORKFLOW = 'logsProcessWorkflow';
/** Every workflow type that is a task (what jobs may start and the live feed watches). */
export const TASK_WORKFLOW_TYPES: readonly string[] = [TASK_WORKFLOW, ...Object.values(CERTIFICATE_WORKFLOWS), LOGS_WORKFLOW];
export const workflowTypeOf = (input: TaskWorkflowInput): string => input.workflowType ?? TASK_WORKFLOW;

/** The task queue of CPU-bound log-range activities, beside the main one. */
export const logsQueue = (taskQueue: string): string => `${taskQueue}-logs`;
