/** Small decoders for raw Temporal API values (visibility rows, describe responses, history events). */
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { ExecutionStatusName } from '../domain/status.js';

const { temporal } = proto;
export { temporal };

export function fromPayload(p: Payload | null | undefined): unknown {
  if (!p) return undefined;
  try {
    return defaultPayloadConverter.fromPayload(p as Payload);
  } catch {
    return undefined;
  }
}

export function fromPayloads(ps: { payloads?: Payload[] | null } | null | undefined): unknown[] {
  return (ps?.payloads ?? []).map((p) => fromPayload(p));
}

export function tsToDate(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): Date | undefined {
  if (!ts || ts.seconds === undefined || ts.seconds === null) return undefined;
  const seconds = Number(ts.seconds);
  if (!Number.isFinite(seconds) || seconds <= 0) return undefined;
  return new Date(seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6));
}

export function executionStatusName(status: number | null | undefined): ExecutionStatusName {
  const name = temporal.api.enums.v1.WorkflowExecutionStatus[status ?? 0] ?? 'WORKFLOW_EXECUTION_STATUS_UNSPECIFIED';
  return name.replace('WORKFLOW_EXECUTION_STATUS_', '') as ExecutionStatusName;
}

/** Search attributes as plain values: keyword/int -> first element, datetime -> Date. */
export function decodeSearchAttributes(indexed: Record<string, Payload> | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, payload] of Object.entries(indexed ?? {})) {
    const value = fromPayload(payload);
    out[key] = Array.isArray(value) ? (value.length === 1 ? value[0] : value) : value;
  }
  return out;
}

export function decodeMemo(memo: { fields?: Record<string, Payload> | null } | null | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(memo?.fields ?? {}).map(([k, v]) => [k, fromPayload(v)]));
}

/** The innermost message of a failure chain: "workflow failed" -> "activity failed" -> the real reason. */
export function failureMessage(failure: { message?: string | null; cause?: any } | null | undefined): string | undefined {
  let f = failure;
  let message = f?.message ?? undefined;
  while (f?.cause) {
    f = f.cause;
    if (f?.message) message = f.message;
  }
  return message || undefined;
}
