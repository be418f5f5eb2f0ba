import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { CertificateService } from '../certificates/service.js';
import type { AppEnv } from '../env.js';
import { conflict, errorResponses, json, jsonBody, notFound } from '../schemas.js';
import { TaskSchema } from '../tasks/schemas.js';

const tags = ['certificates'];
const NameParam = z.object({
  name: z
    .string()
    .regex(/^[a-z0-9*][a-z0-9.*_-]{0,252}$/i, 'a certificate name (its first domain)')
    .openapi({ param: { name: 'name', in: 'path' }, example: 'www.example.com' }),
});
const Version = z.object({
  version: z.string(),
  domains: z.array(z.string()),
  temporary: z.boolean(),
  source: z.string(),
  storedAt: z.string(),
  current: z.boolean(),
  notAfter: z.string().optional(),
});
const CertificateSchema = z
  .object({
    name: z.string(),
    domains: z.array(z.string()),
    issuer: z.string(),
    subject: z.string(),
    notBefore: z.string(),
    notAfter: z.string(),
    daysRemaining: z.number().int(),
    fingerprint: z.string(),
    serialNumber: z.string(),
    temporary: z.boolean(),
    selfSigned: z.boolean(),
    source: z.string(),
    version: z.string(),
    storedAt: z.string(),
    versions: z.array(Version),
  })
  .openapi('Certificate');
const RequestSchema = z
  .object({
    domains: z
      .array(z.string())
      .min(1)
      .openapi({ example: ['www.example.com'] }),
    challenge: z.enum(['http-01', 'dns-01']).optional(),
    keyType: z.enum(['ec', 'rsa']).optional(),
    name: z.string().optional(),
    deadlineHours: z.number().positive().optional(),
    propagationSeconds: z.number().int().min(0).optional(),
  })
  .strict()
  .openapi('CertificateRequest');

export function certificateRoutes(service: CertificateService, newApp: () => OpenAPIHono<AppEnv>) {
  const app = newApp();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags,
      summary: 'List stored certificates',
      responses: { 200: json(z.object({ certificates: z.array(CertificateSchema) }), 'Every certificate'), ...errorResponses },
    }),
    async (c) => c.json({ certificates: await service.list() }, 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/',
      tags,
      summary: 'Request a certificate (starts a certificate.renew task)',
      request: jsonBody(RequestSchema),
      responses: { 201: json(TaskSchema, 'The renewal task'), ...errorResponses },
    }),
    async (c) => {
      const task = await service.request(c.req.valid('json'));
      c.header('location', task.links.self);
      return c.json(task, 201);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/{name}',
      tags,
      summary: 'One certificate: domains, validity, issuer, fingerprint, versions',
      request: { params: NameParam },
      responses: { 200: json(CertificateSchema, 'The certificate'), ...errorResponses, ...notFound },
    }),
    async (c) => c.json(await service.get(c.req.valid('param').name), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/{name}/renew',
      tags,
      summary: 'Renew a stored certificate now',
      request: { params: NameParam, ...jsonBody(z.object({ deadlineHours: z.number().positive().optional() }).strict(), false) },
      responses: { 201: json(TaskSchema, 'The renewal task'), ...errorResponses, ...notFound },
    }),
    async (c) => {
      const task = await service.renew(c.req.valid('param').name, c.req.valid('json') ?? {});
      c.header('location', task.links.self);
      return c.json(task, 201);
    },
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/{name}/rollback',
      tags,
      summary: 'Make the previous version current again',
      request: { params: NameParam },
      responses: { 200: json(CertificateSchema, 'The certificate after rollback'), ...errorResponses, ...notFound, ...conflict },
    }),
    async (c) => c.json(await service.rollback(c.req.valid('param').name), 200),
  );
  return app;
}
