/**
 * Jobs at scale: create N jobs, list them all, delete them, through the gateway (its own process)
 * and, as the peer, with the SDK's schedule client directly against the same dev server.
 *   npm run bench:jobs -- [N=1000] [CONCURRENCY=16] [PAGE=200]
 * The gateway answers a create with the described job (next runs) and describes every listed job, so
 * there are two SDK peers: the bare calls, and the same work (create+describe, list+describe each).
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection, ScheduleOverlapPolicy } from '@temporalio/client';
import { loadConfig } from '../src/config.js';
import { PRIORITY_VALUE } from '../src/domain/priority.js';
import { TaskPriorityKey, TaskTypeKey } from '../src/domain/search-attributes.js';
import { TASK_WORKFLOW, type TaskWorkflowInput } from '../src/domain/task-input.js';
import { freePort } from '../src/temporal/dev-server.js';
import { spawnEntry, startBenchTemporal, waitUntilOk } from './harness.js';
import { runLoad } from './stats.js';

const [N = 1000, CONCURRENCY = 16, PAGE = 200] = process.argv.slice(2).map(Number);
const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });

const server = await startBenchTemporal(config);
const apiPort = await freePort();
const taskQueue = `bench-${randomUUID()}`;
const gateway = spawnEntry('src/gateway/server.ts', {
  ...process.env,
  PORT: String(apiPort),
  TEMPORAL_ADDRESS: server.address,
  TEMPORAL_TASK_QUEUE: taskQueue,
  LOG_LEVEL: 'warn',
  // One client from one address makes thousands of calls: the per-IP limits would answer 429.
  RATE_LIMIT_READ: '0',
  RATE_LIMIT_WRITE: '0',
});
const client = new Client({ connection: await Connection.connect({ address: server.address }) });
const base = `http://127.0.0.1:${apiPort}`;

async function api(method: string, url: string, body?: unknown): Promise<any> {
  const res = await fetch(base + url, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

// Yearly: nothing fires while the benchmark runs, so only the schedule operations are timed.
const CRON = '0 0 1 1 *';
const input: TaskWorkflowInput = {
  type: 'say_hello',
  payload: { name: 'bench' },
  activity: 'say_hello',
  timeoutSeconds: 300,
  heartbeatTimeoutSeconds: 30,
  retry: { maxAttempts: 3, initialIntervalSeconds: 1, backoffCoefficient: 2, maximumIntervalSeconds: 60, nonRetryableErrorTypes: [] },
};

const sdkCreate = (id: string) =>
  client.schedule
    .create({
      scheduleId: id,
      spec: { cronExpressions: [CRON], timezone: 'UTC' },
      action: {
        type: 'startWorkflow',
        workflowType: TASK_WORKFLOW,
        workflowId: id,
        taskQueue,
        args: [input],
        memo: { payload: input.payload },
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      memo: { createdBy: 'bench', createdAt: new Date().toISOString() },
      typedSearchAttributes: [
        { key: TaskTypeKey, value: 'say_hello' },
        { key: TaskPriorityKey, value: PRIORITY_VALUE.normal },
      ],
    })
    .then(() => undefined);

async function sdkCount(prefix: string): Promise<number> {
  let n = 0;
  for await (const s of client.schedule.list({ pageSize: 1000 })) if (s.scheduleId.startsWith(prefix)) n++;
  return n;
}

/** The gateway's list work without HTTP: summaries, then a describe per job, a page at a time. */
async function sdkListDescribed(prefix: string): Promise<number> {
  const ids: string[] = [];
  for await (const s of client.schedule.list({ pageSize: 1000 })) if (s.scheduleId.startsWith(prefix)) ids.push(s.scheduleId);
  for (let i = 0; i < ids.length; i += PAGE)
    await Promise.all(ids.slice(i, i + PAGE).map((id) => client.schedule.getHandle(id).describe()));
  return ids.length;
}

async function gatewayListAll(): Promise<number> {
  let seen = 0;
  for (let offset = 0; ; offset += PAGE) {
    const page = await api('GET', `/api/jobs?limit=${PAGE}&offset=${offset}`);
    seen += page.jobs.length;
    if (offset + PAGE >= page.total) return seen;
  }
}

/** Schedule lists read visibility, which trails creation: wait until all N are listed. */
async function waitVisible(prefix: string): Promise<number> {
  const t0 = performance.now();
  while ((await sdkCount(prefix)) < N) await new Promise((r) => setTimeout(r, 100));
  return (performance.now() - t0) / 1000;
}

const time = async <T>(fn: () => Promise<T>): Promise<[number, T]> => {
  const t0 = performance.now();
  const v = await fn();
  return [(performance.now() - t0) / 1000, v];
};

try {
  await waitUntilOk(`${base}/health`);
  await api('POST', '/api/jobs', { id: 'warm', name: 'warm', type: 'say_hello', schedule: CRON, payload: { name: 'w' } });
  await api('DELETE', '/api/jobs/warm');

  const rows: string[][] = [];
  const row = (step: string, gw: number, sdk: number, note = '') =>
    rows.push([step, `${gw.toFixed(2)} s`, `${sdk.toFixed(2)} s`, (gw / sdk).toFixed(2), note]);

  // Gateway run first, then the SDK run, each on its own id prefix so their lists never mix.
  const gwIds = Array.from({ length: N }, (_, i) => `gw-${i}`);
  const gwCreate = await runLoad('gateway create', N, CONCURRENCY, (i) =>
    api('POST', '/api/jobs', { id: gwIds[i], name: `job ${i}`, type: 'say_hello', schedule: CRON, payload: { name: `n${i}` } }),
  );
  const gwVisible = await waitVisible('gw-');
  const [gwList, listed] = await time(gatewayListAll);
  if (listed !== N) throw new Error(`gateway listed ${listed} of ${N}`);
  const gwDelete = await runLoad('gateway delete', N, CONCURRENCY, (i) => api('DELETE', `/api/jobs/${gwIds[i]}`));

  const sdkIds = Array.from({ length: N }, (_, i) => `sdk-${i}`);
  const sdkCreateRun = await runLoad('sdk create', N, CONCURRENCY, (i) => sdkCreate(sdkIds[i]!));
  const sdkVisible = await waitVisible('sdk-');
  const [sdkList, sdkListed] = await time(() => sdkCount('sdk-'));
  const [sdkListSame] = await time(() => sdkListDescribed('sdk-'));
  if (sdkListed !== N) throw new Error(`sdk listed ${sdkListed} of ${N}`);
  const sdkDelete = await runLoad('sdk delete', N, CONCURRENCY, (i) => client.schedule.getHandle(sdkIds[i]!).delete());

  const sameIds = Array.from({ length: N }, (_, i) => `same-${i}`);
  const sdkCreateSame = await runLoad('sdk create+describe', N, CONCURRENCY, async (i) => {
    await sdkCreate(sameIds[i]!);
    await client.schedule.getHandle(sameIds[i]!).describe();
  });
  await runLoad('cleanup', N, CONCURRENCY, (i) => client.schedule.getHandle(sameIds[i]!).delete());

  for (const r of [gwCreate, gwDelete, sdkCreateRun, sdkDelete, sdkCreateSame])
    if (r.errors) throw new Error(`${r.label}: ${r.errors} errors`);
  row(
    'create',
    gwCreate.seconds,
    sdkCreateRun.seconds,
    `bare SDK create; p50 ${gwCreate.p50.toFixed(1)} vs ${sdkCreateRun.p50.toFixed(1)} ms`,
  );
  row('create, same work', gwCreate.seconds, sdkCreateSame.seconds, `SDK create+describe; p50 ${sdkCreateSame.p50.toFixed(1)} ms`);
  row('visible in list', gwVisible, sdkVisible, 'visibility lag after the last create');
  row(`list all (pages of ${PAGE})`, gwList, sdkList, 'SDK reads summaries only');
  row('list all, same work', gwList, sdkListSame, 'SDK summaries + describe each');
  row('delete', gwDelete.seconds, sdkDelete.seconds, `p50 ${gwDelete.p50.toFixed(1)} vs ${sdkDelete.p50.toFixed(1)} ms`);

  console.log(`\nJobs: N=${N}, concurrency ${CONCURRENCY}, one dev server (${server.address})\n`);
  const head = ['step', 'gateway', 'sdk', 'gw/sdk', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [head, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  console.log(`\ngateway: ${(N / gwCreate.seconds).toFixed(0)} creates/s, ${(N / gwDelete.seconds).toFixed(0)} deletes/s`);
} finally {
  gateway.kill('SIGTERM');
  await client.connection.close();
  await server.stop();
}
