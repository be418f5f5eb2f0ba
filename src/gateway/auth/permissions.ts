/**
 * Which role each route needs: the one table the gateway enforces and the role-matrix test walks.
 * Paths are Hono route patterns as `c.req.routePath` reports them. A route missing here is refused
 * (admin only), so a new route is never open by accident; a test checks every OpenAPI route is listed.
 */
import type { Role } from './roles.js';

export type Access = Role | 'public';

export interface RoutePermission {
  method: string;
  path: string;
  access: Access;
}

export const ROUTE_PERMISSIONS: readonly RoutePermission[] = [
  { method: 'GET', path: '/health', access: 'public' },
  { method: 'GET', path: '/ready', access: 'public' },
  { method: 'GET', path: '/openapi.json', access: 'public' },
  { method: 'GET', path: '/docs', access: 'public' },
  { method: 'GET', path: '/.well-known/acme-challenge/:token', access: 'public' },

  { method: 'GET', path: '/api/tasks', access: 'viewer' },
  { method: 'GET', path: '/api/tasks/types', access: 'viewer' },
  { method: 'GET', path: '/api/tasks/stats/summary', access: 'viewer' },
  { method: 'GET', path: '/api/tasks/:id', access: 'viewer' },
  { method: 'GET', path: '/api/tasks/:id/logs', access: 'viewer' },
  { method: 'POST', path: '/api/tasks', access: 'operator' },
  { method: 'POST', path: '/api/tasks/:id/cancel', access: 'operator' },
  { method: 'POST', path: '/api/tasks/:id/retry', access: 'operator' },

  { method: 'GET', path: '/api/jobs', access: 'viewer' },
  { method: 'GET', path: '/api/jobs/:id', access: 'viewer' },
  { method: 'GET', path: '/api/jobs/:id/runs', access: 'viewer' },
  { method: 'POST', path: '/api/jobs/:id/trigger', access: 'operator' },
  { method: 'POST', path: '/api/jobs', access: 'admin' },
  { method: 'PATCH', path: '/api/jobs/:id', access: 'admin' },
  { method: 'DELETE', path: '/api/jobs/:id', access: 'admin' },
  { method: 'POST', path: '/api/jobs/:id/pause', access: 'admin' },
  { method: 'POST', path: '/api/jobs/:id/resume', access: 'admin' },
  { method: 'POST', path: '/api/jobs/:id/backfill', access: 'admin' },

  { method: 'GET', path: '/api/certificates', access: 'viewer' },
  { method: 'GET', path: '/api/certificates/:name', access: 'viewer' },
  { method: 'POST', path: '/api/certificates', access: 'operator' },
  { method: 'POST', path: '/api/certificates/:name/renew', access: 'operator' },
  { method: 'POST', path: '/api/certificates/:name/rollback', access: 'admin' },

  { method: 'GET', path: '/api/reports', access: 'viewer' },
  { method: 'GET', path: '/api/reports/:id', access: 'viewer' },

  { method: 'GET', path: '/ws', access: 'viewer' },
];

const byKey = new Map(ROUTE_PERMISSIONS.map((p) => [`${p.method} ${p.path}`, p.access]));

/** What a matched route needs; `metrics` is decided by configuration. */
export function accessFor(method: string, routePath: string, metricsRequireAuth: boolean): Access {
  if (routePath === '/metrics') return metricsRequireAuth ? 'viewer' : 'public';
  if (routePath.startsWith('/docs')) return 'public';
  const m = method === 'HEAD' ? 'GET' : method;
  return byKey.get(`${m} ${routePath}`) ?? 'admin';
}
