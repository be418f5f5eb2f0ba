/** A real HTTP server for webhook tasks to call; each path answers from a script of statuses. */
import { createServer, type Server } from 'node:http';

export interface Receiver {
  url: string;
  /** Statuses `path` answers in turn; the last one repeats. */
  script(path: string, statuses: number[]): void;
  hits(path: string): number;
  /** Every request `path` received: headers and body. */
  requests(path: string): { headers: Record<string, string | string[] | undefined>; body: string }[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const scripts = new Map<string, number[]>();
  const hits = new Map<string, number>();
  const received = new Map<string, { headers: Record<string, string | string[] | undefined>; body: string }[]>();
  const server: Server = createServer((req, res) => {
    const p = new URL(req.url!, 'http://x').pathname;
    const n = hits.get(p) ?? 0;
    hits.set(p, n + 1);
    const s = scripts.get(p) ?? [200];
    const status = s[Math.min(n, s.length - 1)]!;
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => (received.get(p) ?? received.set(p, []).get(p)!).push({ headers: req.headers, body }));
    req.on('end', () => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ call: n + 1 })));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as any).port}`,
    script: (path, statuses) => void scripts.set(path, statuses),
    hits: (path) => hits.get(path) ?? 0,
    requests: (path) => received.get(path) ?? [],
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
