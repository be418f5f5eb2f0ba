/**
 * Security signals in access logs, per client: attack patterns in request lines, known scanner user
 * agents, and bursts of 401/403 or 404 from one IP. Pattern checks only run on request lines that
 * contain a character an attack needs, so clean traffic pays one small regex.
 */
export type SecurityKind = 'sql_injection' | 'xss' | 'path_traversal' | 'scanner' | 'auth_failure_burst' | 'not_found_burst';
export type Severity = 'low' | 'medium' | 'high';

export const SEVERITY: Record<SecurityKind, Severity> = {
  sql_injection: 'high',
  path_traversal: 'high',
  auth_failure_burst: 'high',
  xss: 'medium',
  scanner: 'medium',
  not_found_burst: 'low',
};

const SUSPICIOUS = /[<'"%;()\\]|\.\./;
const PATTERNS: [Exclude<SecurityKind, 'scanner' | 'auth_failure_burst' | 'not_found_burst'>, RegExp][] = [
  [
    'sql_injection',
    /(\bunion\b[\s\S]{0,40}\bselect\b|\bselect\b[\s\S]{0,40}\bfrom\b|'\s*(or|and)\s*'?\d*'?\s*=|\b(or|and)\s+\d+\s*=\s*\d+|\bsleep\s*\(|\bbenchmark\s*\(|information_schema|;\s*drop\s+table|--\s*$)/i,
  ],
  ['xss', /(<\s*script|javascript:|\bon(error|load|mouseover)\s*=|<\s*img[^>]*src\s*=|<\s*svg|document\.cookie|alert\s*\()/i],
  ['path_traversal', /(\.\.[/\\]|\/etc\/passwd|\/proc\/self|win\.ini|boot\.ini)/i],
];
const SCANNERS =
  /(sqlmap|nikto|nmap|masscan|zgrab|nuclei|wpscan|dirbuster|gobuster|feroxbuster|ffuf|acunetix|nessus|openvas|w3af|arachni|havij|hydra|zmeu|jorgee|l9explore|censys|httpx)/i;

function decode(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** The attack kinds a request line shows (empty for almost all traffic). */
export function requestPatterns(requestLine: string): SecurityKind[] {
  if (!SUSPICIOUS.test(requestLine)) return [];
  const text = decode(decode(requestLine)); // double-encoded payloads are common
  const found: SecurityKind[] = [];
  for (const [kind, re] of PATTERNS) if (re.test(text)) found.push(kind);
  return found;
}

const scannerCache = new Map<string, boolean>();
export function isScanner(userAgent: string): boolean {
  let v = scannerCache.get(userAgent);
  if (v === undefined) {
    v = SCANNERS.test(userAgent);
    if (scannerCache.size > 50_000) scannerCache.clear();
    scannerCache.set(userAgent, v);
  }
  return v;
}

/** Per minute: this many from one IP within a minute (or two adjacent ones) is a burst. */
export const BURST_THRESHOLD = { auth_failure_burst: 10, not_found_burst: 30 } as const;
