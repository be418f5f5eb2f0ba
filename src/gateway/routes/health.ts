import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../env.js';
import type { Readiness } from '../readiness.js';
import { json } from '../schemas.js';

const Component = z.object({ ok: z.boolean(), message: z.string() });
const ReadySchema = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    components: z.object({ temporal: Component, namespace: Component, worker: Component }),
    failing: z.array(z.string()),
  })
  .openapi('Readiness');

export function healthRoutes(ready: () => Promise<Readiness>, newApp: () => OpenAPIHono<AppEnv>) {
  const app = newApp();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/health',
      tags: ['service'],
      summary: 'Liveness',
      responses: { 200: json(z.object({ status: z.literal('ok'), timestamp: z.string() }), 'The process is alive') },
    }),
    (c) => c.json({ status: 'ok' as const, timestamp: new Date().toISOString() }, 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/ready',
      tags: ['service'],
      summary: 'Readiness: Temporal, namespace, a polling worker',
      responses: { 200: json(ReadySchema, 'Ready'), 503: json(ReadySchema, 'Not ready; `failing` names the components') },
    }),
    async (c) => {
      const r = await ready();
      const failing = Object.entries(r.components)
        .filter(([, s]) => !s.ok)
        .map(([name]) => name);
      const body = { status: r.ready ? ('ready' as const) : ('not_ready' as const), components: r.components, failing };
      return r.ready ? c.json(body, 200) : c.json(body, 503);
    },
  );
  return app;
}
