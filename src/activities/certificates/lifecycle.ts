/** Store, check, temporary issue and distribution: the certificate activities that are not ACME. */
import { readFile } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/activity';
import type { Config } from '../../config.js';
import { inspectCertificate } from '../../certificates/inspect.js';
import { CertificateStore, type VersionMeta } from '../../certificates/store.js';
import { issueTemporaryCertificate } from '../../certificates/temporary.js';
import { webhookSignature } from '../topics/webhook.js';
import { renewalKeyPath } from './acme.js';

export interface CheckedCertificate {
  name: string;
  domains: string[];
  daysRemaining: number;
  notAfter: string;
  issuer: string;
  fingerprint: string;
  temporary: boolean;
  version: string;
  due: boolean;
  challenge?: 'http-01' | 'dns-01';
}

export const certificateStore = (config: Config): CertificateStore => CertificateStore.forConfig(config);

export function createLifecycleActivities(config: Config) {
  const store = certificateStore(config);
  return {
    /** Stores what ACME issued, with the key the renewal made; a retry finds the version already there. */
    async certStoreIssued(input: {
      name: string;
      renewalId: string;
      domains: string[];
      certPem: string;
      taskId: string;
      challenge: 'http-01' | 'dns-01';
    }): Promise<VersionMeta> {
      const keyPem = await readFile(renewalKeyPath(config, input.renewalId), 'utf8');
      return store.put({
        name: input.name,
        version: input.renewalId,
        domains: input.domains,
        temporary: false,
        source: 'acme',
        certPem: input.certPem,
        keyPem,
        taskId: input.taskId,
        challenge: input.challenge,
      });
    },

    async certIssueTemporary(input: { name: string; domains: string[]; version: string; taskId: string }): Promise<VersionMeta> {
      const existing = await store.currentVersion(input.name);
      if (existing === input.version) return (await store.versions(input.name)).find((v) => v.version === input.version)!;
      const ca =
        config.LOCAL_CA_CERT && config.LOCAL_CA_KEY
          ? { certPem: await readFile(config.LOCAL_CA_CERT, 'utf8'), keyPem: await readFile(config.LOCAL_CA_KEY, 'utf8') }
          : undefined;
      const temp = await issueTemporaryCertificate({ domains: input.domains, validityHours: config.TEMPORARY_CERT_HOURS, ca });
      return store.put({
        name: input.name,
        version: input.version,
        domains: input.domains,
        temporary: true,
        source: temp.source,
        certPem: temp.certPem,
        keyPem: temp.keyPem,
        taskId: input.taskId,
      });
    },

    /** Every stored certificate; `due` when inside renewBeforeDays (RENEW_BEFORE_DAYS by default) or temporary. */
    async certCheckAll(input: { renewBeforeDays?: number } = {}): Promise<CheckedCertificate[]> {
      const before = input.renewBeforeDays ?? config.RENEW_BEFORE_DAYS;
      const out: CheckedCertificate[] = [];
      for (const name of await store.names()) {
        const current = await store.current(name);
        const facts = inspectCertificate(current.certPem);
        out.push({
          name,
          domains: current.domains,
          daysRemaining: facts.daysRemaining,
          notAfter: facts.notAfter,
          issuer: facts.issuer,
          fingerprint: facts.fingerprint,
          temporary: current.temporary,
          version: current.version,
          due: current.temporary || facts.daysRemaining <= before,
          ...(current.challenge ? { challenge: current.challenge } : {}),
        });
      }
      return out;
    },

    /** Tells every configured target (signed webhook) that a certificate changed. */
    async certDistribute(input: { name: string }): Promise<{ notified: string[] }> {
      const targets = config.CERT_NOTIFY_URLS.split(',')
        .map((u) => u.trim())
        .filter(Boolean);
      if (!targets.length) return { notified: [] };
      const current = await store.current(input.name);
      const facts = inspectCertificate(current.certPem);
      const body = JSON.stringify({
        event: 'certificate.updated',
        name: input.name,
        version: current.version,
        domains: current.domains,
        temporary: current.temporary,
        notAfter: facts.notAfter,
        fingerprint: facts.fingerprint,
      });
      const timestamp = Math.floor(Date.now() / 1000);
      for (const url of targets) {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': `${input.name}:${current.version}`,
            ...(config.WEBHOOK_SECRET
              ? { [config.WEBHOOK_SIGNATURE_HEADER]: webhookSignature(config.WEBHOOK_SECRET, timestamp, body) }
              : {}),
          },
          body,
          signal: AbortSignal.timeout(10_000),
        }).catch((err) => {
          throw ApplicationFailure.retryable(`notify ${url}: ${(err as Error).message}`, 'NotifyFailed');
        });
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429)
          throw ApplicationFailure.nonRetryable(`notify ${url}: HTTP ${res.status}`, 'NotifyRejected');
        if (!res.ok) throw ApplicationFailure.retryable(`notify ${url}: HTTP ${res.status}`, 'NotifyFailed');
      }
      return { notified: targets };
    },
  };
}

export type LifecycleActivities = ReturnType<typeof createLifecycleActivities>;
