/**
 * Per-principal rate limits (per client IP for anonymous callers and failed credentials), one budget
 * for reads and one for writes, with the standard RateLimit headers and Retry-After on a 429.
 * Counters live in this process: behind N gateways a client gets up to N times the budget.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { rateLimiter } from 'hono-rate-limiter';
import type { Config } from '../../config.js';
import type { AppEnv } from '../env.js';
import { errorBody, RateLimitedError } from '../errors.js';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function clientIp(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function limiter(config: Config, group: 'read' | 'write', limit: number): MiddlewareHandler<AppEnv> {
  const windowMs = config.RATE_LIMIT_WINDOW_SECONDS * 1000;
  return rateLimiter<AppEnv>({
    windowMs,
    limit,
    standardHeaders: 'draft-7',
    skip: (c) => READ_METHODS.has(c.req.method) !== (group === 'read'),
    keyGenerator: (c) => {
      const p = c.get('principal');
      return `${group}:${p && p.kind !== 'anonymous' ? p.id : `ip:${clientIp(c, config.TRUST_PROXY)}`}`;
    },
    handler: (c) => {
      const info = (c as unknown as Context).get('rateLimit') as { resetTime?: Date } | undefined;
      const retryAfter = Math.max(1, Math.ceil(((info?.resetTime?.getTime() ?? Date.now() + windowMs) - Date.now()) / 1000));
      return c.json(errorBody(new RateLimitedError(retryAfter)), 429);
    },
  });
}

/** The configured limits as middlewares; a limit of 0 turns that group off. */
export function rateLimits(config: Config): MiddlewareHandler<AppEnv>[] {
  return [
    ...(config.RATE_LIMIT_READ > 0 ? [limiter(config, 'read', config.RATE_LIMIT_READ)] : []),
    ...(config.RATE_LIMIT_WRITE > 0 ? [limiter(config, 'write', config.RATE_LIMIT_WRITE)] : []),
  ];
}
