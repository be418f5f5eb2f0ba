/** Hono context variables every route may read. */
export interface AppEnv {
  Variables: {
    requestId: string;
  };
}
