/**
 * Where ACME challenges are published. HTTP-01: one file per token under <data>/acme-challenges,
 * served by every gateway at /.well-known/acme-challenge/:token (gateways and workers share the data
 * directory, as in docker-compose.temporal.yml). DNS-01: a hook the operator provides, a command
 * (`<cmd> set|clear <domain> <record name> <value>`) or a URL (POST {action, domain, name, value}).
 */
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { writeFileAtomic } from '../files.js';

const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

export class Http01Store {
  constructor(readonly dir: string) {}
  async put(token: string, keyAuthorization: string): Promise<void> {
    if (!TOKEN.test(token)) throw new Error(`invalid ACME token '${token}'`);
    await writeFileAtomic(path.join(this.dir, token), keyAuthorization);
  }
  async get(token: string): Promise<string | undefined> {
    if (!TOKEN.test(token)) return undefined;
    return readFile(path.join(this.dir, token), 'utf8').catch(() => undefined);
  }
  async remove(token: string): Promise<void> {
    if (TOKEN.test(token)) await rm(path.join(this.dir, token), { force: true });
  }
}

export interface DnsRecord {
  domain: string;
  /** _acme-challenge.<domain> */
  name: string;
  value: string;
}

/** Thrown when no DNS hook is configured: a dns-01 renewal cannot go on, retrying will not help. */
export class DnsHookMissing extends Error {
  constructor() {
    super('dns-01 needs DNS_HOOK_COMMAND or DNS_HOOK_URL');
    this.name = 'DnsHookMissing';
  }
}

export class DnsHook {
  constructor(private readonly opts: { command?: string; url?: string; timeoutMs?: number }) {}
  get configured(): boolean {
    return Boolean(this.opts.command || this.opts.url);
  }
  async run(action: 'set' | 'clear', r: DnsRecord): Promise<void> {
    if (this.opts.command) {
      await promisify(execFile)(this.opts.command, [action, r.domain, r.name, r.value], { timeout: this.opts.timeoutMs ?? 60_000 });
      return;
    }
    if (this.opts.url) {
      const res = await fetch(this.opts.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action, ...r }),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 60_000),
      });
      if (!res.ok) throw new Error(`DNS hook ${action} ${r.name}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
      return;
    }
    throw new DnsHookMissing();
  }
}
