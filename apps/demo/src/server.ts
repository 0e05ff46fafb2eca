import { serve } from '@hono/node-server';
import { createDemo } from './app.js';

// `pnpm demo`: the demo on the store kvFromEnv picks (memory when nothing is set), on PORT/HOST.
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`demo: PORT must be a whole number from 0 to 65535, got ${JSON.stringify(process.env.PORT)}`);
  process.exit(1);
}

const demo = await createDemo({
  adminToken: process.env.DEMO_ADMIN_TOKEN || undefined,
  secureCookie: process.env.DEMO_SECURE_COOKIE === 'true',
});
const server = serve({ fetch: demo.app.fetch, port, hostname: host }, (info) => {
  const shown = info.address.includes(':') ? `[${info.address}]` : info.address;
  console.log(
    `RaptorFlow KV demo on ${demo.stack.settings.adapter} (${demo.stack.settings.chosenBy}): http://${shown}:${info.port}/`,
  );
  console.log(`  dashboard: http://${shown}:${info.port}/admin/performance`);
});

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  console.log(`demo: ${signal}, closing`);
  server.close();
  demo.close().then(
    () => process.exit(0),
    (error) => {
      console.error('demo: close failed', error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
