/**
 * Temporary certificates for failover: self-signed, or issued by a local CA whose certificate and key
 * the operator provides (LOCAL_CA_CERT, LOCAL_CA_KEY), so the gateway keeps serving TLS while ACME
 * is failing. Short-lived on purpose; the next successful renewal replaces them.
 */
// @peculiar/x509 resolves its parsers through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64.trim()}\n-----END ${label}-----\n`;
}

async function importCaKey(keyPem: string): Promise<{ key: CryptoKey; algorithm: Algorithm }> {
  const k = createPrivateKey(keyPem);
  const der = k.export({ format: 'der', type: 'pkcs8' });
  const algorithm =
    k.asymmetricKeyType === 'ec'
      ? { name: 'ECDSA', namedCurve: (k.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'P-384' : 'P-256') as string, hash: 'SHA-256' }
      : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const key = await webcrypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
  return { key: key as unknown as CryptoKey, algorithm };
}

export interface TemporaryCertificate {
  certPem: string;
  keyPem: string;
  source: 'self-signed' | 'local-ca';
}

export async function issueTemporaryCertificate(opts: {
  domains: string[];
  validityHours: number;
  now?: Date;
  ca?: { certPem: string; keyPem: string };
}): Promise<TemporaryCertificate> {
  const now = opts.now ?? new Date();
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const extensions = [
    new x509.SubjectAlternativeNameExtension(opts.domains.map((d) => ({ type: 'dns' as const, value: d }))),
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
  ];
  const common = {
    serialNumber: randomBytes(12)
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + opts.validityHours * 3_600_000),
    extensions,
  };
  const subject = `CN=${opts.domains[0]}, O=Taskgate temporary certificate`;
  let cert: x509.X509Certificate;
  let chain = '';
  if (opts.ca) {
    const caCert = new x509.X509Certificate(opts.ca.certPem);
    const { key, algorithm } = await importCaKey(opts.ca.keyPem);
    cert = await x509.X509CertificateGenerator.create({
      ...common,
      subject,
      issuer: caCert.subject,
      publicKey: keys.publicKey,
      signingKey: key,
      signingAlgorithm: algorithm,
    });
    chain = caCert.toString('pem') + '\n';
  } else {
    cert = await x509.X509CertificateGenerator.createSelfSigned({ ...common, name: subject, keys, signingAlgorithm: EC });
  }
  const keyDer = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as unknown as webcrypto.CryptoKey);
  return { certPem: cert.toString('pem') + '\n' + chain, keyPem: pem('PRIVATE KEY', keyDer), source: opts.ca ? 'local-ca' : 'self-signed' };
}
