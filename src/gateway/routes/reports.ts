/** GET /api/reports and /api/reports/:id (JSON, or ?format=html / Accept: text/html for the page). */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Hono } from 'hono';
import type { AppEnv } from '../env.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { reportHtml } from '../reports/html.js';

const ID = /^[A-Za-z0-9._-]{1,200}$/;

export function reportRoutes(dir: string) {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const names = (await readdir(dir).catch(() => [])).filter((n) => n.endsWith('.json'));
    const reports = await Promise.all(
      names.map(async (n) => {
        const doc = JSON.parse(await readFile(path.join(dir, n), 'utf8'));
        const t = doc.report.totals;
        return {
          id: doc.id,
          taskId: doc.taskId,
          createdAt: doc.createdAt,
          source: doc.source,
          requests: t.requests,
          uniqueVisitors: t.uniqueVisitors,
          errorRate: t.errorRate,
          securityEvents: doc.report.securityEvents.length,
          links: { json: `/api/reports/${doc.id}`, html: `/api/reports/${doc.id}?format=html` },
        };
      }),
    );
    reports.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return c.json({ reports });
  });
  app.get('/:id', async (c) => {
    const id = c.req.param('id');
    if (!ID.test(id)) throw new ValidationError('id: not a report id', [{ field: 'id', message: 'letters, digits, . _ - only' }]);
    const file = path.join(dir, `${id}.json`);
    if (
      !(await stat(file).then(
        () => true,
        () => false,
      ))
    )
      throw new NotFoundError('report', id);
    const doc = JSON.parse(await readFile(file, 'utf8'));
    const wantsHtml = c.req.query('format') === 'html' || (c.req.header('accept') ?? '').startsWith('text/html');
    return wantsHtml ? c.html(reportHtml(doc)) : c.json(doc);
  });
  return app;
}
