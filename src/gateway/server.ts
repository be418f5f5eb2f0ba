/** Gateway entry: build the app, serve HTTP and WebSockets, shut down gracefully on SIGINT/SIGTERM. */
import { serve, type ServerType } from '@hono/node-server';
import type { Server } from 'node:http';
import net, { type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { loadConfigOrExit, type Config } from '../config.js';
import { createLogger, type Logger } from '../logger.js';
import { lazyClient } from '../temporal/connection.js';
import { createApp, type GatewayApp } from './app.js';
import { InsecureBindError } from './auth/middleware.js';

const IDLE_BEFORE_CLOSE_MS = 250;
const QUIET_BEFORE_CLOSE_MS = 150;

export interface RunningGateway {
  port: number;
  url: string;
  gateway: GatewayApp;
  /** Stops accepting, closes WebSockets with 1001, lets in-flight requests finish (SHUTDOWN_GRACE_MS). */
  close(): Promise<void>;
}

export async function startGateway(config: Config, logger: Logger = createLogger('gateway', config.LOG_LEVEL)): Promise<RunningGateway> {
  const client = lazyClient(config);
  const gateway = createApp({ config, client, logger });
  gateway.auth.assertSafeToListen(config.HOST);
  const wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: gateway.app.fetch, port: config.PORT, hostname: config.HOST, websocket: { server: wss } }, () => resolve(s));
    s.once('error', reject);
  });
  const http = server as Server;
  // Which connections have been used and are between requests: shutdown closes exactly those.
  type Tracked = Socket & { served?: boolean; inFlight: number; idleSince: number };
  const sockets = new Set<Tracked>();
  let lastConnectionAt = 0;
  http.on('connection', (socket: Tracked) => {
    lastConnectionAt = Date.now();
    socket.inFlight = 0;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  http.on('request', (req, res) => {
    const socket = req.socket as Tracked;
    socket.served = true;
    socket.inFlight++;
    res.once('close', () => {
      socket.inFlight--;
      socket.idleSince = Date.now();
    });
  });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://${host}:${port}`,
    gateway,
    close() {
      closing ??= (async () => {
        // Readiness fails first and responses say Connection: close. Listening goes on for
        // SHUTDOWN_DELAY_MS: connections the kernel already queued get accepted and answered instead
        // of reset, and a load balancer has a moment to notice /ready.
        gateway.drain();
        const drainStart = Date.now();
        await new Promise((r) => setTimeout(r, config.SHUTDOWN_DELAY_MS));
        // Then until connections stop arriving (a busy process accepts its backlog late), within bounds.
        while (Date.now() - lastConnectionAt < QUIET_BEFORE_CLOSE_MS && Date.now() - drainStart < config.SHUTDOWN_GRACE_MS / 2)
          await new Promise((r) => setTimeout(r, 20));
        // Stop accepting. Not http.close(): it also closes "idle" connections at once, and a connection
        // accepted a moment ago whose request bytes are not read yet counts as idle: it would be reset.
        const drained = new Promise<void>((resolve) => net.Server.prototype.close.call(http, () => resolve()));
        await gateway.hub.closeAll(Math.min(2000, config.SHUTDOWN_GRACE_MS));
        // Close keep-alive connections once they have sat between requests for a moment: a client that
        // just got a response may already be reusing the connection, and that request gets answered
        // (with Connection: close). A connection that has not sent its first request is left alone.
        const sweeper = setInterval(() => {
          const now = Date.now();
          for (const s of sockets) if (s.served && s.inFlight === 0 && now - s.idleSince > IDLE_BEFORE_CLOSE_MS) s.destroy();
        }, 50);
        wss.close();
        const timer = setTimeout(() => http.closeAllConnections(), config.SHUTDOWN_GRACE_MS);
        await drained;
        clearInterval(sweeper);
        clearTimeout(timer);
        await gateway.feed.close();
        await client.connection.close();
      })();
      return closing;
    },
  };
}

async function main() {
  const config = loadConfigOrExit();
  const logger = createLogger('gateway', config.LOG_LEVEL);
  let gw: RunningGateway;
  try {
    gw = await startGateway(config, logger);
  } catch (err) {
    if (err instanceof InsecureBindError || (err as Error).name === 'ApiKeyConfigError') {
      console.error(`config error: ${(err as Error).message}`);
      process.exit(2);
    }
    throw err;
  }
  logger.info(
    { url: gw.url, docs: `${gw.url}/docs`, temporal: config.TEMPORAL_ADDRESS, auth: gw.gateway.auth.describe() },
    'gateway listening',
  );
  if (!gw.gateway.auth.enabled) logger.warn({ host: config.HOST }, 'authentication is off: anyone who can reach this port is admin');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'gateway stopping: finishing in-flight requests');
    await gw.close();
    logger.info('gateway stopped');
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
