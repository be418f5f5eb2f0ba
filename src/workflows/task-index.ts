/**
 * Search-attribute upkeep for task types that are workflows of their own (taskWorkflow keeps its own,
 * per attempt). Only tasks started with Taskgate's attributes keep them current: a namespace without
 * them (the time-skipping test server) would fail the upsert.
 */
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { TaskAttemptKey, TaskStartedAtKey, TaskStatusKey, TaskTypeKey, TaskUpdatedAtKey } from '../domain/search-attributes.js';

export const isIndexed = (): boolean => workflowInfo().typedSearchAttributes.get(TaskTypeKey) !== undefined;

/** The task is running: status processing, first attempt, started now. */
export function markProcessing(): void {
  if (!isIndexed()) return;
  const now = new Date();
  upsertSearchAttributes([
    { key: TaskStatusKey, value: 'processing' },
    { key: TaskUpdatedAtKey, value: now },
    { key: TaskAttemptKey, value: 1 },
    { key: TaskStartedAtKey, value: now },
  ]);
}

/** A workflow's id as a file or directory name. */
export const fileSafe = (id: string): string => id.replace(/[^A-Za-z0-9._-]/g, '_');
