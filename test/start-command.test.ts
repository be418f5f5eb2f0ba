/**
 * The README's start command, run as a user runs it: `npm start` in its own process group, its own
 * dev server (persisted under a temporary data directory), then Ctrl-C (SIGINT to the group).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/temporal/dev-server.js';
import { eventually } from './helpers/stack.js';

const root = path.resolve(import.meta.dirname, '..');

function descendants(pid: number): number[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  const children = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [p, pp] = line.trim().split(/\s+/).map(Number) as [number, number];
    children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  const all: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      all.push(c);
      walk(c);
    }
  };
  walk(pid);
  return all;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm start', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'taskgate-start-'));
  let ports: { api: number; temporal: number; ui: number };
  let proc: ChildProcess | undefined;
  afterAll(() => {
    if (proc?.pid && alive(proc.pid)) process.kill(-proc.pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start() {
    ports ??= { api: await freePort(), temporal: await freePort(), ui: await freePort() };
    let output = '';
    const child = spawn('npm', ['start'], {
      cwd: root,
      detached: true, // its own process group, like a terminal job
      env: {
        ...process.env,
        PORT: String(ports.api),
        TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
        TEMPORAL_UI_PORT: String(ports.ui),
        TASKGATE_DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    proc = child;
    const base = `http://127.0.0.1:${ports.api}`;
    await eventually(async () => ((await fetch(`${base}/ready`)).ok ? true : undefined), 90_000, 500).catch((err) => {
      throw new Error(`${err.message}\n--- output ---\n${output}`);
    });
    await eventually(async () => (output.includes('Ctrl-C stops everything') ? true : undefined), 5000);
    return { child, base, output: () => output };
  }

  async function stop(child: ChildProcess) {
    const family = [child.pid!, ...descendants(child.pid!)];
    expect(family.length).toBeGreaterThanOrEqual(4); // npm, start, dev server, worker, gateway
    // npm re-raises the SIGINT its script got, as a shell expects of a Ctrl-C'd job; the script itself exits 0.
    const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
    process.kill(-child.pid!, 'SIGINT');
    const code = await exited;
    await eventually(async () => (family.every((p) => !alive(p)) ? true : undefined), 30_000);
    return code;
  }

  it('serves a completed say_hello, prints the URLs, and leaves no process behind on Ctrl-C', async () => {
    const { child, base, output } = await start();
    expect(output()).toContain(`${base}/docs`);
    expect(output()).toContain(`http://127.0.0.1:${ports.ui}`);
    const created = await fetch(`${base}/api/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'say_hello', payload: { name: 'start' }, id: 'start-command-hello' }),
    });
    expect(created.status).toBe(201);
    const done = await eventually(async () => {
      const t = await (await fetch(`${base}/api/tasks/start-command-hello`)).json();
      return t.status === 'completed' ? t : undefined;
    });
    expect(done.result).toEqual({ message: 'Hello, start!' });
    expect((await fetch(`${base}/docs`)).status).toBe(200);
    expect([0, 'SIGINT']).toContain(await stop(child));
  }, 180_000);

  it('keeps tasks across a restart, and stops everything on a SIGTERM to npm alone', async () => {
    const { child, base } = await start();
    const t = await (await fetch(`${base}/api/tasks/start-command-hello`)).json();
    expect(t).toMatchObject({ status: 'completed', result: { message: 'Hello, start!' } });
    // The first start created the daily certificate check; the restart found it and made no second.
    const job = await (await fetch(`${base}/api/jobs/certificate-check-daily`)).json();
    expect(job).toMatchObject({ type: 'certificate.check', status: 'active' });
    const jobs = await (await fetch(`${base}/api/jobs?type=certificate.check`)).json();
    expect(jobs.total).toBe(1);
    // A supervisor signals the process it started, not the group.
    const family = [child.pid!, ...descendants(child.pid!)];
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(child.pid!, 'SIGTERM');
    await exited;
    await eventually(async () => (family.every((p) => !alive(p)) ? true : undefined), 30_000);
  }, 180_000);
});
