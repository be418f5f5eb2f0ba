/**
 * Authentication then authorization, split so the rate limiter between them can key on the principal
 * (and on the client IP when there is none) without letting bad credentials skip the limit.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Config } from '../../config.js';
import type { AppEnv } from '../env.js';
import { ForbiddenError, UnauthorizedError, type ApiError } from '../errors.js';
import { ApiKeyStore } from './api-keys.js';
import { InvalidTokenError, JwtVerifier, NoRoleError } from './jwt.js';
import { accessFor } from './permissions.js';
import { allows, type Principal } from './roles.js';

const ANONYMOUS: Principal = { id: 'anonymous', kind: 'anonymous', role: 'admin' };
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export class InsecureBindError extends Error {
  constructor(host: string) {
    super(
      `no authentication is configured and HOST=${host} is not loopback: set AUTH_JWT_SECRET, AUTH_JWKS_URL or API_KEYS, ` +
        'or ALLOW_UNAUTHENTICATED_REMOTE=true to serve without auth anyway',
    );
    this.name = 'InsecureBindError';
  }
}

export class Auth {
  readonly jwt: JwtVerifier;
  readonly keys: ApiKeyStore;
  constructor(private readonly config: Config) {
    this.jwt = new JwtVerifier({
      secret: config.AUTH_JWT_SECRET,
      jwksUrl: config.AUTH_JWKS_URL,
      issuer: config.AUTH_JWT_ISSUER,
      audience: config.AUTH_JWT_AUDIENCE,
      clockSkewSeconds: config.AUTH_CLOCK_SKEW_SECONDS,
      roleClaim: config.AUTH_ROLE_CLAIM,
    });
    this.keys = ApiKeyStore.fromConfig(config);
  }

  get enabled(): boolean {
    return this.jwt.enabled || this.keys.size > 0;
  }

  /** Secure by default: no auth is only acceptable where nobody else can connect. */
  assertSafeToListen(host: string): void {
    if (!this.enabled && !LOOPBACK.has(host) && !this.config.ALLOW_UNAUTHENTICATED_REMOTE) throw new InsecureBindError(host);
  }

  describe(): string {
    const parts = [
      ...(this.config.AUTH_JWT_SECRET ? ['JWT HS256'] : []),
      ...(this.config.AUTH_JWKS_URL ? ['JWT RS256/ES256 via JWKS'] : []),
      ...(this.keys.size ? [`${this.keys.size} API key(s)`] : []),
    ];
    return parts.length ? parts.join(', ') : 'off (anyone who can connect is admin)';
  }

  async identify(c: Context): Promise<Principal | ApiError> {
    if (!this.enabled) return ANONYMOUS;
    const credential = credentialOf(c);
    if (!credential) return new UnauthorizedError('credentials required: a Bearer token or an X-API-Key header', false);
    if (credential.kind === 'key') {
      return this.keys.identify(credential.value) ?? new UnauthorizedError('the API key is not valid');
    }
    if (!this.jwt.enabled) return new UnauthorizedError('JWT bearer tokens are not accepted here; use an API key');
    try {
      return await this.jwt.verify(credential.value);
    } catch (err) {
      if (err instanceof NoRoleError) return new ForbiddenError(err.message);
      if (err instanceof InvalidTokenError) return new UnauthorizedError(err.message);
      throw err;
    }
  }
}

function credentialOf(c: Context): { kind: 'jwt' | 'key'; value: string } | undefined {
  const key = c.req.header('x-api-key');
  if (key) return { kind: 'key', value: key.trim() };
  const authz = c.req.header('authorization');
  const bearer = authz?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  // Browsers cannot set headers on a WebSocket: the socket route also takes ?access_token=.
  const token = bearer ?? (c.req.path === '/ws' ? c.req.query('access_token') : undefined);
  if (!token) return undefined;
  // A JWT has three dot-separated parts; anything else in a Bearer header is an API key.
  return { kind: token.split('.').length === 3 ? 'jwt' : 'key', value: token };
}

/** The route Hono will answer with (the first matched handler), as its pattern: '/api/tasks/:id'. */
export function handlerRoutePath(c: Context): string | undefined {
  return matchedRoutes(c).find((r) => r.method !== 'ALL')?.path;
}

export function authenticate(auth: Auth, config: Config): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const route = handlerRoutePath(c);
    // No route: let it fall through to the 404, which tells an anonymous caller nothing.
    const access = route ? accessFor(c.req.method, route, config.METRICS_REQUIRE_AUTH) : 'public';
    c.set('access', access);
    if (access !== 'public') {
      const who = await auth.identify(c);
      if (who instanceof Error) c.set('authError', who);
      else c.set('principal', who);
    }
    await next();
  };
}

export function authorize(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const access = c.get('access');
    if (access && access !== 'public') {
      const error = c.get('authError');
      if (error) throw error;
      const principal = c.get('principal');
      if (!principal) throw new UnauthorizedError('credentials required', false);
      if (!allows(principal.role, access))
        throw new ForbiddenError(`role '${principal.role}' may not ${c.req.method} ${c.req.path}; it needs '${access}'`, access);
    }
    await next();
  };
}
