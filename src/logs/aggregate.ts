/**
 * The mergeable state of a log report. Every part merges exactly (sums, register max, sketch bucket
 * sums, evidence kept as the earliest few by time), so ranges processed apart and merged give the
 * report one pass would, as long as no top-k table overflowed its cap (then it says `truncated`).
 */
import { DDSketch } from '@datadog/sketches-js';
import type { LogRecord } from './formats.js';
import { BurstState } from './bursts.js';
import { HyperLogLog } from './hyperloglog.js';
import { BURST_THRESHOLD, isScanner, requestPatterns, SEVERITY, type SecurityKind, type Severity } from './security.js';

const TOP_CAP = 100_000;
const BURST_CAP = 200_000;
const EVIDENCE = 3;
const MALFORMED_EXAMPLES = 5;
const MINUTE = 60_000;

interface Evidence {
  ts: number;
  line: string;
}
interface EventState {
  count: number;
  firstSeen: number;
  lastSeen: number;
  evidence: Evidence[];
}

/**
 * A copy that does not share memory with the chunk it was sliced from: V8 keeps a whole multi-MB
 * chunk alive for any short slice of it that is kept, so every key a table keeps is copied once.
 */
export const own = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');

function bump(map: Map<string, number>, key: string, by = 1): boolean {
  const n = map.get(key);
  if (n === undefined) map.set(own(key), by);
  else map.set(key, n + by);
  return map.size > TOP_CAP;
}

/** Lossy counting: drop the smallest counts when a table passes its cap, so memory stays bounded. */
function prune(map: Map<string, number>): void {
  const counts = [...map.values()].sort((a, b) => a - b);
  const cut = counts[Math.floor(counts.length / 2)]!;
  for (const [k, v] of map) if (v <= cut) map.delete(k);
}

function keepEarliest(list: Evidence[], add: Evidence[]): Evidence[] {
  return [...list, ...add].sort((a, b) => a.ts - b.ts || (a.line < b.line ? -1 : a.line > b.line ? 1 : 0)).slice(0, EVIDENCE);
}

export class LogAggregate {
  requests = 0;
  bytes = 0;
  firstTs = Infinity;
  lastTs = -Infinity;
  malformed = 0;
  malformedExamples: { offset: number; line: string }[] = [];
  perMinute = new Map<number, [number, number]>();
  statusCodes = new Map<number, number>();
  paths = new Map<string, number>();
  ips = new Map<string, number>();
  referrers = new Map<string, number>();
  agents = new Map<string, number>();
  truncated = false;
  latency = new DDSketch({ relativeAccuracy: 0.01 });
  visitors = new HyperLogLog();
  events = new Map<string, EventState>(); // `${kind} ${ip}`
  bursts = new Map<string, BurstState>(); // `${kind} ${ip}`

  addMalformed(offset: number, line: string): void {
    this.malformed++;
    if (this.malformedExamples.length < MALFORMED_EXAMPLES || offset < this.malformedExamples.at(-1)!.offset) {
      this.malformedExamples = [...this.malformedExamples, { offset, line: own(line.slice(0, 500)) }]
        .sort((a, b) => a.offset - b.offset)
        .slice(0, MALFORMED_EXAMPLES);
    }
  }

  add(r: LogRecord, line: string): void {
    this.requests++;
    this.bytes += r.bytes;
    if (r.ts < this.firstTs) this.firstTs = r.ts;
    if (r.ts > this.lastTs) this.lastTs = r.ts;
    const minute = r.ts - (r.ts % MINUTE);
    const m = this.perMinute.get(minute);
    if (m) {
      m[0]++;
      m[1] += r.bytes;
    } else this.perMinute.set(minute, [1, r.bytes]);
    this.statusCodes.set(r.status, (this.statusCodes.get(r.status) ?? 0) + 1);
    const q = r.path.indexOf('?');
    if (bump(this.paths, q < 0 ? r.path : r.path.slice(0, q))) this.overflow(this.paths);
    if (bump(this.ips, r.ip)) this.overflow(this.ips);
    if (r.referer && bump(this.referrers, r.referer)) this.overflow(this.referrers);
    if (r.userAgent && bump(this.agents, r.userAgent)) this.overflow(this.agents);
    if (r.durationMs !== undefined && r.durationMs >= 0) this.latency.accept(r.durationMs);
    // Unique visitors as GoAccess counts them: client, day and user agent.
    this.visitors.add(`${r.ip}|${Math.floor(r.ts / 86_400_000)}|${r.userAgent}`);

    for (const kind of requestPatterns(r.requestLine)) this.event(kind, r, line);
    if (r.userAgent && isScanner(r.userAgent)) this.event('scanner', r, line);
    if (r.status === 401 || r.status === 403 || r.status === 404) {
      const key = `${r.status === 404 ? 'not_found_burst' : 'auth_failure_burst'} ${r.ip}`;
      let b = this.bursts.get(key);
      if (!b) {
        if (this.bursts.size >= BURST_CAP) return;
        this.bursts.set(own(key), (b = new BurstState()));
      }
      b.add(r.ts);
    }
  }

  private overflow(map: Map<string, number>): void {
    this.truncated = true;
    prune(map);
  }

  private event(kind: SecurityKind, r: LogRecord, line: string): void {
    const key = `${kind} ${r.ip}`;
    const e = this.events.get(key);
    if (!e)
      this.events.set(own(key), { count: 1, firstSeen: r.ts, lastSeen: r.ts, evidence: [{ ts: r.ts, line: own(line.slice(0, 1000)) }] });
    else {
      e.count++;
      if (r.ts < e.firstSeen) e.firstSeen = r.ts;
      if (r.ts > e.lastSeen) e.lastSeen = r.ts;
      if (e.evidence.length < EVIDENCE || r.ts < e.evidence.at(-1)!.ts)
        e.evidence = keepEarliest(e.evidence, [{ ts: r.ts, line: own(line.slice(0, 1000)) }]);
    }
  }

  merge(o: LogAggregate): this {
    this.requests += o.requests;
    this.bytes += o.bytes;
    this.firstTs = Math.min(this.firstTs, o.firstTs);
    this.lastTs = Math.max(this.lastTs, o.lastTs);
    this.malformed += o.malformed;
    this.malformedExamples = [...this.malformedExamples, ...o.malformedExamples]
      .sort((a, b) => a.offset - b.offset)
      .slice(0, MALFORMED_EXAMPLES);
    for (const [k, [n, b]] of o.perMinute) {
      const m = this.perMinute.get(k);
      if (m) {
        m[0] += n;
        m[1] += b;
      } else this.perMinute.set(k, [n, b]);
    }
    for (const [k, v] of o.statusCodes) this.statusCodes.set(k, (this.statusCodes.get(k) ?? 0) + v);
    for (const [mine, theirs] of [
      [this.paths, o.paths],
      [this.ips, o.ips],
      [this.referrers, o.referrers],
      [this.agents, o.agents],
    ] as const) {
      for (const [k, v] of theirs) bump(mine, k, v);
      if (mine.size > TOP_CAP) this.overflow(mine);
    }
    this.truncated ||= o.truncated;
    this.latency.merge(o.latency);
    this.visitors.merge(o.visitors);
    for (const [k, e] of o.events) {
      const mine = this.events.get(k);
      if (!mine) this.events.set(k, { ...e, evidence: [...e.evidence] });
      else {
        mine.count += e.count;
        mine.firstSeen = Math.min(mine.firstSeen, e.firstSeen);
        mine.lastSeen = Math.max(mine.lastSeen, e.lastSeen);
        mine.evidence = keepEarliest(mine.evidence, e.evidence);
      }
    }
    for (const [k, b] of o.bursts) {
      const mine = this.bursts.get(k);
      if (mine) mine.merge(b);
      else if (this.bursts.size < BURST_CAP) {
        const copy = new BurstState();
        copy.merge(b);
        this.bursts.set(k, copy);
      }
    }
    return this;
  }

  /** A JSON form for partial results on disk (fanned-out ranges, checkpoints). */
  toJSON(): SerializedAggregate {
    return {
      v: 1,
      requests: this.requests,
      bytes: this.bytes,
      firstTs: Number.isFinite(this.firstTs) ? this.firstTs : null,
      lastTs: Number.isFinite(this.lastTs) ? this.lastTs : null,
      malformed: this.malformed,
      malformedExamples: this.malformedExamples,
      perMinute: [...this.perMinute.entries()].map(([k, [n, b]]) => [k, n, b]),
      statusCodes: [...this.statusCodes.entries()],
      paths: [...this.paths.entries()],
      ips: [...this.ips.entries()],
      referrers: [...this.referrers.entries()],
      agents: [...this.agents.entries()],
      truncated: this.truncated,
      latency: Buffer.from(this.latency.toProto()).toString('base64'),
      visitors: this.visitors.toBase64(),
      events: [...this.events.entries()],
      bursts: [...this.bursts.entries()].map(([k, b]) => [
        k,
        { total: b.total, best: b.best, bestAt: b.bestAt, head: b.head, tail: b.tail },
      ]),
    };
  }

  static fromJSON(j: SerializedAggregate): LogAggregate {
    const a = new LogAggregate();
    a.requests = j.requests;
    a.bytes = j.bytes;
    a.firstTs = j.firstTs ?? Infinity;
    a.lastTs = j.lastTs ?? -Infinity;
    a.malformed = j.malformed;
    a.malformedExamples = j.malformedExamples;
    a.perMinute = new Map(j.perMinute.map(([k, n, b]) => [k, [n, b]]));
    a.statusCodes = new Map(j.statusCodes);
    a.paths = new Map(j.paths);
    a.ips = new Map(j.ips);
    a.referrers = new Map(j.referrers);
    a.agents = new Map(j.agents);
    a.truncated = j.truncated;
    a.latency = DDSketch.fromProto(Buffer.from(j.latency, 'base64'));
    a.visitors = HyperLogLog.fromBase64(j.visitors);
    a.events = new Map(j.events);
    a.bursts = new Map(j.bursts.map(([k, b]) => [k, Object.assign(new BurstState(), b)]));
    return a;
  }

  report(top = 20): LogReport {
    const topOf = (m: Map<string, number>) =>
      [...m.entries()]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, top)
        .map(([value, count]) => ({ value, count }));
    const classes: Record<string, number> = { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
    for (const [code, n] of this.statusCodes) classes[`${Math.floor(code / 100)}xx`]! += n;
    const q = (p: number) => +(this.latency.getValueAtQuantile(p) ?? 0).toFixed(3);
    return {
      totals: {
        requests: this.requests,
        bytes: this.bytes,
        malformed: this.malformed,
        from: Number.isFinite(this.firstTs) ? new Date(this.firstTs).toISOString() : null,
        to: Number.isFinite(this.lastTs) ? new Date(this.lastTs).toISOString() : null,
        uniqueVisitors: this.visitors.count(),
        errorRate: this.requests ? +((classes['4xx']! + classes['5xx']!) / this.requests).toFixed(4) : 0,
      },
      perMinute: [...this.perMinute.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([t, [requests, bytes]]) => ({ minute: new Date(t).toISOString(), requests, bytes })),
      statusClasses: classes,
      statusCodes: Object.fromEntries([...this.statusCodes.entries()].sort((a, b) => a[0] - b[0])),
      topPaths: topOf(this.paths),
      topIps: topOf(this.ips),
      topReferrers: topOf(this.referrers),
      topUserAgents: topOf(this.agents),
      latencyMs: this.latency.count > 0 ? { count: this.latency.count, p50: q(0.5), p95: q(0.95), p99: q(0.99) } : null,
      malformed: { count: this.malformed, examples: this.malformedExamples },
      securityEvents: this.securityEvents(),
      truncated: this.truncated,
    };
  }

  private securityEvents(): SecurityEvent[] {
    const out: SecurityEvent[] = [];
    for (const [key, e] of this.events) {
      const [kind, ip] = key.split(' ') as [SecurityKind, string];
      out.push({
        kind,
        ip,
        severity: SEVERITY[kind],
        count: e.count,
        firstSeen: iso(e.firstSeen),
        lastSeen: iso(e.lastSeen),
        evidence: e.evidence.map((x) => x.line),
      });
    }
    // Bursts: per IP, a minute plus the minute before at or over the threshold.
    for (const [k, b] of this.bursts) {
      const [kind, ip] = k.split(' ') as ['auth_failure_burst' | 'not_found_burst', string];
      if (b.best < BURST_THRESHOLD[kind]) continue;
      out.push({
        kind,
        ip,
        severity: SEVERITY[kind],
        count: b.total,
        firstSeen: iso(b.head[0]![0]),
        lastSeen: iso(b.tail.at(-1)![0] + MINUTE - 1),
        evidence: [`${b.best} responses in the 2 minutes ending ${iso(b.bestAt + MINUTE)}`],
      });
    }
    const rank: Record<Severity, number> = { high: 0, medium: 1, low: 2 };
    return out.sort(
      (a, b) => rank[a.severity] - rank[b.severity] || b.count - a.count || a.ip.localeCompare(b.ip) || a.kind.localeCompare(b.kind),
    );
  }
}

const iso = (t: number) => new Date(t).toISOString();

export interface SecurityEvent {
  kind: SecurityKind;
  ip: string;
  severity: Severity;
  count: number;
  firstSeen: string;
  lastSeen: string;
  evidence: string[];
}

export interface LogReport {
  totals: {
    requests: number;
    bytes: number;
    malformed: number;
    from: string | null;
    to: string | null;
    uniqueVisitors: number;
    errorRate: number;
  };
  perMinute: { minute: string; requests: number; bytes: number }[];
  statusClasses: Record<string, number>;
  statusCodes: Record<string, number>;
  topPaths: { value: string; count: number }[];
  topIps: { value: string; count: number }[];
  topReferrers: { value: string; count: number }[];
  topUserAgents: { value: string; count: number }[];
  latencyMs: { count: number; p50: number; p95: number; p99: number } | null;
  malformed: { count: number; examples: { offset: number; line: string }[] };
  securityEvents: SecurityEvent[];
  truncated: boolean;
}

export interface SerializedAggregate {
  v: 1;
  requests: number;
  bytes: number;
  firstTs: number | null;
  lastTs: number | null;
  malformed: number;
  malformedExamples: { offset: number; line: string }[];
  perMinute: [number, number, number][];
  statusCodes: [number, number][];
  paths: [string, number][];
  ips: [string, number][];
  referrers: [string, number][];
  agents: [string, number][];
  truncated: boolean;
  latency: string;
  visitors: string;
  events: [string, EventState][];
  bursts: [string, { total: number; best: number; bestAt: number; head: [number, number][]; tail: [number, number][] }][];
}
