/** Jobs as Temporal Schedules: every route, good and bad input, with jobs that really fire. */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { eventually, startStack, waitForStatus, type Stack } from './helpers/stack.js';

let stack: Stack;
let receiver: Receiver;
const uid = () => randomUUID().slice(0, 8);
const temporal = (...args: string[]) =>
  execFileSync(inject('temporalCliPath'), [...args, '--address', inject('temporalAddress')], { encoding: 'utf8' });

beforeAll(async () => {
  [stack, receiver] = await Promise.all([startStack(), startReceiver()]);
});
afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

const createJob = (body: Record<string, unknown>) =>
  stack.api('/api/jobs', { body: { name: 'a job', type: 'say_hello', payload: { name: 'cron' }, ...body } });
const getJob = async (id: string) => (await stack.api(`/api/jobs/${id}`)).body;

describe('POST /api/jobs', () => {
  it('creates a schedule the temporal CLI sees, with next runs in its time zone', async () => {
    const id = `nightly-${uid()}`;
    const r = await createJob({ id, name: 'Nightly', schedule: '30 2 * * *', timezone: 'Europe/Paris', priority: 'HIGH', note: 'first' });
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe(`/api/jobs/${id}`);
    expect(r.body).toMatchObject({
      id,
      name: 'Nightly',
      type: 'say_hello',
      schedule: '30 2 * * *',
      timezone: 'Europe/Paris',
      status: 'active',
      priority: 'high',
      overlap: 'skip',
      payload: { name: 'cron' },
      lastRun: null,
      recentRuns: [],
    });
    expect(r.body.nextRuns).toHaveLength(5);
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' }).format(
      new Date(r.body.nextRun),
    );
    expect(local).toBe('02:30');
    expect(r.body.links.temporalUi).toContain(`/schedules/${id}`);
    const described = JSON.parse(temporal('schedule', 'describe', '--schedule-id', id, '--output', 'json'));
    expect(JSON.stringify(described)).toContain('taskWorkflow');
    expect(temporal('schedule', 'list')).toContain(id);
  });

  it.each(['@hourly', '@daily', '*/15 9-17 * * MON-FRI', '0 0 1 JAN,JUL *'])('accepts cron %s', async (schedule) => {
    const r = await createJob({ schedule });
    expect(r.status).toBe(201);
    expect(r.body.schedule).toBe(schedule);
    expect(r.body.nextRun).toEqual(expect.any(String));
    await stack.api(`/api/jobs/${r.body.id}`, { method: 'DELETE' });
  });

  it.each([
    [{ schedule: '* * * *' }, 'schedule', 'expected 5'],
    [{ schedule: '61 * * * *' }, 'schedule', 'minute value 61 is out of range 0-59'],
    [{ schedule: '0 25 * * *' }, 'schedule', 'hour value 25'],
    [{ schedule: '0 0 * * FUNDAY' }, 'schedule', 'day of week'],
    [{ schedule: '*/0 * * * *' }, 'schedule', 'step'],
    [{ schedule: '@fortnightly' }, 'schedule', 'unknown cron macro'],
    [{ schedule: { every: '15x' } }, 'schedule.every', 'not a duration'],
    [{ schedule: { every: '1m', offset: '2m' } }, 'schedule.offset', 'shorter'],
    [{ schedule: '@daily', timezone: 'Mars/Olympus' }, 'timezone', 'IANA'],
    [{ schedule: '@daily', overlap: 'sometimes' }, 'overlap', ''],
    [{ schedule: '@daily', catchupWindow: 'soon' }, 'catchupWindow', 'not a duration'],
    [{ schedule: '@daily', type: 'nope' }, 'type', 'supported types'],
    [{ schedule: '@daily', payload: {} }, 'payload.name', ''],
    [{ schedule: '@daily', name: '' }, 'name', ''],
    [{ schedule: '@daily', priority: 'meh' }, 'priority', ''],
    [{ schedule: '@daily', extra: 1 }, '(body)', ''],
  ])('400 for %j naming %s', async (body, field, text) => {
    const r = await createJob(body);
    expect(r.status).toBe(400);
    expect(r.body.error.details.issues.map((i: any) => i.field)).toContain(field);
    expect(r.body.error.message).toContain(text);
  });

  it('409 for an id already in use', async () => {
    const id = `dup-${uid()}`;
    expect((await createJob({ id, schedule: '@daily' })).status).toBe(201);
    const again = await createJob({ id, schedule: '@daily' });
    expect(again.status).toBe(409);
  });
});

describe('a job that fires on its own', () => {
  it('runs every few seconds, its runs complete, pause stops it and resume restarts it', async () => {
    const id = `tick-${uid()}`;
    expect((await createJob({ id, schedule: { every: '2s' }, payload: { name: 'tick' } })).status).toBe(201);
    const fired = await eventually(
      async () => {
        const j = await getJob(id);
        return j.recentRuns.filter((r: any) => r.status === 'completed').length >= 2 ? j : undefined;
      },
      20_000,
      500,
    );
    expect(fired.lastRun.taskId).toMatch(new RegExp(`^${id}-`));
    const task = (await stack.api(`/api/tasks/${encodeURIComponent(fired.lastRun.taskId)}`)).body;
    expect(task).toMatchObject({ status: 'completed', jobId: id, result: { message: 'Hello, tick!' } });

    const runs = await eventually(async () => {
      const r = (await stack.api(`/api/jobs/${id}/runs`)).body;
      return r.total >= 2 ? r : undefined;
    });
    expect(runs.tasks.every((t: any) => t.jobId === id)).toBe(true);
    const sameViaTasks = (await stack.api(`/api/tasks?jobId=${id}`)).body;
    expect(sameViaTasks.total).toBe(runs.total);

    const paused = await stack.api(`/api/jobs/${id}/pause`, { body: { note: 'maintenance window' } });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ status: 'paused', note: 'maintenance window' });
    const countAfterPause = (await getJob(id)).recentRuns.length;
    await new Promise((r) => setTimeout(r, 5000));
    expect((await getJob(id)).recentRuns.length).toBe(countAfterPause);
    expect((await stack.api(`/api/jobs?status=paused`)).body.jobs.map((j: any) => j.id)).toContain(id);

    const resumed = await stack.api(`/api/jobs/${id}/resume`, { method: 'POST' });
    expect(resumed.body.status).toBe('active');
    await eventually(async () => ((await getJob(id)).recentRuns.length > countAfterPause ? true : undefined), 10_000, 500);
    await stack.api(`/api/jobs/${id}`, { method: 'DELETE' });
  }, 60_000);

  it('reports status failed when its latest run failed', async () => {
    const id = `failing-${uid()}`;
    receiver.script(`/${id}`, [404]);
    await createJob({ id, type: 'webhook', schedule: { every: '2s' }, payload: { url: `${receiver.url}/${id}` } });
    const failed = await eventually(
      async () => {
        const j = await getJob(id);
        return j.status === 'failed' ? j : undefined;
      },
      20_000,
      500,
    );
    expect(failed.lastRun.status).toBe('failed');
    await stack.api(`/api/jobs/${id}/pause`, { method: 'POST' });
    // A paused job says paused whatever its last run did; resume and it says failed again.
    expect((await getJob(id)).status).toBe('paused');
    await stack.api(`/api/jobs/${id}/resume`, { method: 'POST' });
    const listed = await eventually(async () => {
      const l = (await stack.api('/api/jobs?status=failed&type=webhook&limit=200')).body;
      return l.jobs.some((j: any) => j.id === id) ? l : undefined;
    });
    expect(listed.jobs.every((j: any) => j.status === 'failed')).toBe(true);
    await stack.api(`/api/jobs/${id}`, { method: 'DELETE' });
  }, 40_000);
});

describe('trigger, patch, delete, backfill', () => {
  it('trigger runs now and returns the task', async () => {
    const id = `manual-${uid()}`;
    await createJob({ id, schedule: '0 0 1 1 *', payload: { name: 'now' } });
    const r = await stack.api(`/api/jobs/${id}/trigger`, { method: 'POST' });
    expect(r.status).toBe(202);
    expect(r.body.id).toMatch(new RegExp(`^${id}-`));
    const done = await waitForStatus(stack, encodeURIComponent(r.body.id), ['completed']);
    expect(done).toMatchObject({ jobId: id, result: { message: 'Hello, now!' } });
    // Back to back: Temporal names runs by the second, the second trigger still gets a run of its own.
    const again = await stack.api(`/api/jobs/${id}/trigger`, { method: 'POST' });
    const third = await stack.api(`/api/jobs/${id}/trigger`, { method: 'POST' });
    expect([again.status, third.status]).toEqual([202, 202]);
    expect(new Set([r.body.id, again.body.id, third.body.id]).size).toBe(3);
    expect((await stack.api(`/api/jobs/nope-${uid()}/trigger`, { method: 'POST' })).status).toBe(404);
  });

  it('patch changes schedule, payload, priority, name and overlap and keeps the history', async () => {
    const id = `patch-${uid()}`;
    await createJob({ id, schedule: '0 0 1 1 *' });
    const run = await stack.api(`/api/jobs/${id}/trigger`, { method: 'POST' });
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    await waitForStatus(stack, encodeURIComponent(run.body.id), ['completed']);
    const r = await stack.api(`/api/jobs/${id}`, {
      method: 'PATCH',
      body: { name: 'Renamed', schedule: { every: '1h' }, payload: { name: 'changed' }, priority: 'low', overlap: 'buffer_one' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      name: 'Renamed',
      schedule: { every: '1h' },
      payload: { name: 'changed' },
      priority: 'low',
      overlap: 'buffer_one',
    });
    expect(r.body.recentRuns.map((x: any) => x.taskId)).toContain(run.body.id);
    expect(Date.parse(r.body.updatedAt)).toBeGreaterThan(Date.parse(r.body.createdAt));
    const next = await stack.api(`/api/jobs/${id}/trigger`, { method: 'POST' });
    expect(next.status, JSON.stringify(next.body)).toBe(202);
    expect((await waitForStatus(stack, encodeURIComponent(next.body.id), ['completed'])).result).toEqual({ message: 'Hello, changed!' });

    expect(
      (await stack.api(`/api/jobs/${id}`, { method: 'PATCH', body: { payload: { name: '' } } })).body.error.details.issues[0].field,
    ).toBe('payload.name');
    expect((await stack.api(`/api/jobs/${id}`, { method: 'PATCH', body: { schedule: '99 * * * *' } })).status).toBe(400);
    expect((await stack.api(`/api/jobs/${id}`, { method: 'PATCH', body: {} })).status).toBe(400);
    expect((await stack.api(`/api/jobs/${id}`, { method: 'PATCH', body: { type: 'email' } })).status).toBe(400);
    expect((await stack.api(`/api/jobs/nope-${uid()}`, { method: 'PATCH', body: { name: 'x' } })).status).toBe(404);
  });

  it('delete answers 204, leaves a running task to finish, then the job is gone', async () => {
    const id = `del-${uid()}`;
    await createJob({ id, schedule: '0 0 1 1 *', payload: { name: 'slow', delaySeconds: 2 } });
    const run = await stack.api(`/api/jobs/${id}/trigger`, { method: 'POST' });
    const del = await stack.api(`/api/jobs/${id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect((await stack.api(`/api/jobs/${id}`)).status).toBe(404);
    expect((await stack.api(`/api/jobs/${id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await waitForStatus(stack, encodeURIComponent(run.body.id), ['completed', 'cancelled', 'failed'])).status).toBe('completed');
  });

  it('backfill runs the occurrences of a past window', async () => {
    const id = `backfill-${uid()}`;
    await createJob({ id, schedule: '0 * * * *', payload: { name: 'late' } });
    const to = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 60_000);
    const from = new Date(to.getTime() - 3 * 3_600_000);
    const r = await stack.api(`/api/jobs/${id}/backfill`, { body: { from: from.toISOString(), to: to.toISOString() } });
    expect(r.status).toBe(202);
    expect(r.body.runs).toBe(3);
    const runs = await eventually(async () => {
      const l = (await stack.api(`/api/jobs/${id}/runs?status=completed`)).body;
      return l.total >= 3 ? l : undefined;
    });
    expect(runs.tasks).toHaveLength(3);

    const backwards = await stack.api(`/api/jobs/${id}/backfill`, { body: { from: to.toISOString(), to: from.toISOString() } });
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.details.issues[0].field).toBe('to');
    expect(
      (await stack.api(`/api/jobs/${id}/backfill`, { body: { from: 'yesterday', to: to.toISOString() } })).body.error.details.issues[0]
        .field,
    ).toBe('from');
    const often = `often-${uid()}`;
    await createJob({ id: often, schedule: { every: '1s' }, paused: true });
    const huge = await stack.api(`/api/jobs/${often}/backfill`, {
      body: { from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date().toISOString() },
    });
    expect(huge.status).toBe(400);
    expect(huge.body.error.message).toContain('at most 500');
  });
});

describe('GET /api/jobs', () => {
  it('lists with filters, total and offset paging', async () => {
    const tag = uid();
    for (let i = 0; i < 3; i++)
      await createJob({
        id: `list-${tag}-${i}`,
        type: 'email',
        schedule: '@weekly',
        payload: { to: 'a@example.com', subject: 's', text: 't' },
        paused: i === 2,
      });
    const all = await eventually(async () => {
      const l = (await stack.api('/api/jobs?type=email&limit=200')).body;
      return [0, 1, 2].every((i) => l.jobs.some((j: any) => j.id === `list-${tag}-${i}`)) ? l : undefined;
    });
    expect(all.jobs.every((j: any) => j.type === 'email')).toBe(true);
    const paused = (await stack.api('/api/jobs?type=email&status=paused&limit=200')).body;
    expect(paused.jobs.map((j: any) => j.id)).toContain(`list-${tag}-2`);
    expect(paused.jobs.map((j: any) => j.id)).not.toContain(`list-${tag}-0`);
    const p1 = (await stack.api('/api/jobs?type=email&limit=2')).body;
    const p2 = (await stack.api('/api/jobs?type=email&limit=2&offset=2')).body;
    expect(p1.jobs).toHaveLength(2);
    expect(p1.total).toBe(all.total);
    expect(p2.jobs.map((j: any) => j.id)).not.toEqual(expect.arrayContaining(p1.jobs.map((j: any) => j.id)));
  });

  it.each(['status=broken', 'limit=0', 'offset=-2', 'type=nope'])('400 for ?%s', async (q) => {
    expect((await stack.api(`/api/jobs?${q}`)).status).toBe(400);
  });

  it('404 for unknown ids on every per-job route', async () => {
    const id = `nope-${uid()}`;
    for (const [method, path] of [
      ['GET', ''],
      ['GET', '/runs'],
      ['POST', '/pause'],
      ['POST', '/resume'],
    ] as const) {
      expect((await stack.api(`/api/jobs/${id}${path}`, { method })).status).toBe(404);
    }
    expect(
      (await stack.api(`/api/jobs/${id}/backfill`, { body: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' } })).status,
    ).toBe(404);
  });

  it('shows a job made with the temporal CLI against the task workflow', async () => {
    const id = `cli-${uid()}`;
    const input = {
      type: 'say_hello',
      payload: { name: 'from the CLI' },
      activity: 'say_hello',
      timeoutSeconds: 60,
      heartbeatTimeoutSeconds: 30,
      retry: { maxAttempts: 2, initialIntervalSeconds: 1, backoffCoefficient: 2, maximumIntervalSeconds: 10, nonRetryableErrorTypes: [] },
    };
    temporal(
      'schedule',
      'create',
      '--schedule-id',
      id,
      '--workflow-id',
      id,
      '--type',
      'taskWorkflow',
      '--task-queue',
      stack.config.TEMPORAL_TASK_QUEUE,
      '--interval',
      '1h',
      '--input',
      JSON.stringify(input),
    );
    const job = await getJob(id);
    expect(job).toMatchObject({ id, name: id, type: 'say_hello', payload: { name: 'from the CLI' }, status: 'active' });
    const listed = await eventually(async () => {
      const l = (await stack.api('/api/jobs?limit=200')).body;
      return l.jobs.find((j: any) => j.id === id);
    });
    expect(listed.type).toBe('say_hello');
    const run = await stack.api(`/api/jobs/${id}/trigger`, { method: 'POST' });
    expect((await waitForStatus(stack, encodeURIComponent(run.body.id), ['completed'])).result).toEqual({
      message: 'Hello, from the CLI!',
    });
  });
});
