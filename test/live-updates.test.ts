/**
 * GET /ws against a real worker and dev server: subscribe, then see a real task's status changes,
 * from one gateway and from a second one; authentication; heartbeats and slow clients.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LiveHub, type LiveClient } from '../src/gateway/live/hub.js';
import type { TaskEvent } from '../src/gateway/live/task-feed.js';
import { GatewayMetrics } from '../src/gateway/metrics.js';
import { startGateway, type RunningGateway } from '../src/gateway/server.js';
import { createLogger } from '../src/logger.js';
import { startReceiver } from './helpers/receiver.js';
import { eventually, startStack, type Stack } from './helpers/stack.js';

interface Conn {
  ws: WebSocket;
  messages: { at: number; msg: any }[];
  closed: Promise<{ code: number; reason: string }>;
  send(msg: unknown): void;
  next(pred: (m: any) => boolean, timeoutMs?: number): Promise<any>;
}

function connect(url: string, opts: WebSocket.ClientOptions = {}): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), opts);
    const messages: Conn['messages'] = [];
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      ws.on('close', (code, reason) => r({ code, reason: String(reason) })),
    );
    ws.on('message', (data) => messages.push({ at: Date.now(), msg: JSON.parse(String(data)) }));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('open', () =>
      resolve({
        ws,
        messages,
        closed,
        send: (m) => ws.send(JSON.stringify(m)),
        next: (pred, timeoutMs = 10_000) => eventually(async () => messages.find((m) => pred(m.msg))?.msg, timeoutMs, 20),
      }),
    );
  });
}

const SECRET = 'live-updates-test-secret-long-enough-for-hs256';
const token = (role: string) =>
  new SignJWT({ role }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));

describe('live task events', () => {
  let stack: Stack;
  let second: RunningGateway;
  const conns: Conn[] = [];
  const open = async (url: string, opts?: WebSocket.ClientOptions) => {
    const c = await connect(url, opts);
    conns.push(c);
    return c;
  };

  beforeAll(async () => {
    stack = await startStack({ config: { LIVE_POLL_INTERVAL_MS: '250' } });
    // A second gateway process-equivalent: its own app, feed and hub, the same Temporal and queue.
    second = await startGateway({ ...stack.config }, createLogger('g2', 'silent'));
  });
  afterAll(async () => {
    for (const c of conns) c.ws.terminate();
    await second?.close();
    await stack?.stop();
  });

  it('a subscriber to a task id sees it created, processing and completed, each within a second', async () => {
    const c = await open(`${stack.url}/ws`);
    expect((await c.next((m) => m.type === 'welcome')).subscription).toEqual({ all: false, taskIds: [], types: [] });
    const id = `live-${Date.now()}`;
    c.send({ type: 'subscribe', taskIds: [id] });
    await c.next((m) => m.type === 'subscribed');
    const created = await stack.api('/api/tasks', { body: { id, type: 'say_hello', payload: { name: 'live', delaySeconds: 1 } } });
    expect(created.status).toBe(201);
    const done = await c.next((m) => m.type === 'task.completed' && m.task.id === id, 15_000);
    expect(done.task).toMatchObject({ id, status: 'completed', result: { message: 'Hello, live!' } });
    const mine = c.messages.filter((m) => m.msg.task?.id === id);
    // The feed reports what it sees at each poll: a state shorter than one poll may be skipped, so the
    // sequence is created first, completed last, statuses only moving forward.
    const order = ['pending', 'processing', 'completed'];
    expect(mine[0]!.msg.type).toBe('task.created');
    expect(mine.at(-1)!.msg.type).toBe('task.completed');
    expect(mine.slice(1, -1).every((m) => m.msg.type === 'task.updated')).toBe(true);
    const ranks = mine.map((m) => order.indexOf(m.msg.task.status));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(ranks).size).toBe(ranks.length);
    // Delivery lag: from Temporal's close time to the message arriving here.
    const lag = mine.at(-1)!.at - Date.parse(done.task.completedAt);
    expect(lag).toBeLessThan(1500);
  });

  it('a failed attempt shows as status retrying with the next attempt before the task completes', async () => {
    const receiver = await startReceiver();
    try {
      receiver.script('/flaky', [503, 200]);
      const c = await open(`${stack.url}/ws?types=webhook`);
      await c.next((m) => m.type === 'welcome');
      const r = await stack.api('/api/tasks', { body: { type: 'webhook', payload: { url: `${receiver.url}/flaky` } } });
      const done = await c.next((m) => m.type === 'task.completed' && m.task.id === r.body.id, 20_000);
      expect(done.task).toMatchObject({ status: 'completed', attempt: 2 });
      const seq = c.messages
        .filter((m) => m.msg.task?.id === r.body.id)
        .map((m) => `${m.msg.type}:${m.msg.task.status}:${m.msg.task.attempt}`);
      // Attempt 1 fails within milliseconds, so the first sighting may already be the retry wait.
      const retrying = seq.findIndex((e) => /^task\.(created|updated):retrying:2$/.test(e));
      expect(retrying, seq.join(' ')).toBeGreaterThanOrEqual(0);
      expect(retrying).toBeLessThan(seq.length - 1);
    } finally {
      await receiver.close();
    }
  });

  it('filters by type; "all" gets everything; both gateways deliver the same events', async () => {
    const byType = await open(`${stack.url}/ws?types=webhook`);
    const everything = await open(`${stack.url}/ws?all=true`);
    const onSecond = await open(`${second.url}/ws?all=true`);
    for (const c of [byType, everything, onSecond]) await c.next((m) => m.type === 'welcome');
    const id = `live-all-${Date.now()}`;
    await stack.api('/api/tasks', { body: { id, type: 'say_hello', payload: { name: 'all' } } });
    await everything.next((m) => m.type === 'task.completed' && m.task.id === id, 15_000);
    await onSecond.next((m) => m.type === 'task.completed' && m.task.id === id, 15_000);
    const seq = (c: Conn) => c.messages.filter((m) => m.msg.task?.id === id).map((m) => m.msg.type);
    expect(seq(onSecond)).toEqual(seq(everything));
    expect(byType.messages.filter((m) => m.msg.task?.id === id)).toEqual([]);
  });

  it('answers bad messages with an error naming the field, and pings with pong', async () => {
    const c = await open(`${stack.url}/ws`);
    c.send({ type: 'subscribe', taskIds: 'not-a-list' });
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ field: 'taskIds' });
    c.ws.send('{not json');
    expect(await c.next((m) => m.type === 'error' && m.message === 'not JSON')).toBeTruthy();
    c.send({ type: 'ping' });
    expect(await c.next((m) => m.type === 'pong')).toEqual({ type: 'pong' });
  });

  it('closes a client that stops answering pings', async () => {
    const gw = await startGateway({ ...stack.config, WS_PING_INTERVAL_MS: 150 }, createLogger('g3', 'silent'));
    try {
      const dead = await connect(`${gw.url}/ws`, { autoPong: false });
      const alive = await connect(`${gw.url}/ws`);
      const { code } = await dead.closed;
      expect(code).toBe(1006); // terminated: no close frame for a peer that is not answering
      expect(alive.ws.readyState).toBe(WebSocket.OPEN);
      alive.ws.terminate();
    } finally {
      await gw.close();
    }
  });
});

describe('authenticated /ws', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ worker: false, config: { AUTH_JWT_SECRET: SECRET } });
  });
  afterAll(() => stack?.stop());

  it('refuses the upgrade without credentials and accepts a token in the header or ?access_token=', async () => {
    await expect(connect(`${stack.url}/ws`)).rejects.toThrow('HTTP 401');
    const viaQuery = await connect(`${stack.url}/ws?access_token=${await token('viewer')}`);
    expect((await viaQuery.next((m) => m.type === 'welcome')).role).toBe('viewer');
    const viaHeader = await connect(`${stack.url}/ws`, { headers: { authorization: `Bearer ${await token('admin')}` } });
    expect((await viaHeader.next((m) => m.type === 'welcome')).role).toBe('admin');
    viaQuery.ws.terminate();
    viaHeader.ws.terminate();
  });

  it('closes every socket with 1001 when the gateway shuts down', async () => {
    const gw = await startGateway({ ...stack.config }, createLogger('g4', 'silent'));
    const c = await connect(`${gw.url}/ws`, { headers: { authorization: `Bearer ${await token('viewer')}` } });
    await c.next((m) => m.type === 'welcome');
    await gw.close();
    expect((await c.closed).code).toBe(1001);
  });
});

describe('LiveHub back-pressure', () => {
  it('drops a client whose unsent bytes pass the limit instead of buffering more', () => {
    const feed = { subscribe: () => () => {} } as any;
    const metrics = new GatewayMetrics();
    const hub = new LiveHub(feed, { maxBufferedBytes: 4096, pingIntervalMs: 60_000 }, metrics, createLogger('t', 'silent'));
    // The socket stands in for a peer that stopped reading: its send buffer only grows.
    const socket = {
      OPEN: 1,
      CLOSED: 3,
      readyState: 1,
      bufferedAmount: 0,
      sent: 0,
      terminated: false,
      on() {},
      send(text: string) {
        this.bufferedAmount += text.length;
        this.sent++;
      },
      terminate() {
        this.terminated = true;
        this.readyState = 3;
      },
    };
    const client: LiveClient = {
      socket: socket as any,
      principal: 'slow',
      subscription: { all: true, taskIds: new Set(), types: new Set() },
      alive: true,
    };
    hub.add(client);
    const event: TaskEvent = {
      type: 'task.updated',
      task: { id: 't', type: 'x', status: 'processing', payload: 'y'.repeat(500) } as any,
      at: '',
    };
    for (let i = 0; i < 100; i++) hub.publish(event);
    expect(socket.terminated).toBe(true);
    expect(socket.sent).toBeLessThan(10);
    expect(hub.size).toBe(0);
  });
});
