/**
 * The certificate task types. Each is a workflow of its own (src/workflows/certificates.ts) rather
 * than one activity: a renewal is several ACME steps, each retried and resumed on its own.
 */
import { z } from 'zod';
import { CERTIFICATE_WORKFLOWS } from '../../domain/task-input.js';
import { CHECK_TYPE, RENEW_TYPE, TEMPORARY_TYPE } from '../../domain/certificates.js';
import { defineTopic } from './topic.js';

const HOSTNAME = /^(\*\.)?(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/i;
const domains = z
  .array(z.string().regex(HOSTNAME, 'must be a DNS name such as www.example.com (or *.example.com with dns-01)'))
  .min(1, 'give at least one domain')
  .max(100)
  .refine((d) => new Set(d.map((x) => x.toLowerCase())).size === d.length, 'domains must not repeat');
const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,100}$/i, 'letters, digits, . _ - only')
  .optional();

export const certificateRenew = defineTopic({
  name: RENEW_TYPE,
  description: 'Obtains a certificate over ACME (HTTP-01 through the gateway, or DNS-01 through the DNS hook), stores and distributes it',
  payload: z
    .object({
      domains,
      challenge: z.enum(['http-01', 'dns-01']).default('http-01'),
      keyType: z.enum(['ec', 'rsa']).default('ec'),
      name,
      deadlineHours: z
        .number()
        .positive()
        .max(24 * 30)
        .default(24),
      propagationSeconds: z.number().int().min(0).max(3600).default(0),
    })
    .strict()
    .refine((p) => p.challenge === 'dns-01' || !p.domains.some((d) => d.startsWith('*.')), {
      message: 'wildcard domains need challenge dns-01',
      path: ['domains'],
    }),
  workflow: CERTIFICATE_WORKFLOWS.renew,
  timeoutSeconds: 3600,
  maxAttempts: 1,
});

export const certificateCheck = defineTopic({
  name: CHECK_TYPE,
  description: 'Reads every stored certificate and starts a renewal for each one within renewBeforeDays of expiry (or temporary)',
  payload: z.object({ renewBeforeDays: z.number().int().min(1).max(365).optional() }).strict(),
  workflow: CERTIFICATE_WORKFLOWS.check,
  maxAttempts: 1,
});

export const certificateTemporary = defineTopic({
  name: TEMPORARY_TYPE,
  description: 'Issues a temporary certificate (self-signed, or from LOCAL_CA_CERT/LOCAL_CA_KEY) so the gateway keeps serving',
  payload: z.object({ domains, name }).strict(),
  workflow: CERTIFICATE_WORKFLOWS.temporary,
  maxAttempts: 1,
});
