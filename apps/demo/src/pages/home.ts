/** The demo's one-page UI: sign in, pages through the cache, tasks, chat, the lock, live feed. */
export function homePage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>RaptorFlow KV demo</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:16px;color:#1b1f24}
section{border:1px solid #d0d7de;border-radius:6px;padding:10px 14px;margin:10px 0}
h1{font-size:20px}h2{font-size:16px;margin:4px 0 8px}button{margin:2px}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:10px}pre{background:#f6f8fa;padding:6px;white-space:pre-wrap;max-height:220px;overflow:auto}
.muted{color:#57606a}.hidden{display:none}
</style></head><body>
<h1>RaptorFlow KV demo <small class="muted">· <a href="/admin/performance">/admin/performance</a></small></h1>
<section id="signin">
  <h2>Sign in</h2>
  <label>User <input id="user" value="ada"></label>
  <label>Workspace <select id="workspace"><option>acme</option><option>globex</option></select></label>
  <button id="sign-in">Sign in</button>
  <span id="me" class="muted"></span>
  <button id="sign-out">Sign out</button><button id="sign-out-all">Sign out everywhere</button>
</section>
<div id="app" class="hidden">
<div class="grid">
<section><h2>Pages (cache: L1 → L2 → render)</h2>
  <div id="page-buttons"></div>
  <button id="invalidate">Invalidate tag page:home</button><button id="clear-cache">Clear workspace</button>
  <pre id="page-out"></pre></section>
<section><h2>Rate-limited API</h2>
  <button id="hammer">Hammer /api/v1/quote ×30</button>
  <div>200: <b id="ok-count">0</b> · 429: <b id="limited-count">0</b></div>
  <pre id="quote-out"></pre></section>
<section><h2>Agent tasks</h2>
  <button id="enqueue">Enqueue 3 tasks</button><button id="enqueue-fail">Enqueue a failing task</button>
  <div>completed: <b id="tasks-done">0</b></div>
  <pre id="tasks-out"></pre></section>
<section><h2>Lock-protected report</h2>
  <button id="report">Write the report</button> fencing token: <b id="fence">–</b></section>
<section><h2>Chat (llm-cache, fake model)</h2>
  <input id="prompt" size="40" value="What is the capital of Australia?"><button id="ask">Ask</button>
  <pre id="chat-out"></pre></section>
<section><h2>Live (SSE) · online: <span id="online"></span></h2><pre id="live-out"></pre></section>
</div></div>
<script>
const $ = (id) => document.getElementById(id);
const pages = ['home', 'campaigns', 'analytics', 'settings'];
let ws = null, source = null, done = 0;
async function api(method, path, body) {
  const r = await fetch(path, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  return { status: r.status, body: await r.json().catch(() => null), headers: r.headers };
}
async function refreshMe() {
  const me = await api('GET', '/api/v1/me');
  if (me.status !== 200) { ws = null; $('me').textContent = 'signed out'; $('app').classList.add('hidden'); if (source) source.close(); return; }
  ws = me.body.workspace; $('me').textContent = 'signed in as ' + me.body.user + ' in ' + ws + ' (' + me.body.sessions + ' session(s))';
  $('app').classList.remove('hidden'); connect();
}
function connect() {
  if (source) source.close();
  source = new EventSource('/api/v1/workspaces/' + ws + '/live');
  source.onmessage = (e) => {
    const ev = JSON.parse(e.data);
    $('live-out').textContent = '#' + e.lastEventId + ' ' + e.data + '\\n' + $('live-out').textContent.slice(0, 4000);
    if (ev.type === 'task' && ev.state === 'completed') $('tasks-done').textContent = String(++done);
  };
  source.addEventListener('reset', () => { $('live-out').textContent = '(reset: reloaded)\\n'; });
  presence();
}
async function presence() { if (!ws) return; const p = await api('GET', '/api/v1/workspaces/' + ws + '/presence'); $('online').textContent = (p.body?.online ?? []).map((m) => m.member).join(', '); }
setInterval(presence, 5000);
$('sign-in').onclick = async () => { const r = await api('POST', '/auth/sign-in', { user: $('user').value, workspace: $('workspace').value }); if (r.status !== 200) alert(JSON.stringify(r.body)); await refreshMe(); };
$('sign-out').onclick = async () => { await api('POST', '/auth/sign-out'); await refreshMe(); };
$('sign-out-all').onclick = async () => { await api('POST', '/auth/sign-out-everywhere'); await refreshMe(); };
for (const p of pages) { const b = document.createElement('button'); b.textContent = p; b.dataset.page = p; b.onclick = async () => { const r = await api('GET', '/api/v1/workspaces/' + ws + '/pages/' + p); $('page-out').textContent = r.headers.get('x-cache') + '\\n' + JSON.stringify(r.body, null, 1); }; $('page-buttons').append(b); }
$('invalidate').onclick = async () => { await api('POST', '/api/v1/workspaces/' + ws + '/pages/home/invalidate'); };
$('clear-cache').onclick = async () => { await api('POST', '/api/v1/workspaces/' + ws + '/cache/clear'); };
$('hammer').onclick = async () => { for (let i = 0; i < 30; i++) { const r = await api('GET', '/api/v1/quote'); const el = r.status === 429 ? $('limited-count') : $('ok-count'); el.textContent = String(Number(el.textContent) + 1); $('quote-out').textContent = r.status + ' remaining=' + r.headers.get('ratelimit-remaining') + '\\n' + JSON.stringify(r.body); } };
$('enqueue').onclick = async () => { for (let i = 1; i <= 3; i++) await api('POST', '/api/v1/workspaces/' + ws + '/tasks', { title: 'task ' + i, steps: 3 }); tasks(); };
$('enqueue-fail').onclick = async () => { await api('POST', '/api/v1/workspaces/' + ws + '/tasks', { title: 'doomed', steps: 2, fail: 'always' }); tasks(); };
async function tasks() { const t = await api('GET', '/api/v1/workspaces/' + ws + '/tasks'); $('tasks-out').textContent = JSON.stringify(t.body, null, 1); }
setInterval(() => ws && tasks(), 3000);
$('report').onclick = async () => { const r = await api('POST', '/api/v1/workspaces/' + ws + '/report'); $('fence').textContent = r.status === 200 ? String(r.body.fence) : r.body.error.code; };
$('ask').onclick = async () => { const r = await api('POST', '/api/v1/workspaces/' + ws + '/chat', { message: $('prompt').value }); $('chat-out').textContent = JSON.stringify(r.body, null, 1); };
refreshMe();
</script></body></html>`;
}
