/** Gateway entry: build the app, serve it, shut down cleanly on SIGINT/SIGTERM. */
import { serve, type ServerType } from '@hono/node-server';
import { fileURLToPath } from 'node:url';
import { loadConfigOrExit, type Config } from '../config.js';
import { createLogger, type Logger } from '../logger.js';
import { lazyClient } from '../temporal/connection.js';
import { createApp } from './app.js';

export interface RunningGateway {
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startGateway(config: Config, logger: Logger = createLogger('gateway', config.LOG_LEVEL)): Promise<RunningGateway> {
  const client = lazyClient(config);
  const app = createApp({ config, client, logger });
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
  return {
    port,
    url: `http://${host}:${port}`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await client.connection.close();
    },
  };
}

async function main() {
  const config = loadConfigOrExit();
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const gw = await startGateway(config, logger);
  logger.info({ url: gw.url, docs: `${gw.url}/docs`, temporal: config.TEMPORAL_ADDRESS }, 'gateway listening');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'gateway stopping');
    await gw.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
