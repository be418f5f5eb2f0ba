/** Topic activities under MockActivityEnvironment, talking to real local HTTP and SMTP servers. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicActivity } from '../src/activities/topic-activity.js';
import { email } from '../src/activities/topics/email.js';
import { sayHello } from '../src/activities/topics/say-hello.js';
import type { TopicDefinition } from '../src/activities/topics/topic.js';
import { webhook, webhookSignature } from '../src/activities/topics/webhook.js';
import { loadConfig, type Config } from '../src/config.js';
import type { AttemptReport } from '../src/domain/task-input.js';
import { freePort } from '../src/temporal/dev-server.js';

const reports: AttemptReport[] = [];
const reporter = { report: async (_e: unknown, r: AttemptReport) => void reports.push(r) };

async function run(topic: TopicDefinition, payload: unknown, config: Config, info: { attempt?: number } = {}) {
  const env = new MockActivityEnvironment({
    attempt: info.attempt ?? 1,
    workflowExecution: { workflowId: 'task-1', runId: 'run-1' },
  } as any);
  return {
    env,
    result: <Promise<any>>env.run(topicActivity(topic, { config, reporter, heartbeatEveryMs: 20 }), {
      taskId: 'task-1',
      type: topic.name,
      payload,
      maxAttempts: 3,
    }),
  };
}

describe('topic activity wrapper', () => {
  it('reports the attempt and returns the handler result', async () => {
    reports.length = 0;
    const { result } = await run(sayHello, { name: 'Ada' }, loadConfig({}), { attempt: 2 });
    expect(await result).toEqual({ message: 'Hello, Ada!' });
    expect(reports).toEqual([{ attempt: 2, state: 'started' }]);
  });

  it('rejects a bad payload as non-retryable, naming the field', async () => {
    reports.length = 0;
    const { result } = await run(sayHello, { name: 7 }, loadConfig({}));
    const err = await result.catch((e: any) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err.nonRetryable).toBe(true);
    expect(err.type).toBe('InvalidPayload');
    expect(err.message).toContain('name');
    expect(reports.at(-1)).toMatchObject({ state: 'failed', nonRetryable: true });
  });

  it('hands the cancellation (delivered with heartbeats) to the handler', async () => {
    reports.length = 0;
    const { env, result } = await run(sayHello, { name: 'x', delaySeconds: 60 }, loadConfig({}));
    await new Promise((r) => setTimeout(r, 50));
    env.cancel();
    const t0 = Date.now();
    const err = await result.catch((e: any) => e);
    expect(err).toBeInstanceOf(CancelledFailure);
    expect(Date.now() - t0).toBeLessThan(1000);
    // A cancel is not a failed attempt.
    expect(reports).toEqual([{ attempt: 1, state: 'started' }]);
  });
});

describe('webhook topic', () => {
  let server: Server;
  let base: string;
  const seen: { headers: IncomingMessage['headers']; body: string; url: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen.push({ headers: req.headers, body, url: req.url! });
        const status = Number(new URL(req.url!, 'http://x').searchParams.get('status') ?? 200);
        if (status === 429) res.setHeader('retry-after', '7');
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ got: body ? JSON.parse(body) : null }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as any).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const config = loadConfig({ WEBHOOK_SECRET: 's3cret' });

  it('posts the JSON body with a verifiable HMAC-SHA256 signature and an idempotency key', async () => {
    const { result } = await run(webhook, { url: `${base}/hook`, body: { order: 42 } }, config);
    expect(await result).toEqual({ status: 200, body: { got: { order: 42 } } });
    const req = seen.at(-1)!;
    const sig = String(req.headers['x-taskgate-signature']);
    const t = Number(/t=(\d+)/.exec(sig)![1]);
    expect(sig).toBe(webhookSignature('s3cret', t, req.body));
    expect(Math.abs(Date.now() / 1000 - t)).toBeLessThan(5);
    expect(req.headers['idempotency-key']).toBe('task-1');
    expect(req.headers['content-type']).toBe('application/json');
  });

  it.each([500, 503, 408])('retries on %i', async (status) => {
    const err = await (await run(webhook, { url: `${base}/x?status=${status}` }, config)).result.catch((e: any) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err.nonRetryable).toBe(false);
    expect(err.message).toContain(String(status));
  });

  it('retries on 429 after the Retry-After the receiver asked for', async () => {
    const err = await (await run(webhook, { url: `${base}/x?status=429` }, config)).result.catch((e: any) => e);
    expect(err.nonRetryable).toBe(false);
    expect(err.nextRetryDelay).toBe(7000);
  });

  it.each([400, 401, 404, 422])('fails at once on %i', async (status) => {
    reports.length = 0;
    const err = await (await run(webhook, { url: `${base}/x?status=${status}` }, config)).result.catch((e: any) => e);
    expect(err.nonRetryable).toBe(true);
    expect(err.type).toBe('WebhookRejected');
    expect(reports.at(-1)).toMatchObject({ state: 'failed', nonRetryable: true });
  });

  it('retries network errors', async () => {
    const port = await freePort();
    const err = await (await run(webhook, { url: `http://127.0.0.1:${port}/` }, config)).result.catch((e: any) => e);
    expect(err.nonRetryable).toBe(false);
    expect(err.type).toBe('WebhookNetworkError');
  });

  it('rejects a non-http URL before any request', async () => {
    const err = await (await run(webhook, { url: 'file:///etc/passwd' }, config)).result.catch((e: any) => e);
    expect(err.type).toBe('InvalidPayload');
  });
});

describe('email topic', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'taskgate-outbox-'));
  let smtp: SMTPServer;
  let smtpPort: number;
  const received: { from: string; to: string[]; raw: string }[] = [];
  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onRcptTo(address, _session, cb) {
        if (address.address.startsWith('nobody@')) return cb(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
        cb();
      },
      onData(stream, session, cb) {
        let raw = '';
        stream.on('data', (d) => (raw += d));
        stream.on('end', () => {
          received.push({
            from: String(session.envelope.mailFrom && session.envelope.mailFrom.address),
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
          });
          cb();
        });
      },
    });
    smtpPort = await freePort();
    await new Promise<void>((r) => smtp.listen(smtpPort, '127.0.0.1', r));
  });
  afterAll(async () => {
    await new Promise<void>((r) => smtp.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers over SMTP to a real server', async () => {
    const config = loadConfig({ SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, EMAIL_FROM: 'ops@example.com' });
    const result: any = await (await run(email, { to: 'ada@example.com', subject: 'Report ready', text: 'See attached.' }, config)).result;
    expect(result.delivered).toBe('smtp');
    expect(result.accepted).toEqual(['ada@example.com']);
    const mail = await simpleParser(received.at(-1)!.raw);
    expect(mail.subject).toBe('Report ready');
    expect(mail.text?.trim()).toBe('See attached.');
    expect(mail.messageId).toBe('<task-1@taskgate>');
    expect(received.at(-1)!.from).toBe('ops@example.com');
  });

  it('does not retry a recipient the server refuses for good (5xx)', async () => {
    const config = loadConfig({ SMTP_URL: `smtp://127.0.0.1:${smtpPort}` });
    const err = await (await run(email, { to: 'nobody@example.com', subject: 's', text: 't' }, config)).result.catch((e: any) => e);
    expect(err.nonRetryable).toBe(true);
    expect(err.type).toBe('EmailRejected');
  });

  it('retries when the SMTP server cannot be reached', async () => {
    const config = loadConfig({ SMTP_URL: `smtp://127.0.0.1:${await freePort()}` });
    const err = await (await run(email, { to: 'a@example.com', subject: 's', text: 't' }, config)).result.catch((e: any) => e);
    expect(err.nonRetryable).toBe(false);
    expect(err.type).toBe('EmailDeliveryError');
  });

  it('writes an .eml to the outbox without SMTP_URL, the same file on every attempt', async () => {
    const config = loadConfig({ OUTBOX_DIR: dir });
    const first: any = await (
      await run(email, { to: ['a@example.com', 'b@example.com'], subject: 'Hi', html: '<b>hello</b>' }, config)
    ).result;
    const again: any = await (
      await run(email, { to: ['a@example.com', 'b@example.com'], subject: 'Hi', html: '<b>hello</b>' }, config, { attempt: 2 })
    ).result;
    expect(again.file).toBe(first.file);
    const mail = await simpleParser(readFileSync(first.file));
    expect(mail.subject).toBe('Hi');
    expect(mail.html).toContain('<b>hello</b>');
    expect((mail.to as any).value.map((v: any) => v.address)).toEqual(['a@example.com', 'b@example.com']);
  });

  it('needs text or html', async () => {
    const err = await (
      await run(email, { to: 'a@example.com', subject: 's' }, loadConfig({ OUTBOX_DIR: dir }))
    ).result.catch((e: any) => e);
    expect(err.type).toBe('InvalidPayload');
    expect(err.message).toContain('text');
  });
});
