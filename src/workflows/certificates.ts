/**
 * Certificate tasks as workflows. A renewal is one activity per ACME step, so a crash or a retry
 * resumes at the step that failed (the history holds every finished step) and the order is opened
 * once. A renewal that cannot finish by its deadline leaves a temporary certificate in place.
 */
import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { CertificateActivities } from '../activities/certificates/index.js';
import { certificateName, RENEW_TYPE, type CheckPayload, type RenewPayload, type TemporaryPayload } from '../domain/certificates.js';
import { TaskPriorityKey, TaskStatusKey, TaskTypeKey } from '../domain/search-attributes.js';
import { CERTIFICATE_WORKFLOWS, type TaskWorkflowInput } from '../domain/task-input.js';
import { fileSafe, isIndexed, markProcessing } from './task-index.js';

const NON_RETRYABLE = ['AcmeRejected', 'AcmeOrderInvalid', 'AcmeChallengeInvalid', 'DnsHookMissing', 'NotifyRejected'];

// ACME steps retry until the renewal's deadline cancels them; the backoff keeps a down CA unhammered.
// They heartbeat, so a dead worker is noticed within the task's heartbeat timeout.
const acmeStepsFor = (input: TaskWorkflowInput) =>
  proxyActivities<CertificateActivities>({
    startToCloseTimeout: '5m',
    heartbeatTimeout: `${input.heartbeatTimeoutSeconds}s`,
    retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '10m', nonRetryableErrorTypes: NON_RETRYABLE },
  });
const local = proxyActivities<CertificateActivities>({
  startToCloseTimeout: '1m',
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '5m',
    maximumAttempts: 20,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});

const renewalIdOf = () => {
  const { workflowId, runId } = workflowInfo();
  return fileSafe(`${workflowId}-${runId.slice(0, 8)}`);
};

export interface RenewResult {
  name: string;
  version: string;
  domains: string[];
  temporary: boolean;
  notified: string[];
}

export async function certificateRenewWorkflow(input: TaskWorkflowInput): Promise<RenewResult> {
  const p = input.payload as RenewPayload;
  const acmeSteps = acmeStepsFor(input);
  markProcessing();
  const renewalId = renewalIdOf();
  const name = p.name ?? certificateName(p.domains);
  const taskId = workflowInfo().workflowId;
  let challenges: Awaited<ReturnType<CertificateActivities['acmeOrder']>>['challenges'] = [];

  try {
    const version = await CancellationScope.withTimeout(Math.max(1, p.deadlineHours * 3_600_000), async () => {
      const order = await acmeSteps.acmeOrder({ renewalId, domains: p.domains, challenge: p.challenge });
      challenges = order.challenges;
      if (order.status === 'pending') {
        await acmeSteps.acmePublish({ challenges });
        if (p.challenge === 'dns-01' && p.propagationSeconds > 0) await sleep(`${p.propagationSeconds}s`);
        await acmeSteps.acmeValidate({ orderUrl: order.orderUrl, challenges });
      }
      await acmeSteps.acmeFinalize({ renewalId, orderUrl: order.orderUrl, domains: p.domains, keyType: p.keyType });
      const certPem = await acmeSteps.acmeDownload({ orderUrl: order.orderUrl });
      return local.certStoreIssued({ name, renewalId, domains: p.domains, certPem, taskId, challenge: p.challenge });
    });
    const { notified } = await local.certDistribute({ name });
    return { name, version: version.version, domains: p.domains, temporary: false, notified };
  } catch (err) {
    // Our own deadline (not a cancel of the task): keep serving with a temporary certificate.
    if (!isCancellation(err) || CancellationScope.current().consideredCancelled) throw err;
    const temp = await local.certIssueTemporary({ name, domains: p.domains, version: `${renewalId}-temporary`, taskId });
    await local.certDistribute({ name });
    throw ApplicationFailure.nonRetryable(
      `no certificate from ACME within ${p.deadlineHours} h; temporary certificate ${temp.version} (${temp.source}) is in place until a renewal succeeds`,
      'RenewalDeadlineExceeded',
      { name, version: temp.version, temporary: true },
    );
  } finally {
    if (challenges.length) await CancellationScope.nonCancellable(() => local.acmeCleanup({ challenges }));
  }
}

export interface CheckResult {
  checked: Awaited<ReturnType<CertificateActivities['certCheckAll']>>;
  renewalsStarted: string[];
  alreadyRunning: string[];
}

/** Reads every stored certificate and starts a renewal for each one due (or temporary). */
export async function certificateCheckWorkflow(input: TaskWorkflowInput): Promise<CheckResult> {
  const p = input.payload as CheckPayload;
  markProcessing();
  const indexed = isIndexed();
  const checked = await local.certCheckAll({ renewBeforeDays: p.renewBeforeDays });
  const renewalsStarted: string[] = [];
  const alreadyRunning: string[] = [];
  const day = new Date().toISOString().slice(0, 10);
  for (const c of checked) {
    if (!c.due) continue;
    const payload: RenewPayload = {
      domains: c.domains,
      challenge: c.challenge ?? 'http-01',
      keyType: 'ec',
      name: c.name,
      deadlineHours: 24,
      propagationSeconds: c.challenge === 'dns-01' ? 60 : 0,
    };
    const childInput: TaskWorkflowInput = {
      ...input,
      type: RENEW_TYPE,
      activity: RENEW_TYPE,
      payload,
      workflowType: CERTIFICATE_WORKFLOWS.renew,
    };
    // One renewal per certificate per day, whoever asks: a second check the same day finds it running.
    const workflowId = `${RENEW_TYPE}-${c.name}-${day}`;
    try {
      await startChild(CERTIFICATE_WORKFLOWS.renew, {
        workflowId,
        args: [childInput],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        memo: { payload, maxAttempts: input.retry.maxAttempts, timeoutSeconds: input.timeoutSeconds, startedBy: workflowInfo().workflowId },
        ...(indexed
          ? {
              typedSearchAttributes: [
                { key: TaskTypeKey, value: RENEW_TYPE },
                { key: TaskPriorityKey, value: workflowInfo().typedSearchAttributes.get(TaskPriorityKey) ?? 5 },
                { key: TaskStatusKey, value: 'pending' },
              ],
            }
          : {}),
      });
      renewalsStarted.push(workflowId);
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) alreadyRunning.push(workflowId);
      else throw err;
    }
  }
  return { checked, renewalsStarted, alreadyRunning };
}

export async function certificateTemporaryWorkflow(input: TaskWorkflowInput): Promise<RenewResult> {
  const p = input.payload as TemporaryPayload;
  markProcessing();
  const name = p.name ?? certificateName(p.domains);
  const temp = await local.certIssueTemporary({
    name,
    domains: p.domains,
    version: `${renewalIdOf()}-temporary`,
    taskId: workflowInfo().workflowId,
  });
  const { notified } = await local.certDistribute({ name });
  return { name, version: temp.version, domains: p.domains, temporary: true, notified };
}
