/** Certificate task payloads as the workflows read them (workflow-safe: no I/O, no Node modules). */
export type ChallengeType = 'http-01' | 'dns-01';

export interface RenewPayload {
  domains: string[];
  challenge: ChallengeType;
  keyType: 'ec' | 'rsa';
  name?: string;
  /** Past this many hours without a certificate, a temporary one is issued and the renewal fails. */
  deadlineHours: number;
  /** dns-01: how long to let the TXT record propagate before asking the CA to look. */
  propagationSeconds: number;
}

export interface CheckPayload {
  /** RENEW_BEFORE_DAYS (the worker's) when absent. */
  renewBeforeDays?: number;
}

export interface TemporaryPayload {
  domains: string[];
  name?: string;
}

/** Certificate names are directory names: from the first domain, wildcards spelled out. */
export function certificateName(domains: string[]): string {
  return domains[0]!.toLowerCase().replace(/^\*\./, 'wildcard.');
}

export const RENEW_TYPE = 'certificate.renew';
export const CHECK_TYPE = 'certificate.check';
export const TEMPORARY_TYPE = 'certificate.temporary';
