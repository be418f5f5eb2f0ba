import pino from 'pino';

/** One JSON logger per process; `name` says which (gateway, worker, start). */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info') {
  return pino({ name, level, base: { service: name }, timestamp: pino.stdTimeFunctions.isoTime });
}
export type Logger = ReturnType<typeof createLogger>;
