/**
 * Worker entry: polls the task queue, runs the task workflows and the topic activities. Stateless: any
 * number of these can run; Temporal hands out the work and resumes it elsewhere when one dies.
 */
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker, type LogLevel, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities/index.js';
import { createLogActivities } from './activities/logs.js';
import { logsQueue } from './domain/task-input.js';
import { signallingReporter } from './activities/attempt-reporter.js';
import { loadConfigOrExit, type Config } from './config.js';
import { createLogger } from './logger.js';
import { connectClient, connectWorkerConnection } from './temporal/connection.js';
import { ensureSearchAttributes } from './temporal/search-attributes.js';
import { CERT_CHECK_JOB_ID, ensureCertificateCheckJob } from './certificates/daily-check.js';

export const workflowsPath = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

export interface TaskgateWorker {
  worker: Worker;
  client: Client;
  run(): Promise<void>;
  shutdown(): Promise<void>;
}

const SDK_LEVELS: Record<Config['LOG_LEVEL'], LogLevel | undefined> = {
  fatal: 'ERROR',
  error: 'ERROR',
  warn: 'WARN',
  info: 'INFO',
  debug: 'DEBUG',
  trace: 'TRACE',
  silent: undefined,
};
let runtimeInstalled = false;

/** The SDK logs through one process-wide runtime; its level follows LOG_LEVEL (silent in tests). */
function installRuntime(config: Config) {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const sdkLevel = SDK_LEVELS[config.LOG_LEVEL];
  Runtime.install({
    logger: sdkLevel ? new DefaultLogger(sdkLevel) : new DefaultLogger('ERROR', () => {}),
    telemetryOptions: {
      // Core's own (Rust) logs go through the same logger, so one level governs both.
      logging: { filter: { core: sdkLevel ?? 'ERROR', other: sdkLevel ?? 'ERROR' }, forward: {} },
      // The SDK's own metrics (task slots, poll latency, activity and workflow outcomes) at /metrics.
      ...(config.WORKER_METRICS_PORT !== undefined
        ? { metrics: { prometheus: { bindAddress: `0.0.0.0:${config.WORKER_METRICS_PORT}`, countersTotalSuffix: true } } }
        : {}),
    },
  });
}

/** Builds a worker for the configured namespace and queue; `overrides` lets tests share a bundle. */
export async function createTaskgateWorker(config: Config, overrides: Partial<WorkerOptions> = {}): Promise<TaskgateWorker> {
  installRuntime(config);
  const client = await connectClient(config);
  const connection = await connectWorkerConnection(config);
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowsPath,
    activities: createActivities({ config, reporter: signallingReporter(client) }),
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    shutdownGraceTime: `${config.WORKER_SHUTDOWN_GRACE_SECONDS}s`,
    // Cancellation reaches an activity with its next heartbeat; keep that within a second or so.
    maxHeartbeatThrottleInterval: '1s',
    defaultHeartbeatThrottleInterval: '1s',
    ...overrides,
  });
  // Log ranges are CPU-bound on this process's one JS thread: they go to a queue of their own, taken
  // LOGS_WORKER_CONCURRENCY at a time, so a second worker process gets its share instead of this one
  // accepting every range at once.
  const { logsProcessRange } = createLogActivities(config);
  const cpuWorker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: logsQueue(config.TEMPORAL_TASK_QUEUE),
    activities: { logsProcessRange },
    maxConcurrentActivityTaskExecutions: config.LOGS_WORKER_CONCURRENCY,
    shutdownGraceTime: `${config.WORKER_SHUTDOWN_GRACE_SECONDS}s`,
    maxHeartbeatThrottleInterval: '1s',
    defaultHeartbeatThrottleInterval: '1s',
  });
  let running: Promise<void> | undefined;
  return {
    worker,
    client,
    run() {
      running ??= Promise.all([worker.run(), cpuWorker.run()])
        .then(() => undefined)
        .finally(async () => {
          await connection.close();
          await client.connection.close();
        });
      return running;
    },
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      if (cpuWorker.getState() === 'RUNNING') cpuWorker.shutdown();
      await running;
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger('worker', config.LOG_LEVEL);
  const tg = await createTaskgateWorker(config);
  try {
    const added = await ensureSearchAttributes(tg.client, config.TEMPORAL_NAMESPACE);
    if (added.length) log.info({ added }, 'registered search attributes');
  } catch (err) {
    log.warn({ err: String(err) }, 'could not check search attributes; register them as README says');
  }
  if (config.CERT_CHECK_JOB) {
    try {
      const r = await ensureCertificateCheckJob(tg.client, config);
      if (r === 'created') log.info({ job: CERT_CHECK_JOB_ID, cron: config.CERT_CHECK_CRON }, 'created the daily certificate check job');
    } catch (err) {
      log.warn({ err: String(err) }, 'could not create the daily certificate check job');
    }
  }
  log.info(
    {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      namespace: config.TEMPORAL_NAMESPACE,
      address: config.TEMPORAL_ADDRESS,
      ...(config.WORKER_METRICS_PORT !== undefined ? { metrics: `http://0.0.0.0:${config.WORKER_METRICS_PORT}/metrics` } : {}),
    },
    'worker polling',
  );
  await tg.run();
  log.info('worker stopped');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
