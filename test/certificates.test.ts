/**
 * Certificates against a real ACME server (Pebble): HTTP-01 validated by Pebble's VA against the
 * gateway itself, DNS-01 through a hook command, store versions and rollback, the REST routes, and a
 * worker killed in the middle of a renewal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERT_CHECK_JOB_ID, ensureCertificateCheckJob } from '../src/certificates/daily-check.js';
import { CERTIFICATE_WORKFLOWS, type TaskWorkflowInput } from '../src/domain/task-input.js';
import { freePort } from '../src/temporal/dev-server.js';
import { startPebble, type Pebble } from './helpers/pebble.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { eventually, startStack, waitForStatus, type Stack } from './helpers/stack.js';

const hookScript = path.resolve('test/fixtures/dns-hook.mjs');
let pebble: Pebble;
let stack: Stack;
let dataDir: string;
let hookLog: string;
let receiver: Receiver;

beforeAll(async () => {
  const port = await freePort();
  dataDir = mkdtempSync(path.join(tmpdir(), 'taskgate-certs-'));
  hookLog = path.join(dataDir, 'dns-hook.log');
  pebble = await startPebble({
    cacheDir: process.env.TASKGATE_CACHE_DIR || path.join(process.env.HOME ?? '/tmp', '.cache', 'taskgate'),
    httpPort: port,
  });
  receiver = await startReceiver();
  stack = await startStack({
    config: {
      CERT_NOTIFY_URLS: `${receiver.url}/certs`,
      WEBHOOK_SECRET: 'notify-secret',
      PORT: String(port),
      TASKGATE_DATA_DIR: dataDir,
      ACME_DIRECTORY_URL: pebble.directoryUrl,
      ACME_CA_BUNDLE: pebble.apiCa,
      DNS_HOOK_COMMAND: hookScript,
      RATE_LIMIT_WRITE: '0',
      RATE_LIMIT_READ: '0',
    },
  });
  process.env.DNS_HOOK_LOG = hookLog;
  process.env.CHALLTESTSRV = pebble.challtestsrv;
}, 180_000);
afterAll(async () => {
  await receiver?.close();
  await stack?.stop();
  await pebble?.stop();
});

const request = (body: unknown) => stack.api('/api/certificates', { body });

describe('HTTP-01 through the gateway', () => {
  it('obtains a certificate from Pebble, stores it and serves its facts', async () => {
    const events: any[] = [];
    const ws = new WebSocket(`${stack.url.replace('http', 'ws')}/ws?types=certificate.renew`);
    ws.on('message', (d) => events.push(JSON.parse(String(d))));
    await once(ws, 'open');
    const r = await request({ domains: ['shop.taskgate.test', 'www.shop.taskgate.test'] });
    expect(r.status).toBe(201);
    expect(r.body.type).toBe('certificate.renew');
    const done = await waitForStatus(stack, r.body.id, ['completed', 'failed'], 60_000);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    expect(done.result).toMatchObject({ name: 'shop.taskgate.test', temporary: false });

    const cert = (await stack.api('/api/certificates/shop.taskgate.test')).body;
    expect(cert).toMatchObject({ name: 'shop.taskgate.test', temporary: false, source: 'acme', selfSigned: false });
    expect(cert.domains.sort()).toEqual(['shop.taskgate.test', 'www.shop.taskgate.test']);
    expect(cert.issuer).toMatch(/Pebble/i);
    expect(cert.daysRemaining).toBeGreaterThan(30);
    expect(cert.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(cert.versions).toHaveLength(1);
    // Files on disk, a backup copy, and no challenge left behind.
    const store = path.join(dataDir, 'certificates', 'shop.taskgate.test');
    expect(readFileSync(path.join(store, 'versions', cert.version, 'key.pem'), 'utf8')).toContain('PRIVATE KEY');
    expect(existsSync(path.join(dataDir, 'certificates-backup', 'shop.taskgate.test', 'versions', cert.version, 'cert.pem'))).toBe(true);
    expect(readdirSync(path.join(dataDir, 'acme-challenges')).filter((f) => !f.startsWith('.'))).toEqual([]);
    // The task shows its steps in the logs.
    const logs = (await stack.api(`/api/tasks/${r.body.id}/logs`)).body.lines.map((l: any) => l.message).join('\n');
    expect(logs).toMatch(/acmeOrder/);
    expect(logs).toMatch(/certStoreIssued/);
    // Distributed: a signed webhook to each target, and an event on the WebSocket.
    const notice = receiver
      .requests('/certs')
      .map((q) => ({ ...q, json: JSON.parse(q.body) }))
      .find((q) => q.json.version === cert.version);
    expect(notice?.json).toMatchObject({
      event: 'certificate.updated',
      name: 'shop.taskgate.test',
      temporary: false,
      fingerprint: cert.fingerprint,
    });
    const [t, v1] = String(notice!.headers['x-taskgate-signature']).split(',');
    expect(v1).toBe(
      `v1=${createHmac('sha256', 'notify-secret')
        .update(`${t!.slice(2)}.${notice!.body}`)
        .digest('hex')}`,
    );
    const updated = await eventually(
      async () => events.find((e) => e.type === 'certificate.updated' && e.task.id === r.body.id),
      10_000,
      50,
    );
    expect(updated.task.result).toMatchObject({ name: 'shop.taskgate.test', version: cert.version });
    ws.terminate();
  });

  it('renews a stored certificate into a new version, and rolls back to the previous one', async () => {
    const first = (await stack.api('/api/certificates/shop.taskgate.test')).body;
    const r = await stack.api('/api/certificates/shop.taskgate.test/renew', { method: 'POST', body: {} });
    expect(r.status).toBe(201);
    expect((await waitForStatus(stack, r.body.id, ['completed', 'failed'], 60_000)).status).toBe('completed');
    const second = (await stack.api('/api/certificates/shop.taskgate.test')).body;
    expect(second.versions).toHaveLength(2);
    expect(second.version).not.toBe(first.version);
    expect(second.fingerprint).not.toBe(first.fingerprint);

    const rolled = await stack.api('/api/certificates/shop.taskgate.test/rollback', { method: 'POST' });
    expect(rolled.status).toBe(200);
    expect(rolled.body).toMatchObject({ version: first.version, fingerprint: first.fingerprint });
    const again = await stack.api('/api/certificates/shop.taskgate.test/rollback', { method: 'POST' });
    expect(again.status).toBe(409);
  });

  it('lists certificates; 404 for an unknown one; 400 naming the field for bad requests', async () => {
    const list = (await stack.api('/api/certificates')).body.certificates.map((c: any) => c.name);
    expect(list).toContain('shop.taskgate.test');
    expect((await stack.api('/api/certificates/nope.taskgate.test')).status).toBe(404);
    expect((await stack.api('/api/certificates/nope.taskgate.test/renew', { method: 'POST', body: {} })).status).toBe(404);
    const bad = await request({ domains: ['not a domain'] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].field).toBe('payload.domains.0');
    const wildcard = await request({ domains: ['*.taskgate.test'] });
    expect(wildcard.status).toBe(400);
    expect(wildcard.body.error.message).toContain('dns-01');
    expect((await request({ domains: [] })).status).toBe(400);
    expect((await request({ domains: ['a.taskgate.test'], extra: 1 })).status).toBe(400);
  });

  it('serves the challenge path openly and 404s unknown tokens', async () => {
    const r = await fetch(`${stack.url}/.well-known/acme-challenge/unknown-token`);
    expect(r.status).toBe(404);
    expect((await fetch(`${stack.url}/.well-known/acme-challenge/..%2Fetc`)).status).toBe(404);
  });
});

describe('DNS-01 through the hook, and a worker killed mid-renewal', () => {
  it('issues a wildcard certificate with the TXT record set and cleared by the hook', async () => {
    const r = await request({ domains: ['*.dns.taskgate.test'], challenge: 'dns-01' });
    expect(r.status).toBe(201);
    const done = await waitForStatus(stack, r.body.id, ['completed', 'failed'], 60_000);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    const cert = (await stack.api('/api/certificates/wildcard.dns.taskgate.test')).body;
    expect(cert.domains).toEqual(['*.dns.taskgate.test']);
    const log = readFileSync(hookLog, 'utf8');
    expect(log).toMatch(/set dns\.taskgate\.test _acme-challenge\.dns\.taskgate\.test/);
    expect(log).toMatch(/clear dns\.taskgate\.test _acme-challenge\.dns\.taskgate\.test/);
  });

  it('completes a renewal after its worker is killed mid-step, with one order and one certificate', async () => {
    // No in-process worker on this queue: two worker processes take turns.
    const queue = `kill-${Date.now()}`;
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: queue,
      TASKGATE_DATA_DIR: dataDir,
      ACME_DIRECTORY_URL: pebble.directoryUrl,
      ACME_CA_BUNDLE: pebble.apiCa,
      DNS_HOOK_COMMAND: hookScript,
      DNS_HOOK_DELAY_MS: '4000',
      CERT_CHECK_JOB: 'false',
      LOG_LEVEL: 'warn',
    };
    const startWorker = () => spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], { env, stdio: 'ignore' });
    const client = new Client({ connection: await Connection.connect({ address: stack.config.TEMPORAL_ADDRESS }) });
    let b: ChildProcess | undefined;
    const a = startWorker();
    try {
      const input: TaskWorkflowInput = {
        type: 'certificate.renew',
        activity: 'certificate.renew',
        workflowType: CERTIFICATE_WORKFLOWS.renew,
        payload: { domains: ['killed.taskgate.test'], challenge: 'dns-01', keyType: 'ec', deadlineHours: 24, propagationSeconds: 0 },
        timeoutSeconds: 600,
        heartbeatTimeoutSeconds: 2,
        retry: { maxAttempts: 1, initialIntervalSeconds: 1, backoffCoefficient: 2, maximumIntervalSeconds: 10, nonRetryableErrorTypes: [] },
      };
      const handle = await client.workflow.start(CERTIFICATE_WORKFLOWS.renew, {
        taskQueue: queue,
        workflowId: `killed-${Date.now()}`,
        args: [input],
      });
      // The hook is slow (4 s): kill the worker while it runs, in the middle of the publish step.
      await eventually(
        async () => (existsSync(hookLog) && readFileSync(hookLog, 'utf8').includes('start set killed.taskgate.test') ? true : undefined),
        60_000,
        50,
      );
      a.kill('SIGKILL');
      await once(a, 'exit');
      b = startWorker();
      const result = await handle.result();
      expect(result).toMatchObject({ name: 'killed.taskgate.test', temporary: false });

      const versions = readdirSync(path.join(dataDir, 'certificates', 'killed.taskgate.test', 'versions'));
      expect(versions).toHaveLength(1);
      const orders = readdirSync(path.join(dataDir, 'acme', 'orders')).filter((f) => f.startsWith(handle.workflowId));
      expect(orders).toHaveLength(1);
      // Temporal's history: the order step ran once; the publish step was retried on the new worker.
      const history = await handle.fetchHistory();
      const scheduled = (history.events ?? [])
        .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
        .filter((n): n is string => !!n);
      expect(scheduled.filter((n) => n === 'acmeOrder')).toHaveLength(1);
      const started = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes);
      expect(started.some((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1)).toBe(true);
    } finally {
      a.kill('SIGKILL');
      b?.kill('SIGTERM');
      await client.connection.close();
    }
  }, 120_000);
});

describe('the daily check job', () => {
  it('is created once, idempotently, as an ordinary job of type certificate.check', async () => {
    // One job per namespace: start from none (another test's worker may have made it).
    await stack.api(`/api/jobs/${CERT_CHECK_JOB_ID}`, { method: 'DELETE' });
    const first = await ensureCertificateCheckJob(stack.worker!.client, stack.config);
    const second = await ensureCertificateCheckJob(stack.worker!.client, stack.config);
    expect([first, second]).toEqual(['created', 'exists']);
    const job = (await stack.api(`/api/jobs/${CERT_CHECK_JOB_ID}`)).body;
    expect(job).toMatchObject({
      id: CERT_CHECK_JOB_ID,
      type: 'certificate.check',
      status: 'active',
      schedule: stack.config.CERT_CHECK_CRON,
    });
    const run = await stack.api(`/api/jobs/${CERT_CHECK_JOB_ID}/trigger`, { method: 'POST' });
    expect(run.status).toBe(202);
    const done = await waitForStatus(stack, encodeURIComponent(run.body.id), ['completed', 'failed'], 30_000);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    // Every certificate here is fresh (Pebble issues 90-day ones): checked, none due.
    expect(done.result.checked.length).toBeGreaterThanOrEqual(2);
    expect(done.result.renewalsStarted).toEqual([]);
    await stack.api(`/api/jobs/${CERT_CHECK_JOB_ID}`, { method: 'DELETE' });
  });
});
