/** docker-compose.temporal.yml: no Docker engine runs here, so its shape is checked as data (and by `docker compose config` in .ci/run where the plugin exists). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../src/domain/search-attributes.js';

const compose = parse(readFileSync(new URL('../docker-compose.temporal.yml', import.meta.url), 'utf8'));

describe('docker-compose.temporal.yml', () => {
  it('runs PostgreSQL, Temporal, its Web UI, the gateway and a worker', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['postgresql', 'temporal', 'temporal-ui', 'temporal-search-attributes', 'gateway', 'worker']),
    );
    expect(compose.services.temporal.environment.DB).toBe('postgres12');
    expect(compose.services.gateway.build).toBe('.');
    expect(compose.services.worker.build).toBe('.');
    expect(compose.services.gateway.environment.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(compose.services.gateway.environment.HOST).toBe('0.0.0.0');
  });

  it('passes auth settings to a gateway that listens beyond loopback, and exposes worker metrics', () => {
    expect(compose.services.gateway.environment.API_KEYS).toBe('${TASKGATE_API_KEYS:-}');
    expect(compose.services.gateway.environment.AUTH_JWT_SECRET).toBe('${TASKGATE_JWT_SECRET:-}');
    expect(compose.services.gateway.environment.ALLOW_UNAUTHENTICATED_REMOTE).toBeUndefined();
    expect(compose.services.worker.environment.WORKER_METRICS_PORT).toBe(9464);
  });

  it('registers every search attribute the gateway queries', () => {
    const script = compose.services['temporal-search-attributes'].command.join(' ');
    for (const [name, type] of Object.entries(CUSTOM_SEARCH_ATTRIBUTES)) expect(script).toContain(`${name}=${type}`);
  });

  it('turns on the matcher task priority needs', () => {
    expect(readFileSync(new URL('../deploy/dynamicconfig.yaml', import.meta.url), 'utf8')).toMatch(
      /matching\.useNewMatcher:\s*\n\s*- value: true/,
    );
  });
});
