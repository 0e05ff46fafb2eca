#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startUpstashServer } from './server.js';

const USAGE = `Usage: raptorflow-upstash-local [--redis redis://127.0.0.1:6379] [--port 8079] [--token dev] [--host 127.0.0.1]

Serves the Upstash Redis REST protocol in front of a redis-server, for local development:
  new Redis({ url: 'http://127.0.0.1:8079', token: 'dev' })`;

/** Parse the CLI flags, start the server and stop it on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
      port: { type: 'string', default: '8079' },
      token: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be a port number, got ${values.port}`);
  const server = await startUpstashServer({
    redisUrl: values.redis,
    port,
    host: values.host,
    token: values.token,
  });
  console.log(`Upstash-compatible REST server on ${server.url} (token: ${server.token}) -> ${values.redis}`);
  console.log(`UPSTASH_REDIS_REST_URL=${server.url} UPSTASH_REDIS_REST_TOKEN=${server.token}`);
  const stop = (): void => {
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`raptorflow-upstash-local: ${(error as Error).message}\n\n${USAGE}`);
  process.exit(1);
});
