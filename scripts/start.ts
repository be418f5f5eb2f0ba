/**
 * `npm start`: the whole stack on one machine. Uses the Temporal at TEMPORAL_ADDRESS when one answers;
 * otherwise starts the CLI dev server (SQLite file under the data directory, so tasks survive a
 * restart). Then the worker and the gateway as child processes. Ctrl-C stops all of it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataDir, loadConfigOrExit } from '../src/config.js';
import { Auth } from '../src/gateway/auth/middleware.js';
import { connectClient } from '../src/temporal/connection.js';
import { isListening, startDevServer, waitForTemporal, type DevServer } from '../src/temporal/dev-server.js';
import { ensureSearchAttributes } from '../src/temporal/search-attributes.js';
import { findTemporalCli, MissingToolError } from '../src/temporal/toolchain.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (line: string) => console.log(`[taskgate] ${line}`);

function isLocal(address: string): boolean {
  const host = address.split(':')[0];
  return host === 'localhost' || host === '127.0.0.1' || host === '::1' || host === '0.0.0.0';
}

async function main() {
  const config = loadConfigOrExit();
  const children: { name: string; proc: ChildProcess }[] = [];
  let devServer: DevServer | undefined;
  let stopping = false;
  const t0 = Date.now();

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping...');
    // Gateway first (no new work accepted), then the worker (finishes running activities), then Temporal.
    for (const { proc } of [...children].reverse()) {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(
            () => {
              proc.kill('SIGKILL');
              resolve();
            },
            (config.WORKER_SHUTDOWN_GRACE_SECONDS + 5) * 1000,
          );
          proc.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    }
    await devServer?.stop();
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    await bringUp();
  } catch (err) {
    if (err instanceof MissingToolError) console.error(`[taskgate] ${err.message}`);
    else console.error(err);
    await stopAll(1);
  }

  async function bringUp() {
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (await isListening(config.TEMPORAL_ADDRESS)) {
      say(`using the Temporal server at ${config.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE})`);
    } else if (isLocal(config.TEMPORAL_ADDRESS) && !config.TEMPORAL_TLS) {
      const cliPath = await findTemporalCli({ cacheDir: config.TASKGATE_CACHE_DIR, cliPath: config.TEMPORAL_CLI_PATH, log: say });
      const dbFile = path.join(dataDir(config), 'temporal.db');
      say(`starting the Temporal dev server on ${config.TEMPORAL_ADDRESS} (data in ${dbFile})`);
      devServer = await startDevServer({
        cliPath,
        port: Number(config.TEMPORAL_ADDRESS.split(':')[1]),
        uiPort: config.TEMPORAL_UI_PORT,
        dbFile,
        namespace: config.TEMPORAL_NAMESPACE,
      });
      devServer.process.once('exit', (code) => {
        if (!stopping) {
          say(`the Temporal dev server exited (code ${code}); stopping`);
          void stopAll(1);
        }
      });
      if (!process.env.TEMPORAL_UI_URL && devServer.uiUrl) env.TEMPORAL_UI_URL = devServer.uiUrl;
    } else {
      throw new MissingToolError(
        `nothing answers at TEMPORAL_ADDRESS=${config.TEMPORAL_ADDRESS}; start that Temporal server or unset the variable`,
      );
    }

    await waitForTemporal(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE, 30_000);
    const client = await connectClient(config);
    try {
      const added = await ensureSearchAttributes(client, config.TEMPORAL_NAMESPACE);
      if (added.length) say(`registered search attributes: ${added.join(', ')}`);
    } finally {
      await client.connection.close();
    }

    const tsx = ['--import', 'tsx'];
    for (const [name, entry] of [
      ['worker', 'src/worker.ts'],
      ['gateway', 'src/gateway/server.ts'],
    ] as const) {
      const proc = spawn(process.execPath, [...tsx, path.join(root, entry)], { cwd: root, env, stdio: 'inherit' });
      proc.once('exit', (code, signal) => {
        if (!stopping) {
          say(`${name} exited (${signal ?? code}); stopping everything`);
          void stopAll(1);
        }
      });
      children.push({ name, proc });
    }

    const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
    const base = `http://${host}:${config.PORT}`;
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (stopping) return;
      try {
        const res = await fetch(`${base}/ready`, { signal: AbortSignal.timeout(3000) });
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        say('the gateway did not become ready within 2 minutes');
        return stopAll(1);
      }
      await new Promise((r) => setTimeout(r, 300));
    }

    const uiUrl = env.TEMPORAL_UI_URL ?? config.TEMPORAL_UI_URL;
    const auth = new Auth(config);
    const authEnabled = auth.enabled;
    const authSummary = auth.describe();
    say(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    console.log(
      [
        '',
        `  API          ${base}/api/tasks`,
        `  API docs     ${base}/docs   (OpenAPI: ${base}/openapi.json)`,
        `  Readiness    ${base}/ready`,
        `  Temporal     ${config.TEMPORAL_ADDRESS}  namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.TEMPORAL_TASK_QUEUE}`,
        `  Temporal UI  ${uiUrl}`,
        `  Live events  ws://${host}:${config.PORT}/ws?all=true     Metrics ${base}/metrics`,
        authEnabled
          ? `  Auth         on (${authSummary})`
          : `  Auth         off: the gateway listens on ${config.HOST} only, where anyone local is admin (README "Auth" turns it on)`,
        '',
        `  try: curl -X POST ${base}/api/tasks -H 'content-type: application/json' -d '{"type":"say_hello","payload":{"name":"Ada"}}'`,
        '  Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
