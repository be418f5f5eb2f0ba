/** What an operator wants to know about a certificate, read with node:crypto's X509Certificate. */
import { X509Certificate } from 'node:crypto';

export interface CertificateFacts {
  subject: string;
  issuer: string;
  domains: string[];
  notBefore: string;
  notAfter: string;
  daysRemaining: number;
  fingerprint: string;
  serialNumber: string;
  selfSigned: boolean;
}

/** The first certificate of a PEM chain (the leaf). */
export function leafOf(pem: string): X509Certificate {
  const first = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/);
  if (!first) throw new Error('no PEM certificate found');
  return new X509Certificate(first[0]);
}

export function inspectCertificate(pem: string, now: Date = new Date()): CertificateFacts {
  const cert = leafOf(pem);
  const domains = (cert.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
  const notAfter = new Date(cert.validTo);
  return {
    subject: (cert.subject ?? '').replace(/\n/g, ', '),
    issuer: (cert.issuer ?? '').replace(/\n/g, ', '),
    domains,
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: notAfter.toISOString(),
    daysRemaining: Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000),
    fingerprint: cert.fingerprint256,
    serialNumber: cert.serialNumber,
    selfSigned: cert.subject === cert.issuer && cert.verify(cert.publicKey),
  };
}
