/** A real worker and a real gateway (over HTTP) against the shared dev server, isolated by task queue. */
import { randomUUID } from 'node:crypto';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { startGateway, type RunningGateway } from '../../src/gateway/server.js';
import { createLogger } from '../../src/logger.js';
import { createTaskgateWorker, workflowsPath, type TaskgateWorker } from '../../src/worker.js';

let bundle: Promise<{ code: string }> | undefined;
/** Bundling takes a second or two; once per test file is enough. */
export function workflowBundle() {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: { log() {}, info() {}, warn() {}, error() {}, debug() {}, trace() {} } as any });
  return bundle;
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
    PORT: '0',
    LOG_LEVEL: 'silent',
    TASKGATE_CACHE_DIR: process.env.TASKGATE_CACHE_DIR ?? '',
    ...overrides,
  });
}

export interface Stack {
  config: Config;
  gateway: RunningGateway;
  worker?: TaskgateWorker;
  url: string;
  api(
    path: string,
    init?: { method?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

export async function startWorker(config: Config, overrides: Partial<WorkerOptions> = {}): Promise<TaskgateWorker> {
  const worker = await createTaskgateWorker(config, { workflowsPath: undefined, workflowBundle: await workflowBundle(), ...overrides });
  void worker.run();
  return worker;
}

export async function startStack(opts: { config?: Record<string, string>; worker?: Partial<WorkerOptions> | false } = {}): Promise<Stack> {
  const config = testConfig(opts.config);
  const worker = opts.worker === false ? undefined : await startWorker(config, opts.worker || {});
  const gateway = await startGateway(config, createLogger('gateway', 'silent'));
  const api: Stack['api'] = async (path, init = {}) => {
    const res = await fetch(`${gateway.url}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
      body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
    });
    const text = await res.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (docs page)
    }
    return { status: res.status, body, headers: res.headers };
  };
  return {
    config,
    gateway,
    worker,
    url: gateway.url,
    api,
    async stop() {
      await gateway.close();
      await worker?.shutdown();
    },
  };
}

/** Polls until `check` returns a value (not undefined) or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits for a task to reach one of the given statuses and returns it. */
export async function waitForStatus(stack: Stack, id: string, statuses: string[], timeoutMs = 20_000) {
  let last: unknown;
  return eventually(async () => {
    const r = await stack.api(`/api/tasks/${id}`);
    last = r.body;
    return statuses.includes(r.body?.status) ? r.body : undefined;
  }, timeoutMs).catch((err) => {
    throw new Error(`${err.message}; waiting for ${statuses.join('|')}, last seen ${JSON.stringify(last)}`);
  });
}
