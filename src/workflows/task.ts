import {
  ActivityCancellationType,
  defineSignal,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { priorityFromKey, PRIORITY_VALUE } from '../domain/priority.js';
import {
  ScheduledByIdKey,
  TaskAttemptKey,
  TaskPriorityKey,
  TaskStartedAtKey,
  TaskUpdatedAtKey,
  TaskStatusKey,
  TaskTypeKey,
} from '../domain/search-attributes.js';
import { ATTEMPT_SIGNAL, type AttemptReport, type TaskWorkflowInput, type TopicActivityInput } from '../domain/task-input.js';

export const attemptSignal = defineSignal<[AttemptReport]>(ATTEMPT_SIGNAL);

/**
 * The generic task: one topic activity under Temporal's own retry policy. The activity reports each
 * attempt through a signal so the TaskStatus search attribute (what list queries filter on) follows
 * pending -> processing -> retrying without the gateway describing every workflow.
 */
export async function taskWorkflow(input: TaskWorkflowInput): Promise<unknown> {
  // Started by a schedule made outside the gateway (`temporal schedule create`): index it as a task
  // anyway, so job runs, lists and stats include it. Only then: a namespace without Taskgate's
  // attributes (the time-skipping test server) would fail the upsert, and a plain
  // `temporal workflow start` is documented as unindexed.
  const attrs = workflowInfo().typedSearchAttributes;
  if (attrs.get(ScheduledByIdKey) !== undefined && attrs.get(TaskTypeKey) === undefined) {
    const priority = priorityFromKey(input.priorityKey);
    upsertSearchAttributes([
      { key: TaskTypeKey, value: input.type },
      { key: TaskPriorityKey, value: PRIORITY_VALUE[priority] },
      { key: TaskStatusKey, value: 'pending' },
      { key: TaskUpdatedAtKey, value: new Date() },
    ]);
  }
  let started = false;
  setHandler(attemptSignal, (report) => {
    if (report.state === 'started') {
      // new Date() inside a workflow is the SDK's replay-safe clock: the time of this workflow task.
      const now = new Date();
      const updates = [
        { key: TaskStatusKey, value: 'processing' },
        { key: TaskAttemptKey, value: report.attempt },
        { key: TaskUpdatedAtKey, value: now },
      ];
      if (!started) upsertSearchAttributes([...updates, { key: TaskStartedAtKey, value: now }]);
      else upsertSearchAttributes(updates);
      started = true;
    } else if (!report.nonRetryable && report.attempt < input.retry.maxAttempts) {
      // The attempt shown while retrying is the one that is due, as describe's pending activity says.
      upsertSearchAttributes([
        { key: TaskStatusKey, value: 'retrying' },
        { key: TaskAttemptKey, value: report.attempt + 1 },
        { key: TaskUpdatedAtKey, value: new Date() },
      ]);
    }
  });

  const activities = proxyActivities<Record<string, (i: TopicActivityInput) => Promise<unknown>>>({
    startToCloseTimeout: `${input.timeoutSeconds}s`,
    heartbeatTimeout: `${input.heartbeatTimeoutSeconds}s`,
    // The activity learns of a cancel at its next heartbeat and cleans up before the task closes.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    ...(input.priorityKey ? { priority: { priorityKey: input.priorityKey } } : {}),
    retry: {
      maximumAttempts: input.retry.maxAttempts,
      initialInterval: `${input.retry.initialIntervalSeconds}s`,
      backoffCoefficient: input.retry.backoffCoefficient,
      maximumInterval: `${input.retry.maximumIntervalSeconds}s`,
      nonRetryableErrorTypes: input.retry.nonRetryableErrorTypes,
    },
  });
  return await activities[input.activity]!({
    taskId: workflowInfo().workflowId,
    type: input.type,
    payload: input.payload,
    maxAttempts: input.retry.maxAttempts,
  });
}
