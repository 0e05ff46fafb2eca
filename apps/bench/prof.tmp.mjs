const [url, mode, nStr] = process.argv.slice(2);
const N = Number(nStr ?? 200000);
let op, close;
if (mode === 'store-io' || mode === 'store-nr') {
  const m = mode === 'store-io' ? await import('@raptorflow/core/ioredis') : await import('@raptorflow/core/node-redis');
  const store = mode === 'store-io' ? m.ioredisAdapter({ url }) : m.nodeRedisAdapter({ url });
  await store.set('k', 'x'.repeat(100));
  op = () => store.get('k'); close = () => store.close();
} else if (mode === 'raw-io' || mode === 'raw-io-t') {
  const { Redis } = await import('ioredis');
  const c = new Redis(url, mode === 'raw-io' ? { protocol: 2 } : { protocol: 2, commandTimeout: 10000, socketTimeout: 2000, maxRetriesPerRequest: 1 }); await c.set('k', 'x'.repeat(100));
  op = () => c.get('k'); close = () => c.quit();
} else {
  const { createClient } = await import('redis');
  const c = createClient({ url }); await c.connect(); await c.set('k', 'x'.repeat(100));
  op = mode === 'raw-nr-send' ? () => c.sendCommand(['GET', 'k']) : () => c.get('k'); close = () => c.close();
}
let i = 0;
async function worker() { while (i < N) { i++; await op(); } }
for (let w = 0; w < 2; w++) { i = 0; await Promise.all(Array.from({ length: 64 }, worker)); }
i = 0;
const t0 = process.hrtime.bigint(); const u0 = process.cpuUsage();
await Promise.all(Array.from({ length: 64 }, worker));
const ms = Number(process.hrtime.bigint() - t0) / 1e6; const u = process.cpuUsage(u0);
console.log(mode.padEnd(12), String(Math.round(N / ms * 1000)).padStart(7), 'ops/s', ((u.user + u.system) / N).toFixed(2), 'cpu us/op');
await close();
