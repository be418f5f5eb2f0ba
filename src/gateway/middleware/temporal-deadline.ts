import type { Client } from '@temporalio/client';
import { createMiddleware } from 'hono/factory';
import { handlerRoutePath } from '../auth/middleware.js';
import { UnavailableError } from '../errors.js';

/** Rejects with `onTimeout()` when `work` has not settled within `ms`. */
export async function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Bounds every Temporal call a request makes. The gRPC deadline alone is not enough: the client's
 * retry interceptor backs off between attempts regardless of it, so an unreachable server took ~3.4 s
 * to fail; the race answers 503 on time whatever the client does.
 */
/**
 * Routes that wait on purpose get more: a trigger polls the schedule (up to 5 s) for the run it
 * started, since Temporal does not answer a trigger with it.
 */
const EXTRA_MS: Record<string, number> = { 'POST /api/jobs/:id/trigger': 5000 };

export function temporalDeadline(client: Client, base: number) {
  return createMiddleware(async (c, next) => {
    const ms = base + (EXTRA_MS[`${c.req.method} ${handlerRoutePath(c)}`] ?? 0);
    await withTimeout(
      client.connection.withDeadline(Date.now() + ms, () => next()),
      ms,
      () => new UnavailableError(`Temporal did not answer within ${ms} ms`),
    );
  });
}
