import { connect } from 'node:net';

/** A RESP2 reply as plain values; an error reply becomes an `Error`. */
export type RespValue = string | number | null | Error | RespValue[];

function encode(argv: readonly string[]): string {
  let out = `*${argv.length}\r\n`;
  for (const a of argv) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return out;
}

/** Parse one RESP2 value from `buf` at `pos`; returns undefined when more bytes are needed. */
function parse(buf: Buffer, pos: number): { value: RespValue; end: number } | undefined {
  const lineEnd = buf.indexOf('\r\n', pos);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buf[pos] as number);
  const line = buf.toString('utf8', pos + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new Error(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, end: next };
      if (buf.length < next + len + 2) return undefined;
      return { value: buf.toString('utf8', next, next + len), end: next + len + 2 };
    }
    case '*': {
      const len = Number(line);
      if (len < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let at = next;
      for (let i = 0; i < len; i++) {
        const item = parse(buf, at);
        if (!item) return undefined;
        items.push(item.value);
        at = item.end;
      }
      return { value: items, end: at };
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(type)}`);
  }
}

/**
 * Send one command on a fresh connection and return its reply. A minimal client for launchers
 * and test assertions (INFO commandstats, CLUSTER INFO) with no dependency on ioredis.
 */
export function respCommand(
  host: string,
  port: number,
  argv: readonly string[],
  timeoutMs = 2000,
): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`timeout after ${timeoutMs} ms talking to ${host}:${port}`));
    }, timeoutMs);
    socket.on('connect', () => socket.write(encode(argv)));
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      const parsed = parse(buf, 0);
      if (!parsed) return;
      clearTimeout(timer);
      socket.end();
      resolve(parsed.value);
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Parse `INFO commandstats` into calls per command name (lower case). */
export function parseCommandStats(info: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of info.split('\r\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (m) out.set(m[1] as string, Number(m[2]));
  }
  return out;
}

/** Calls per command on one server, from `INFO commandstats`. */
export async function commandStats(host: string, port: number): Promise<Map<string, number>> {
  const info = await respCommand(host, port, ['INFO', 'commandstats']);
  if (typeof info !== 'string') throw new Error('INFO commandstats did not return a string');
  return parseCommandStats(info);
}

/** Difference of two commandstats snapshots, leaving out the `info` calls that took them. */
export function diffCommandStats(
  before: Map<string, number>,
  after: Map<string, number>,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, calls] of after) {
    if (name === 'info') continue;
    const delta = calls - (before.get(name) ?? 0);
    if (delta > 0) out.set(name, delta);
  }
  return out;
}
