/** The report as a page a person reads at a glance: totals, traffic over time, status classes, tops, security. */
import type { LogReport } from '../../logs/aggregate.js';

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (n: number) => n.toLocaleString('en');

function trafficChart(perMinute: LogReport['perMinute']): string {
  if (!perMinute.length) return '<p>No traffic.</p>';
  const W = 900;
  const H = 200;
  const max = Math.max(...perMinute.map((p) => p.requests));
  const step = perMinute.length > 1 ? W / (perMinute.length - 1) : 0;
  const points = perMinute.map((p, i) => `${(i * step).toFixed(1)},${(H - (p.requests / max) * (H - 10)).toFixed(1)}`).join(' ');
  return `<svg viewBox="0 0 ${W} ${H + 20}" width="100%" role="img" aria-label="requests per minute">
<polyline fill="none" stroke="#2563eb" stroke-width="1.5" points="${points}"/>
<text x="0" y="${H + 16}" font-size="11">${esc(perMinute[0]!.minute)}</text>
<text x="${W}" y="${H + 16}" font-size="11" text-anchor="end">${esc(perMinute.at(-1)!.minute)}</text>
<text x="4" y="12" font-size="11">${num(max)} req/min</text></svg>`;
}

function statusChart(classes: Record<string, number>): string {
  const colors: Record<string, string> = { '1xx': '#94a3b8', '2xx': '#16a34a', '3xx': '#0ea5e9', '4xx': '#f59e0b', '5xx': '#dc2626' };
  const max = Math.max(1, ...Object.values(classes));
  const bars = Object.entries(classes)
    .map(([k, v], i) => {
      const h = (v / max) * 150;
      return `<rect x="${i * 70 + 10}" y="${170 - h}" width="50" height="${h}" fill="${colors[k]}"/><text x="${i * 70 + 35}" y="188" font-size="12" text-anchor="middle">${k}</text><text x="${i * 70 + 35}" y="${165 - h}" font-size="11" text-anchor="middle">${num(v)}</text>`;
    })
    .join('');
  return `<svg viewBox="0 0 360 195" width="360" role="img" aria-label="status classes">${bars}</svg>`;
}

const table = (title: string, rows: { value: string; count: number }[]) =>
  `<section><h3>${esc(title)}</h3><table>${rows.map((r) => `<tr><td>${esc(r.value)}</td><td class="n">${num(r.count)}</td></tr>`).join('') || '<tr><td>none</td></tr>'}</table></section>`;

export function reportHtml(doc: { id: string; createdAt: string; source: string; format: string; report: LogReport }): string {
  const r = doc.report;
  const t = r.totals;
  const lat = r.latencyMs ? `p50 ${r.latencyMs.p50} ms · p95 ${r.latencyMs.p95} ms · p99 ${r.latencyMs.p99} ms` : 'not in this log';
  const sec = r.securityEvents
    .slice(0, 100)
    .map(
      (e) =>
        `<tr class="${e.severity}"><td>${esc(e.severity)}</td><td>${esc(e.kind)}</td><td>${esc(e.ip)}</td><td class="n">${num(e.count)}</td><td>${esc(e.firstSeen)} – ${esc(e.lastSeen)}</td><td><code>${esc(e.evidence[0] ?? '')}</code></td></tr>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Report ${esc(doc.id)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#0f172a}h1{font-size:20px}.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{border:1px solid #e2e8f0;border-radius:8px;padding:10px 14px}.card b{display:block;font-size:20px}.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:16px}
table{border-collapse:collapse;width:100%}td{border-bottom:1px solid #f1f5f9;padding:3px 6px;max-width:520px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}.n{text-align:right}
tr.high td:first-child{color:#dc2626;font-weight:600}tr.medium td:first-child{color:#d97706}code{font-size:12px}</style></head><body>
<h1>Access log report</h1><p>${esc(doc.source)} · ${esc(doc.format)} · ${esc(t.from ?? '')} – ${esc(t.to ?? '')} · made ${esc(doc.createdAt)}</p>
<div class="cards"><div class="card">requests<b>${num(t.requests)}</b></div><div class="card">unique visitors<b>${num(t.uniqueVisitors)}</b></div>
<div class="card">error rate<b>${(t.errorRate * 100).toFixed(2)} %</b></div><div class="card">data<b>${(t.bytes / 1048576).toFixed(1)} MB</b></div>
<div class="card">malformed lines<b>${num(t.malformed)}</b></div><div class="card">latency<b style="font-size:14px">${lat}</b></div></div>
<h2>Requests per minute</h2>${trafficChart(r.perMinute)}
<h2>Status classes</h2>${statusChart(r.statusClasses)}
<div class="grid">${table('Top paths', r.topPaths)}${table('Top clients', r.topIps)}${table('Top referrers', r.topReferrers)}${table('Top user agents', r.topUserAgents)}</div>
<h2>Security events (${num(r.securityEvents.length)})</h2><table><tr><th>severity</th><th>kind</th><th>client</th><th>count</th><th>seen</th><th>evidence</th></tr>${sec}</table>
${r.malformed.examples.length ? `<h2>Malformed lines</h2><pre>${r.malformed.examples.map((e) => esc(e.line)).join('\n')}</pre>` : ''}
${r.truncated ? '<p><em>Top tables were pruned to stay within memory; their tails are approximate.</em></p>' : ''}
</body></html>`;
}
