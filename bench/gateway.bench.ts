/**
 * Gateway overhead: N task creations through POST /api/tasks (the gateway in its own process, as
 * deployed) against N direct `client.workflow.start` calls from this process, same dev server, same
 * concurrency, alternating rounds. Prints throughput, p50/p99 and the ratios.
 *   npm run bench:gateway -- [N=2000] [CONCURRENCY=32] [ROUNDS=3]
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../src/config.js';
import { PRIORITY_KEY, PRIORITY_VALUE } from '../src/domain/priority.js';
import { TaskPriorityKey, TaskStatusKey, TaskTypeKey } from '../src/domain/search-attributes.js';
import { TASK_WORKFLOW, type TaskWorkflowInput } from '../src/domain/task-input.js';
import { freePort } from '../src/temporal/dev-server.js';
import { spawnEntry, startBenchTemporal, waitUntilOk } from './harness.js';
import { printTable, runLoad, type RunResult } from './stats.js';

const [N = 2000, CONCURRENCY = 32, ROUNDS = 3] = process.argv.slice(2).map(Number);
const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });

const server = await startBenchTemporal(config);
const apiPort = await freePort();
// No worker polls this queue: the benchmark measures creation, not execution.
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
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function post(body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: apiPort,
        path: '/api/tasks',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// The direct client starts exactly what the gateway would: same workflow, input, memo and attributes.
const input: TaskWorkflowInput = {
  type: 'say_hello',
  payload: { name: 'bench' },
  activity: 'say_hello',
  timeoutSeconds: 300,
  heartbeatTimeoutSeconds: 30,
  retry: {
    maxAttempts: 3,
    initialIntervalSeconds: 1,
    backoffCoefficient: 2,
    maximumIntervalSeconds: 60,
    nonRetryableErrorTypes: ['InvalidPayload'],
  },
};
const direct = (i: number, round: number) =>
  client.workflow
    .start(TASK_WORKFLOW, {
      taskQueue,
      workflowId: `direct-${round}-${i}-${randomUUID()}`,
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
      priority: { priorityKey: PRIORITY_KEY.normal },
      memo: { payload: input.payload, maxAttempts: 3, timeoutSeconds: 300 },
      typedSearchAttributes: [
        { key: TaskTypeKey, value: 'say_hello' },
        { key: TaskPriorityKey, value: PRIORITY_VALUE.normal },
        { key: TaskStatusKey, value: 'pending' },
      ],
    })
    .then(() => undefined);
const viaGateway = (i: number, round: number) =>
  post(JSON.stringify({ type: 'say_hello', payload: { name: 'bench' }, id: `gw-${round}-${i}-${randomUUID()}` }));

try {
  await waitUntilOk(`http://127.0.0.1:${apiPort}/health`);
  // Warm both paths (connections, JIT) before measuring.
  await runLoad('warm direct', 300, CONCURRENCY, (i) => direct(i, -1));
  await runLoad('warm gateway', 300, CONCURRENCY, (i) => viaGateway(i, -1));

  const rows: RunResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    rows.push(await runLoad(`direct #${round + 1}`, N, CONCURRENCY, (i) => direct(i, round)));
    rows.push(await runLoad(`gateway #${round + 1}`, N, CONCURRENCY, (i) => viaGateway(i, round)));
  }
  console.log(
    `\nTask creation, N=${N} per run, concurrency ${CONCURRENCY}, ${ROUNDS} alternating rounds, one dev server (${server.address})\n`,
  );
  printTable(rows);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const d = rows.filter((r) => r.label.startsWith('direct'));
  const g = rows.filter((r) => r.label.startsWith('gateway'));
  const dTput = median(d.map((r) => r.perSecond));
  const gTput = median(g.map((r) => r.perSecond));
  const dP99 = median(d.map((r) => r.p99));
  const gP99 = median(g.map((r) => r.p99));
  console.log(
    `\nmedian throughput: direct ${dTput.toFixed(0)}/s, gateway ${gTput.toFixed(0)}/s -> gateway/direct = ${(gTput / dTput).toFixed(3)} (aim >= 0.90)`,
  );
  console.log(`median p50: direct ${median(d.map((r) => r.p50)).toFixed(2)} ms, gateway ${median(g.map((r) => r.p50)).toFixed(2)} ms`);
  console.log(
    `median p99: direct ${dP99.toFixed(2)} ms, gateway ${gP99.toFixed(2)} ms -> added ${(gP99 - dP99).toFixed(2)} ms (aim < 5 ms)`,
  );
} finally {
  agent.destroy();
  gateway.kill('SIGTERM');
  await client.connection.close();
  await server.stop();
}
