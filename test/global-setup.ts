/**
 * Installs (once, into the user cache) and starts what the tests need: one in-memory Temporal dev
 * server shared by the integration tests, and the path of the time-skipping test server.
 */
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../src/config.js';
import { freePort, startDevServer, type DevServer } from '../src/temporal/dev-server.js';
import { findTemporalCli, findTestServer } from '../src/temporal/toolchain.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalCliPath: string;
    testServerPath: string;
  }
}

let server: DevServer | undefined;

export async function setup(project: TestProject) {
  const config = loadConfig({ ...process.env });
  const log = (line: string) => console.log(`[setup] ${line}`);
  const cliPath = await findTemporalCli({ cacheDir: config.TASKGATE_CACHE_DIR, cliPath: config.TEMPORAL_CLI_PATH, log });
  const testServerPath = findTestServer({ cacheDir: config.TASKGATE_CACHE_DIR, testServerPath: config.TEMPORAL_TEST_SERVER_PATH, log });
  server = await startDevServer({ cliPath, port: await freePort(), headless: true, stdio: 'ignore' });
  project.provide('temporalAddress', server.address);
  project.provide('temporalCliPath', cliPath);
  project.provide('testServerPath', testServerPath);
}

export async function teardown() {
  await server?.stop();
}
