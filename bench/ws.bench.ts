/**
 * Live updates at scale: one gateway process holding CONNECTIONS subscribed WebSockets (seed 002's
 * target is 10,000) while tasks run through a real worker. Prints
 *   - memory per connection (gateway RSS growth / connections), against a bare `ws` server holding the
 *     same number of connections (the peer, measured in the same run);
 *   - event delivery delay (Temporal's change time -> arrival at the client), p50/p99, with 10,000
 *     subscribers against the same with one subscriber.
 *   npm run bench:ws -- [CONNECTIONS=10000] [TASKS=30] [CLIENT_PROCESSES=4]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.js';
import { freePort } from '../src/temporal/dev-server.js';
import { root, spawnEntry, startBenchTemporal, waitUntilOk } from './harness.js';
import { percentile } from './stats.js';

const [CONNECTIONS = 10_000, TASKS = 30, CLIENT_PROCESSES = 4] = process.argv.slice(2).map(Number);
const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
const tsx = ['--import', 'tsx'];

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const children: ChildProcess[] = [];

const server = await startBenchTemporal(config);
const apiPort = await freePort();
const env = {
  ...process.env,
  TEMPORAL_ADDRESS: server.address,
  TEMPORAL_TASK_QUEUE: `bench-ws-${randomUUID()}`,
  PORT: String(apiPort),
  LOG_LEVEL: 'warn',
  // 10,000 upgrades from one IP would trip the per-IP read limit; this measures delivery, not limits.
  RATE_LIMIT_READ: '0',
  RATE_LIMIT_WRITE: '0',
};
const base = `http://127.0.0.1:${apiPort}`;

function startProcess(entry: string, extraEnv: Record<string, string> = {}): ChildProcess {
  const p = spawnEntry(entry, { ...env, ...extraEnv });
  children.push(p);
  return p;
}

function message<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: any) => {
      if (m?.type === type) {
        child.off('message', on);
        resolve(m);
      }
    };
    child.on('message', on);
  });
}

async function runTasks(n: number): Promise<void> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await fetch(`${base}/api/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'say_hello', payload: { name: `ws-${i}` } }),
    });
    ids.push(((await r.json()) as { id: string }).id);
    await sleep(100);
  }
  // Wait for the last task to finish, then one more poll interval for its events to fan out.
  for (const id of ids.slice(-3)) {
    for (;;) {
      const t = (await (await fetch(`${base}/api/tasks/${id}`)).json()) as { status: string };
      if (t.status === 'completed') break;
      await sleep(100);
    }
  }
  await sleep(config.LIVE_POLL_INTERVAL_MS * 3);
}

function summary(label: string, xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return { label, n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s.at(-1) ?? NaN };
}

try {
  const worker = startProcess('src/worker.ts');
  const gateway = startProcess('src/gateway/server.ts');
  await waitUntilOk(`${base}/ready`);
  void worker;

  // 1. One subscriber: the delivery delay the poll interval alone gives.
  const single: Record<string, number[]> = { 'task.created': [], 'task.completed': [] };
  const one = new WebSocket(`ws://127.0.0.1:${apiPort}/ws?all=true`);
  one.on('message', (d) => {
    const m = JSON.parse(String(d));
    if (m.type === 'task.created') single['task.created']!.push(Date.now() - Date.parse(m.task.createdAt));
    if (m.type === 'task.completed') single['task.completed']!.push(Date.now() - Date.parse(m.task.completedAt));
  });
  await new Promise((r) => one.once('open', r));
  await runTasks(5); // warm-up (JIT, connections, the worker's sandbox)
  single['task.created'] = [];
  single['task.completed'] = [];
  await runTasks(TASKS);
  one.terminate();
  await sleep(500);

  // 2. CONNECTIONS subscribers from CLIENT_PROCESSES processes (file descriptor limits are per process).
  const rssBefore = rssOf(gateway.pid!);
  const t0 = performance.now();
  const per = Math.ceil(CONNECTIONS / CLIENT_PROCESSES);
  const clients = Array.from({ length: CLIENT_PROCESSES }, (_, i) => {
    const n = Math.min(per, CONNECTIONS - i * per);
    const c = fork(path.join(root, 'bench/ws/clients.ts'), [`ws://127.0.0.1:${apiPort}/ws?all=true`, String(n), '250'], {
      execArgv: tsx,
      stdio: 'inherit',
    });
    children.push(c);
    return c;
  });
  const ready = await Promise.all(clients.map((c) => message<{ open: number; failed: number }>(c, 'ready')));
  const connectSeconds = (performance.now() - t0) / 1000;
  const open = ready.reduce((a, r) => a + r.open, 0);
  const failedToOpen = ready.reduce((a, r) => a + r.failed, 0);
  await sleep(2000);
  const rssHeld = rssOf(gateway.pid!);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const gauge = Number(/^taskgate_ws_connections (\d+)/m.exec(metrics)?.[1]);

  for (const c of clients) c.send({ cmd: 'reset' });
  await Promise.all(clients.map((c) => message(c, 'reset')));
  await runTasks(TASKS);
  for (const c of clients) c.send({ cmd: 'stats' });
  const stats = await Promise.all(clients.map((c) => message<{ samples: Record<string, number[]>; open: number }>(c, 'stats')));
  const stillOpen = stats.reduce((a, s) => a + s.open, 0);
  const many = {
    'task.created': stats.flatMap((s) => s.samples['task.created']!),
    'task.completed': stats.flatMap((s) => s.samples['task.completed']!),
  };
  const rssAfterEvents = rssOf(gateway.pid!);
  for (const c of clients) c.send({ cmd: 'close' });

  // 3. The peer: a bare ws server holding as many connections.
  const bare = fork(path.join(root, 'bench/ws/bare-server.ts'), [], { execArgv: tsx, stdio: 'inherit' });
  children.push(bare);
  const { port: barePort } = await message<{ port: number }>(bare, 'listening');
  await sleep(500);
  const bareBefore = rssOf(bare.pid!);
  const bareClients = Array.from({ length: CLIENT_PROCESSES }, (_, i) => {
    const n = Math.min(per, CONNECTIONS - i * per);
    const c = fork(path.join(root, 'bench/ws/clients.ts'), [`ws://127.0.0.1:${barePort}/`, String(n), '250'], {
      execArgv: tsx,
      stdio: 'inherit',
    });
    children.push(c);
    return c;
  });
  await Promise.all(bareClients.map((c) => message(c, 'ready')));
  await sleep(2000);
  const bareHeld = rssOf(bare.pid!);
  for (const c of bareClients) c.send({ cmd: 'close' });

  const perConn = (rssHeld - rssBefore) / open;
  const barePerConn = (bareHeld - bareBefore) / CONNECTIONS;
  console.log(`\nWebSocket live updates: ${CONNECTIONS} connections, ${TASKS} tasks (say_hello) through a real worker, one dev server`);
  console.log(`poll interval ${config.LIVE_POLL_INTERVAL_MS} ms; clients in ${CLIENT_PROCESSES} processes; 2-core machine shared by all\n`);
  console.log(`connections open: ${open} (failed ${failedToOpen}), gateway gauge ${gauge}, still open after events ${stillOpen}`);
  console.log(`connect time: ${connectSeconds.toFixed(1)} s (${(open / connectSeconds).toFixed(0)}/s)`);
  console.log(`gateway RSS: ${mb(rssBefore)} idle -> ${mb(rssHeld)} holding -> ${mb(rssAfterEvents)} after events`);
  console.log(
    `memory per connection: gateway ${(perConn / 1024).toFixed(1)} KB, bare ws ${(barePerConn / 1024).toFixed(1)} KB -> ratio ${(perConn / barePerConn).toFixed(2)}\n`,
  );
  const rows = [
    summary('created, 1 subscriber', single['task.created']!),
    summary(`created, ${open} subscribers`, many['task.created']),
    summary('completed, 1 subscriber', single['task.completed']!),
    summary(`completed, ${open} subscribers`, many['task.completed']),
  ];
  console.log(
    ['delivery delay'.padEnd(34), 'events'.padStart(8), 'p50 ms'.padStart(8), 'p99 ms'.padStart(8), 'max ms'.padStart(8)].join(' '),
  );
  for (const r of rows)
    console.log(
      [
        r.label.padEnd(34),
        String(r.n).padStart(8),
        r.p50.toFixed(0).padStart(8),
        r.p99.toFixed(0).padStart(8),
        r.max.toFixed(0).padStart(8),
      ].join(' '),
    );
  const ratio = (k: 'task.created' | 'task.completed', p: number) =>
    percentile(
      [...many[k]].sort((a, b) => a - b),
      p,
    ) /
    percentile(
      [...single[k]!].sort((a, b) => a - b),
      p,
    );
  console.log(
    `\ncompleted p50 ratio (${open} vs 1 subscriber): ${ratio('task.completed', 50).toFixed(2)}, p99 ratio: ${ratio('task.completed', 99).toFixed(2)}`,
  );
  console.log(
    `expected events per subscriber: ${TASKS} created + ${TASKS} completed; received ${(many['task.completed'].length / open).toFixed(2)} completed per subscriber`,
  );
} finally {
  for (const c of children.reverse()) if (c.exitCode === null) c.kill('SIGTERM');
  await sleep(500);
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await server.stop();
}
