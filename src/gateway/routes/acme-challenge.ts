/** GET /.well-known/acme-challenge/:token: HTTP-01 answers, from the files the renewal activity writes. */
import { Hono } from 'hono';
import type { Http01Store } from '../../certificates/challenges.js';

export function acmeChallengeRoutes(store: Http01Store) {
  const app = new Hono();
  app.get('/:token', async (c) => {
    const keyAuthorization = await store.get(c.req.param('token'));
    if (keyAuthorization === undefined) return c.text('no such challenge', 404);
    return c.text(keyAuthorization, 200, { 'cache-control': 'no-store' });
  });
  return app;
}
