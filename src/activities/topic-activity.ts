import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { Config } from '../config.js';
import type { TopicActivityInput } from '../domain/task-input.js';
import type { AttemptReporter } from './attempt-reporter.js';
import type { TopicDefinition } from './topics/topic.js';

export interface TopicActivityDeps {
  config: Config;
  reporter: AttemptReporter;
  /** How often the wrapper heartbeats while a handler runs (cancellation arrives with heartbeats). */
  heartbeatEveryMs?: number;
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isNonRetryable(topic: TopicDefinition, err: unknown): boolean {
  if (err instanceof ApplicationFailure && err.nonRetryable) return true;
  const type = err instanceof ApplicationFailure ? err.type : err instanceof Error ? err.name : undefined;
  return !!type && (topic.nonRetryableErrors ?? []).includes(type);
}

/**
 * Turns a topic into a Temporal activity: validates the payload again (a task may outlive a schema
 * change), heartbeats while the handler runs, hands it the cancellation signal, and reports each
 * attempt to the workflow. Retries themselves stay Temporal's.
 */
export function topicActivity(topic: TopicDefinition, deps: TopicActivityDeps) {
  const heartbeatEveryMs = deps.heartbeatEveryMs ?? 1000;
  return async function run(input: TopicActivityInput): Promise<unknown> {
    const ctx = Context.current();
    const { attempt, workflowExecution } = ctx.info;
    const report = (r: Parameters<AttemptReporter['report']>[1]) =>
      deps.reporter
        .report(workflowExecution!, r)
        .catch((err) => ctx.log.warn('attempt report not delivered', { error: describeError(err) }));

    await report({ attempt, state: 'started' });
    const parsed = topic.payload.safeParse(input.payload);
    if (!parsed.success) {
      const message = `invalid ${topic.name} payload: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`;
      await report({ attempt, state: 'failed', error: message, nonRetryable: true });
      throw ApplicationFailure.nonRetryable(message, 'InvalidPayload');
    }

    const timer = setInterval(() => ctx.heartbeat({ attempt }), heartbeatEveryMs);
    try {
      return await topic.handler!(parsed.data, {
        taskId: input.taskId,
        attempt,
        signal: ctx.cancellationSignal,
        heartbeat: (details) => ctx.heartbeat(details),
        config: deps.config,
      });
    } catch (err) {
      // A cancelled task is not a failed attempt: let Temporal record the cancellation as such.
      if (ctx.cancellationSignal.aborted)
        throw ctx.cancellationSignal.reason instanceof CancelledFailure ? ctx.cancellationSignal.reason : err;
      await report({ attempt, state: 'failed', error: describeError(err), nonRetryable: isNonRetryable(topic, err) });
      throw err;
    } finally {
      clearInterval(timer);
    }
  };
}
