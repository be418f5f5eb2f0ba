/** Issue 2: say_hello through the real gateway, worker and dev server; health and readiness. */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startStack, waitForStatus, type Stack } from './helpers/stack.js';

describe('platform: gateway + worker + dev server', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack?.stop());

  it('runs say_hello end to end and shows it to the temporal CLI', async () => {
    const created = await stack.api('/api/tasks', { body: { type: 'say_hello', payload: { name: 'Ada' } } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ type: 'say_hello', status: 'pending', payload: { name: 'Ada' } });
    expect(created.body.links.temporalUi).toContain(`/workflows/${created.body.id}`);

    const done = await waitForStatus(stack, created.body.id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    expect(done.result).toEqual({ message: 'Hello, Ada!' });
    expect(done.attempt).toBe(1);
    expect(Date.parse(done.completedAt)).toBeGreaterThanOrEqual(Date.parse(done.startedAt));

    const listed = execFileSync(
      inject('temporalCliPath'),
      ['workflow', 'list', '--address', inject('temporalAddress'), '--query', `WorkflowId = '${created.body.id}'`, '--output', 'json'],
      { encoding: 'utf8' },
    );
    const rows = JSON.parse(listed);
    expect(rows[0].execution.workflowId).toBe(created.body.id);
    expect(rows[0].type.name).toBe('taskWorkflow');
    expect(rows[0].status).toMatch(/COMPLETED/);
  });

  it('answers /health and /ready with every component ok', async () => {
    const health = await stack.api('/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    const ready = await stack.api('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      status: 'ready',
      failing: [],
      components: { temporal: { ok: true }, namespace: { ok: true }, worker: { ok: true } },
    });
  });
});

describe('readiness names the failing component', () => {
  it('503 worker when nobody polls the queue', async () => {
    const stack = await startStack({ worker: false });
    try {
      const ready = await stack.api('/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.failing).toEqual(['worker']);
      expect(ready.body.components.worker.message).toContain(stack.config.TEMPORAL_TASK_QUEUE);
    } finally {
      await stack.stop();
    }
  });

  it('503 namespace when the namespace does not exist', async () => {
    const stack = await startStack({ worker: false, config: { TEMPORAL_NAMESPACE: 'no-such-namespace' } });
    try {
      const ready = await stack.api('/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.failing).toContain('namespace');
      expect(ready.body.components.temporal.ok).toBe(true);
    } finally {
      await stack.stop();
    }
  });

  it('503 temporal within two seconds when nothing answers', async () => {
    const stack = await startStack({ worker: false, config: { TEMPORAL_ADDRESS: '127.0.0.1:1' } });
    try {
      const t0 = Date.now();
      const ready = await stack.api('/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.failing).toContain('temporal');
      const created = await stack.api('/api/tasks', { body: { type: 'say_hello', payload: { name: 'x' } } });
      expect(created.status).toBe(503);
      expect(created.body.error.code).toBe('temporal_unavailable');
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      await stack.stop();
    }
  });
});
