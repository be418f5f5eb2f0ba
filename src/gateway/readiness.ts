/** Readiness: Temporal answers, the namespace exists, and some worker polls the task queue. */
import type { Client } from '@temporalio/client';
import type { temporal as pb } from '@temporalio/proto';
import { temporal, tsToDate } from '../temporal/decode.js';
import { withTimeout } from './middleware/temporal-deadline.js';

export interface ComponentStatus {
  ok: boolean;
  message: string;
}
export interface Readiness {
  ready: boolean;
  components: { temporal: ComponentStatus; namespace: ComponentStatus; worker: ComponentStatus };
}

// Temporal remembers pollers for minutes; only a recent poll proves a worker is alive.
const POLLER_FRESH_MS = 90_000;

export async function checkReadiness(client: Client, namespace: string, taskQueue: string, timeoutMs: number): Promise<Readiness> {
  const skipped = { ok: false, message: 'not checked' };
  const r: Readiness = { ready: false, components: { temporal: { ...skipped }, namespace: { ...skipped }, worker: { ...skipped } } };
  const svc = client.workflowService;
  try {
    const info = await withTimeout(svc.getSystemInfo({}), timeoutMs, () => new Error(`no answer within ${timeoutMs} ms`));
    r.components.temporal = { ok: true, message: `server ${info.serverVersion || 'reachable'}` };
  } catch (err) {
    r.components.temporal = { ok: false, message: `unreachable: ${(err as Error).message}` };
    return r;
  }
  try {
    await withTimeout(svc.describeNamespace({ namespace }), timeoutMs, () => new Error(`no answer within ${timeoutMs} ms`));
    r.components.namespace = { ok: true, message: namespace };
  } catch (err) {
    r.components.namespace = { ok: false, message: `namespace '${namespace}': ${(err as Error).message}` };
    return r;
  }
  try {
    const T = temporal.api.enums.v1.TaskQueueType;
    const [wf, act] = await withTimeout(
      Promise.all(
        [T.TASK_QUEUE_TYPE_WORKFLOW, T.TASK_QUEUE_TYPE_ACTIVITY].map((taskQueueType) =>
          svc.describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType }),
        ),
      ),
      timeoutMs,
      () => new Error(`no answer within ${timeoutMs} ms`),
    );
    const fresh = (pollers: pb.api.taskqueue.v1.IPollerInfo[] | null | undefined) =>
      (pollers ?? []).filter((p) => Date.now() - (tsToDate(p.lastAccessTime)?.getTime() ?? 0) < POLLER_FRESH_MS).length;
    const wfPollers = fresh(wf!.pollers);
    const actPollers = fresh(act!.pollers);
    r.components.worker =
      wfPollers > 0 && actPollers > 0
        ? { ok: true, message: `${Math.max(wfPollers, actPollers)} worker(s) polling '${taskQueue}'` }
        : { ok: false, message: `no worker is polling task queue '${taskQueue}'` };
  } catch (err) {
    r.components.worker = { ok: false, message: `task queue '${taskQueue}': ${(err as Error).message}` };
  }
  r.ready = r.components.temporal.ok && r.components.namespace.ok && r.components.worker.ok;
  return r;
}
