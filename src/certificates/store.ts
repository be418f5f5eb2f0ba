/**
 * Certificates on disk, under <data>/certificates/<name>/:
 *   versions/<version>/{cert.pem,key.pem,meta.json}   every certificate ever stored (rollback)
 *   current.json                                       {"version": "..."}: the one in use
 * and a copy of every version under <data>/certificates-backup/. A version is written into a scratch
 * directory and renamed into place, and current.json is replaced by rename, so a reader never sees a
 * half-written certificate, whatever crashes when. Storing the same version id twice is a no-op
 * (activities retry).
 */
import { randomUUID } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { dataPaths } from '../data-paths.js';
import type { Config } from '../config.js';
import { writeFileAtomic } from '../files.js';
import { inspectCertificate, type CertificateFacts } from './inspect.js';

export type CertificateSource = 'acme' | 'self-signed' | 'local-ca' | 'imported';

export interface VersionMeta {
  version: string;
  name: string;
  domains: string[];
  temporary: boolean;
  source: CertificateSource;
  storedAt: string;
  /** The task (workflow) that stored it. */
  taskId?: string;
  /** How ACME validated it, so the next renewal does the same. */
  challenge?: 'http-01' | 'dns-01';
}

export interface StoredVersion extends VersionMeta {
  certPem: string;
  keyPem: string;
}

export interface CertificateView extends CertificateFacts {
  name: string;
  version: string;
  temporary: boolean;
  source: CertificateSource;
  storedAt: string;
  versions: (VersionMeta & { current: boolean; notAfter?: string })[];
}

export class CertificateNotFound extends Error {
  constructor(readonly certName: string) {
    super(`certificate '${certName}' not found`);
    this.name = 'CertificateNotFound';
  }
}

const SAFE = /^[a-z0-9*][a-z0-9.*_-]{0,252}$/i;

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

export class CertificateStore {
  constructor(
    readonly root: string,
    readonly backupRoot: string,
  ) {}

  /** The store under the data directory, as workers and gateways both see it. */
  static forConfig(config: Config): CertificateStore {
    const p = dataPaths(config);
    return new CertificateStore(p.certificates, p.certificatesBackup);
  }

  private dir(name: string): string {
    if (!SAFE.test(name) || name.includes('..')) throw new Error(`invalid certificate name '${name}'`);
    return path.join(this.root, name);
  }

  async names(): Promise<string[]> {
    const entries = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    const names: string[] = [];
    for (const e of entries) if (e.isDirectory() && (await exists(path.join(this.root, e.name, 'current.json')))) names.push(e.name);
    return names.sort();
  }

  async currentVersion(name: string): Promise<string | undefined> {
    try {
      return (JSON.parse(await readFile(path.join(this.dir(name), 'current.json'), 'utf8')) as { version: string }).version;
    } catch {
      return undefined;
    }
  }

  async readVersion(name: string, version: string): Promise<StoredVersion> {
    const dir = path.join(this.dir(name), 'versions', version);
    const [certPem, keyPem, meta] = await Promise.all([
      readFile(path.join(dir, 'cert.pem'), 'utf8'),
      readFile(path.join(dir, 'key.pem'), 'utf8'),
      readFile(path.join(dir, 'meta.json'), 'utf8'),
    ]);
    return { ...(JSON.parse(meta) as VersionMeta), certPem, keyPem };
  }

  async current(name: string): Promise<StoredVersion> {
    const version = await this.currentVersion(name);
    if (!version) throw new CertificateNotFound(name);
    return this.readVersion(name, version);
  }

  async versions(name: string): Promise<VersionMeta[]> {
    const dir = path.join(this.dir(name), 'versions');
    const entries = await readdir(dir).catch(() => []);
    const metas = await Promise.all(
      entries
        .filter((e) => !e.includes('.tmp'))
        .map(async (v) => JSON.parse(await readFile(path.join(dir, v, 'meta.json'), 'utf8')) as VersionMeta),
    );
    return metas.sort((a, b) => a.storedAt.localeCompare(b.storedAt));
  }

  /** Stores a version and makes it current. Idempotent on `meta.version`. */
  async put(v: Omit<StoredVersion, 'storedAt'> & { storedAt?: string }): Promise<VersionMeta> {
    inspectCertificate(v.certPem); // refuses to store what is not a certificate
    const dir = this.dir(v.name);
    const final = path.join(dir, 'versions', v.version);
    const meta: VersionMeta = {
      version: v.version,
      name: v.name,
      domains: v.domains,
      temporary: v.temporary,
      source: v.source,
      storedAt: v.storedAt ?? new Date().toISOString(),
      ...(v.taskId ? { taskId: v.taskId } : {}),
      ...(v.challenge ? { challenge: v.challenge } : {}),
    };
    if (!(await exists(final))) {
      const tmp = `${final}.${randomUUID()}.tmp`;
      await mkdir(tmp, { recursive: true });
      await writeFile(path.join(tmp, 'cert.pem'), v.certPem);
      await writeFile(path.join(tmp, 'key.pem'), v.keyPem, { mode: 0o600 });
      await writeFile(path.join(tmp, 'meta.json'), JSON.stringify(meta, null, 2));
      try {
        await rename(tmp, final);
      } catch (err) {
        await rm(tmp, { recursive: true, force: true });
        // Another attempt stored this very version first: same content, nothing to do.
        if (!(await exists(final))) throw err;
      }
      const backup = path.join(this.backupRoot, v.name, 'versions', v.version);
      if (!(await exists(backup))) {
        await mkdir(path.dirname(backup), { recursive: true });
        await cp(final, backup, { recursive: true });
      }
    }
    await this.setCurrent(v.name, v.version);
    return JSON.parse(await readFile(path.join(final, 'meta.json'), 'utf8')) as VersionMeta;
  }

  async setCurrent(name: string, version: string): Promise<void> {
    await writeFileAtomic(path.join(this.dir(name), 'current.json'), JSON.stringify({ version }));
  }

  /** Makes the version stored before the current one current again; returns it. */
  async rollback(name: string): Promise<VersionMeta> {
    const current = await this.currentVersion(name);
    if (!current) throw new CertificateNotFound(name);
    const all = await this.versions(name);
    const i = all.findIndex((v) => v.version === current);
    const previous = all[i - 1];
    if (!previous) throw new Error(`certificate '${name}' has no version before ${current}`);
    await this.setCurrent(name, previous.version);
    return previous;
  }

  /** Copies back versions missing from the store (a lost disk) from the backup. */
  async restoreFromBackup(name: string): Promise<number> {
    const src = path.join(this.backupRoot, name, 'versions');
    let restored = 0;
    for (const v of await readdir(src).catch(() => [])) {
      const dest = path.join(this.dir(name), 'versions', v);
      if (await exists(dest)) continue;
      await mkdir(path.dirname(dest), { recursive: true });
      await cp(path.join(src, v), dest, { recursive: true });
      restored++;
    }
    if (!(await this.currentVersion(name))) {
      const all = await this.versions(name);
      if (all.length) await this.setCurrent(name, all.at(-1)!.version);
    }
    return restored;
  }

  async view(name: string, now = new Date()): Promise<CertificateView> {
    const current = await this.current(name);
    const versions = await this.versions(name);
    const withExpiry = await Promise.all(
      versions.map(async (v) => {
        const pem = await readFile(path.join(this.dir(name), 'versions', v.version, 'cert.pem'), 'utf8').catch(() => undefined);
        return { ...v, current: v.version === current.version, ...(pem ? { notAfter: inspectCertificate(pem, now).notAfter } : {}) };
      }),
    );
    return {
      name,
      version: current.version,
      temporary: current.temporary,
      source: current.source,
      storedAt: current.storedAt,
      ...inspectCertificate(current.certPem, now),
      versions: withExpiry,
    };
  }
}
