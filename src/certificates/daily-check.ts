/**
 * The daily `certificate.check` job, created on start-up when missing (every worker tries; the
 * schedule id makes it one job). An operator may pause, change or delete it like any other job;
 * CERT_CHECK_JOB=false stops workers from re-creating it.
 */
import type { Client } from '@temporalio/client';
import { topics } from '../activities/topics/index.js';
import type { Config } from '../config.js';
import { CHECK_TYPE } from '../domain/certificates.js';
import { ConflictError } from '../gateway/errors.js';
import { JobService } from '../gateway/jobs/service.js';
import { TaskService } from '../gateway/tasks/service.js';

export const CERT_CHECK_JOB_ID = 'certificate-check-daily';

export async function ensureCertificateCheckJob(client: Client, config: Config): Promise<'created' | 'exists'> {
  const jobs = new JobService(client, config, new TaskService(client, config, topics));
  try {
    await jobs.create({
      id: CERT_CHECK_JOB_ID,
      name: 'Check certificates and renew those about to expire',
      type: CHECK_TYPE,
      schedule: config.CERT_CHECK_CRON,
      payload: {},
      overlap: 'skip',
      note: 'created by the worker at start-up',
    });
    return 'created';
  } catch (err) {
    if (err instanceof ConflictError) return 'exists';
    throw err;
  }
}
