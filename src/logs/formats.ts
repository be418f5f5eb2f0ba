/**
 * Access-log line parsers. Combined and common (nginx and Apache share them) are hand-written
 * indexOf scanners: they run once per line of multi-gigabyte files, so no regex and few allocations.
 * JSON lines accept the usual field names. A custom format uses GoAccess-style specifiers:
 *   %h client  %e user  %t time as in common logs (10/Oct/2000:13:55:36 -0700)  %x ISO-8601 time
 *   %r request line  %m method  %U path  %H protocol  %s status  %b bytes  %R referer  %u user agent
 *   %T seconds (float)  %D microseconds  %L milliseconds  %^ anything (ignored)
 * everything else is literal, e.g. '%h %^ %e [%t] "%r" %s %b "%R" "%u" %T'.
 */
export interface LogRecord {
  ip: string;
  ts: number;
  method: string;
  path: string;
  status: number;
  bytes: number;
  referer: string;
  userAgent: string;
  requestLine: string;
  /** Request duration in milliseconds, when the log has it. */
  durationMs?: number;
}

export type LogFormatName = 'combined' | 'common' | 'json';
export type LineParser = (line: string) => LogRecord | undefined;

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/** `10/Oct/2000:13:55:36 -0700` -> epoch ms; NaN when malformed. The last value is cached: logs repeat seconds. */
let lastClf = '';
let lastClfMs = NaN;
export function parseClfTime(s: string): number {
  if (s === lastClf) return lastClfMs;
  const d = +s.slice(0, 2);
  const mon = MONTHS[s.slice(3, 6)];
  const y = +s.slice(7, 11);
  const h = +s.slice(12, 14);
  const mi = +s.slice(15, 17);
  const sec = +s.slice(18, 20);
  let ms = NaN;
  if (mon !== undefined && s.length >= 20 && s[2] === '/' && s[11] === ':') {
    ms = Date.UTC(y, mon, d, h, mi, sec);
    const tz = s.slice(21);
    if (tz.length === 5) {
      const sign = tz[0] === '-' ? -1 : 1;
      ms -= sign * ((+tz.slice(1, 3) * 60 + +tz.slice(3, 5)) * 60_000);
    }
  }
  lastClf = s;
  lastClfMs = ms;
  return ms;
}

/** Index of the closing quote of a field opened at `open`, skipping backslash-escaped quotes. */
function closingQuote(line: string, open: number): number {
  let i = line.indexOf('"', open + 1);
  while (i > 0 && line.charCodeAt(i - 1) === 92 /* \\ */) i = line.indexOf('"', i + 1);
  return i;
}

function splitRequest(req: string): { method: string; path: string } {
  const a = req.indexOf(' ');
  if (a < 0) return { method: '', path: req };
  const b = req.lastIndexOf(' ');
  return { method: req.slice(0, a), path: b > a ? req.slice(a + 1, b) : req.slice(a + 1) };
}

function parseClf(line: string, combined: boolean): LogRecord | undefined {
  const sp = line.indexOf(' ');
  if (sp <= 0) return undefined;
  const lb = line.indexOf('[', sp);
  const rb = lb < 0 ? -1 : line.indexOf(']', lb);
  if (rb < 0) return undefined;
  const ts = parseClfTime(line.slice(lb + 1, rb));
  if (Number.isNaN(ts)) return undefined;
  const q1 = line.indexOf('"', rb);
  const q2 = q1 < 0 ? -1 : closingQuote(line, q1);
  if (q2 < 0) return undefined;
  const requestLine = line.slice(q1 + 1, q2);
  // ` 200 2326` after the request
  const sStart = q2 + 2;
  const status = (line.charCodeAt(sStart) - 48) * 100 + (line.charCodeAt(sStart + 1) - 48) * 10 + (line.charCodeAt(sStart + 2) - 48);
  if (!(status >= 100 && status <= 599) || line.charCodeAt(sStart + 3) !== 32) return undefined;
  let bEnd = line.indexOf(' ', sStart + 4);
  if (bEnd < 0) bEnd = line.length;
  const bytesText = line.slice(sStart + 4, bEnd);
  const bytes = bytesText === '-' ? 0 : +bytesText;
  if (Number.isNaN(bytes)) return undefined;
  const { method, path } = splitRequest(requestLine);
  let referer = '';
  let userAgent = '';
  let durationMs: number | undefined;
  if (combined) {
    const r1 = line.indexOf('"', bEnd);
    const r2 = r1 < 0 ? -1 : closingQuote(line, r1);
    const u1 = r2 < 0 ? -1 : line.indexOf('"', r2 + 1);
    const u2 = u1 < 0 ? -1 : closingQuote(line, u1);
    if (u2 < 0) return undefined;
    referer = line.slice(r1 + 1, r2);
    userAgent = line.slice(u1 + 1, u2);
    // nginx configs often append $request_time (seconds): `... "ua" 0.123` or `rt=0.123`.
    if (u2 + 1 < line.length) {
      const rest = line.slice(u2 + 1).trim();
      const m = rest.startsWith('rt=') ? rest.slice(3) : rest.split(' ')[0]!;
      const v = +m;
      if (m && !Number.isNaN(v)) durationMs = v * 1000;
    }
  }
  return {
    ip: line.slice(0, sp),
    ts,
    method,
    path,
    status,
    bytes,
    referer: referer === '-' ? '' : referer,
    userAgent: userAgent === '-' ? '' : userAgent,
    requestLine,
    ...(durationMs !== undefined ? { durationMs } : {}),
  };
}

const pick = (o: Record<string, unknown>, ...keys: string[]) => {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
};

function parseJson(line: string): LogRecord | undefined {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (!o || typeof o !== 'object') return undefined;
  const t = pick(o, 'time', 'timestamp', '@timestamp', 'time_local', 'ts');
  const ts =
    typeof t === 'number'
      ? t < 1e12
        ? t * 1000
        : t
      : typeof t === 'string'
        ? /^\d\d\/\w{3}\//.test(t)
          ? parseClfTime(t)
          : Date.parse(t)
        : NaN;
  const status = Number(pick(o, 'status', 'status_code', 'response_code'));
  const req = pick(o, 'request', 'request_line');
  const fromReq = typeof req === 'string' ? splitRequest(req) : undefined;
  const method = String(pick(o, 'method', 'request_method') ?? fromReq?.method ?? '');
  const path = String(pick(o, 'path', 'uri', 'request_uri', 'url') ?? fromReq?.path ?? '');
  if (Number.isNaN(ts) || !(status >= 100 && status <= 599) || !path) return undefined;
  const d = pick(o, 'request_time', 'duration', 'duration_ms', 'latency', 'response_time');
  const durationMs = d === undefined ? undefined : 'duration_ms' in o || 'latency' in o ? Number(d) : Number(d) * 1000;
  return {
    ip: String(pick(o, 'remote_addr', 'ip', 'client_ip', 'client', 'remote_ip') ?? ''),
    ts,
    method,
    path,
    status,
    bytes: Number(pick(o, 'body_bytes_sent', 'bytes', 'bytes_sent', 'size') ?? 0) || 0,
    referer: String(pick(o, 'http_referer', 'referer', 'referrer') ?? '').replace(/^-$/, ''),
    userAgent: String(pick(o, 'http_user_agent', 'user_agent', 'userAgent', 'agent') ?? '').replace(/^-$/, ''),
    requestLine: typeof req === 'string' ? req : `${method} ${path}`,
    ...(durationMs !== undefined && !Number.isNaN(durationMs) ? { durationMs } : {}),
  };
}

export class LogFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogFormatError';
  }
}

const FIELDS = new Set(['h', 'e', 't', 'x', 'r', 'm', 'U', 'H', 's', 'b', 'R', 'u', 'T', 'D', 'L', '^']);

/** Compiles a GoAccess-style format string into a parser; throws LogFormatError naming the problem. */
export function compileFormat(format: string): LineParser {
  const tokens: ({ field: string } | { lit: string })[] = [];
  for (let i = 0; i < format.length;) {
    if (format[i] === '%') {
      const f = format[i + 1];
      if (!f || !FIELDS.has(f))
        throw new LogFormatError(`unknown specifier '%${f ?? ''}' at position ${i} (known: ${[...FIELDS].map((x) => `%${x}`).join(' ')})`);
      if (tokens.at(-1) && 'field' in tokens.at(-1)!)
        throw new LogFormatError(`'%${f}' at position ${i} follows another field with no separator`);
      tokens.push({ field: f });
      i += 2;
    } else {
      const j = format.indexOf('%', i);
      const lit = format.slice(i, j < 0 ? format.length : j);
      tokens.push({ lit });
      i += lit.length;
    }
  }
  const has = (f: string) => tokens.some((t) => 'field' in t && t.field === f);
  if (!has('h') || !(has('t') || has('x')) || !(has('r') || has('U')) || !has('s'))
    throw new LogFormatError('a format needs at least %h, a time (%t or %x), the request (%r or %U) and %s');
  return (line) => {
    const v: Record<string, string> = {};
    let pos = 0;
    for (let k = 0; k < tokens.length; k++) {
      const t = tokens[k]!;
      if ('lit' in t) {
        if (!line.startsWith(t.lit, pos)) return undefined;
        pos += t.lit.length;
      } else {
        const next = tokens[k + 1];
        let end: number;
        if (!next) end = line.length;
        else {
          const lit = (next as { lit: string }).lit;
          // A quoted field ends at its closing quote, not at the first quote inside it.
          end = lit.startsWith('"') && line[pos - 1] === '"' ? closingQuote(line, pos - 1) : line.indexOf(lit, pos);
        }
        if (end < 0) return undefined;
        v[t.field] = line.slice(pos, end);
        pos = end;
      }
    }
    const ts = v.t !== undefined ? parseClfTime(v.t) : Date.parse(v.x!);
    const status = +v.s!;
    if (Number.isNaN(ts) || !(status >= 100 && status <= 599)) return undefined;
    const req = v.r !== undefined ? splitRequest(v.r) : { method: v.m ?? '', path: v.U! };
    const durationMs = v.T !== undefined ? +v.T * 1000 : v.D !== undefined ? +v.D / 1000 : v.L !== undefined ? +v.L : undefined;
    return {
      ip: v.h!,
      ts,
      method: v.m ?? req.method,
      path: v.U ?? req.path,
      status,
      bytes: v.b === undefined || v.b === '-' ? 0 : +v.b || 0,
      referer: v.R && v.R !== '-' ? v.R : '',
      userAgent: v.u && v.u !== '-' ? v.u : '',
      requestLine: v.r ?? `${req.method} ${req.path}`,
      ...(durationMs !== undefined && !Number.isNaN(durationMs) ? { durationMs } : {}),
    };
  };
}

export function parserFor(format: string): LineParser {
  if (format === 'combined') return (l) => parseClf(l, true);
  if (format === 'common') return (l) => parseClf(l, false);
  if (format === 'json') return parseJson;
  return compileFormat(format);
}
