import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import nodemailer, { type Transporter } from 'nodemailer';
import { z } from 'zod';
import { dataDir, type Config } from '../../config.js';
import { writeFileAtomic } from '../../files.js';
import { defineTopic } from './topic.js';

const transports = new Map<string, Transporter>();
/** One pooled SMTP transport per URL for the worker's lifetime. */
function smtp(url: string): Transporter {
  let t = transports.get(url);
  if (!t) {
    t = nodemailer.createTransport(url);
    transports.set(url, t);
  }
  return t;
}

export function outboxDir(config: Config): string {
  return path.resolve(config.OUTBOX_DIR ?? path.join(dataDir(config), 'outbox'));
}

const safeName = (id: string) => id.replace(/[^A-Za-z0-9._-]/g, '_');

export const email = defineTopic({
  name: 'email',
  description: 'Sends an email over SMTP (SMTP_URL), or writes it as an .eml file to the outbox when no SMTP server is configured.',
  payload: z
    .object({
      to: z.union([z.email(), z.array(z.email()).min(1).max(50)]),
      subject: z.string().min(1).max(998),
      text: z.string().optional(),
      html: z.string().optional(),
    })
    .refine((m) => m.text !== undefined || m.html !== undefined, { message: 'give text or html', path: ['text'] }),
  timeoutSeconds: 60,
  retry: { initialIntervalSeconds: 5, backoffCoefficient: 2, maximumIntervalSeconds: 600 },
  async handler({ to, subject, text, html }, ctx) {
    // A Message-ID derived from the task makes a re-sent attempt recognisable as the same mail.
    const message = { from: ctx.config.EMAIL_FROM, to, subject, text, html, messageId: `<${safeName(ctx.taskId)}@taskgate>` };
    if (!ctx.config.SMTP_URL) {
      const built = await nodemailer.createTransport({ streamTransport: true, buffer: true }).sendMail(message);
      const dir = outboxDir(ctx.config);
      const file = path.join(dir, `${safeName(ctx.taskId)}.eml`);
      // Write-then-rename: a reader never sees half a message, and a retry overwrites the same file.
      await writeFileAtomic(file, built.message as Buffer);
      return { delivered: 'outbox', file, messageId: message.messageId };
    }
    try {
      const info = await smtp(ctx.config.SMTP_URL).sendMail(message);
      return { delivered: 'smtp', messageId: info.messageId, accepted: info.accepted, rejected: info.rejected, response: info.response };
    } catch (err) {
      const code = (err as { responseCode?: number }).responseCode;
      // 5xx is the server's final word (bad mailbox, policy); 4xx and connection errors may pass.
      if (code !== undefined && code >= 500)
        throw ApplicationFailure.nonRetryable(`SMTP refused the message: ${(err as Error).message}`, 'EmailRejected');
      throw ApplicationFailure.retryable(`SMTP delivery failed: ${(err as Error).message}`, 'EmailDeliveryError');
    }
  },
});
