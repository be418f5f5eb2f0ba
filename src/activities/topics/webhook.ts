import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import { defineTopic } from './topic.js';

// Statuses worth another attempt: the receiver is down, slow or asks us to back off.
const RETRYABLE_STATUS = (status: number) => status >= 500 || status === 408 || status === 429;
const MAX_RESPONSE_CHARS = 64 * 1024;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: receivers recompute it to check origin and age. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.min(Math.max(seconds, 0), 3600) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.min(Math.max(at - Date.now(), 0), 3_600_000);
}

export const webhook = defineTopic({
  name: 'webhook',
  description:
    'Calls an HTTP endpoint, signed with HMAC-SHA256 (header x-taskgate-signature). 5xx, 408, 429 and network errors are retried with backoff; other 4xx fail at once.',
  payload: z.object({
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
    headers: z.record(z.string(), z.string()).default({}),
    body: z.unknown().optional().describe('JSON-encoded unless it is a string'),
  }),
  timeoutSeconds: 60,
  retry: { initialIntervalSeconds: 2, backoffCoefficient: 2, maximumIntervalSeconds: 300 },
  nonRetryableErrors: ['WebhookRejected'],
  async handler({ url, method, headers, body }, ctx) {
    const text = body === undefined || method === 'GET' ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    const out: Record<string, string> = {
      'user-agent': 'taskgate-webhook/1',
      // The same key on every attempt lets the receiver drop duplicates: delivery is at least once.
      'idempotency-key': ctx.taskId,
      'x-taskgate-task-id': ctx.taskId,
      'x-taskgate-attempt': String(ctx.attempt),
      ...(text && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
      ...headers,
    };
    if (ctx.config.WEBHOOK_SECRET) {
      out[ctx.config.WEBHOOK_SIGNATURE_HEADER] = webhookSignature(ctx.config.WEBHOOK_SECRET, Math.floor(Date.now() / 1000), text);
    }
    let res: Response;
    try {
      res = await fetch(url, { method, headers: out, body: text || undefined, signal: ctx.signal, redirect: 'follow' });
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      throw ApplicationFailure.retryable(
        `${method} ${url} failed: ${(err as Error).cause ?? (err as Error).message}`,
        'WebhookNetworkError',
      );
    }
    const responseText = (await res.text()).slice(0, MAX_RESPONSE_CHARS);
    if (res.ok) {
      let responseBody: unknown = responseText;
      try {
        responseBody = responseText ? JSON.parse(responseText) : null;
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, body: responseBody };
    }
    const message = `${method} ${url} answered ${res.status} ${res.statusText}`.trim();
    if (RETRYABLE_STATUS(res.status)) {
      throw ApplicationFailure.create({
        message,
        type: 'WebhookRetryableStatus',
        details: [{ status: res.status }],
        nextRetryDelay: retryAfterMs(res.headers.get('retry-after')),
      });
    }
    throw ApplicationFailure.nonRetryable(message, 'WebhookRejected', { status: res.status, body: responseText.slice(0, 1000) });
  },
});
