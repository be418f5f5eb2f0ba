/** Writes a realistic combined-format access log (with $request_time) of N lines: `generate.ts <file> <lines>`. */
import { createWriteStream } from 'node:fs';

const [file = '/tmp/access.log', nArg = '2000000'] = process.argv.slice(2);
const N = Number(nArg);
// A deterministic generator, so every run benchmarks the same bytes.
let seed = 42;
const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const ips = Array.from(
  { length: 20_000 },
  () => `${10 + Math.floor(rand() * 200)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}`,
);
const paths = Array.from(
  { length: 5000 },
  (_, i) => pick(['/api/v1/orders', '/api/v1/users', '/static/app', '/products', '/blog/post', '/search']) + `/${i}`,
);
const agents = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'curl/8.4.0',
  'Googlebot/2.1 (+http://www.google.com/bot.html)',
];
const SCANNER = 'sqlmap/1.7.2#stable (https://sqlmap.org)';
const refs = ['-', 'https://www.google.com/', 'https://example.com/', 'https://news.ycombinator.com/'];
const statuses = [200, 200, 200, 200, 200, 200, 200, 301, 304, 404, 401, 500, 503];
const attacks = [
  "/search?q=1'%20OR%20'1'='1",
  '/../../etc/passwd',
  '/search?q=<script>alert(1)</script>',
  '/index.php?id=1%20UNION%20SELECT%20password%20FROM%20users',
];

const out = createWriteStream(file);
let t = Date.UTC(2026, 10, 20, 0, 0, 0);
const pad = (n: number) => String(n).padStart(2, '0');
let buf = '';
for (let i = 0; i < N; i++) {
  t += Math.floor(rand() * 100);
  const d = new Date(t);
  const ts = `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
  const attack = rand() < 0.001;
  const path = attack ? pick(attacks) : pick(paths) + (rand() < 0.2 ? `?page=${Math.floor(rand() * 10)}` : '');
  const line = `${pick(ips)} - - [${ts}] "${pick(['GET', 'GET', 'GET', 'POST', 'PUT'])} ${path} HTTP/1.1" ${pick(statuses)} ${Math.floor(rand() * 50_000)} "${pick(refs)}" "${attack ? SCANNER : pick(agents)}" ${(rand() * 0.5).toFixed(3)}\n`;
  buf += line;
  if (buf.length > 1 << 20) {
    if (!out.write(buf)) await new Promise((r) => out.once('drain', r));
    buf = '';
  }
}
out.end(buf);
await new Promise((r) => out.once('finish', r));
