/** Every task route, good and bad input, through real HTTP, a real worker and the dev server. */
import SwaggerParser from '@apidevtools/swagger-parser';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { eventually, startStack, waitForStatus, type Stack } from './helpers/stack.js';

let stack: Stack;
let receiver: Receiver;
const uid = () => randomUUID().slice(0, 8);

beforeAll(async () => {
  [stack, receiver] = await Promise.all([startStack(), startReceiver()]);
});
afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

const create = (body: unknown) => stack.api('/api/tasks', { body });

describe('POST /api/tasks', () => {
  it('creates a task with the defaults and a Location header', async () => {
    const r = await create({ type: 'say_hello', payload: { name: 'Bo' } });
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe(`/api/tasks/${r.body.id}`);
    expect(r.body).toMatchObject({ type: 'say_hello', priority: 'normal', maxAttempts: 3, timeoutSeconds: 300, status: 'pending' });
    expect(r.body.id).toMatch(/^say_hello-/);
  });

  it.each([
    ['HIGH', 'high'],
    ['Critical', 'critical'],
    [1, 'low'],
    [10, 'high'],
    ['20', 'critical'],
  ])('accepts priority %j as %s', async (given, name) => {
    const r = await create({ type: 'say_hello', payload: { name: 'p' }, priority: given });
    expect(r.status).toBe(201);
    expect(r.body.priority).toBe(name);
    expect((await stack.api(`/api/tasks/${r.body.id}`)).body.priority).toBe(name);
  });

  it('honours maxAttempts and timeoutSeconds', async () => {
    const r = await create({ type: 'say_hello', payload: { name: 'p' }, maxAttempts: 7, timeoutSeconds: 9 });
    const t = (await stack.api(`/api/tasks/${r.body.id}`)).body;
    expect(t).toMatchObject({ maxAttempts: 7, timeoutSeconds: 9 });
  });

  it('is idempotent on a client id, also when requests race', async () => {
    const id = `order-${uid()}`;
    const results = await Promise.all(Array.from({ length: 8 }, () => create({ type: 'say_hello', payload: { name: 'race' }, id })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(7);
    expect(new Set(results.map((r) => r.body.runId)).size).toBe(1);
    await waitForStatus(stack, id, ['completed']);
    const again = await create({ type: 'say_hello', payload: { name: 'race' }, id });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id, status: 'completed', runId: results[0]!.body.runId });
    const runs = await stack.api(`/api/tasks/${id}/logs`);
    expect(runs.body.runs).toBe(1);
  });

  it('409 when the id belongs to a task of another type', async () => {
    const id = `clash-${uid()}`;
    await create({ type: 'say_hello', payload: { name: 'a' }, id });
    const r = await create({ type: 'email', payload: { to: 'a@example.com', subject: 's', text: 't' }, id });
    expect(r.status).toBe(409);
    expect(r.body.error.message).toContain('say_hello');
  });

  it('400 for an unknown type, listing the supported ones', async () => {
    const r = await create({ type: 'nope', payload: {} });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('unknown_task_type');
    expect(r.body.error.details.supportedTypes).toEqual(expect.arrayContaining(['say_hello', 'webhook', 'email']));
    expect(r.body.error.message).toContain('say_hello, webhook, email');
  });

  it.each([
    [{ type: 'say_hello', payload: {} }, 'payload.name'],
    [{ type: 'say_hello', payload: { name: '' } }, 'payload.name'],
    [{ type: 'webhook', payload: { url: 'not a url' } }, 'payload.url'],
    [{ type: 'email', payload: { to: 'x', subject: 's', text: 't' } }, 'payload.to'],
    [{ payload: {} }, 'type'],
    [{ type: 'say_hello', payload: { name: 'x' }, priority: 'urgent' }, 'priority'],
    [{ type: 'say_hello', payload: { name: 'x' }, priority: 3 }, 'priority'],
    [{ type: 'say_hello', payload: { name: 'x' }, maxAttempts: 0 }, 'maxAttempts'],
    [{ type: 'say_hello', payload: { name: 'x' }, timeoutSeconds: 'soon' }, 'timeoutSeconds'],
    [{ type: 'say_hello', payload: { name: 'x' }, id: 'has space' }, 'id'],
    [{ type: 'say_hello', payload: { name: 'x' }, colour: 'red' }, '(body)'],
  ])('400 for %j naming %s', async (body, field) => {
    const r = await create(body);
    expect(r.status).toBe(400);
    expect(r.body.error.details.issues.map((i: any) => i.field)).toContain(field);
    if (field !== '(body)') expect(r.body.error.message).toContain(field);
  });

  it('400 for malformed JSON', async () => {
    const r = await stack.api('/api/tasks', { body: '{"type":' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('validation_error');
  });

  it('413 for a body over the limit', async () => {
    // The gateway answers before reading the whole body and closes that connection.
    const r = await stack.api('/api/tasks', {
      body: { type: 'say_hello', payload: { name: 'x'.repeat(stack.config.BODY_LIMIT_BYTES) } },
      headers: { connection: 'close' },
    });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('payload_too_large');
  });
});

describe('GET /api/tasks/:id', () => {
  it('404 for an unknown id, 400 for a malformed one', async () => {
    const r = await stack.api(`/api/tasks/nope-${uid()}`);
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('not_found');
    expect((await stack.api('/api/tasks/%20bad')).status).toBe(400);
  });
});

describe('failures, retrying and retry', () => {
  it('shows retrying with the attempt and last error between attempts, then completes', async () => {
    const path = `/flaky-${uid()}`;
    receiver.script(path, [503, 200]);
    const r = await create({ type: 'webhook', payload: { url: `${receiver.url}${path}` } });
    const retrying = await waitForStatus(stack, r.body.id, ['retrying', 'completed']);
    expect(retrying.status).toBe('retrying');
    expect(retrying.attempt).toBe(2);
    expect(retrying.error).toContain('503');
    // The list, served from visibility, agrees.
    const listed = await eventually(
      async () => {
        const l = await stack.api(`/api/tasks?status=retrying&type=webhook`);
        return l.body.tasks.find((t: any) => t.id === r.body.id);
      },
      10_000,
      100,
    ).catch(() => undefined);
    // The webhook backs off 2 s; if the list was read after the next attempt, the task has moved on.
    if (listed) expect(listed).toMatchObject({ status: 'retrying', attempt: 2 });
    const done = await waitForStatus(stack, r.body.id, ['completed', 'failed'], 30_000);
    expect(done).toMatchObject({ status: 'completed', attempt: 2, result: { status: 200, body: { call: 2 } } });
    const logs = (await stack.api(`/api/tasks/${r.body.id}/logs`)).body.lines.map((l: any) => l.message);
    expect(logs).toEqual(
      expect.arrayContaining([
        'attempt 1 started',
        expect.stringMatching(/^attempt 1 failed: .*503/),
        'attempt 2 started',
        'retried by Temporal: final attempt was 2',
        'task completed',
      ]),
    );
  });

  it('fails at once on a 4xx, with the error, and retry runs it again under the same id', async () => {
    const path = `/gone-${uid()}`;
    receiver.script(path, [404, 200]);
    const r = await create({ type: 'webhook', payload: { url: `${receiver.url}${path}` } });
    const failed = await waitForStatus(stack, r.body.id, ['failed', 'completed']);
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('404');
    expect(receiver.hits(path)).toBe(1);

    const cancelFinished = await stack.api(`/api/tasks/${r.body.id}/cancel`, { method: 'POST' });
    expect(cancelFinished.status).toBe(409);

    const retried = await stack.api(`/api/tasks/${r.body.id}/retry`, { body: { resetAttempts: true } });
    expect(retried.status).toBe(202);
    expect(retried.body.runId).not.toBe(failed.runId);
    expect(retried.body.maxAttempts).toBe(failed.maxAttempts);
    const done = await waitForStatus(stack, r.body.id, ['completed']);
    expect(done.runId).toBe(retried.body.runId);

    const logs = (await stack.api(`/api/tasks/${r.body.id}/logs`)).body;
    expect(logs.runs).toBe(2);
    const messages = logs.lines.map((l: any) => `${l.run}:${l.event}`);
    expect(messages).toEqual(expect.arrayContaining(['1:failed', '2:scheduled', '2:completed']));
    expect(messages.indexOf('1:failed')).toBeLessThan(messages.indexOf('2:scheduled'));

    // The list shows the task once, as its newest run.
    const list = await eventually(async () => {
      const l = await stack.api(`/api/tasks?type=webhook&limit=500`);
      const mine = l.body.tasks.filter((t: any) => t.id === r.body.id);
      return mine.length === 1 && mine[0].status === 'completed' ? mine : undefined;
    });
    expect(list[0].runId).toBe(done.runId);
  });

  it('retry without resetAttempts gives one more attempt; 409 for completed or running tasks; 404 unknown', async () => {
    const path = `/down-${uid()}`;
    receiver.script(path, [400]);
    const r = await create({ type: 'webhook', payload: { url: `${receiver.url}${path}` } });
    await waitForStatus(stack, r.body.id, ['failed']);
    const retried = await stack.api(`/api/tasks/${r.body.id}/retry`, { method: 'POST' });
    expect(retried.status).toBe(202);
    expect(retried.body.maxAttempts).toBe(1);
    await waitForStatus(stack, r.body.id, ['failed']);

    const ok = await create({ type: 'say_hello', payload: { name: 'x' } });
    await waitForStatus(stack, ok.body.id, ['completed']);
    expect((await stack.api(`/api/tasks/${ok.body.id}/retry`, { body: {} })).status).toBe(409);

    const slow = await create({ type: 'say_hello', payload: { name: 'x', delaySeconds: 30 } });
    const running = await stack.api(`/api/tasks/${slow.body.id}/retry`, { body: {} });
    expect(running.status).toBe(409);
    expect(running.body.error.message).toMatch(/still (pending|processing)/);
    await stack.api(`/api/tasks/${slow.body.id}/cancel`, { method: 'POST' });

    expect((await stack.api(`/api/tasks/nope-${uid()}/retry`, { body: {} })).status).toBe(404);
    expect((await stack.api(`/api/tasks/${ok.body.id}/retry`, { body: { resetAttempts: 'yes' } })).status).toBe(400);
  });
});

describe('cancel', () => {
  it('cancels a running task: the activity stops, status cancelled, logs say so, and it can be retried', async () => {
    const r = await create({ type: 'say_hello', payload: { name: 'slow', delaySeconds: 60 } });
    await waitForStatus(stack, r.body.id, ['processing']);
    const t0 = Date.now();
    const c = await stack.api(`/api/tasks/${r.body.id}/cancel`, { method: 'POST' });
    expect(c.status).toBe(202);
    const done = await waitForStatus(stack, r.body.id, ['cancelled']);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(done.completedAt).toBeDefined();
    const events = (await stack.api(`/api/tasks/${r.body.id}/logs`)).body.lines.map((l: any) => l.event);
    expect(events).toEqual(expect.arrayContaining(['cancel_requested', 'cancel_delivered', 'activity_cancelled', 'cancelled']));
    expect((await stack.api(`/api/tasks/${r.body.id}/cancel`, { method: 'POST' })).status).toBe(409);
    expect((await stack.api(`/api/tasks/nope-${uid()}/cancel`, { method: 'POST' })).status).toBe(404);
  });
});

describe('GET /api/tasks', () => {
  it('filters by status and type, counts the total, pages by offset and by cursor', async () => {
    const name = `list-${uid()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create({ type: 'say_hello', payload: { name }, id: `${name}-${i}` })).body.id);
    await Promise.all(ids.map((id) => waitForStatus(stack, id, ['completed'])));
    const all = await eventually(async () => {
      const l = await stack.api('/api/tasks?type=say_hello&status=completed&limit=500');
      return ids.every((id) => l.body.tasks.some((t: any) => t.id === id)) ? l.body : undefined;
    });
    expect(all.total).toBeGreaterThanOrEqual(5);
    expect(all.tasks.every((t: any) => t.type === 'say_hello' && t.status === 'completed')).toBe(true);

    const page1 = (await stack.api('/api/tasks?type=say_hello&status=completed&limit=2')).body;
    expect(page1.tasks).toHaveLength(2);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const page2 = (await stack.api(`/api/tasks?type=say_hello&status=completed&limit=2&cursor=${page1.nextCursor}`)).body;
    expect(page2.tasks).toHaveLength(2);
    expect(page2.tasks.map((t: any) => t.id)).not.toEqual(expect.arrayContaining(page1.tasks.map((t: any) => t.id)));
    const byOffset = (await stack.api('/api/tasks?type=say_hello&status=completed&limit=2&offset=2')).body;
    expect(byOffset.offset).toBe(2);
    expect(byOffset.tasks.map((t: any) => t.id)).toEqual(page2.tasks.map((t: any) => t.id));

    const none = (await stack.api('/api/tasks?type=email&status=retrying')).body;
    expect(none).toMatchObject({ total: 0, tasks: [], nextCursor: null });
  });

  it.each([
    ['status=done', 'status'],
    ['limit=0', 'limit'],
    ['limit=abc', 'limit'],
    ['offset=-1', 'offset'],
    ['type=nope', 'type'],
  ])('400 for ?%s', async (q, field) => {
    const r = await stack.api(`/api/tasks?${q}`);
    expect(r.status).toBe(400);
    expect(r.body.error.details.issues.map((i: any) => i.field)).toContain(field);
  });

  it('400 for a cursor it never issued, or one from another filter', async () => {
    const r = await stack.api('/api/tasks?cursor=bm90LWEtdG9rZW4');
    expect(r.status).toBe(400);
    expect(r.body.error.details.issues[0].field).toBe('cursor');
    for (let i = 0; i < 3; i++) await create({ type: 'say_hello', payload: { name: 'c' } });
    const page = await eventually(async () => {
      const p = (await stack.api('/api/tasks?type=say_hello&limit=1')).body;
      return p.nextCursor ? p : undefined;
    });
    const other = await stack.api(`/api/tasks?type=webhook&limit=1&cursor=${page.nextCursor}`);
    expect(other.status).toBe(400);
    expect(other.body.error.message).toContain('different');
  });
});

describe('logs, stats, types', () => {
  it('logs honour limit and validate it', async () => {
    const r = await create({ type: 'say_hello', payload: { name: 'logs' } });
    await waitForStatus(stack, r.body.id, ['completed']);
    const all = (await stack.api(`/api/tasks/${r.body.id}/logs`)).body;
    expect(all.lines.map((l: any) => l.event)).toEqual(['scheduled', 'queued', 'attempt_started', 'attempt_completed', 'completed']);
    const last2 = (await stack.api(`/api/tasks/${r.body.id}/logs?limit=2`)).body;
    expect(last2.lines.map((l: any) => l.event)).toEqual(['attempt_completed', 'completed']);
    expect((await stack.api(`/api/tasks/${r.body.id}/logs?limit=0`)).status).toBe(400);
    expect((await stack.api(`/api/tasks/nope-${uid()}/logs`)).status).toBe(404);
  });

  it('stats count by status and type from visibility', async () => {
    const before = (await stack.api('/api/tasks/stats/summary')).body;
    const r = await create({ type: 'email', payload: { to: 'a@example.com', subject: 'stats', text: 'x' } });
    await waitForStatus(stack, r.body.id, ['completed']);
    const after = await eventually(async () => {
      const s = (await stack.api('/api/tasks/stats/summary')).body;
      return s.byType.email > before.byType.email ? s : undefined;
    });
    expect(after.byStatus.completed).toBeGreaterThan(before.byStatus.completed);
    expect(after.lastHour.completed).toBeGreaterThan(before.lastHour.completed);
    expect(Object.keys(after.byStatus).sort()).toEqual(['cancelled', 'completed', 'failed', 'pending', 'processing', 'retrying']);
    expect(after.total).toBe(Object.values(after.byStatus as Record<string, number>).reduce((a, b) => a + b, 0));
  });

  it('types list every topic with its payload schema', async () => {
    const r = await stack.api('/api/tasks/types');
    expect(r.status).toBe(200);
    const webhook = r.body.types.find((t: any) => t.type === 'webhook');
    expect(webhook.defaults).toEqual({ maxAttempts: 3, timeoutSeconds: 60 });
    expect(webhook.payloadSchema.properties.url.type).toBe('string');
    expect(webhook.payloadSchema.required).toContain('url');
    expect(r.body.types.map((t: any) => `${t.type}:${t.kind}`)).toEqual([
      'say_hello:activity',
      'webhook:activity',
      'email:activity',
      'certificate.renew:workflow',
      'certificate.check:workflow',
      'certificate.temporary:workflow',
      'logs.process:workflow',
    ]);
  });
});

describe('OpenAPI', () => {
  it('serves a document that validates as OpenAPI 3.x and covers every route', async () => {
    const doc = (await stack.api('/openapi.json')).body;
    expect(doc.openapi).toMatch(/^3\./);
    await SwaggerParser.validate(structuredClone(doc));
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/tasks',
        '/api/tasks/{id}',
        '/api/tasks/{id}/cancel',
        '/api/tasks/{id}/retry',
        '/api/tasks/{id}/logs',
        '/api/tasks/stats/summary',
        '/api/tasks/types',
        '/health',
        '/ready',
      ]),
    );
  });

  it('renders /docs without the internet', async () => {
    const page = await stack.api('/docs');
    expect(page.status).toBe(200);
    expect(page.body).toContain('/docs/assets/swagger-ui-bundle.js');
    const asset = await fetch(`${stack.url}/docs/assets/swagger-ui-bundle.js`);
    expect(asset.status).toBe(200);
    expect((await asset.text()).length).toBeGreaterThan(100_000);
  });
});
