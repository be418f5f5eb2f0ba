import type { Client } from '@temporalio/client';
import { ATTEMPT_SIGNAL, type AttemptReport } from '../domain/task-input.js';

/** Tells a task's workflow that an attempt started or failed (it keeps TaskStatus current). */
export interface AttemptReporter {
  report(execution: { workflowId: string; runId: string }, report: AttemptReport): Promise<void>;
}

export function signallingReporter(client: Client): AttemptReporter {
  return {
    async report({ workflowId, runId }, report) {
      // Addressed to the run, so a late report can never land on a retried task's newer run.
      await client.workflow.getHandle(workflowId, runId).signal(ATTEMPT_SIGNAL, report);
    },
  };
}
