import type { z } from 'zod';
import type { Config } from '../../config.js';

/** What a topic handler gets besides its payload. */
export interface TopicContext {
  taskId: string;
  attempt: number;
  /** Aborted when the task is cancelled (delivered through heartbeats) or the worker shuts down. */
  signal: AbortSignal;
  /** Records progress; the wrapper heartbeats on its own too, so short handlers need not call it. */
  heartbeat(details?: unknown): void;
  config: Config;
}

/**
 * A topic: the payload it accepts, its retry and timeout defaults, and the function that does the work.
 * Throw `ApplicationFailure.nonRetryable(...)` (or an error whose type is in nonRetryableErrors) where
 * retrying is futile.
 */
export interface TopicDefinition<P extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  payload: P;
  /** Default attempts for this topic; TASK_RETRY_LIMIT when absent. */
  maxAttempts?: number;
  /** Default per-attempt timeout; TASK_TIMEOUT when absent. */
  timeoutSeconds?: number;
  retry?: { initialIntervalSeconds?: number; backoffCoefficient?: number; maximumIntervalSeconds?: number };
  nonRetryableErrors?: string[];
  /** The work, as one activity run by taskWorkflow. */
  handler?(payload: z.infer<P>, ctx: TopicContext): Promise<unknown>;
  /** Or: a workflow of its own (several activities, timers), started with the same task input. */
  workflow?: string;
}

export function defineTopic<P extends z.ZodType>(topic: TopicDefinition<P>): TopicDefinition<P> {
  return topic;
}
