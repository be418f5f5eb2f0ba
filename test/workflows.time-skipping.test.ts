/**
 * Workflow logic on the time-skipping test server (the Maven artifact, run offline): timers, retry
 * backoff and timeouts that would take hours finish in moments.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ActivityFailure, ApplicationFailure, CancelledFailure, TimeoutFailure, WorkflowFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import type { AttemptReport, TaskWorkflowInput } from '../src/domain/task-input.js';
import { topicActivity } from '../src/activities/topic-activity.js';
import { defineTopic } from '../src/activities/topics/topic.js';
import { loadConfig } from '../src/config.js';

const config = loadConfig({ LOG_LEVEL: 'silent' });
let env: TestWorkflowEnvironment;
let bundle: { code: string };
const reports: { workflowId: string; report: AttemptReport }[] = [];
const cleanups: string[] = [];
const calls = new Map<string, number>();

const reporter = {
  report: async ({ workflowId }: { workflowId: string }, report: AttemptReport) => void reports.push({ workflowId, report }),
};
const count = (taskId: string) => {
  const n = (calls.get(taskId) ?? 0) + 1;
  calls.set(taskId, n);
  return n;
};
const payload = z.object({ failTimes: z.number().default(0) });
const topics = {
  flaky: defineTopic({
    name: 'flaky',
    description: 'fails failTimes times, then succeeds',
    payload,
    async handler({ failTimes }, ctx) {
      const n = count(ctx.taskId);
      if (n <= failTimes) throw new Error(`boom ${n}`);
      return { succeededOnCall: n };
    },
  }),
  hangs: defineTopic({
    name: 'hangs',
    description: 'never answers until cancelled',
    payload: z.object({}),
    async handler(_p, ctx) {
      count(ctx.taskId);
      await new Promise((_, reject) =>
        ctx.signal.addEventListener('abort', () => {
          cleanups.push(ctx.taskId);
          reject(ctx.signal.reason);
        }),
      );
    },
  }),
};

function input(
  activity: keyof typeof topics,
  over: Partial<TaskWorkflowInput['retry']> & { timeoutSeconds?: number; payload?: unknown } = {},
): TaskWorkflowInput {
  return {
    type: activity,
    activity,
    payload: over.payload ?? {},
    timeoutSeconds: over.timeoutSeconds ?? 300,
    heartbeatTimeoutSeconds: 30,
    retry: {
      maxAttempts: over.maxAttempts ?? 3,
      // An hour between attempts: only time skipping makes these tests quick.
      initialIntervalSeconds: over.initialIntervalSeconds ?? 3600,
      backoffCoefficient: 2,
      maximumIntervalSeconds: 7200,
      nonRetryableErrorTypes: ['InvalidPayload'],
    },
  };
}

async function withWorker<T>(fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `ts-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: Object.fromEntries(
      Object.values(topics).map((t) => [t.name, topicActivity(t as any, { config, reporter, heartbeatEveryMs: 100 })]),
    ),
  });
  return worker.runUntil(fn(taskQueue));
}

beforeAll(async () => {
  Runtime.install({
    logger: new DefaultLogger('ERROR', () => {}),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: inject('testServerPath') } },
  });
  bundle = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('./fixtures/workflows.ts', import.meta.url)),
    logger: new DefaultLogger('ERROR', () => {}),
  });
});
afterAll(async () => env?.teardown());

describe('time skipping', () => {
  it('a workflow that sleeps a day finishes in well under a second', async () => {
    await withWorker(async (taskQueue) => {
      // Warm the worker (its first workflow builds the sandbox) so only the sleep is timed.
      await env.client.workflow.execute('noop', { taskQueue, workflowId: randomUUID() });
      const t0 = Date.now();
      const result = await env.client.workflow.execute('sleepForADay', { taskQueue, workflowId: randomUUID() });
      expect(result).toBe('rested');
      expect(Date.now() - t0).toBeLessThan(1000);
    });
  });
});

describe('taskWorkflow', () => {
  it('retries then succeeds, with hour-long backoff skipped', async () => {
    await withWorker(async (taskQueue) => {
      const workflowId = randomUUID();
      const t0 = Date.now();
      const result = await env.client.workflow.execute('taskWorkflow', {
        taskQueue,
        workflowId,
        args: [input('flaky', { payload: { failTimes: 2 } })],
      });
      expect(result).toEqual({ succeededOnCall: 3 });
      expect(Date.now() - t0).toBeLessThan(10_000);
      const mine = reports.filter((r) => r.workflowId === workflowId).map((r) => `${r.report.state}:${r.report.attempt}`);
      expect(mine).toEqual(['started:1', 'failed:1', 'started:2', 'failed:2', 'started:3']);
    });
  });

  it('fails once the attempts are exhausted, with the last error', async () => {
    await withWorker(async (taskQueue) => {
      const workflowId = randomUUID();
      const err = await env.client.workflow
        .execute('taskWorkflow', { taskQueue, workflowId, args: [input('flaky', { payload: { failTimes: 10 }, maxAttempts: 3 })] })
        .catch((e) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect(err.cause).toBeInstanceOf(ActivityFailure);
      expect(err.cause.cause).toBeInstanceOf(ApplicationFailure);
      expect(err.cause.cause.message).toBe('boom 3');
      expect(calls.get(workflowId)).toBe(3);
    });
  });

  it('does not retry a payload the topic rejects', async () => {
    await withWorker(async (taskQueue) => {
      const workflowId = randomUUID();
      const err = await env.client.workflow
        .execute('taskWorkflow', { taskQueue, workflowId, args: [input('flaky', { payload: { failTimes: 'x' } })] })
        .catch((e) => e);
      expect(err.cause.cause.type).toBe('InvalidPayload');
      expect(err.cause.cause.message).toContain('failTimes');
      expect(calls.get(workflowId)).toBeUndefined();
      expect(reports.filter((r) => r.workflowId === workflowId).map((r) => r.report.state)).toEqual(['started', 'failed']);
    });
  });

  // A running activity holds the test server's clock (time skips only while nothing runs), so this
  // timeout is a real second.
  it('times out an attempt that runs past timeoutSeconds', async () => {
    await withWorker(async (taskQueue) => {
      const workflowId = randomUUID();
      const err = await env.client.workflow
        .execute('taskWorkflow', { taskQueue, workflowId, args: [input('hangs', { timeoutSeconds: 1, maxAttempts: 1 })] })
        .catch((e) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect(err.cause.cause).toBeInstanceOf(TimeoutFailure);
      expect(err.cause.cause.timeoutType).toBe('START_TO_CLOSE');
    });
  });

  it('cancels during an activity: the activity sees it and cleans up', async () => {
    await withWorker(async (taskQueue) => {
      const workflowId = randomUUID();
      const handle = await env.client.workflow.start('taskWorkflow', {
        taskQueue,
        workflowId,
        args: [input('hangs', { timeoutSeconds: 3600 })],
      });
      // Wait (in real time) until the attempt is running before cancelling it.
      for (let i = 0; i < 100 && !reports.some((r) => r.workflowId === workflowId && r.report.state === 'started'); i++)
        await new Promise((r) => setTimeout(r, 50));
      await handle.cancel();
      const err = await handle.result().catch((e) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect(err.cause).toBeInstanceOf(CancelledFailure);
      expect(cleanups).toContain(workflowId);
      // A cancellation is not a failed attempt.
      expect(reports.filter((r) => r.workflowId === workflowId).map((r) => r.report.state)).toEqual(['started']);
    });
  });
});
