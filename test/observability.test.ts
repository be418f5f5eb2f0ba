/**
 * /metrics (gateway), the worker's SDK metrics port, JSON request logs, and graceful shutdown of a
 * real gateway process under load.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startGateway } from '../src/gateway/server.js';
import { createLogger } from '../src/logger.js';
import { freePort } from '../src/temporal/dev-server.js';
import { eventually, startStack, testConfig, type Stack } from './helpers/stack.js';

function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = line.match(/^([^{\s]+)(\{[^}]*\})?\s+(\S+)$/);
    if (!m || m[1] !== name) continue;
    const have = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => have.includes(`${k}="${v}"`))) return Number(m[3]);
  }
  return undefined;
}

function spawnEntry(entry: string, env: Record<string, string>): { proc: ChildProcess; output: () => string } {
  let out = '';
  const proc = spawn(process.execPath, ['--import', 'tsx', entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  return { proc, output: () => out };
}

describe('gateway metrics', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ worker: false, config: { RATE_LIMIT_READ: '0', RATE_LIMIT_WRITE: '0' } });
  });
  afterAll(() => stack?.stop());

  it('exposes request durations by route pattern, tasks created by type and priority, and WebSocket connections', async () => {
    await stack.api('/api/tasks', { body: { type: 'say_hello', payload: { name: 'm' }, priority: 'high' } });
    await stack.api('/api/tasks', { body: { type: 'say_hello', payload: { name: 'm' }, priority: 'high' } });
    await stack.api(`/api/tasks/${randomUUID()}`);
    const res = await fetch(`${stack.url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(metricValue(text, 'taskgate_tasks_created_total', { type: 'say_hello', priority: 'high' })).toBe(2);
    expect(metricValue(text, 'taskgate_http_request_duration_seconds_count', { method: 'POST', route: '/api/tasks', status: '201' })).toBe(
      2,
    );
    // Route labels are patterns, not raw ids.
    expect(
      metricValue(text, 'taskgate_http_request_duration_seconds_count', { method: 'GET', route: '/api/tasks/:id', status: '404' }),
    ).toBe(1);
    expect(metricValue(text, 'taskgate_ws_connections')).toBe(0);
    expect(text).toContain('taskgate_gateway_process_resident_memory_bytes');
  });

  it('counts Temporal client errors', async () => {
    const dead = await startGateway(
      testConfig({ TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, TEMPORAL_RPC_TIMEOUT_MS: '300' }),
      createLogger('d', 'silent'),
    );
    try {
      expect((await fetch(`${dead.url}/api/tasks`)).status).toBe(503);
      const text = await (await fetch(`${dead.url}/metrics`)).text();
      expect(metricValue(text, 'taskgate_temporal_client_errors_total', { source: 'request', code: 'unavailable' })).toBeGreaterThanOrEqual(
        1,
      );
    } finally {
      await dead.close();
    }
  });

  it('can require credentials for /metrics', async () => {
    const gw = await startGateway(
      testConfig({ METRICS_REQUIRE_AUTH: 'true', AUTH_JWT_SECRET: 'x'.repeat(40) }),
      createLogger('m', 'silent'),
    );
    try {
      expect((await fetch(`${gw.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${gw.url}/health`)).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});

describe('processes', () => {
  const procs: ChildProcess[] = [];
  afterAll(() => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  });

  it('the worker serves the SDK’s Prometheus metrics on its own port', async () => {
    const port = await freePort();
    const w = spawnEntry('src/worker.ts', {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: `metrics-${randomUUID()}`,
      WORKER_METRICS_PORT: String(port),
      CERT_CHECK_JOB: 'false',
      LOG_LEVEL: 'info',
    });
    procs.push(w.proc);
    const text = await eventually(async () => {
      const r = await fetch(`http://127.0.0.1:${port}/metrics`);
      const body = await r.text();
      return body.includes('temporal_') ? body : undefined;
    }, 30_000);
    expect(text).toMatch(/temporal_(worker_start|num_pollers|request)/);
    w.proc.kill('SIGTERM');
    const [code] = await once(w.proc, 'exit');
    expect(code).toBe(0);
    expect(w.output()).toContain('"msg":"worker stopped"');
  });

  it('SIGTERM: the gateway finishes every accepted request, logs JSON lines with request ids, and exits 0', async () => {
    const config = testConfig();
    const port = await freePort();
    const g = spawnEntry('src/gateway/server.ts', {
      TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
      PORT: String(port),
      LOG_LEVEL: 'info',
      RATE_LIMIT_WRITE: '0',
    });
    procs.push(g.proc);
    const base = `http://127.0.0.1:${port}`;
    await eventually(async () => ((await fetch(`${base}/health`).catch(() => undefined))?.ok ? true : undefined), 30_000, 100);

    const N = 60;
    const outcomes: { status?: number; id?: string; error?: string }[] = [];
    let firstDone!: () => void;
    const first = new Promise<void>((r) => (firstDone = r));
    const requests = Array.from({ length: N }, async (_, i) => {
      try {
        const r = await fetch(`${base}/api/tasks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': `drain-${i}` },
          body: JSON.stringify({ type: 'say_hello', payload: { name: `n${i}` } }),
        });
        outcomes[i] = { status: r.status, id: (await r.json()).id };
      } catch (err) {
        outcomes[i] = { error: String((err as any)?.cause?.code ?? err) };
      }
      firstDone();
    });
    await first;
    g.proc.kill('SIGTERM');
    await Promise.all(requests);
    const [code] = await once(g.proc, 'exit');
    expect(code).toBe(0);

    // Every request either completed (201) or was never accepted (refused); none was cut mid-way.
    const cut = outcomes.filter((o) => o.error && o.error !== 'ECONNREFUSED');
    expect(cut).toEqual([]);
    const done = outcomes.filter((o) => o.status === 201);
    expect(done.length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o.status !== undefined && o.status !== 201)).toEqual([]);
    // And every one it answered exists in Temporal.
    const client = new Client({ connection: await Connection.connect({ address: config.TEMPORAL_ADDRESS }) });
    try {
      for (const o of done) expect((await client.workflow.getHandle(o.id!).describe()).workflowId).toBe(o.id);
    } finally {
      await client.connection.close();
    }

    const lines = g
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    const requestLines = lines.filter((l) => l.msg === 'request' && l.method === 'POST');
    expect(requestLines.length).toBe(done.length);
    expect(requestLines[0]).toMatchObject({ service: 'gateway', principal: 'anonymous', status: 201 });
    expect(requestLines.map((l) => l.requestId)).toEqual(expect.arrayContaining([expect.stringMatching(/^drain-\d+$/)]));
    expect(requestLines.every((l) => typeof l.workflowId === 'string' && l.workflowId.startsWith('say_hello-'))).toBe(true);
    expect(lines.some((l) => l.msg === 'gateway stopped')).toBe(true);
  });
});
