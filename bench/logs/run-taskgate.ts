/** One benchmark side: parse and aggregate a file in a single pass, print {lines, ms, maxRssBytes}. */
import { createReadStream } from 'node:fs';
import { LogAggregate } from '../../src/logs/aggregate.js';
import { parserFor } from '../../src/logs/formats.js';
import { aggregateLines } from '../../src/logs/process-text.js';

const [file = '', format = 'combined'] = process.argv.slice(2);
const parse = parserFor(format);
const agg = new LogAggregate();
const t0 = performance.now();
let rest = '';
let offset = 0;
for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 4 << 20 })) {
  const text = rest + (chunk as string);
  const cut = text.lastIndexOf('\n');
  aggregateLines(text.slice(0, cut + 1), parse, offset, agg);
  offset += cut + 1;
  rest = text.slice(cut + 1);
}
if (rest) aggregateLines(rest, parse, offset, agg);
const report = agg.report();
const ms = performance.now() - t0;
console.log(
  JSON.stringify({
    lines: agg.requests + agg.malformed,
    ms,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    securityEvents: report.securityEvents.length,
    uniqueVisitors: report.totals.uniqueVisitors,
    p99: report.latencyMs?.p99,
  }),
);
