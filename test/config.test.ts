import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('has defaults for everything', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      PORT: 4000,
      HOST: '127.0.0.1',
      TEMPORAL_ADDRESS: 'localhost:7233',
      TEMPORAL_NAMESPACE: 'default',
      TASK_RETRY_LIMIT: 3,
      TASK_TIMEOUT: 300,
    });
  });

  it('parses booleans strictly', () => {
    expect(loadConfig({ TEMPORAL_TLS: 'false' }).TEMPORAL_TLS).toBe(false);
    expect(loadConfig({ TEMPORAL_TLS: 'true' }).TEMPORAL_TLS).toBe(true);
  });

  it('names every bad variable', () => {
    try {
      loadConfig({ PORT: 'eighty', TEMPORAL_ADDRESS: 'no-port', TASK_RETRY_LIMIT: '0' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues.map((i) => i.variable).sort()).toEqual(['PORT', 'TASK_RETRY_LIMIT', 'TEMPORAL_ADDRESS']);
    }
  });

  it('stops an entry point with a message naming the variable', () => {
    const root = path.resolve(import.meta.dirname, '..');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/gateway/server.ts'], {
      cwd: root,
      env: { ...process.env, PORT: 'eighty' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/config error: PORT: /);
  });
});
