/**
 * Log analytics throughput: Taskgate's parser and aggregator (one pass, the full report: per-minute
 * traffic, status classes, top tables, latency sketch, unique visitors, security events) against
 * GoAccess producing its JSON report of the same file, single core each, in one run.
 *   npm run bench:logs -- [LINES=2000000]
 * Needs `goaccess` (apt-get install goaccess); without it only Taskgate's side is printed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [LINES = 2_000_000] = process.argv.slice(2).map(Number);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const file = path.join(tmpdir(), `taskgate-bench-${LINES}.log`);

/** Runs a command, returning wall time and peak RSS (GNU time's maximum resident set size). */
function measure(cmd: string, args: string[]): Promise<{ seconds: number; peakRss: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn('/usr/bin/time', ['-f', 'MAXRSS %M', cmd, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      const rss = Number(/MAXRSS (\d+)/.exec(err)?.[1] ?? NaN) * 1024;
      if (code !== 0) reject(new Error(`${cmd} exited ${code}: ${err.slice(-500)}`));
      else resolve({ seconds, peakRss: rss, stdout: out });
    });
  });
}

if (!existsSync(file)) {
  console.log(`generating ${LINES} combined-format lines into ${file} ...`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/logs/generate.ts', file, String(LINES)], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exit(1);
}
const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`;
const rows: [string, number, number][] = [];
const ours = (heapMb?: number) =>
  measure(process.execPath, [
    ...(heapMb ? [`--max-old-space-size=${heapMb}`] : []),
    '--import',
    'tsx',
    'bench/logs/run-taskgate.ts',
    file,
    'combined',
  ]);

const warm = await ours(); // warm the disk cache for both sides
void warm;
const dflt = await ours();
rows.push(['taskgate (default heap)', dflt.seconds, dflt.peakRss]);
const capped = await ours(96);
rows.push(['taskgate (--max-old-space-size=96)', capped.seconds, capped.peakRss]);
const hasGoaccess = spawnSync('goaccess', ['--version']).status === 0;
if (hasGoaccess) {
  const out = path.join(tmpdir(), 'goaccess-report.json');
  const g = await measure('goaccess', [
    file,
    '--log-format=%h %^[%d:%t %^] "%r" %s %b "%R" "%u" %T',
    '--date-format=%d/%b/%Y',
    '--time-format=%T',
    '--no-progress',
    '-o',
    out,
  ]);
  rows.push(['goaccess 1.7 (JSON report)', g.seconds, g.peakRss]);
  rmSync(out, { force: true });
}

console.log(`\n${LINES} lines, ${mb(statSync(file).size)} (combined + request time), one core each\n`);
console.log(['run'.padEnd(38), 'seconds'.padStart(8), 'lines/s'.padStart(10), 'peak RSS'.padStart(10)].join(' '));
for (const [label, s, rss] of rows)
  console.log(
    [
      label.padEnd(38),
      s.toFixed(2).padStart(8),
      Math.round(LINES / s)
        .toLocaleString('en')
        .padStart(10),
      mb(rss).padStart(10),
    ].join(' '),
  );
if (hasGoaccess) {
  const g = rows.at(-1)!;
  console.log(
    `\nspeed vs goaccess: default heap ${(g[1] / rows[0]![1]).toFixed(2)}x, capped heap ${(g[1] / rows[1]![1]).toFixed(2)}x (aim >= 5x)`,
  );
} else console.log('\ngoaccess is not installed (apt-get install goaccess): no ratio printed');
console.log(`summary of the report: ${dflt.stdout.trim()}`);
