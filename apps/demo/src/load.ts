// `pnpm demo:load`: bounded traffic against a running demo so the dashboard moves. Bounded in
// requests (LOAD_REQUESTS, default 2000) and in time (LOAD_SECONDS, default 60), loopback only.
const base = new URL(process.env.DEMO_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}/`);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname)) {
  console.error(`demo:load: only a loopback demo is driven, got ${base.hostname}`);
  process.exit(1);
}
const maxRequests = Math.min(Number(process.env.LOAD_REQUESTS ?? 2000), 100_000);
const deadline = Date.now() + Math.min(Number(process.env.LOAD_SECONDS ?? 60), 600) * 1000;
const PAGES = ['home', 'campaigns', 'analytics', 'settings'];
const PROMPTS = [
  'What is the capital of Australia?',
  "What's the capital city of Australia?",
  'Summarize our Q3 campaign',
];

let sent = 0;
const statuses = new Map<number, number>();
async function call(method: string, path: string, cookie: string, body?: unknown): Promise<void> {
  // The bound holds per request, not per round of the loop.
  if (sent >= maxRequests || Date.now() >= deadline) return;
  sent++;
  const response = await fetch(new URL(path, base), {
    method,
    headers: {
      cookie,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      'x-api-key': cookie.slice(-8),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  await response.arrayBuffer();
}

async function user(name: string, workspace: string): Promise<void> {
  const signIn = await fetch(new URL('/auth/sign-in', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: name, workspace }),
  });
  const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  let i = 0;
  while (sent < maxRequests && Date.now() < deadline) {
    i++;
    const page = PAGES[i % PAGES.length] as string;
    await call('GET', `/api/v1/workspaces/${workspace}/pages/${page}`, cookie);
    await call('GET', '/api/v1/quote', cookie);
    if (i % 10 === 0)
      await call('POST', `/api/v1/workspaces/${workspace}/tasks`, cookie, {
        title: `load ${i}`,
        steps: 2,
        fail: i % 50 === 0 ? 'always' : 'never',
      });
    if (i % 7 === 0)
      await call('POST', `/api/v1/workspaces/${workspace}/chat`, cookie, {
        message: PROMPTS[i % PROMPTS.length],
      });
    if (i % 25 === 0) await call('POST', `/api/v1/workspaces/${workspace}/report`, cookie);
    if (i % 40 === 0) await call('POST', `/api/v1/workspaces/${workspace}/pages/home/invalidate`, cookie);
  }
}

console.log(
  `demo:load: at most ${maxRequests} requests, at most until ${new Date(deadline).toISOString()}, against ${base.href}`,
);
await Promise.all([user('load-a', 'acme'), user('load-b', 'acme'), user('load-c', 'globex')]);
console.log(`demo:load: ${sent} requests; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);

export {};
