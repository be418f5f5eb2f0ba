/** Hono context variables every route may read. */
import type { Access } from './auth/permissions.js';
import type { Principal } from './auth/roles.js';
import type { ApiError } from './errors.js';

export interface AppEnv {
  Variables: {
    requestId: string;
    access?: Access;
    principal?: Principal;
    authError?: ApiError;
  };
}
