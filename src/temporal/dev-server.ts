import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { searchAttributeFlags } from './search-attributes.js';

export interface DevServerOptions {
  cliPath: string;
  port: number;
  uiPort?: number;
  /** Persist to this SQLite file; in memory when absent (tests). */
  dbFile?: string;
  namespace?: string;
  ip?: string;
  headless?: boolean;
  /** Where the server's own log goes; inherited by default. */
  stdio?: 'inherit' | 'ignore' | 'pipe';
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** True when something accepts TCP connections at host:port within the timeout. */
export function isListening(address: string, timeoutMs = 1000): Promise<boolean> {
  const [host, portText] = address.split(':');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(portText), timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/** Any free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Waits for the frontend to answer gRPC and the namespace to exist. */
export async function waitForTemporal(address: string, namespace: string, timeoutMs: number, exited?: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (exited?.()) throw new Error('the Temporal dev server exited during start-up');
    try {
      const connection = await Connection.connect({ address, connectTimeout: '1s' });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal at ${address} did not become ready in ${timeoutMs} ms: ${String(lastError)}`);
}

/** Starts `temporal server start-dev` with Taskgate's search attributes and waits until it serves. */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(opts.port), '--log-level', 'error', ...searchAttributeFlags()];
  // Task priority needs the newer matcher, which this server version keeps behind a flag. Priority is
  // ordered within a task-queue partition; one partition makes it strict on this one-machine server.
  args.push('--dynamic-config-value', 'matching.useNewMatcher=true');
  args.push('--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1');
  args.push('--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1');
  if (opts.namespace && opts.namespace !== 'default') args.push('--namespace', opts.namespace);
  if (opts.dbFile) {
    mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  if (opts.headless || opts.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort), '--ui-ip', ip);

  const child = spawn(opts.cliPath, args, { stdio: opts.stdio ?? 'inherit', detached: false });
  let exited = false;
  child.once('exit', () => (exited = true));
  const address = `${ip}:${opts.port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (exited) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    });
  try {
    await waitForTemporal(address, opts.namespace ?? 'default', 60_000, () => exited);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    address,
    uiUrl: opts.uiPort !== undefined && !opts.headless ? `http://${ip === '0.0.0.0' ? 'localhost' : ip}:${opts.uiPort}` : undefined,
    process: child,
    stop,
  };
}
