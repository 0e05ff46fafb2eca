/**
 * `/admin/performance`: live Chart.js charts of the metrics snapshot
 * (`/api/v1/admin/redis-metrics`) and the demo's own figures (`/api/v1/admin/demo`), polled
 * every 2 s. Each headline figure also sits in an element with an id, for the browser tests.
 */
export function performancePage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>RaptorFlow KV · performance</title>
<script src="/assets/chart.umd.js"></script>
<style>
body{font:13px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:12px;color:#1b1f24}
.figures{display:flex;gap:10px;flex-wrap:wrap}.figure{border:1px solid #d0d7de;border-radius:6px;padding:6px 12px;min-width:130px}
.figure b{display:block;font-size:20px}.charts{display:grid;grid-template-columns:1fr 1fr;gap:12px;margin-top:12px}
.chart{border:1px solid #d0d7de;border-radius:6px;padding:8px;height:230px}
.open{color:#cf222e}.closed{color:#1a7f37}.half-open{color:#9a6700}
</style></head><body>
<h1>Performance <small><a href="/">demo</a></small></h1>
<div class="figures">
  <div class="figure">store<b id="adapter">–</b></div>
  <div class="figure">breaker<b id="breaker-state">–</b></div>
  <div class="figure">ops/s (1 m)<b id="ops">0</b></div>
  <div class="figure">cache hits<b id="cache-hits">0</b></div>
  <div class="figure">cache hit rate<b id="cache-hit-rate">–</b></div>
  <div class="figure">rate-limit blocks<b id="ratelimit-blocked">0</b></div>
  <div class="figure">tasks completed<b id="tasks-completed">0</b></div>
  <div class="figure">lock contention<b id="lock-contended">0</b></div>
  <div class="figure">LLM cost saved<b id="cost-saved">$0</b></div>
</div>
<div class="charts">
  <div class="chart"><canvas id="c-ops"></canvas></div>
  <div class="chart"><canvas id="c-latency"></canvas></div>
  <div class="chart"><canvas id="c-hits"></canvas></div>
  <div class="chart"><canvas id="c-queue"></canvas></div>
  <div class="chart"><canvas id="c-limits"></canvas></div>
  <div class="chart"><canvas id="c-usage"></canvas></div>
</div>
<p id="updated" style="color:#57606a"></p>
<script>
const $ = (id) => document.getElementById(id);
const mk = (id, type, title, extra = {}) => new Chart($(id), { type, data: { labels: [], datasets: [] },
  options: { animation: false, maintainAspectRatio: false, plugins: { title: { display: true, text: title } }, ...extra } });
const ops = mk('c-ops', 'line', 'operations/s by feature (1 m window)');
const latency = mk('c-latency', 'bar', 'p50 / p99 latency per store command (ms, 1 m)');
const hits = mk('c-hits', 'bar', 'hit rate per tier and namespace (1 m)', { scales: { y: { min: 0, max: 1 } } });
const queue = mk('c-queue', 'bar', 'queue depth per state');
const limits = mk('c-limits', 'line', 'rate limit: allowed vs blocked (total)');
const usage = mk('c-usage', 'bar', 'LLM usage per workspace (USD, today)');
const sum = (o) => Object.values(o ?? {}).reduce((a, b) => a + b, 0);
const HIT = new Set(['hit', 'l1-hit', 'l2-hit', 'stale', 'exact-hit', 'semantic-hit', 'exact', 'semantic']);
function push(chart, label, series) {
  chart.data.labels.push(label); if (chart.data.labels.length > 60) chart.data.labels.shift();
  for (const [name, value] of Object.entries(series)) {
    let ds = chart.data.datasets.find((d) => d.label === name);
    if (!ds) { ds = { label: name, data: new Array(chart.data.labels.length - 1).fill(null), pointRadius: 0 }; chart.data.datasets.push(ds); }
    ds.data.push(value); if (ds.data.length > 60) ds.data.shift();
  }
  chart.update();
}
function set(chart, labels, datasets) { chart.data.labels = labels; chart.data.datasets = datasets; chart.update(); }
async function tick() {
  try {
    const [m, d] = await Promise.all([fetch('/api/v1/admin/redis-metrics').then((r) => r.json()), fetch('/api/v1/admin/demo').then((r) => r.json())]);
    const s = m.snapshot.stores.default; const label = new Date().toLocaleTimeString();
    $('adapter').textContent = s.adapter;
    const state = s.breaker?.state ?? 'none'; $('breaker-state').textContent = state; $('breaker-state').className = state;
    const byFeature = {}; let total = 0;
    for (const [f, opsOf] of Object.entries(s.features)) { const v = Object.values(opsOf).reduce((a, o) => a + o.windows['1m'].opsPerSec, 0); byFeature[f] = v; total += v; }
    $('ops').textContent = total.toFixed(1); push(ops, label, byFeature);
    const cmds = Object.entries(s.commands).filter(([, c]) => c.windows['1m'].count > 0).slice(0, 16);
    set(latency, cmds.map(([k]) => k.replace(/^(command|script):/, '')), [
      { label: 'p50', data: cmds.map(([, c]) => c.windows['1m'].p50Ms) }, { label: 'p99', data: cmds.map(([, c]) => c.windows['1m'].p99Ms) }]);
    const cacheOps = s.features.cache ?? {}; let cacheHits = 0, cacheAll = 0;
    for (const op of Object.values(cacheOps)) for (const [o, n] of Object.entries(op.outcomes)) { if (HIT.has(o)) cacheHits += n; if (HIT.has(o) || o === 'miss' || o === 'dedup') cacheAll += n; }
    $('cache-hits').textContent = String(cacheHits); $('cache-hit-rate').textContent = cacheAll ? (100 * cacheHits / cacheAll).toFixed(1) + '%' : '–';
    const rates = { 'L1 (process)': s.l1?.windows['1m'].hitRate ?? 0 };
    for (const [op, o] of Object.entries(cacheOps)) rates['cache ' + op] = o.windows['1m'].hitRate ?? 0;
    for (const [op, o] of Object.entries(s.features['llm-cache'] ?? {})) rates['llm ' + op] = o.windows['1m'].hitRate ?? 0;
    set(hits, Object.keys(rates), [{ label: 'hit rate', data: Object.values(rates) }]);
    const rl = s.features.ratelimit?.limit?.outcomes ?? {}; const blocked = sum(rl) - (rl.allowed ?? 0);
    $('ratelimit-blocked').textContent = String(blocked); push(limits, label, { allowed: rl.allowed ?? 0, blocked });
    set(queue, Object.keys(d.queue), [{ label: 'jobs', data: Object.values(d.queue) }]);
    $('tasks-completed').textContent = String(d.queue.completed ?? 0);
    const locks = s.features.locks?.acquire?.outcomes ?? {}; $('lock-contended').textContent = String(sum(locks) - (locks.acquired ?? 0));
    const wss = Object.keys(d.usage);
    set(usage, wss, [{ label: 'spent', data: wss.map((w) => d.usage[w].cost) }, { label: 'saved', data: wss.map((w) => d.usage[w].savedCost) }]);
    $('cost-saved').textContent = '$' + wss.reduce((a, w) => a + d.usage[w].savedCost, 0).toFixed(6);
    $('updated').textContent = 'updated ' + label;
  } catch (e) { $('updated').textContent = 'update failed: ' + e; }
}
tick(); setInterval(tick, 2000);
</script></body></html>`;
}
