/**
 * The `logs.process` task end to end: a generated log fanned out in byte ranges over a real worker,
 * the report read back over HTTP (JSON and HTML) and checked against a single pass; globs with
 * rotated .gz files; URLs; a range resumed from its checkpoint after its activity died; incremental
 * runs that follow rotation by inode.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Client, Connection } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogActivities } from '../src/activities/logs.js';
import { loadConfig } from '../src/config.js';
import { LogAggregate } from '../src/logs/aggregate.js';
import { parserFor } from '../src/logs/formats.js';
import { aggregateLines } from '../src/logs/process-text.js';
import { planRanges, resolveSources } from '../src/logs/sources.js';
import { LOGS_WORKFLOW, type TaskWorkflowInput } from '../src/domain/task-input.js';
import { eventually, startStack, waitForStatus, type Stack } from './helpers/stack.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'taskgate-logs-'));
const inDir = path.join(dataDir, 'in');
const bigLog = path.join(inDir, 'big.log');
let stack: Stack;
const combined = parserFor('combined');
const singlePass = (text: string) => aggregateLines(text, combined).report();

beforeAll(async () => {
  mkdirSync(inDir, { recursive: true });
  const g = spawnSync(process.execPath, ['--import', 'tsx', 'bench/logs/generate.ts', bigLog, '40000'], { encoding: 'utf8' });
  if (g.status !== 0) throw new Error(g.stderr);
  appendFileSync(bigLog, 'this line is not a log line\n');
  stack = await startStack({
    config: { TASKGATE_DATA_DIR: dataDir, LOGS_ALLOWED_ROOTS: inDir, RATE_LIMIT_READ: '0', RATE_LIMIT_WRITE: '0' },
  });
}, 120_000);
afterAll(() => stack?.stop());

async function run(payload: Record<string, unknown>) {
  const r = await stack.api('/api/tasks', { body: { type: 'logs.process', payload } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return waitForStatus(stack, r.body.id, ['completed', 'failed'], 90_000);
}

describe('logs.process over HTTP', () => {
  it('fans a file out in ranges and stores the report a single pass would make', async () => {
    const done = await run({ source: bigLog, format: 'combined', chunkMB: 1, parallelism: 4 });
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    expect(done.result.ranges).toBeGreaterThanOrEqual(7);
    expect(done.result.requests).toBe(40_000);
    expect(done.result.malformed).toBe(1);

    const doc = (await stack.api(`/api/reports/${done.result.reportId}`)).body;
    expect(doc).toMatchObject({ id: done.result.reportId, taskId: done.id, source: bigLog, format: 'combined' });
    expect(doc.report).toEqual(singlePass(readFileSync(bigLog, 'utf8')));
    expect(doc.report.securityEvents.length).toBeGreaterThan(0);

    const html = await fetch(`${stack.url}/api/reports/${done.result.reportId}?format=html`);
    expect(html.headers.get('content-type')).toContain('text/html');
    const page = await html.text();
    expect(page).toContain('<svg');
    expect(page).toContain('Requests per minute');
    expect(page).toContain('40,000');
    const list = (await stack.api('/api/reports')).body.reports;
    expect(list.map((x: any) => x.id)).toContain(done.result.reportId);
    expect((await stack.api('/api/reports/nope')).status).toBe(404);
  });

  it('reads a glob with a rotated .gz file, a time range, and a URL', async () => {
    const dir = path.join(inDir, 'rotated');
    mkdirSync(dir, { recursive: true });
    const text = readFileSync(bigLog, 'utf8').split('\n');
    const older = text.slice(0, 1000).join('\n') + '\n';
    const newer = text.slice(1000, 1500).join('\n') + '\n';
    writeFileSync(path.join(dir, 'access.log.1.gz'), gzipSync(older));
    writeFileSync(path.join(dir, 'access.log'), newer);
    const globbed = await run({ source: path.join(dir, 'access.log*') });
    expect(globbed.result.requests).toBe(1500);

    const first = combined(text[0]!)!.ts;
    const from = new Date(first + 60_000).toISOString();
    const to = new Date(first + 120_000).toISOString();
    const ranged = await run({ source: bigLog, from, to });
    const expected = text.filter((l) => {
      const r = combined(l);
      return r && r.ts >= first + 60_000 && r.ts < first + 120_000;
    }).length;
    expect(ranged.result.requests).toBe(expected);

    const server: Server = createServer((_q, s) => s.end(newer));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const viaUrl = await run({ source: `http://127.0.0.1:${(server.address() as any).port}/access.log` });
      expect(viaUrl.result.requests).toBe(500);
    } finally {
      server.close();
    }
  });

  it('rejects a bad format at creation (400 naming the field), and sources outside the allowed roots', async () => {
    const bad = await stack.api('/api/tasks', { body: { type: 'logs.process', payload: { source: bigLog, format: '%h %Q' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].field).toBe('payload.format');
    const outside = await run({ source: '/etc/hostname' });
    expect(outside.status).toBe('failed');
    expect(outside.error).toContain('LOGS_ALLOWED_ROOTS');
    const missing = await run({ source: path.join(inDir, 'none.log') });
    expect(missing.error).toContain('does not exist');
  });

  it('incremental runs count only what was appended, following rotation by inode', async () => {
    const dir = path.join(inDir, 'incr');
    mkdirSync(dir, { recursive: true });
    const lines = readFileSync(bigLog, 'utf8').split('\n').slice(0, 300);
    const live = path.join(dir, 'access.log');
    writeFileSync(live, lines.slice(0, 100).join('\n') + '\n');
    const key = `incr-${Date.now()}`;
    const source = path.join(dir, 'access.log*');
    expect((await run({ source, incrementalKey: key })).result.requests).toBe(100);
    appendFileSync(live, lines.slice(100, 150).join('\n') + '\n');
    expect((await run({ source, incrementalKey: key })).result.requests).toBe(50);
    // More lines land in the old file, then it is rotated and a new one starts.
    appendFileSync(live, lines.slice(150, 155).join('\n') + '\n');
    renameSync(live, path.join(dir, 'access.log.1'));
    writeFileSync(live, lines.slice(155, 175).join('\n') + '\n');
    expect((await run({ source, incrementalKey: key })).result.requests).toBe(25);
    expect((await run({ source, incrementalKey: key })).result.requests).toBe(0);
  });
});

describe('a worker killed mid-file', () => {
  it('is replaced by another that resumes the range from its checkpoint, counting nothing twice', async () => {
    const file = path.join(inDir, 'large.log');
    const g = spawnSync(process.execPath, ['--import', 'tsx', 'bench/logs/generate.ts', file, '600000'], { encoding: 'utf8' });
    if (g.status !== 0) throw new Error(g.stderr);
    const queue = `logs-kill-${Date.now()}`;
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: queue,
      TASKGATE_DATA_DIR: dataDir,
      LOGS_ALLOWED_ROOTS: inDir,
      LOGS_CHECKPOINT_SECONDS: '0.2',
      CERT_CHECK_JOB: 'false',
      LOG_LEVEL: 'warn',
    };
    const startWorker = () => spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], { env, stdio: 'ignore' });
    const client = new Client({ connection: await Connection.connect({ address: stack.config.TEMPORAL_ADDRESS }) });
    const a = startWorker();
    let b: ChildProcess | undefined;
    try {
      const input: TaskWorkflowInput = {
        type: 'logs.process',
        activity: 'logs.process',
        workflowType: LOGS_WORKFLOW,
        payload: { source: file, format: 'combined', chunkMB: 1024, parallelism: 1 },
        timeoutSeconds: 600,
        heartbeatTimeoutSeconds: 2,
        retry: { maxAttempts: 1, initialIntervalSeconds: 1, backoffCoefficient: 2, maximumIntervalSeconds: 10, nonRetryableErrorTypes: [] },
      };
      const handle = await client.workflow.start(LOGS_WORKFLOW, { taskQueue: queue, workflowId: `logs-kill-${Date.now()}`, args: [input] });
      const checkpoints = path.join(dataDir, 'logs-work', handle.workflowId, 'checkpoints');
      // Kill the worker once it has saved a checkpoint part-way through the file.
      await eventually(
        async () => (existsSync(checkpoints) && readdirSync(checkpoints).some((f) => f.endsWith('.json')) ? true : undefined),
        60_000,
        20,
      );
      a.kill('SIGKILL');
      await once(a, 'exit');
      b = startWorker();
      const result = await handle.result();
      expect(result.requests).toBe(600_000);
      const history = await handle.fetchHistory();
      const events = history.events ?? [];
      const rangeScheduled = new Set(
        events
          .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'logsProcessRange')
          .map((e) => String(e.eventId)),
      );
      const completed = events.find(
        (e) =>
          e.activityTaskCompletedEventAttributes && rangeScheduled.has(String(e.activityTaskCompletedEventAttributes.scheduledEventId)),
      );
      const range = JSON.parse(Buffer.from(completed!.activityTaskCompletedEventAttributes!.result!.payloads![0]!.data!).toString());
      const started = events.find(
        (e) => e.activityTaskStartedEventAttributes && rangeScheduled.has(String(e.activityTaskStartedEventAttributes.scheduledEventId)),
      );
      expect(started?.activityTaskStartedEventAttributes?.attempt).toBeGreaterThan(1);
      expect(range.resumedFrom).toBeGreaterThan(0);
      const doc = JSON.parse(readFileSync(path.join(dataDir, 'reports', `${result.reportId}.json`), 'utf8'));
      expect(doc.report).toEqual(singlePass(readFileSync(file, 'utf8')));
    } finally {
      a.kill('SIGKILL');
      b?.kill('SIGTERM');
      await client.connection.close();
    }
  }, 180_000);
});

describe('a range resumed from its checkpoint', () => {
  it('continues where the dead attempt stopped and counts nothing twice', async () => {
    const config = loadConfig({ TASKGATE_DATA_DIR: dataDir, LOGS_ALLOWED_ROOTS: inDir, LOG_LEVEL: 'silent' });
    const acts = createLogActivities(config, { checkpointEveryMs: 0 });
    const [source] = await resolveSources(bigLog);
    const [range] = planRanges([source!], 64 << 20);
    const input = { reportId: `resume-${Date.now()}`, format: 'combined', range: range! };

    // First attempt: the worker "dies" (its activity is cancelled) after a few chunks.
    const first = new MockActivityEnvironment();
    first.on('heartbeat', () => first.cancel());
    await expect(first.run(acts.logsProcessRange, input)).rejects.toThrow();
    // Second attempt, as another worker would make it: resumes from the checkpoint.
    const second = new MockActivityEnvironment();
    const result = (await second.run(acts.logsProcessRange, input)) as Awaited<ReturnType<typeof acts.logsProcessRange>>;
    expect(result.resumedFrom).toBeGreaterThan(0);
    expect(result.resumedFrom).toBeLessThan(source!.kind === 'file' ? source!.size : Infinity);
    const part = LogAggregate.fromJSON(JSON.parse(readFileSync(result.part, 'utf8')));
    expect(part.report()).toEqual(singlePass(readFileSync(bigLog, 'utf8')));
  });
});
