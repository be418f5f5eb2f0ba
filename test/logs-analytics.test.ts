/**
 * The log analytics core: parser fixtures per format (malformed lines included), merge equivalence
 * (chunked = single pass), and the security detectors on labelled samples.
 */
import { describe, expect, it } from 'vitest';
import { LogAggregate } from '../src/logs/aggregate.js';
import { compileFormat, LogFormatError, parserFor } from '../src/logs/formats.js';
import { HyperLogLog } from '../src/logs/hyperloglog.js';
import { aggregateLines } from '../src/logs/process-text.js';
import { isScanner, requestPatterns } from '../src/logs/security.js';

const combined = parserFor('combined');

describe('parsers', () => {
  it('reads nginx/Apache combined lines, with and without a request time', () => {
    const r = combined(
      '203.0.113.9 - alice [10/Oct/2026:13:55:36 -0700] "GET /a/b?x=1 HTTP/1.1" 200 2326 "https://ref.example/" "Mozilla/5.0 (X11)" 0.042',
    );
    expect(r).toEqual({
      ip: '203.0.113.9',
      ts: Date.parse('2026-10-10T20:55:36Z'),
      method: 'GET',
      path: '/a/b?x=1',
      status: 200,
      bytes: 2326,
      referer: 'https://ref.example/',
      userAgent: 'Mozilla/5.0 (X11)',
      requestLine: 'GET /a/b?x=1 HTTP/1.1',
      durationMs: 42,
    });
    const noTime = combined('::1 - - [01/Jan/2026:00:00:00 +0000] "POST /x HTTP/2.0" 503 - "-" "curl/8"');
    expect(noTime).toMatchObject({ ip: '::1', bytes: 0, referer: '', status: 503, userAgent: 'curl/8' });
    expect(noTime!.durationMs).toBeUndefined();
    // An escaped quote inside the request does not end it.
    expect(combined('1.1.1.1 - - [01/Jan/2026:00:00:00 +0000] "GET /q=\\"x\\" HTTP/1.1" 200 1 "-" "ua"')!.path).toBe('/q=\\"x\\"');
  });

  it('reads common lines', () => {
    expect(parserFor('common')('10.0.0.1 - - [05/Mar/2026:08:00:01 +0100] "HEAD / HTTP/1.0" 304 0')).toMatchObject({
      ip: '10.0.0.1',
      ts: Date.parse('2026-03-05T07:00:01Z'),
      method: 'HEAD',
      status: 304,
      userAgent: '',
    });
  });

  it('reads JSON lines with the usual field names', () => {
    const json = parserFor('json');
    expect(
      json(
        '{"remote_addr":"10.1.1.1","time":"2026-11-01T10:00:00Z","request":"GET /j HTTP/1.1","status":201,"body_bytes_sent":5,"request_time":0.5,"http_user_agent":"k6"}',
      ),
    ).toMatchObject({ ip: '10.1.1.1', method: 'GET', path: '/j', status: 201, bytes: 5, durationMs: 500, userAgent: 'k6' });
    expect(json('{"ip":"a","timestamp":1767225600,"method":"PUT","path":"/p","status":500}')).toMatchObject({
      ts: 1767225600000,
      method: 'PUT',
    });
  });

  it('compiles GoAccess-style custom formats and names a bad specifier', () => {
    const p = compileFormat('%h [%t] "%r" %s %b %D "%u"');
    expect(p('10.0.0.2 [01/Feb/2026:12:00:00 +0000] "GET /c HTTP/1.1" 404 17 1500 "bot/1"')).toMatchObject({
      ip: '10.0.0.2',
      path: '/c',
      status: 404,
      bytes: 17,
      durationMs: 1.5,
      userAgent: 'bot/1',
    });
    const iso = compileFormat('%x %h %m %U %s %L');
    expect(iso('2026-02-01T12:00:00Z 10.0.0.3 DELETE /d 204 12')).toMatchObject({ method: 'DELETE', path: '/d', durationMs: 12 });
    expect(() => compileFormat('%h %Q')).toThrow(LogFormatError);
    expect(() => compileFormat('%h %t')).toThrow(/needs at least/);
  });

  it('returns nothing for malformed lines, never throws', () => {
    const bad = [
      '',
      'garbage',
      '1.2.3.4 - - [not a date] "GET / HTTP/1.1" 200 1 "-" "-"',
      '1.2.3.4 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 999 1 "-" "-"',
      '1.2.3.4 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1',
      '1.2.3.4 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 abc "-" "-"',
      '1.2.3.4 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 1 "-',
    ];
    for (const line of bad) expect(combined(line), line).toBeUndefined();
    expect(parserFor('json')('{"status": "x"')).toBeUndefined();
    expect(parserFor('json')('[1,2]')).toBeUndefined();
  });
});

function sampleLog(): string {
  const lines: string[] = [];
  const base = Date.UTC(2026, 10, 20, 10, 0, 0);
  const clf = (t: number) => {
    const d = new Date(t);
    const p = (n: number) => String(n).padStart(2, '0');
    return `${p(d.getUTCDate())}/Nov/2026:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
  };
  for (let i = 0; i < 3000; i++) {
    const t = base + i * 1000;
    const ip = `10.0.${i % 7}.${i % 13}`;
    const status = [200, 200, 200, 301, 404, 500][i % 6]!;
    lines.push(
      `${ip} - - [${clf(t)}] "GET /p/${i % 50}?q=${i} HTTP/1.1" ${status} ${i} "https://r${i % 3}.example/" "UA-${i % 5}" ${((i % 100) / 1000).toFixed(3)}`,
    );
    if (i % 500 === 0) lines.push(`broken line ${i}`);
  }
  // An attacker: 40 failed logins in a minute, an injection, a scanner.
  for (let k = 0; k < 40; k++)
    lines.push(`198.51.100.7 - - [${clf(base + 600_000 + k * 1000)}] "POST /login HTTP/1.1" 401 0 "-" "Mozilla/5.0" 0.010`);
  lines.push(
    `198.51.100.8 - - [${clf(base + 700_000)}] "GET /item?id=1%20UNION%20SELECT%20pw%20FROM%20users HTTP/1.1" 200 10 "-" "sqlmap/1.7" 0.020`,
  );
  return lines.join('\n') + '\n';
}

describe('aggregation', () => {
  it('gives the same report chunked (any split, merged) as in one pass', () => {
    const text = sampleLog();
    const single = aggregateLines(text, combined).report();
    for (const parts of [2, 3, 7]) {
      const merged = new LogAggregate();
      const size = Math.ceil(text.length / parts);
      let start = 0;
      while (start < text.length) {
        // Chunks end at a line end, as the reader splits byte ranges.
        let end = Math.min(text.length, start + size);
        const nl = text.indexOf('\n', end - 1);
        end = nl < 0 ? text.length : nl + 1;
        merged.merge(aggregateLines(text.slice(start, end), combined, start));
        start = end;
      }
      expect(merged.report(), `${parts} parts`).toEqual(single);
    }
  });

  it('merges a burst split at any line exactly', () => {
    const t0 = Date.UTC(2026, 10, 20, 10, 0, 30);
    const clf = (t: number) => new Date(t).toISOString().replace(/^(\d+)-(\d+)-(\d+)T([\d:]+)\..*$/, '$3/Nov/$1:$4 +0000');
    // 25 failures spread over three minutes: the worst two-minute window holds only some of them.
    const lines = Array.from({ length: 25 }, (_, k) => `192.0.2.1 - - [${clf(t0 + k * 7000)}] "POST /login HTTP/1.1" 401 0 "-" "x"`);
    const whole = aggregateLines(lines.join('\n'), combined).report();
    expect(whole.securityEvents).toHaveLength(1);
    for (let k = 0; k <= lines.length; k++) {
      const a = aggregateLines(lines.slice(0, k).join('\n'), combined);
      const b = aggregateLines(lines.slice(k).join('\n'), combined);
      expect(a.merge(b).report().securityEvents, `split at ${k}`).toEqual(whole.securityEvents);
    }
  });

  it('reports totals, traffic per minute, status classes, top tables, latency, visitors and malformed lines', () => {
    const r = aggregateLines(sampleLog(), combined).report();
    expect(r.totals.requests).toBe(3041);
    expect(r.totals.malformed).toBe(6);
    expect(r.malformed.examples[0]!.line).toBe('broken line 0');
    expect(r.perMinute[0]).toEqual({ minute: '2026-11-20T10:00:00.000Z', requests: 60, bytes: expect.any(Number) });
    expect(r.statusClasses['2xx']).toBe(1501);
    expect(r.statusClasses['5xx']).toBe(500);
    expect(r.totals.errorRate).toBeCloseTo((500 + 500 + 40) / 3041, 3);
    expect(r.topPaths[0]!.value).toMatch(/^\/p\/\d+$/); // query strings grouped away
    expect(r.topPaths.length).toBe(20);
    expect(r.latencyMs!.p50).toBeGreaterThan(40);
    expect(r.latencyMs!.p50).toBeLessThan(60);
    expect(r.latencyMs!.p99).toBeGreaterThan(95);
    // i mod 7, 13 and 5 pick address and agent: 455 distinct (ip, ua) pairs on one day, plus 2 attackers.
    expect(Math.abs(r.totals.uniqueVisitors - 457)).toBeLessThan(457 * 0.03);
  });

  it('finds the attacker and nothing in the clean traffic', () => {
    const events = aggregateLines(sampleLog(), combined).report().securityEvents;
    expect(events.map((e) => `${e.kind} ${e.ip} ${e.severity}`).sort()).toEqual([
      'auth_failure_burst 198.51.100.7 high',
      'scanner 198.51.100.8 medium',
      'sql_injection 198.51.100.8 high',
    ]);
    const sqli = events.find((e) => e.kind === 'sql_injection')!;
    expect(sqli.evidence[0]).toContain('UNION%20SELECT');
    expect(events.find((e) => e.kind === 'auth_failure_burst')!.count).toBe(40);
  });
});

describe('detectors on labelled samples', () => {
  const attacks: [string, string][] = [
    ["GET /search?q=1'%20OR%20'1'='1 HTTP/1.1", 'sql_injection'],
    ['GET /p?id=1;DROP TABLE users HTTP/1.1', 'sql_injection'],
    ['GET /x?id=1 AND SLEEP(5) HTTP/1.1', 'sql_injection'],
    ['GET /q?s=%253Cscript%253Ealert(1)%253C%252Fscript%253E HTTP/1.1', 'xss'],
    ['GET /q?s=<img src=x onerror=alert(1)> HTTP/1.1', 'xss'],
    ['GET /../../etc/passwd HTTP/1.1', 'path_traversal'],
    ['GET /download?f=..%2F..%2Fwin.ini HTTP/1.1', 'path_traversal'],
  ];
  const clean = [
    'GET / HTTP/1.1',
    'GET /products/42?color=red&size=m HTTP/1.1',
    'GET /search?q=select+a+gift+from+our+shop HTTP/1.1',
    "GET /blog/it's-here HTTP/1.1",
    'GET /api/v1/orders?sort=-created HTTP/1.1',
    'POST /graphql HTTP/1.1',
    'GET /static/app.3f9a.js HTTP/1.1',
    'GET /wiki/Union_(set_theory) HTTP/1.1',
    'GET /docs/a..b/readme HTTP/1.1',
  ];
  it('flags every labelled attack with its kind', () => {
    for (const [line, kind] of attacks) expect(requestPatterns(line), line).toContain(kind);
  });
  it('flags nothing in clean requests', () => {
    for (const line of clean) expect(requestPatterns(line), line).toEqual([]);
  });
  it('knows scanner user agents and not browsers', () => {
    expect(isScanner('sqlmap/1.7.2#stable (https://sqlmap.org)')).toBe(true);
    expect(isScanner('Mozilla/5.00 (Nikto/2.1.6)')).toBe(true);
    expect(isScanner('Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0')).toBe(false);
  });
});

describe('HyperLogLog', () => {
  it('estimates within a few percent and merges like one sketch', () => {
    const a = new HyperLogLog();
    const b = new HyperLogLog();
    const all = new HyperLogLog();
    for (let i = 0; i < 100_000; i++) {
      (i % 2 ? a : b).add(`v${i}`);
      all.add(`v${i}`);
    }
    a.merge(b);
    expect(a.count()).toBe(all.count());
    expect(Math.abs(all.count() - 100_000) / 100_000).toBeLessThan(0.03);
    expect(HyperLogLog.fromBase64(all.toBase64()).count()).toBe(all.count());
  });
});
