/**
 * Certificates as the REST API shows them: read from the shared store, changed by starting
 * certificate tasks (so every renewal is a task with history, logs and a Web UI page).
 */
import { CHECK_TYPE, RENEW_TYPE } from '../../domain/certificates.js';
import { CertificateNotFound, type CertificateStore, type CertificateView } from '../../certificates/store.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { TaskService } from '../tasks/service.js';
import type { Task } from '../tasks/view.js';

export interface RenewRequest {
  domains: string[];
  challenge?: 'http-01' | 'dns-01';
  keyType?: 'ec' | 'rsa';
  name?: string;
  deadlineHours?: number;
  propagationSeconds?: number;
}

export class CertificateService {
  constructor(
    private readonly store: CertificateStore,
    private readonly tasks: TaskService,
  ) {}

  async list(): Promise<CertificateView[]> {
    const names = await this.store.names();
    return Promise.all(names.map((n) => this.store.view(n)));
  }

  async get(name: string): Promise<CertificateView> {
    try {
      return await this.store.view(name);
    } catch (err) {
      if (err instanceof CertificateNotFound || (err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new NotFoundError('certificate', name);
      throw err;
    }
  }

  async request(req: RenewRequest): Promise<Task> {
    return (await this.tasks.create({ type: RENEW_TYPE, payload: req })).task;
  }

  /** Renews a stored certificate with the domains and challenge it was issued for. */
  async renew(name: string, over: { deadlineHours?: number } = {}): Promise<Task> {
    const current = await this.get(name);
    const stored = (await this.store.versions(name)).find((v) => v.version === current.version);
    return this.request({ domains: stored?.domains ?? current.domains, name, challenge: stored?.challenge, ...over });
  }

  async rollback(name: string): Promise<CertificateView> {
    await this.get(name);
    try {
      await this.store.rollback(name);
    } catch (err) {
      if (err instanceof CertificateNotFound) throw new NotFoundError('certificate', name);
      throw new ConflictError((err as Error).message);
    }
    return this.get(name);
  }

  async check(): Promise<Task> {
    return (await this.tasks.create({ type: CHECK_TYPE, payload: {} })).task;
  }
}
