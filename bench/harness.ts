/** What every benchmark starts with: a dev server of its own and Taskgate processes run from source. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../src/config.js';
import { freePort, startDevServer, type DevServer } from '../src/temporal/dev-server.js';
import { findTemporalCli } from '../src/temporal/toolchain.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** An in-memory Temporal dev server on a free port. */
export async function startBenchTemporal(config: Config): Promise<DevServer> {
  const cliPath = await findTemporalCli({ cacheDir: config.TASKGATE_CACHE_DIR, cliPath: config.TEMPORAL_CLI_PATH });
  return startDevServer({ cliPath, port: await freePort(), headless: true, stdio: 'ignore' });
}

/** `node --import tsx <entry>` from the project root (src/worker.ts, src/gateway/server.ts). */
export function spawnEntry(entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(root, entry)], { cwd: root, env, stdio: 'inherit' });
}

/** Polls `url` until it answers 2xx. */
export async function waitUntilOk(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
