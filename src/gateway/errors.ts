/**
 * Every error the gateway answers with, as typed classes; `toHttp` is the one place they (and
 * Temporal's own errors) become HTTP statuses and the standard `{error: {code, message, details}}` body.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export interface FieldIssue {
  field: string;
  message: string;
}

export class ValidationError extends ApiError {
  constructor(message: string, issues: FieldIssue[] = []) {
    super(400, 'validation_error', message, issues.length ? { issues } : undefined);
  }
  static fromZod(err: ZodError, prefix = ''): ValidationError {
    const issues = err.issues.map((i) => ({
      field: [prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(body)',
      message: i.message,
    }));
    return new ValidationError(issues.map((i) => `${i.field}: ${i.message}`).join('; '), issues);
  }
}
export class UnknownTaskTypeError extends ApiError {
  constructor(type: string, supported: string[]) {
    super(400, 'unknown_task_type', `type: unknown task type '${type}'; supported types: ${supported.join(', ')}`, {
      issues: [{ field: 'type', message: `unknown task type '${type}'` }],
      supportedTypes: supported,
    });
  }
}
export class NotFoundError extends ApiError {
  constructor(what: string, id: string) {
    super(404, 'not_found', `${what} '${id}' not found`);
  }
}
export class ConflictError extends ApiError {
  constructor(message: string, details?: unknown) {
    super(409, 'conflict', message, details);
  }
}
export class PayloadTooLargeError extends ApiError {
  constructor(limit: number) {
    super(413, 'payload_too_large', `request body is larger than ${limit} bytes`);
  }
}
const REALM = 'Bearer realm="taskgate"';
const quoted = (s: string) => s.replace(/["\\]/g, "'");

/** 401. Without credentials the challenge carries no error code, as RFC 6750 asks. */
export class UnauthorizedError extends ApiError {
  constructor(message: string, invalidToken = true) {
    super(401, 'unauthorized', message, undefined, {
      'www-authenticate': invalidToken ? `${REALM}, error="invalid_token", error_description="${quoted(message)}"` : REALM,
    });
  }
}
export class ForbiddenError extends ApiError {
  constructor(message: string, needed?: string) {
    super(403, 'forbidden', message, needed ? { requiredRole: needed } : undefined, {
      'www-authenticate': `${REALM}, error="insufficient_scope", error_description="${quoted(message)}"`,
    });
  }
}
export class RateLimitedError extends ApiError {
  constructor(retryAfterSeconds: number) {
    super(429, 'rate_limited', `too many requests; retry in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}
export class UnavailableError extends ApiError {
  constructor(message: string) {
    super(503, 'temporal_unavailable', message, undefined, { 'retry-after': '5' });
  }
}

const GRPC = {
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  DEADLINE_EXCEEDED: 4,
  UNAVAILABLE: 14,
  INVALID_ARGUMENT: 3,
  FAILED_PRECONDITION: 9,
  CANCELLED: 1,
} as const;

function grpcCode(err: unknown): number | undefined {
  let e: any = err;
  for (let depth = 0; e && depth < 5; depth++, e = e.cause) {
    if (typeof e.code === 'number') return e.code;
  }
  return undefined;
}

function isConnectivityError(err: unknown): boolean {
  const code = grpcCode(err);
  if (code === GRPC.UNAVAILABLE || code === GRPC.DEADLINE_EXCEEDED) return true;
  const text = String((err as any)?.message ?? err);
  return /Failed to connect|connect ECONNREFUSED|deadline|UNAVAILABLE|No connection established|Connection dropped/i.test(text);
}

/** The gRPC code (or 'unavailable') when an error came from a Temporal call; undefined otherwise. */
export function temporalErrorCode(err: unknown): string | undefined {
  if (err instanceof UnavailableError) return 'unavailable';
  if (err instanceof ApiError || err instanceof HTTPException || err instanceof SyntaxError) return undefined;
  const code = grpcCode(err);
  if (code !== undefined) return String(code);
  return isConnectivityError(err) ? 'unavailable' : undefined;
}

/** Any thrown value -> ApiError. Unknown errors are the only 500s, and they are bugs. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 413) return new PayloadTooLargeError(0);
    if (err.status === 400) return new ValidationError(`body: ${err.message}`, [{ field: '(body)', message: err.message }]);
    return new ApiError(err.status as ContentfulStatusCode, 'http_error', err.message || 'request rejected');
  }
  if (err instanceof WorkflowNotFoundError) return new ApiError(404, 'not_found', err.message);
  if (err instanceof WorkflowExecutionAlreadyStartedError) return new ConflictError(err.message);
  if (err instanceof SyntaxError)
    return new ValidationError(`body: malformed JSON (${err.message})`, [{ field: '(body)', message: 'malformed JSON' }]);
  if (isConnectivityError(err)) return new UnavailableError(`Temporal is unreachable: ${(err as Error)?.message ?? String(err)}`);
  const code = grpcCode(err);
  if (code === GRPC.NOT_FOUND) return new ApiError(404, 'not_found', (err as Error).message);
  if (code === GRPC.INVALID_ARGUMENT) return new ValidationError((err as Error).message);
  return new ApiError(500, 'internal_error', 'internal error');
}

export function errorBody(err: ApiError) {
  return { error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } };
}
