/**
 * Fan-out speed-up: the same `logs.process` task (a generated combined log cut in byte ranges) run
 * with one worker process, then with two, against one dev server. Prints wall time and the speed-up.
 *   npm run bench:logs-fanout -- [LINES=2000000] [CHUNK_MB=16]
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { topics } from '../src/activities/topics/index.js';
import { loadConfig } from '../src/config.js';
import { TaskService } from '../src/gateway/tasks/service.js';
import { root, spawnEntry, startBenchTemporal } from './harness.js';

const [LINES = 2_000_000, CHUNK_MB = 16] = process.argv.slice(2).map(Number);
const file = path.join(tmpdir(), `taskgate-bench-${LINES}.log`);
if (!existsSync(file))
  spawnSync(process.execPath, ['--import', 'tsx', 'bench/logs/generate.ts', file, String(LINES)], { cwd: root, stdio: 'inherit' });

const base = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
const server = await startBenchTemporal(base);
const client = new Client({ connection: await Connection.connect({ address: server.address }) });
const dataDir = path.join(tmpdir(), `taskgate-fanout-${randomUUID()}`);
const workers: ChildProcess[] = [];

async function runWith(n: number): Promise<number> {
  const queue = `fanout-${n}-${randomUUID()}`;
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_TASK_QUEUE: queue,
    TASKGATE_DATA_DIR: dataDir,
    LOGS_ALLOWED_ROOTS: tmpdir(),
    CERT_CHECK_JOB: 'false',
    LOG_LEVEL: 'warn',
  };
  const started = Array.from({ length: n }, () => spawnEntry('src/worker.ts', env));
  workers.push(...started);
  const config = loadConfig({ ...env, LOG_LEVEL: 'silent' });
  const tasks = new TaskService(client, config, topics);
  // Let every worker connect and poll before the work appears.
  await new Promise((r) => setTimeout(r, 6000));
  const t0 = performance.now();
  const { task } = await tasks.create({ type: 'logs.process', payload: { source: file, chunkMB: CHUNK_MB, parallelism: 16 } });
  const result = await client.workflow.getHandle(task.id).result();
  const seconds = (performance.now() - t0) / 1000;
  console.log(`${n} worker(s): ${seconds.toFixed(2)} s, ${result.ranges} ranges, ${result.requests} requests`);
  for (const w of started) w.kill('SIGTERM');
  await Promise.all(started.map((w) => new Promise((r) => w.once('exit', r))));
  return seconds;
}

try {
  const one = await runWith(1);
  const two = await runWith(2);
  console.log(
    `\n${LINES} lines in ${CHUNK_MB} MB ranges: 1 worker ${one.toFixed(2)} s, 2 workers ${two.toFixed(2)} s -> speed-up ${(one / two).toFixed(2)}x`,
  );
} finally {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  await client.connection.close();
  await server.stop();
}
