import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Redis } from '@upstash/redis';
import { describe, expect, inject, it } from 'vitest';
import { respCommand, startRedis } from '../src/index.js';
import { startUpstashServer, stripUpstashFlags } from '../src/upstash/index.js';

const { upstash, redis: direct } = inject('raptorflow');
const run = `ups:${Math.random().toString(36).slice(2, 8)}:`;

async function post(
  path: string,
  body: unknown,
  options: { token?: string; base64?: boolean; raw?: boolean; url?: string } = {},
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {
    Authorization: `Bearer ${options.token ?? upstash.token}`,
    'Content-Type': 'application/json',
  };
  if (options.base64) headers['Upstash-Encoding'] = 'base64';
  const res = await fetch(`${options.url ?? upstash.url}${path}`, {
    method: 'POST',
    headers,
    body: options.raw ? (body as string) : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('local Upstash server: protocol', () => {
  it('answers 401 on a missing or wrong token, and never runs the command', async () => {
    expect(await post('/', ['set', `${run}auth`, 'x'], { token: 'nope' })).toEqual({
      status: 401,
      body: { error: 'Unauthorized' },
    });
    const res = await fetch(upstash.url, { method: 'POST', body: '["get","x"]' });
    expect(res.status).toBe(401);
    expect(await respCommand(direct.host, direct.port, ['EXISTS', `${run}auth`])).toBe(0);
  });

  it('turns bad input into clear JSON errors', async () => {
    expect(await post('/', '{not json', { raw: true })).toEqual({
      status: 400,
      body: { error: expect.stringMatching(/not valid JSON/) },
    });
    expect((await post('/', { cmd: 'get' })).status).toBe(400);
    expect((await post('/', [])).status).toBe(400);
    expect((await post('/pipeline', ['get', 'x'])).status).toBe(400);
    expect((await post('/pipeline', [])).status).toBe(400);
    expect(await post('/', ['set', 'k', { nested: true }])).toEqual({
      status: 400,
      body: { error: expect.stringMatching(/argument 2 must be a string, number or boolean/) },
    });
    expect(await post('/', ['nosuchcommand', 'x'])).toEqual({
      status: 400,
      body: { error: expect.stringMatching(/unknown command/) },
    });
    // Any other path is a path-style command (`/get/foo`): an unknown one is Redis's error.
    expect(await post('/nowhere', ['ping'])).toEqual({
      status: 400,
      body: { error: expect.stringMatching(/unknown command .nowhere./i) },
    });
    const put = await fetch(upstash.url, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${upstash.token}` },
    });
    expect(put.status).toBe(405);
  });

  it('refuses connection-state and blocking commands in place', async () => {
    expect(await post('/', ['subscribe', 'x'])).toEqual({
      status: 400,
      body: { error: 'ERR command SUBSCRIBE is not allowed over REST' },
    });
    const res = await post('/pipeline', [
      ['blpop', 'x', 0],
      ['echo', 'still runs'],
    ]);
    expect(res.body).toEqual([
      { error: 'ERR command BLPOP is not allowed over REST' },
      { result: 'still runs' },
    ]);
    expect(
      (
        await post('/multi-exec', [
          ['set', `${run}m`, '1'],
          ['watch', 'x'],
        ])
      ).status,
    ).toBe(400);
  });

  it('answers 413 for a body over the limit', async () => {
    const server = await startUpstashServer({ redisUrl: direct.url, maxBodyBytes: 1024 });
    try {
      const big = await post('/', ['set', `${run}big`, 'x'.repeat(2000)], server);
      expect(big).toEqual({ status: 413, body: { error: expect.stringMatching(/exceeds the limit/) } });
      expect((await post('/', ['ping'], server)).body).toEqual({ result: 'PONG' });
    } finally {
      await server.stop();
    }
  });

  it('encodes every string in base64 mode, OK inside arrays too; numbers and nil stay plain', async () => {
    const res = await post(
      '/pipeline',
      [
        ['set', `${run}b`, 'bar'],
        ['eval', "return {redis.call('SET', KEYS[1], 'x'), 7, false, 'é'}", 1, `${run}b2`],
        ['get', `${run}b`],
        ['incr', `${run}b`],
      ],
      { base64: true },
    );
    expect(res.body).toEqual([
      { result: b64('OK') },
      { result: [b64('OK'), 7, null, b64('é')] },
      { result: b64('bar') },
      { error: 'ERR value is not an integer or out of range' },
    ]);
    expect((await post('/', ['get', `${run}b`])).body).toEqual({ result: 'bar' });
  });

  it('reports the discarded transaction as a non-2xx error', async () => {
    const res = await post('/multi-exec', [
      ['set', `${run}ea`, 'a'],
      ['hset', `${run}ea2`],
    ]);
    expect(res.status).toBe(400);
    expect((res.body as { error: string }).error).toMatch(/^EXECABORT .*wrong number of arguments/);
    expect(await respCommand(direct.host, direct.port, ['EXISTS', `${run}ea`])).toBe(0);
  });

  it('answers 500 with JSON when redis-server is unreachable', async () => {
    const gone = await startRedis();
    const server = await startUpstashServer({ redisUrl: gone.url });
    try {
      await gone.stop();
      const res = await post('/', ['ping'], server);
      expect(res.status).toBe(500);
      expect((res.body as { error: string }).error).toMatch(/redis unavailable/);
    } finally {
      await server.stop();
    }
  });
});

describe('local Upstash server: Upstash-only script flags', () => {
  const body = `#!lua flags=allow-key-locking,no-writes\nreturn redis.call('GET', KEYS[1]) -- ${run}`;
  const sha = createHash('sha1').update(body).digest('hex');

  it('keeps Redis flags, drops Upstash-only ones, keeps the line count', () => {
    expect(stripUpstashFlags(body)).toBe(
      `#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1]) -- ${run}`,
    );
    expect(stripUpstashFlags('#!lua flags=allow-key-locking\nreturn 1')).toBe('#!lua\nreturn 1');
    expect(stripUpstashFlags('#!lua flags=no-writes\nreturn 1')).toBeUndefined();
    expect(stripUpstashFlags('return 1')).toBeUndefined();
  });

  it('runs the script, and EVALSHA of the original body works after EVAL and SCRIPT LOAD', async () => {
    await post('/', ['set', `${run}sk`, 'v']);
    expect((await post('/', ['evalsha', sha, 1, `${run}sk`])).body).toEqual({
      error: expect.stringMatching(/^NOSCRIPT/),
    });
    expect((await post('/', ['eval', body, 1, `${run}sk`])).body).toEqual({ result: 'v' });
    expect((await post('/', ['evalsha', sha, 1, `${run}sk`])).body).toEqual({ result: 'v' });
    expect((await post('/', ['script', 'exists', sha])).body).toEqual({ result: [1] });
    const other = `#!lua flags=allow-key-locking\nreturn 42 -- ${run}`;
    const otherSha = createHash('sha1').update(other).digest('hex');
    expect((await post('/', ['script', 'load', other])).body).toEqual({ result: otherSha });
    expect((await post('/', ['evalsha', otherSha, 0])).body).toEqual({ result: 42 });
  });

  it('works through the real client: createScript with the shebang (as @upstash/ratelimit 2.x sends it)', async () => {
    const redis = new Redis({ url: upstash.url, token: upstash.token });
    const script = redis.createScript<number>(`#!lua flags=allow-key-locking\nreturn 7 -- ${run}client`);
    expect(await script.exec([], [])).toBe(7);
    expect(await script.evalsha([], [])).toBe(7);
  });
});

describe('local Upstash server: server-sent events', () => {
  async function readEvents(res: Response, count: number): Promise<string[]> {
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (let i = 0; i < 50 && text.split('\n\n').length <= count; i++) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    await reader.cancel();
    return text.split('\n\n').slice(0, count);
  }

  it('decodes the channel path, sends raw payloads, frames newlines as SSE continuation lines', async () => {
    const channel = `${run}a b/c`;
    const controller = new AbortController();
    const res = await fetch(`${upstash.url}/subscribe/${encodeURIComponent(channel)}`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${upstash.token}`,
        'Upstash-Encoding': 'base64',
        Accept: 'text/event-stream',
      },
      body: '[]',
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const events = readEvents(res, 3);
    // Until Redis counts the subscriber (the 15 s bound only stops a hang).
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
      const n = await respCommand(direct.host, direct.port, ['PUBSUB', 'NUMSUB', channel]);
      if ((n as [string, number])[1] === 1) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await respCommand(direct.host, direct.port, ['PUBLISH', channel, 'plain, text']);
    await respCommand(direct.host, direct.port, ['PUBLISH', channel, 'two\nlines']);
    expect(await events).toEqual([
      `data: subscribe,${channel},1`,
      `data: message,${channel},plain, text`,
      `data: message,${channel},two\ndata: lines`,
    ]);
    controller.abort();
  });

  it('closes the Redis subscriber when the client goes away', async () => {
    const channel = `${run}gone`;
    const redis = new Redis({ url: upstash.url, token: upstash.token });
    const sub = redis.subscribe(channel);
    await new Promise<void>((resolve) => sub.on('subscribe', () => resolve()));
    await sub.unsubscribe();
    let left = -1;
    // Until Redis drops the subscriber (the 15 s bound only stops a hang).
    for (const deadline = Date.now() + 15_000; left !== 0 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 20));
      left = (
        (await respCommand(direct.host, direct.port, ['PUBSUB', 'NUMSUB', channel])) as [string, number]
      )[1];
    }
    expect(left).toBe(0);
  });
});

describe('local Upstash server: transactions and the CLI', () => {
  it('runs concurrent transactions atomically on the shared pool', async () => {
    const key = `${run}atomic`;
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        post('/multi-exec', [
          ['incr', key],
          ['incr', key],
        ]),
      ),
    );
    for (const { status, body } of results) {
      expect(status).toBe(200);
      const [a, b] = body as Array<{ result: number }>;
      expect((b as { result: number }).result).toBe((a as { result: number }).result + 1);
    }
  });

  it('raptorflow-upstash-local serves the protocol and stops on SIGTERM', async () => {
    const tsx = createRequire(import.meta.url).resolve('tsx');
    const cli = fileURLToPath(new URL('../src/upstash/cli.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      ['--import', tsx, cli, '--redis', direct.url, '--port', '0', '--token', 'dev'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 10_000);
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const found = /on (http:\/\/\S+)/.exec(out);
          if (found) {
            clearTimeout(timer);
            resolve(found[1] as string);
          }
        });
      });
      expect((await post('/', ['echo', 'cli'], { url, token: 'dev' })).body).toEqual({ result: 'cli' });
      expect((await post('/', ['echo', 'cli'], { url, token: 'other' })).status).toBe(401);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('raptorflow-upstash-local refuses a bad flag with its usage', async () => {
    const tsx = createRequire(import.meta.url).resolve('tsx');
    const cli = fileURLToPath(new URL('../src/upstash/cli.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', tsx, cli, '--port', 'abc'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(err).toMatch(/--port must be a port number/);
    expect(err).toMatch(/Usage: raptorflow-upstash-local/);
  });
});
