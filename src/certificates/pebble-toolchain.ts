/**
 * Pebble (Let's Encrypt's ACME test server) and pebble-challtestsrv, for the certificate tests: the
 * PEBBLE_DIR env var, else the user cache, else `go install` from the Go module proxy into the cache
 * (with Pebble's own test TLS certificate and CA copied beside the binaries).
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { installAtomically, isExecutable, MissingToolError, run } from '../temporal/toolchain.js';

export const PEBBLE_VERSION = 'v2.10.1';
const MODULE = 'github.com/letsencrypt/pebble/v2';

export interface PebbleTools {
  pebble: string;
  challtestsrv: string;
  /** TLS certificate and key Pebble serves its API with, and the CA that signed them. */
  tlsCert: string;
  tlsKey: string;
  tlsCa: string;
}

function toolsIn(dir: string): PebbleTools {
  return {
    pebble: path.join(dir, 'bin', 'pebble'),
    challtestsrv: path.join(dir, 'bin', 'pebble-challtestsrv'),
    tlsCert: path.join(dir, 'certs', 'cert.pem'),
    tlsKey: path.join(dir, 'certs', 'key.pem'),
    tlsCa: path.join(dir, 'certs', 'pebble.minica.pem'),
  };
}

const complete = (t: PebbleTools) => isExecutable(t.pebble) && isExecutable(t.challtestsrv) && existsSync(t.tlsCa);

export function findPebble(opts: { cacheDir: string; pebbleDir?: string; log?: (l: string) => void }): PebbleTools {
  if (opts.pebbleDir) {
    const t = toolsIn(opts.pebbleDir);
    if (!complete(t)) throw new MissingToolError(`PEBBLE_DIR=${opts.pebbleDir} lacks bin/pebble, bin/pebble-challtestsrv or certs/`);
    return t;
  }
  const dir = path.join(opts.cacheDir, `pebble-${PEBBLE_VERSION}`);
  const cached = toolsIn(dir);
  if (complete(cached)) return cached;
  if (!run('go', ['version']).ok)
    throw new MissingToolError('Pebble is not installed and Go is missing: install Go (https://go.dev/dl, or apt-get install golang)');
  opts.log?.(`installing Pebble ${PEBBLE_VERSION} with go install (Go module proxy)`);
  installAtomically(dir, (tmp) => {
    const env = { ...process.env, GOBIN: path.join(tmp, 'bin'), GOFLAGS: '-mod=mod' };
    for (const cmd of ['pebble', 'pebble-challtestsrv']) {
      const r = run('go', ['install', `${MODULE}/cmd/${cmd}@${PEBBLE_VERSION}`], undefined, env);
      if (!r.ok) throw new MissingToolError(`go install ${MODULE}/cmd/${cmd}@${PEBBLE_VERSION} failed: ${r.output.split('\n').at(-1)}`);
    }
    const modDir = run('go', ['list', '-m', '-f', '{{.Dir}}', `${MODULE}@${PEBBLE_VERSION}`]);
    const certs = path.join(modDir.output.trim(), 'test', 'certs');
    if (!modDir.ok || !existsSync(certs)) throw new MissingToolError(`cannot find Pebble's test certificates in the Go module cache`);
    mkdirSync(path.join(tmp, 'certs'), { recursive: true });
    copyFileSync(path.join(certs, 'localhost', 'cert.pem'), path.join(tmp, 'certs', 'cert.pem'));
    copyFileSync(path.join(certs, 'localhost', 'key.pem'), path.join(tmp, 'certs', 'key.pem'));
    copyFileSync(path.join(certs, 'pebble.minica.pem'), path.join(tmp, 'certs', 'pebble.minica.pem'));
  });
  return cached;
}
