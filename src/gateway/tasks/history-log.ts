/** A task's event history (every run of it) as lines a person reads: what happened, when, which attempt. */
import { ATTEMPT_SIGNAL, type AttemptReport } from '../../domain/task-input.js';
import type { temporal as pb } from '@temporalio/proto';
import { failureMessage, fromPayloads, temporal, tsToDate } from '../../temporal/decode.js';

type HistoryEvent = pb.api.history.v1.IHistoryEvent;
const E = temporal.api.enums.v1.EventType;

export interface LogLine {
  timestamp: string;
  run: number;
  runId: string;
  event: string;
  level: 'info' | 'warn' | 'error';
  attempt?: number;
  message: string;
}

type Line = Omit<LogLine, 'timestamp' | 'run' | 'runId'>;

function describe(e: HistoryEvent, runNumber: number): Line | undefined {
  switch (e.eventType) {
    case E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: {
      const a = e.workflowExecutionStartedEventAttributes;
      const retried = runNumber > 1 ? ` (retry: run ${runNumber})` : '';
      const byJob = a?.searchAttributes?.indexedFields?.TemporalScheduledById ? ' by its job' : '';
      return { event: 'scheduled', level: 'info', message: `task scheduled${byJob}${retried} on queue ${a?.taskQueue?.name ?? '?'}` };
    }
    case E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
      const a = e.activityTaskScheduledEventAttributes;
      return { event: 'queued', level: 'info', message: `activity ${a?.activityType?.name ?? '?'} queued for a worker` };
    }
    case E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: {
      const a = e.workflowExecutionSignaledEventAttributes;
      if (a?.signalName !== ATTEMPT_SIGNAL) return { event: 'signal', level: 'info', message: `signal ${a?.signalName}` };
      const report = fromPayloads(a.input)[0] as AttemptReport | undefined;
      if (!report) return undefined;
      if (report.state === 'started')
        return { event: 'attempt_started', level: 'info', attempt: report.attempt, message: `attempt ${report.attempt} started` };
      return {
        event: 'attempt_failed',
        level: 'warn',
        attempt: report.attempt,
        message: `attempt ${report.attempt} failed: ${report.error ?? 'unknown error'}${report.nonRetryable ? ' (not retryable)' : ''}`,
      };
    }
    case E.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
      // Written once per activity, when its last attempt ends; earlier failures are in the signals above.
      const a = e.activityTaskStartedEventAttributes;
      if ((a?.attempt ?? 1) > 1) {
        return {
          event: 'retried',
          level: 'info',
          attempt: a?.attempt ?? undefined,
          message: `retried by Temporal: final attempt was ${a?.attempt}`,
        };
      }
      return undefined;
    }
    case E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      return { event: 'attempt_completed', level: 'info', message: 'activity completed' };
    case E.EVENT_TYPE_ACTIVITY_TASK_FAILED:
      return {
        event: 'attempts_exhausted',
        level: 'error',
        message: `activity failed for good: ${failureMessage(e.activityTaskFailedEventAttributes?.failure) ?? 'unknown'}`,
      };
    case E.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
      return {
        event: 'timed_out',
        level: 'error',
        message: `activity timed out: ${failureMessage(e.activityTaskTimedOutEventAttributes?.failure) ?? 'timeout'}`,
      };
    case E.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED:
      return { event: 'cancel_delivered', level: 'warn', message: 'cancellation sent to the running activity' };
    case E.EVENT_TYPE_ACTIVITY_TASK_CANCELED:
      return { event: 'activity_cancelled', level: 'warn', message: 'activity stopped and cleaned up' };
    case E.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED:
      return {
        event: 'cancel_requested',
        level: 'warn',
        message: `cancel requested${e.workflowExecutionCancelRequestedEventAttributes?.identity ? ` by ${e.workflowExecutionCancelRequestedEventAttributes.identity}` : ''}`,
      };
    case E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
      return { event: 'completed', level: 'info', message: 'task completed' };
    case E.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
      return {
        event: 'failed',
        level: 'error',
        message: `task failed: ${failureMessage(e.workflowExecutionFailedEventAttributes?.failure) ?? 'unknown error'}`,
      };
    case E.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
      return { event: 'cancelled', level: 'warn', message: 'task cancelled' };
    case E.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
      return { event: 'timed_out', level: 'error', message: 'task timed out' };
    case E.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
      return {
        event: 'terminated',
        level: 'error',
        message: `task terminated: ${e.workflowExecutionTerminatedEventAttributes?.reason ?? 'no reason given'}`,
      };
    default:
      return undefined;
  }
}

/** Lines of one run; `runNumber` counts from 1 for the task's first run. */
export function historyToLog(events: HistoryEvent[], runId: string, runNumber: number): LogLine[] {
  const lines: LogLine[] = [];
  for (const e of events) {
    const line = describe(e, runNumber);
    if (line) lines.push({ timestamp: (tsToDate(e.eventTime) ?? new Date(0)).toISOString(), run: runNumber, runId, ...line });
  }
  return lines;
}
