import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

// Booleans arrive as strings from the environment; "false" must not become true.
const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no', '']).transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(0).max(65535);

export const configSchema = z.object({
  PORT: port.default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^:\s]+:\d+$/, 'must be host:port')
    .default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('taskgate'),
  TEMPORAL_UI_URL: z.url().default('http://localhost:8233'),
  TEMPORAL_TLS: bool.default(false),
  TEMPORAL_TLS_CERT: z.string().optional(),
  TEMPORAL_TLS_KEY: z.string().optional(),
  TEMPORAL_TLS_CA: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_CLI_PATH: z.string().optional(),
  TEMPORAL_TEST_SERVER_PATH: z.string().optional(),
  TASKGATE_CACHE_DIR: z.string().default(path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'taskgate')),
  TASKGATE_DATA_DIR: z.string().default('./data'),
  TASK_RETRY_LIMIT: z.coerce.number().int().min(1).max(100).default(3),
  TASK_TIMEOUT: z.coerce.number().int().min(1).max(86_400).default(300),
  TEMPORAL_RPC_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  WEBHOOK_SECRET: z.string().default(''),
  WEBHOOK_SIGNATURE_HEADER: z.string().default('x-taskgate-signature'),
  SMTP_URL: z.string().optional(),
  EMAIL_FROM: z.string().default('taskgate@localhost'),
  OUTBOX_DIR: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).default(100),
  WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).default(30),
  WORKER_METRICS_PORT: port.optional(),

  // Who may call the gateway (README "Auth"). No JWT and no API key configured means no auth, which
  // the gateway accepts only on a loopback HOST unless ALLOW_UNAUTHENTICATED_REMOTE says otherwise.
  AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters (HS256 needs a 256-bit secret)').optional(),
  AUTH_JWKS_URL: z.url().optional(),
  AUTH_JWT_ISSUER: z.string().optional(),
  AUTH_JWT_AUDIENCE: z.string().optional(),
  AUTH_ROLE_CLAIM: z.string().min(1).default('role'),
  AUTH_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(600).default(30),
  API_KEYS: z.string().optional(),
  API_KEYS_FILE: z.string().optional(),
  ALLOW_UNAUTHENTICATED_REMOTE: bool.default(false),
  METRICS_REQUIRE_AUTH: bool.default(false),

  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  RATE_LIMIT_READ: z.coerce.number().int().min(0).default(1200),
  RATE_LIMIT_WRITE: z.coerce.number().int().min(0).default(300),
  TRUST_PROXY: bool.default(false),
  CORS_ORIGINS: z.string().default(''),

  ACME_DIRECTORY_URL: z.url().default('https://acme-staging-v02.api.letsencrypt.org/directory'),
  ACME_EMAIL: z.email().optional(),
  ACME_CA_BUNDLE: z.string().optional(),
  RENEW_BEFORE_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  CERT_CHECK_CRON: z.string().default('17 3 * * *'),
  CERT_CHECK_JOB: bool.default(true),
  DNS_HOOK_COMMAND: z.string().optional(),
  DNS_HOOK_URL: z.url().optional(),
  LOCAL_CA_CERT: z.string().optional(),
  LOCAL_CA_KEY: z.string().optional(),
  TEMPORARY_CERT_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(72),
  CERT_NOTIFY_URLS: z.string().default(''),

  LOGS_ALLOWED_ROOTS: z.string().default('/var/log'),
  LOGS_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  LOGS_CHECKPOINT_SECONDS: z.coerce.number().min(0.05).max(3600).default(5),

  LIVE_POLL_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(300),
  WS_PING_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
  WS_MAX_BUFFERED_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(200),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(`invalid configuration: ${issues.map((i) => `${i.variable}: ${i.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the environment (plus ./.env when present) once; a bad value throws a ConfigError naming it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, envFile = '.env'): Config {
  if (env === process.env && existsSync(envFile)) process.loadEnvFile(envFile);
  // Empty strings mean "unset" so that `FOO= npm start` falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => ({ variable: String(i.path[0]), message: i.message })));
  }
  return parsed.data;
}

export function dataDir(config: Config): string {
  return path.resolve(config.TASKGATE_DATA_DIR);
}

/** Entry points call this: a bad variable ends the process with one readable line. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const issue of err.issues) console.error(`config error: ${issue.variable}: ${issue.message}`);
      process.exit(2);
    }
    throw err;
  }
}
