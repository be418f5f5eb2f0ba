/**
 * API keys for service-to-service calls. Only SHA-256 digests are configured (API_KEYS or the lines of
 * API_KEYS_FILE, each `name:role:sha256hex`), so a leaked config does not leak keys; keys are random
 * 256-bit strings, for which a plain digest is the right storage (no password stretching needed).
 * `npm run apikey -- <name> <role>` makes one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isRole, type Principal, type Role } from './roles.js';

export interface ApiKeyEntry {
  name: string;
  role: Role;
  digest: string;
}

export class ApiKeyConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ApiKeyConfigError';
  }
}

export const digestKey = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

export function generateApiKey(name: string, role: Role): { key: string; entry: string } {
  const key = `tg_${randomBytes(32).toString('base64url')}`;
  return { key, entry: `${name}:${role}:${digestKey(key)}` };
}

export function parseApiKeys(text: string, variable: string): ApiKeyEntry[] {
  const entries: ApiKeyEntry[] = [];
  for (const raw of text.split(/[,\n]/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [name, role, digest, ...rest] = line.split(':');
    if (!name || !role || !digest || rest.length)
      throw new ApiKeyConfigError(variable, `'${line.slice(0, 40)}' is not name:role:sha256hex`);
    if (!isRole(role)) throw new ApiKeyConfigError(variable, `key '${name}': role '${role}' is not viewer, operator or admin`);
    if (!/^[0-9a-f]{64}$/i.test(digest)) throw new ApiKeyConfigError(variable, `key '${name}': the digest must be 64 hex characters`);
    entries.push({ name, role, digest: digest.toLowerCase() });
  }
  return entries;
}

export class ApiKeyStore {
  private readonly byDigest: Map<string, ApiKeyEntry>;
  constructor(entries: ApiKeyEntry[]) {
    this.byDigest = new Map(entries.map((e) => [e.digest, e]));
  }
  static fromConfig(c: { API_KEYS?: string; API_KEYS_FILE?: string }): ApiKeyStore {
    const entries = [
      ...(c.API_KEYS ? parseApiKeys(c.API_KEYS, 'API_KEYS') : []),
      ...(c.API_KEYS_FILE ? parseApiKeys(readKeysFile(c.API_KEYS_FILE), 'API_KEYS_FILE') : []),
    ];
    return new ApiKeyStore(entries);
  }
  get size(): number {
    return this.byDigest.size;
  }
  /** Looking up the digest compares no secret bytes, so there is no timing side channel on the key. */
  identify(key: string): Principal | undefined {
    const entry = this.byDigest.get(digestKey(key));
    return entry && { id: `key:${entry.name}`, kind: 'api_key', role: entry.role };
  }
}

function readKeysFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ApiKeyConfigError('API_KEYS_FILE', `cannot read ${file}: ${(err as Error).message}`);
  }
}
