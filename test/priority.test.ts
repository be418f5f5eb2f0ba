/**
 * Priority becomes Temporal's task priority: with the only worker slot busy, a high task queued after
 * several normal ones runs before them.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, waitForStatus, type Stack } from './helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ worker: { maxConcurrentActivityTaskExecutions: 1 } });
});
afterAll(async () => stack?.stop());

it('a high task overtakes queued normal ones', async () => {
  const create = (name: string, priority: string, delaySeconds = 0) =>
    stack.api('/api/tasks', { body: { type: 'say_hello', payload: { name, delaySeconds }, priority, id: `${name}-${Date.now()}` } });
  const blocker = (await create('blocker', 'normal', 2)).body.id;
  await waitForStatus(stack, blocker, ['processing']);
  const normals: string[] = [];
  for (let i = 0; i < 4; i++) normals.push((await create(`normal${i}`, 'normal')).body.id);
  const high = (await create('high', 'high')).body.id;
  // Queued behind the busy slot: nothing has started yet.
  for (const id of [...normals, high]) expect((await stack.api(`/api/tasks/${id}`)).body.status).toBe('pending');

  const done = await Promise.all([...normals, high].map((id) => waitForStatus(stack, id, ['completed'], 30_000)));
  const startedAt = new Map(done.map((t) => [t.id, Date.parse(t.startedAt)]));
  const order = [...startedAt.entries()].sort((a, b) => a[1] - b[1]).map(([id]) => id);
  expect(order[0]).toBe(high);
  for (const id of normals) expect(startedAt.get(id)!).toBeGreaterThan(startedAt.get(high)!);
});
