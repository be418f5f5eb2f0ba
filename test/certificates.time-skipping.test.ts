/**
 * Certificate workflows on the time-skipping test server, with the real activities against a real
 * Pebble and the real gateway answering HTTP-01: hours of retry backoff and deadlines pass in seconds.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCertificateActivities } from '../src/activities/certificates/index.js';
import { certificateStore } from '../src/activities/certificates/lifecycle.js';
import { issueTemporaryCertificate } from '../src/certificates/temporary.js';
import { loadConfig } from '../src/config.js';
import type { RenewPayload } from '../src/domain/certificates.js';
import { CERTIFICATE_WORKFLOWS, type TaskWorkflowInput } from '../src/domain/task-input.js';
import { startGateway, type RunningGateway } from '../src/gateway/server.js';
import { createLogger } from '../src/logger.js';
import { freePort } from '../src/temporal/dev-server.js';
import { workflowsPath } from '../src/worker.js';
import { startPebble, type Pebble } from './helpers/pebble.js';
import { eventually, testConfig } from './helpers/stack.js';

let env: TestWorkflowEnvironment;
let pebble: Pebble;
let gateway: RunningGateway;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `certs-ts-${randomUUID()}`;
const dataDir = mkdtempSync(path.join(tmpdir(), 'taskgate-certs-ts-'));
const calls = { acmeOrder: 0, acmeOrderFailed: 0 };

function input(workflowType: string, payload: unknown): TaskWorkflowInput {
  return {
    type: workflowType,
    activity: workflowType,
    workflowType,
    payload,
    timeoutSeconds: 3600,
    heartbeatTimeoutSeconds: 30,
    retry: { maxAttempts: 1, initialIntervalSeconds: 1, backoffCoefficient: 2, maximumIntervalSeconds: 60, nonRetryableErrorTypes: [] },
  };
}
const renew = (domains: string[], deadlineHours: number): TaskWorkflowInput =>
  input(CERTIFICATE_WORKFLOWS.renew, {
    domains,
    challenge: 'http-01',
    keyType: 'ec',
    deadlineHours,
    propagationSeconds: 0,
  } satisfies RenewPayload);

/** A workflow's result, polled in real time (no time skipping while waiting). */
async function finished(workflowId: string): Promise<any> {
  const handle = env.client.workflow.getHandle(workflowId);
  await eventually(async () => ((await handle.describe()).status.name === 'RUNNING' ? undefined : true), 60_000, 100);
  const history = await handle.fetchHistory();
  const done = history.events?.find((e) => e.workflowExecutionCompletedEventAttributes);
  if (!done) throw new Error(`${workflowId} did not complete: ${(await handle.describe()).status.name}`);
  return env.client.workflow.getHandle(workflowId).result();
}

beforeAll(async () => {
  Runtime.install({
    logger: new DefaultLogger('ERROR', () => {}),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
  const port = await freePort();
  const cacheDir = process.env.TASKGATE_CACHE_DIR || path.join(process.env.HOME ?? '/tmp', '.cache', 'taskgate');
  [env, pebble] = await Promise.all([
    TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('testServerPath') } } }),
    startPebble({ cacheDir, httpPort: port }),
  ]);
  const config = loadConfig({
    TASKGATE_DATA_DIR: dataDir,
    ACME_DIRECTORY_URL: pebble.directoryUrl,
    ACME_CA_BUNDLE: pebble.apiCa,
    LOG_LEVEL: 'silent',
  });
  // The gateway answers Pebble's HTTP-01 requests from the files the activities write.
  gateway = await startGateway(testConfig({ PORT: String(port), TASKGATE_DATA_DIR: dataDir }), createLogger('gw', 'silent'));
  const activities = createCertificateActivities(config);
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR', () => {}) }),
    activities: {
      ...activities,
      async acmeOrder(i: Parameters<typeof activities.acmeOrder>[0]) {
        calls.acmeOrder++;
        return activities.acmeOrder(i).catch((err) => {
          calls.acmeOrderFailed++;
          throw err;
        });
      },
    },
  });
  running = worker.run();
}, 180_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await gateway?.close();
  await pebble?.stop();
});

describe('certificate workflows, time-skipping', () => {
  it('ACME down, then up again: the order step retries and the renewal succeeds', async () => {
    await pebble.stopAcme();
    calls.acmeOrderFailed = 0;
    const handle = await env.client.workflow.start(CERTIFICATE_WORKFLOWS.renew, {
      taskQueue,
      workflowId: `down-up-${randomUUID()}`,
      args: [renew(['downup.taskgate.test'], 48)],
    });
    await eventually(async () => (calls.acmeOrderFailed >= 3 ? true : undefined), 30_000, 20);
    await pebble.startAcme();
    const result = await handle.result();
    expect(result).toMatchObject({ name: 'downup.taskgate.test', temporary: false });
    expect(calls.acmeOrderFailed).toBeGreaterThanOrEqual(3);
    const current = await certificateStore(loadConfig({ TASKGATE_DATA_DIR: dataDir })).current('downup.taskgate.test');
    expect(current).toMatchObject({ temporary: false, source: 'acme' });
  });

  it('ACME down past the deadline: a temporary certificate goes in, and the next renewal replaces it', async () => {
    await pebble.stopAcme();
    const t0 = Date.now();
    const err = await env.client.workflow
      .execute(CERTIFICATE_WORKFLOWS.renew, {
        taskQueue,
        workflowId: `deadline-${randomUUID()}`,
        args: [renew(['deadline.taskgate.test'], 2)],
      })
      .catch((e) => e);
    // Two hours of retries passed in (well) under half a minute of wall time.
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(err.cause.type).toBe('RenewalDeadlineExceeded');
    const store = certificateStore(loadConfig({ TASKGATE_DATA_DIR: dataDir }));
    const temp = await store.view('deadline.taskgate.test');
    expect(temp).toMatchObject({ temporary: true, source: 'self-signed', selfSigned: true, domains: ['deadline.taskgate.test'] });

    await pebble.startAcme();
    // The daily check treats a temporary certificate as due and starts its renewal.
    const check = await env.client.workflow.execute(CERTIFICATE_WORKFLOWS.check, {
      taskQueue,
      workflowId: `check-${randomUUID()}`,
      args: [input(CERTIFICATE_WORKFLOWS.check, {})],
    });
    const started = check.renewalsStarted.filter((id: string) => id.includes('deadline.taskgate.test'));
    expect(started).toHaveLength(1);
    // Polled in real time: the child is not this client's to skip time for while its ACME calls run.
    const childResult = await finished(started[0]);
    expect(childResult).toMatchObject({ temporary: false });
    const replaced = await store.view('deadline.taskgate.test');
    expect(replaced).toMatchObject({ temporary: false, source: 'acme', selfSigned: false });
    expect(replaced.versions.map((v) => v.temporary)).toEqual([true, false]);
  });

  it('check finds a certificate about to expire and renews it; fresh ones are left alone', async () => {
    const store = certificateStore(loadConfig({ TASKGATE_DATA_DIR: dataDir }));
    const old = await issueTemporaryCertificate({ domains: ['expiring.taskgate.test'], validityHours: 5 * 24 });
    await store.put({
      name: 'expiring.taskgate.test',
      version: 'imported-1',
      domains: ['expiring.taskgate.test'],
      temporary: false,
      source: 'imported',
      certPem: old.certPem,
      keyPem: old.keyPem,
    });
    const check = await env.client.workflow.execute(CERTIFICATE_WORKFLOWS.check, {
      taskQueue,
      workflowId: `check-${randomUUID()}`,
      args: [input(CERTIFICATE_WORKFLOWS.check, { renewBeforeDays: 30 })],
    });
    const expiring = check.checked.find((c: any) => c.name === 'expiring.taskgate.test');
    expect(expiring).toMatchObject({ due: true, daysRemaining: 4 });
    expect(check.checked.find((c: any) => c.name === 'downup.taskgate.test')).toMatchObject({ due: false });
    const started = check.renewalsStarted.filter((id: string) => id.includes('expiring.taskgate.test'));
    expect(started).toHaveLength(1);
    expect(check.renewalsStarted.some((id: string) => id.includes('downup'))).toBe(false);
    expect(await finished(started[0])).toMatchObject({ temporary: false });
    const renewed = await store.view('expiring.taskgate.test');
    expect(renewed).toMatchObject({ source: 'acme', temporary: false });
    expect(renewed.daysRemaining).toBeGreaterThan(60);

    // A second check the same day finds that renewal already there and starts nothing new.
    const again = await env.client.workflow.execute(CERTIFICATE_WORKFLOWS.check, {
      taskQueue,
      workflowId: `check-${randomUUID()}`,
      args: [input(CERTIFICATE_WORKFLOWS.check, { renewBeforeDays: 3650 })],
    });
    expect(again.alreadyRunning.concat(again.renewalsStarted).length).toBeGreaterThan(0);
  });
});
