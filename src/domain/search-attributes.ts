/**
 * The custom search attributes Taskgate writes on every task workflow. Workflow-safe: the workflow
 * bundle imports it, and so do the gateway (queries) and the start-up code (registration).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const TaskTypeKey = defineSearchAttributeKey('TaskType', SearchAttributeType.KEYWORD);
export const TaskPriorityKey = defineSearchAttributeKey('TaskPriority', SearchAttributeType.INT);
export const TaskStatusKey = defineSearchAttributeKey('TaskStatus', SearchAttributeType.KEYWORD);
export const TaskAttemptKey = defineSearchAttributeKey('TaskAttempt', SearchAttributeType.INT);
export const TaskStartedAtKey = defineSearchAttributeKey('TaskStartedAt', SearchAttributeType.DATETIME);
/** When TaskStatus last changed inside a run: the live feed polls for changes newer than its cursor. */
export const TaskUpdatedAtKey = defineSearchAttributeKey('TaskUpdatedAt', SearchAttributeType.DATETIME);

/** Name and Temporal type of each, as `temporal operator search-attribute create` wants them. */
export const CUSTOM_SEARCH_ATTRIBUTES = {
  TaskType: 'Keyword',
  TaskPriority: 'Int',
  TaskStatus: 'Keyword',
  TaskAttempt: 'Int',
  TaskStartedAt: 'Datetime',
  TaskUpdatedAt: 'Datetime',
} as const;

/** Set by Temporal itself on workflows a Schedule starts: the job a task ran for. */
export const SCHEDULED_BY_ID = 'TemporalScheduledById';
export const ScheduledByIdKey = defineSearchAttributeKey(SCHEDULED_BY_ID, SearchAttributeType.KEYWORD);
