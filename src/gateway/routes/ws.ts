/**
 * GET /ws: live task events. Authenticated like every route (header, or ?access_token= for browsers).
 * Subscribe at connect with ?all=true, ?types=a,b or ?taskIds=x,y, or later by message:
 *   {"type":"subscribe","taskIds":["..."],"types":["webhook"],"all":false}   (and "unsubscribe")
 * Events: {"type":"task.created|task.updated|task.completed","task":{...},"at":"..."}.
 */
import { upgradeWebSocket } from '@hono/node-server';
import { Hono } from 'hono';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { AppEnv } from '../env.js';
import { MAX_IDS_PER_CLIENT, type LiveClient, type LiveHub, type Subscription } from '../live/hub.js';

const ids = z.array(z.string().min(1).max(256)).max(MAX_IDS_PER_CLIENT);
const MessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribe'), taskIds: ids.optional(), types: ids.optional(), all: z.boolean().optional() }).strict(),
  z.object({ type: z.literal('unsubscribe'), taskIds: ids.optional(), types: ids.optional(), all: z.boolean().optional() }).strict(),
  z.object({ type: z.literal('ping') }).strict(),
]);

const list = (v: string | undefined) =>
  v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
const view = (s: Subscription) => ({ all: s.all, taskIds: [...s.taskIds], types: [...s.types] });

export function wsRoutes(hub: LiveHub) {
  const app = new Hono<AppEnv>();
  app.get(
    '/',
    upgradeWebSocket((c) => {
      const principal = c.get('principal');
      const subscription: Subscription = {
        all: c.req.query('all') === 'true',
        taskIds: new Set(list(c.req.query('taskIds')).slice(0, MAX_IDS_PER_CLIENT)),
        types: new Set(list(c.req.query('types'))),
      };
      let client: LiveClient | undefined;
      const reply = (msg: unknown) => client && hub.send(client, JSON.stringify(msg));
      return {
        onOpen(_evt, ws) {
          client = { socket: ws.raw as unknown as WebSocket, principal: principal?.id ?? 'anonymous', subscription, alive: true };
          hub.add(client);
          reply({ type: 'welcome', principal: client.principal, role: principal?.role, subscription: view(subscription) });
        },
        onMessage(evt) {
          if (!client) return;
          let parsed: z.infer<typeof MessageSchema>;
          try {
            const result = MessageSchema.safeParse(JSON.parse(String(evt.data)));
            if (!result.success) {
              const issue = result.error.issues[0]!;
              return reply({ type: 'error', field: issue.path.join('.') || '(message)', message: issue.message });
            }
            parsed = result.data;
          } catch {
            return reply({ type: 'error', field: '(message)', message: 'not JSON' });
          }
          if (parsed.type === 'ping') return reply({ type: 'pong' });
          const s = client.subscription;
          const on = parsed.type === 'subscribe';
          if (on && s.taskIds.size + (parsed.taskIds?.length ?? 0) > MAX_IDS_PER_CLIENT)
            return reply({ type: 'error', field: 'taskIds', message: `at most ${MAX_IDS_PER_CLIENT} task ids per connection` });
          if (parsed.all !== undefined) s.all = on ? parsed.all : s.all && !parsed.all;
          for (const id of parsed.taskIds ?? []) on ? s.taskIds.add(id) : s.taskIds.delete(id);
          for (const t of parsed.types ?? []) on ? s.types.add(t) : s.types.delete(t);
          reply({ type: 'subscribed', subscription: view(s) });
        },
        onClose() {
          if (client) hub.remove(client);
        },
        onError() {
          if (client) hub.remove(client);
        },
      };
    }),
  );
  return app;
}
