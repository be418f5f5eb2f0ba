/** The certificate store on its own: versions, idempotent puts, rollback, backup restore, bad input. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectCertificate } from '../src/certificates/inspect.js';
import { CertificateNotFound, CertificateStore } from '../src/certificates/store.js';
import { issueTemporaryCertificate } from '../src/certificates/temporary.js';

const fresh = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'store-'));
  return { dir, store: new CertificateStore(path.join(dir, 'certs'), path.join(dir, 'backup')) };
};
const cert = async (domains: string[], hours = 48) => {
  const { certPem, keyPem } = await issueTemporaryCertificate({ domains, validityHours: hours });
  return { certPem, keyPem };
};

describe('CertificateStore', () => {
  it('keeps every version, makes the newest current, and rolls back', async () => {
    const { store } = fresh();
    const a = await cert(['a.example.test']);
    const b = await cert(['a.example.test']);
    await store.put({ name: 'a.example.test', version: 'v1', domains: ['a.example.test'], temporary: false, source: 'imported', ...a });
    await store.put({ name: 'a.example.test', version: 'v2', domains: ['a.example.test'], temporary: false, source: 'imported', ...b });
    expect((await store.current('a.example.test')).version).toBe('v2');
    expect((await store.versions('a.example.test')).map((v) => v.version)).toEqual(['v1', 'v2']);
    expect((await store.rollback('a.example.test')).version).toBe('v1');
    expect((await store.current('a.example.test')).certPem).toBe(a.certPem);
    await expect(store.rollback('a.example.test')).rejects.toThrow(/no version before v1/);
    await expect(store.current('missing.example.test')).rejects.toBeInstanceOf(CertificateNotFound);
  });

  it('storing the same version twice changes nothing (a retried activity)', async () => {
    const { store, dir } = fresh();
    const a = await cert(['b.example.test']);
    const first = await store.put({ name: 'b', version: 'r1', domains: ['b.example.test'], temporary: true, source: 'self-signed', ...a });
    const other = await cert(['b.example.test']);
    const second = await store.put({
      name: 'b',
      version: 'r1',
      domains: ['b.example.test'],
      temporary: true,
      source: 'self-signed',
      ...other,
    });
    expect(second).toEqual(first);
    expect((await store.current('b')).certPem).toBe(a.certPem);
    expect(readdirSync(path.join(dir, 'certs', 'b', 'versions'))).toEqual(['r1']);
  });

  it('restores lost versions from the backup copy', async () => {
    const { store, dir } = fresh();
    const a = await cert(['c.example.test']);
    await store.put({ name: 'c', version: 'v1', domains: ['c.example.test'], temporary: false, source: 'imported', ...a });
    rmSync(path.join(dir, 'certs', 'c'), { recursive: true });
    expect(await store.names()).toEqual([]);
    expect(await store.restoreFromBackup('c')).toBe(1);
    expect((await store.current('c')).certPem).toBe(a.certPem);
  });

  it('refuses what is not a certificate and names that could escape the directory', async () => {
    const { store } = fresh();
    const a = await cert(['d.example.test']);
    await expect(
      store.put({ name: 'd', version: 'v1', domains: [], temporary: false, source: 'imported', certPem: 'junk', keyPem: a.keyPem }),
    ).rejects.toThrow();
    await expect(store.put({ name: '../evil', version: 'v1', domains: [], temporary: false, source: 'imported', ...a })).rejects.toThrow(
      /invalid/,
    );
    expect(await store.names()).toEqual([]);
  });
});

describe('temporary certificates', () => {
  it('are self-signed for the domains, valid for the hours asked', async () => {
    const t = await cert(['x.example.test', 'y.example.test'], 72);
    const facts = inspectCertificate(t.certPem);
    expect(facts.domains).toEqual(['x.example.test', 'y.example.test']);
    expect(facts.selfSigned).toBe(true);
    expect(facts.daysRemaining).toBe(2);
    expect(t.keyPem).toContain('BEGIN PRIVATE KEY');
  });

  it('can be issued by a local CA the operator provides', async () => {
    const { X509Certificate } = await import('node:crypto');
    const x509 = await import('@peculiar/x509');
    const { webcrypto } = await import('node:crypto');
    const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as any;
    const ca = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: 'CN=Test Local CA',
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
    });
    const keyDer = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
    const caKeyPem = `-----BEGIN PRIVATE KEY-----\n${keyDer.toString('base64')}\n-----END PRIVATE KEY-----\n`;
    const t = await issueTemporaryCertificate({
      domains: ['z.example.test'],
      validityHours: 24,
      ca: { certPem: ca.toString('pem'), keyPem: caKeyPem },
    });
    expect(t.source).toBe('local-ca');
    const leaf = new X509Certificate(t.certPem.split(/(?=-----BEGIN CERTIFICATE-----)/)[0]!);
    expect(leaf.verify(new X509Certificate(ca.toString('pem')).publicKey)).toBe(true);
    expect(inspectCertificate(t.certPem).issuer).toContain('Test Local CA');
  });
});
