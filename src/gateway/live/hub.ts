/**
 * The WebSocket clients of one gateway and what each subscribed to. An event is serialised once and
 * written to every matching client. A client whose unsent bytes pass WS_MAX_BUFFERED_BYTES is cut off
 * (memory stays bounded whatever it fails to read); one that misses a ping interval is dead and closed.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { Logger } from '../../logger.js';
import type { GatewayMetrics } from '../metrics.js';
import type { TaskEvent, TaskFeed } from './task-feed.js';

export interface Subscription {
  all: boolean;
  taskIds: Set<string>;
  types: Set<string>;
}

export interface LiveClient {
  socket: WebSocket;
  principal: string;
  subscription: Subscription;
  alive: boolean;
}

export const MAX_IDS_PER_CLIENT = 10_000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_SLOW_CONSUMER = 1013;

export class LiveHub {
  private readonly clients = new Set<LiveClient>();
  private unsubscribeFeed?: () => void;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly corked = new Set<Socket>();

  constructor(
    private readonly feed: TaskFeed,
    private readonly opts: { maxBufferedBytes: number; pingIntervalMs: number },
    private readonly metrics: GatewayMetrics,
    private readonly logger: Logger,
  ) {
    this.heartbeat = setInterval(() => this.ping(), opts.pingIntervalMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  add(client: LiveClient): void {
    this.clients.add(client);
    this.metrics.wsConnections.set(this.clients.size);
    client.socket.on('pong', () => (client.alive = true));
    this.unsubscribeFeed ??= this.feed.subscribe((e) => this.publish(e));
  }

  remove(client: LiveClient): void {
    if (!this.clients.delete(client)) return;
    this.metrics.wsConnections.set(this.clients.size);
    if (this.clients.size === 0) {
      this.unsubscribeFeed?.();
      this.unsubscribeFeed = undefined;
    }
  }

  publish(event: TaskEvent): void {
    // Encoded once: ws would otherwise turn the string into a new buffer for every client.
    let frame: Buffer | undefined;
    for (const client of this.clients) {
      const s = client.subscription;
      if (!(s.all || s.taskIds.has(event.task.id) || s.types.has(event.task.type))) continue;
      frame ??= Buffer.from(JSON.stringify(event));
      this.send(client, frame);
    }
  }

  /** Sends unless the client has fallen too far behind, in which case it is dropped. */
  send(client: LiveClient, text: string | Buffer): void {
    const socket = client.socket;
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount + text.length > this.opts.maxBufferedBytes) {
      this.metrics.wsDropped.inc({ reason: 'slow_consumer' });
      this.logger.warn({ principal: client.principal, buffered: socket.bufferedAmount }, 'dropping a slow WebSocket client');
      // terminate, not close: a close frame would queue behind the bytes it is not reading.
      socket.terminate();
      this.remove(client);
      return;
    }
    this.cork(socket);
    socket.send(text, { binary: false });
    this.metrics.wsEvents.inc();
  }

  /**
   * A poll fans several events out to thousands of sockets in one tick. Corking each socket until the
   * tick ends turns its frames into one write (one syscall) instead of one per event.
   */
  private cork(socket: WebSocket): void {
    const tcp = (socket as unknown as { _socket?: Socket })._socket;
    if (!tcp || this.corked.has(tcp)) return;
    tcp.cork();
    if (this.corked.size === 0)
      process.nextTick(() => {
        for (const s of this.corked) s.uncork();
        this.corked.clear();
      });
    this.corked.add(tcp);
  }

  private ping(): void {
    for (const client of this.clients) {
      if (!client.alive) {
        this.metrics.wsDropped.inc({ reason: 'no_pong' });
        client.socket.terminate();
        this.remove(client);
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }

  /** Shutdown: every client gets 1001 Going Away; those that do not answer are cut after `graceMs`. */
  async closeAll(graceMs: number): Promise<void> {
    clearInterval(this.heartbeat);
    const sockets = [...this.clients].map((c) => c.socket);
    for (const s of sockets) s.close(CLOSE_GOING_AWAY, 'gateway shutting down');
    const deadline = Date.now() + graceMs;
    while (sockets.some((s) => s.readyState !== s.CLOSED) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const s of sockets) if (s.readyState !== s.CLOSED) s.terminate();
    this.unsubscribeFeed?.();
    this.unsubscribeFeed = undefined;
    this.clients.clear();
    this.metrics.wsConnections.set(0);
  }
}
