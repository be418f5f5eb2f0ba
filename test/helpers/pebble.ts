/**
 * A real ACME server for the certificate tests: Pebble plus pebble-challtestsrv (its DNS, resolving
 * every name to 127.0.0.1), installed into the cache with `go install` on first use.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findPebble } from '../../src/certificates/pebble-toolchain.js';
import { freePort, isListening } from '../../src/temporal/dev-server.js';

export interface Pebble {
  directoryUrl: string;
  /** The CA that signs Pebble's own HTTPS API (give it to ACME_CA_BUNDLE). */
  apiCa: string;
  challtestsrv: string;
  dnsPort: number;
  stop(): Promise<void>;
  /** Stops only the ACME server (the CA "goes down"); start() brings it back on the same port. */
  stopAcme(): Promise<void>;
  startAcme(): Promise<void>;
}

async function waitFor(address: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await isListening(address))) {
    if (Date.now() > deadline) throw new Error(`nothing listening at ${address}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const kill = (p: ChildProcess | undefined) =>
  new Promise<void>((resolve) => {
    if (!p || p.exitCode !== null || p.signalCode !== null) return resolve();
    p.once('exit', () => resolve());
    p.kill('SIGTERM');
  });

export async function startPebble(opts: { cacheDir: string; httpPort: number; acmePort?: number }): Promise<Pebble> {
  const tools = findPebble({ cacheDir: opts.cacheDir, pebbleDir: process.env.PEBBLE_DIR });
  const [dnsPort, mgmtPort, acmePort, pebbleMgmt] = [
    await freePort(),
    await freePort(),
    opts.acmePort ?? (await freePort()),
    await freePort(),
  ];
  const dir = mkdtempSync(path.join(tmpdir(), 'pebble-'));
  const configFile = path.join(dir, 'pebble-config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${acmePort}`,
        managementListenAddress: `127.0.0.1:${pebbleMgmt}`,
        certificate: tools.tlsCert,
        privateKey: tools.tlsKey,
        // Pebble's validation authority connects to the gateway on this port for HTTP-01.
        httpPort: opts.httpPort,
        tlsPort: await freePort(),
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
        retryAfter: { authz: 1, order: 1 },
      },
    }),
  );
  const challtestsrv = spawn(
    tools.challtestsrv,
    [
      '-defaultIPv4',
      '127.0.0.1',
      '-defaultIPv6',
      '',
      '-dnsserver',
      `127.0.0.1:${dnsPort}`,
      '-management',
      `127.0.0.1:${mgmtPort}`,
      '-http01',
      '',
      '-https01',
      '',
      '-tlsalpn01',
      '',
      '-doh',
      '',
    ],
    { stdio: 'ignore' },
  );
  await waitFor(`127.0.0.1:${mgmtPort}`);
  let pebble: ChildProcess | undefined;
  const startAcme = async () => {
    pebble = spawn(tools.pebble, ['-config', configFile, '-dnsserver', `127.0.0.1:${dnsPort}`], {
      stdio: 'ignore',
      // No random validation delays or nonce rejections: the tests measure Taskgate, not Pebble's chaos.
      env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' },
    });
    await waitFor(`127.0.0.1:${acmePort}`);
  };
  await startAcme();
  return {
    directoryUrl: `https://127.0.0.1:${acmePort}/dir`,
    apiCa: tools.tlsCa,
    challtestsrv: `http://127.0.0.1:${mgmtPort}`,
    dnsPort,
    startAcme,
    stopAcme: () => kill(pebble),
    async stop() {
      await kill(pebble);
      await kill(challtestsrv);
    },
  };
}
