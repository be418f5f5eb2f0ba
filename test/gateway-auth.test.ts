/**
 * Who may do what: JWTs (HS256 secret, RS256/ES256 via a real JWKS endpoint), API keys, the role
 * matrix over every route, rate limits, CORS, secure headers, and the secure-by-default bind rule.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../src/gateway/auth/api-keys.js';
import { InsecureBindError } from '../src/gateway/auth/middleware.js';
import { ROUTE_PERMISSIONS } from '../src/gateway/auth/permissions.js';
import { ROLES, type Role } from '../src/gateway/auth/roles.js';
import { startGateway } from '../src/gateway/server.js';
import { createLogger } from '../src/logger.js';
import { startStack, testConfig, type Stack } from './helpers/stack.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256!';
const ISSUER = 'https://idp.test';
const AUDIENCE = 'taskgate-api';
const enc = new TextEncoder();

async function hs256(claims: JWTPayload, opts: { secret?: string; exp?: string | number; alg?: string } = {}) {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: opts.alg ?? 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(String(claims.sub ?? 'user-1'))
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? '5m')
    .sign(enc.encode(opts.secret ?? SECRET));
}
// The issue's rule, written out here rather than imported, so the test does not share the code it checks.
const RANK: Record<string, number> = { viewer: 1, operator: 2, admin: 3 };
const allows = (have: Role, need: string) => RANK[have]! >= RANK[need]!;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('JWT (HS256) and API keys', () => {
  let stack: Stack;
  const keys = Object.fromEntries(ROLES.map((r) => [r, generateApiKey(`svc-${r}`, r)])) as Record<Role, { key: string; entry: string }>;
  const tokens = {} as Record<Role, string>;

  beforeAll(async () => {
    stack = await startStack({
      worker: false,
      config: {
        AUTH_JWT_SECRET: SECRET,
        AUTH_JWT_ISSUER: ISSUER,
        AUTH_JWT_AUDIENCE: AUDIENCE,
        API_KEYS: Object.values(keys)
          .map((k) => k.entry)
          .join(','),
        RATE_LIMIT_READ: '100000',
        RATE_LIMIT_WRITE: '100000',
      },
    });
    for (const r of ROLES) tokens[r] = await hs256({ role: r, sub: `user-${r}` });
  });
  afterAll(() => stack?.stop());

  it('the table gives reads to viewers, runs to operators and job management to admins', () => {
    const access = Object.fromEntries(ROUTE_PERMISSIONS.map((p) => [`${p.method} ${p.path}`, p.access]));
    expect(access).toMatchObject({
      'GET /api/tasks': 'viewer',
      'GET /api/jobs/:id/runs': 'viewer',
      'POST /api/tasks': 'operator',
      'POST /api/tasks/:id/cancel': 'operator',
      'POST /api/tasks/:id/retry': 'operator',
      'POST /api/jobs/:id/trigger': 'operator',
      'POST /api/jobs': 'admin',
      'PATCH /api/jobs/:id': 'admin',
      'DELETE /api/jobs/:id': 'admin',
      'GET /health': 'public',
      'GET /ready': 'public',
      'GET /.well-known/acme-challenge/:token': 'public',
    });
  });

  it('lists every OpenAPI route in the permission table', async () => {
    const doc = (await stack.api('/openapi.json')).body;
    const table = new Set(ROUTE_PERMISSIONS.map((p) => `${p.method} ${p.path}`));
    const missing: string[] = [];
    for (const [path, ops] of Object.entries<Record<string, unknown>>(doc.paths)) {
      for (const method of Object.keys(ops)) {
        const key = `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`;
        if (!table.has(key)) missing.push(key);
      }
    }
    expect(missing).toEqual([]);
  });

  // One walk over every route: no credentials -> 401 (with the challenge), a too-small role -> 403,
  // enough role -> anything but 401/403 (404 or 400 here, since ids and bodies are dummies).
  it('walks every route with every role and with no credentials', async () => {
    const failures: string[] = [];
    for (const route of ROUTE_PERMISSIONS) {
      const path = route.path.replace(':id', 'no-such-id').replace(':token', 'tok').replace(':name', 'no-such.cert.test');
      const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
      const call = (headers: Record<string, string>) => stack.api(path, { method: route.method, body, headers });
      const anon = await call({});
      if (route.access === 'public') {
        if (anon.status === 401 || anon.status === 403) failures.push(`${route.method} ${path} public but ${anon.status}`);
        continue;
      }
      if (anon.status !== 401 || !anon.headers.get('www-authenticate')?.startsWith('Bearer realm="taskgate"'))
        failures.push(`${route.method} ${path} without credentials: ${anon.status}`);
      if (anon.body?.error?.code !== 'unauthorized') failures.push(`${route.method} ${path}: 401 body ${JSON.stringify(anon.body)}`);
      for (const role of ROLES) {
        const r = await call(bearer(tokens[role]));
        const ok = allows(role, route.access);
        if (ok && (r.status === 401 || r.status === 403)) failures.push(`${route.method} ${path} as ${role}: ${r.status}, expected access`);
        if (
          !ok &&
          (r.status !== 403 || r.body?.error?.code !== 'forbidden' || !r.headers.get('www-authenticate')?.includes('insufficient_scope'))
        )
          failures.push(`${route.method} ${path} as ${role}: ${r.status}, expected 403`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('an operator creates tasks; a viewer reads them but may not create', async () => {
    const created = await stack.api('/api/tasks', {
      body: { type: 'say_hello', payload: { name: 'x' } },
      headers: bearer(tokens.operator),
    });
    expect(created.status).toBe(201);
    const read = await stack.api(`/api/tasks/${created.body.id}`, { headers: bearer(tokens.viewer) });
    expect(read.status).toBe(200);
    const denied = await stack.api('/api/tasks', { body: { type: 'say_hello', payload: { name: 'x' } }, headers: bearer(tokens.viewer) });
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toContain("needs 'operator'");
  });

  it('rejects forged, expired, wrong-audience, wrong-issuer and unsigned tokens with 401', async () => {
    const cases: [string, string, RegExp][] = [
      ['forged', await hs256({ role: 'admin' }, { secret: 'another-secret-that-is-long-enough-to-sign!!' }), /signature/],
      ['expired', await hs256({ role: 'admin' }, { exp: Math.floor(Date.now() / 1000) - 120 }), /expired/],
      [
        'wrong audience',
        await new SignJWT({ role: 'admin' })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer(ISSUER)
          .setAudience('someone-else')
          .setExpirationTime('5m')
          .sign(enc.encode(SECRET)),
        /aud/,
      ],
      [
        'wrong issuer',
        await new SignJWT({ role: 'admin' })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer('https://evil.test')
          .setAudience(AUDIENCE)
          .setExpirationTime('5m')
          .sign(enc.encode(SECRET)),
        /iss/,
      ],
      [
        'no exp',
        await new SignJWT({ role: 'admin' })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .sign(enc.encode(SECRET)),
        /exp/,
      ],
      ['alg none', unsignedToken({ role: 'admin', iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300 }), /.+/],
      ['garbage', 'not.a.jwt', /.+/],
    ];
    for (const [name, token, why] of cases) {
      const r = await stack.api('/api/tasks', { headers: bearer(token) });
      expect(r.status, name).toBe(401);
      expect(r.headers.get('www-authenticate'), name).toContain('error="invalid_token"');
      expect(r.body.error.message, name).toMatch(why);
    }
  });

  it('accepts a token expired within the clock skew', async () => {
    const token = await hs256({ role: 'viewer' }, { exp: Math.floor(Date.now() / 1000) - 10 });
    expect((await stack.api('/api/tasks/types', { headers: bearer(token) })).status).toBe(200);
  });

  it('403 for a valid token without a Taskgate role; the highest of an array of roles counts', async () => {
    const none = await stack.api('/api/tasks/types', { headers: bearer(await hs256({ role: 'guest' })) });
    expect(none.status).toBe(403);
    expect(none.body.error.message).toContain("claim 'role'");
    const many = await hs256({ role: ['viewer', 'operator'] });
    expect((await stack.api('/api/tasks', { body: { type: 'nope' }, headers: bearer(many) })).status).toBe(400);
  });

  it('takes API keys in X-API-Key or as a Bearer token; an unknown key is 401', async () => {
    expect((await stack.api('/api/tasks/types', { headers: { 'x-api-key': keys.viewer.key } })).status).toBe(200);
    expect((await stack.api('/api/jobs', { body: {}, headers: bearer(keys.operator.key) })).status).toBe(403);
    expect((await stack.api('/api/jobs', { body: {}, headers: { 'x-api-key': keys.admin.key } })).status).toBe(400);
    const bad = await stack.api('/api/tasks/types', { headers: { 'x-api-key': 'tg_not-a-key' } });
    expect(bad.status).toBe(401);
    expect(bad.body.error.message).toContain('API key');
    // Only the digest is configured: the key itself appears nowhere in the configuration.
    expect(stack.config.API_KEYS).not.toContain(keys.viewer.key);
  });

  it('keeps /health, /ready, the docs and the ACME challenge path open', async () => {
    expect((await stack.api('/health')).status).toBe(200);
    expect([200, 503]).toContain((await stack.api('/ready')).status);
    expect((await stack.api('/openapi.json')).status).toBe(200);
    expect((await stack.api('/docs')).status).toBe(200);
    expect((await stack.api('/.well-known/acme-challenge/abc')).status).toBe(404);
  });
});

describe('JWKS (RS256, ES256)', () => {
  let jwks: Server;
  let stack: Stack;
  let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
  let ec: Awaited<ReturnType<typeof generateKeyPair>>;

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256', { extractable: true });
    ec = await generateKeyPair('ES256', { extractable: true });
    const body = JSON.stringify({
      keys: [
        { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
        { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
      ],
    });
    jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    stack = await startStack({
      worker: false,
      config: {
        AUTH_JWKS_URL: `http://127.0.0.1:${(jwks.address() as any).port}/jwks.json`,
        AUTH_JWT_AUDIENCE: AUDIENCE,
        AUTH_ROLE_CLAIM: 'realm_access.roles',
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await new Promise((r) => jwks?.close(r));
  });

  const sign = (alg: 'RS256' | 'ES256', kid: string, key: CryptoKey, roles: string[]) =>
    new SignJWT({ realm_access: { roles } })
      .setProtectedHeader({ alg, kid })
      .setAudience(AUDIENCE)
      .setSubject('svc')
      .setExpirationTime('5m')
      .sign(key);

  it('verifies RS256 and ES256 tokens against the JWKS, reading roles from a nested claim', async () => {
    const r1 = await stack.api('/api/tasks/types', {
      headers: bearer(await sign('RS256', 'rsa-1', rsa.privateKey as CryptoKey, ['viewer'])),
    });
    expect(r1.status).toBe(200);
    const r2 = await stack.api('/api/tasks', {
      body: { type: 'nope' },
      headers: bearer(await sign('ES256', 'ec-1', ec.privateKey as CryptoKey, ['offline_access', 'operator'])),
    });
    expect(r2.status).toBe(400);
  });

  it('rejects an algorithm swap (the RSA public key used as an HS256 secret) and a key not in the set', async () => {
    const pem = await exportSPKI(rsa.publicKey as CryptoKey);
    const swapped = await new SignJWT({ realm_access: { roles: ['admin'] } })
      .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(enc.encode(pem));
    const r = await stack.api('/api/tasks/types', { headers: bearer(swapped) });
    expect(r.status).toBe(401);
    expect(r.body.error.message).toMatch(/algorithm|alg/i);

    const stranger = await generateKeyPair('RS256');
    const r2 = await stack.api('/api/tasks/types', {
      headers: bearer(await sign('RS256', 'rsa-1', stranger.privateKey as CryptoKey, ['admin'])),
    });
    expect(r2.status).toBe(401);
  });
});

describe('rate limits, CORS, secure headers', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      worker: false,
      config: { RATE_LIMIT_READ: '3', RATE_LIMIT_WRITE: '2', RATE_LIMIT_WINDOW_SECONDS: '30', CORS_ORIGINS: 'https://app.example' },
    });
  });
  afterAll(() => stack?.stop());

  it('429 with Retry-After and RateLimit headers once the read budget is spent; writes have their own', async () => {
    const seen: number[] = [];
    let last: Awaited<ReturnType<Stack['api']>> | undefined;
    for (let i = 0; i < 4; i++) {
      last = await stack.api('/api/tasks/types');
      seen.push(last.status);
    }
    expect(seen).toEqual([200, 200, 200, 429]);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(last!.headers.get('retry-after'))).toBeLessThanOrEqual(30);
    expect(last!.headers.get('ratelimit')).toMatch(/limit=3, remaining=0, reset=\d+/);
    expect(last!.headers.get('ratelimit-policy')).toBe('3;w=30');
    expect(last!.body.error.code).toBe('rate_limited');
    // The write group is counted apart.
    const w = await stack.api('/api/tasks', { body: { type: 'nope' } });
    expect(w.status).toBe(400);
    expect(w.headers.get('ratelimit')).toMatch(/limit=2, remaining=1/);
    // Health is never limited.
    expect((await stack.api('/health')).status).toBe(200);
  });

  it('answers a CORS preflight from an allowed origin, and not from another', async () => {
    const ok = await fetch(`${stack.url}/api/tasks`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    const other = await fetch(`${stack.url}/api/tasks`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('sets secure headers and a request id (generated, or the caller’s passed through)', async () => {
    const r = await fetch(`${stack.url}/health`);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(r.headers.get('strict-transport-security')).toContain('max-age');
    expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const mine = await fetch(`${stack.url}/health`, { headers: { 'x-request-id': 'caller-id-42' } });
    expect(mine.headers.get('x-request-id')).toBe('caller-id-42');
  });
});

function unsignedToken(payload: object): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
}

describe('secure by default', () => {
  it('refuses to listen beyond loopback without auth, unless told to', async () => {
    await expect(startGateway(testConfig({ HOST: '0.0.0.0' }), createLogger('t', 'silent'))).rejects.toThrow(InsecureBindError);
    const allowed = await startGateway(testConfig({ HOST: '0.0.0.0', ALLOW_UNAUTHENTICATED_REMOTE: 'true' }), createLogger('t', 'silent'));
    await allowed.close();
    const withAuth = await startGateway(testConfig({ HOST: '0.0.0.0', AUTH_JWT_SECRET: SECRET }), createLogger('t', 'silent'));
    await withAuth.close();
  });

  it('the gateway process exits 2 with one line naming what to set', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/gateway/server.ts'], {
      env: { ...process.env, HOST: '0.0.0.0', PORT: '0', LOG_LEVEL: 'silent', AUTH_JWT_SECRET: '', API_KEYS: '' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('AUTH_JWT_SECRET');
    expect(r.stderr).toContain('ALLOW_UNAUTHENTICATED_REMOTE');
  });

  it('a malformed API key entry stops start-up naming the variable', async () => {
    await expect(startGateway(testConfig({ API_KEYS: 'svc:superuser:abc' }), createLogger('t', 'silent'))).rejects.toThrow(
      /API_KEYS: .*role 'superuser'/,
    );
  });
});
