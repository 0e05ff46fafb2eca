import { KvError } from '@raptorflow/core';
import { describeValue } from '@raptorflow/core/kit';
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

function parse(value: string): Address | undefined {
  let v = value.trim();
  // "[2001:db8::1]:443" and "203.0.113.7:8080" as some proxies write them.
  if (v.startsWith('[')) v = v.slice(1, v.indexOf(']') > 0 ? v.indexOf(']') : undefined);
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(v)) v = v.slice(0, v.lastIndexOf(':'));
  if (!ipaddr.isValid(v)) return undefined;
  return ipaddr.process(v); // IPv4-mapped IPv6 becomes IPv4
}

/** Trusted proxy ranges, parsed once. */
export interface TrustedProxies {
  /** True when `address` is inside one of the ranges. */
  has(address: string): boolean;
}

/** Parse CIDRs (`10.0.0.0/8`, `::1/128`) or single addresses once; a bad entry is `E_INVALID_OPTIONS`. */
export function trustedProxies(cidrs: readonly string[]): TrustedProxies {
  if (!Array.isArray(cidrs)) {
    throw new KvError(
      'E_INVALID_OPTIONS',
      `trustedProxies: must be an array of CIDRs, got ${describeValue(cidrs)}`,
    );
  }
  const ranges = cidrs.map((c): [Address, number] => {
    try {
      if (c.includes('/')) {
        const [a, bits] = ipaddr.parseCIDR(c);
        return [
          a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()
            ? (a as ipaddr.IPv6).toIPv4Address()
            : a,
          a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress() ? bits - 96 : bits,
        ];
      }
      const a = ipaddr.process(c);
      return [a, a.kind() === 'ipv4' ? 32 : 128];
    } catch (cause) {
      throw new KvError(
        'E_INVALID_OPTIONS',
        `trustedProxies: ${describeValue(c)} is not an address or CIDR`,
        {
          cause,
        },
      );
    }
  });
  return {
    has(address) {
      const a = typeof address === 'string' ? parse(address) : undefined;
      if (!a) return false;
      return ranges.some(([r, bits]) => r.kind() === a.kind() && a.match(r as never, bits));
    },
  };
}

/** Options of {@link clientAddress}. */
export interface ClientAddressOptions {
  /** The TCP peer (`req.socket.remoteAddress`, or the platform's connecting address). */
  remoteAddress: string | undefined;
  /** The `X-Forwarded-For` header value(s). */
  forwardedFor?: string | readonly string[] | null | undefined;
  /** Proxies whose `X-Forwarded-For` entries are believed: CIDRs or {@link trustedProxies}. @default none */
  trusted?: TrustedProxies | readonly string[] | undefined;
}

/**
 * The client's address, believing `X-Forwarded-For` only as far as trusted proxies wrote it:
 * starting from the TCP peer, walk the header from the right while the hop is a trusted proxy;
 * the first untrusted hop is the client. An unparseable hop stops the walk at the last trusted
 * one, so a forged header can never put an arbitrary address in front.
 */
export function clientAddress(options: ClientAddressOptions): string | undefined {
  if (typeof options !== 'object' || options === null) {
    throw new KvError(
      'E_INVALID_ARGUMENT',
      `clientAddress: options must be an object, got ${describeValue(options)}`,
    );
  }
  const trusted = Array.isArray(options.trusted)
    ? trustedProxies(options.trusted)
    : ((options.trusted as TrustedProxies | undefined) ?? { has: () => false });
  const peer = typeof options.remoteAddress === 'string' ? parse(options.remoteAddress) : undefined;
  if (!peer) return undefined;
  let current = peer.toString();
  if (!trusted.has(current)) return current;
  const raw = options.forwardedFor;
  const list = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
  const hops = list
    .filter((h): h is string => typeof h === 'string')
    .join(',')
    .split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = (hops[i] as string).trim();
    if (hop === '') continue;
    const a = parse(hop);
    if (!a) return current;
    current = a.toString();
    if (!trusted.has(current)) return current;
  }
  return current;
}

/** Options of {@link ipKey}. */
export interface IpKeyOptions {
  /** IPv6 addresses are grouped by this prefix length, so a client cannot rotate through its own /64s. @default 56 */
  ipv6Subnet?: number | undefined;
}

/** The well-known NAT64 prefix (RFC 6052): the last 32 bits are the client's IPv4 address. */
const NAT64 = ipaddr.parseCIDR('64:ff9b::/96');

/**
 * The rate-limit identifier of an address: IPv4 as is, IPv6 reduced to its network
 * (`2001:db8:ab:cd00::/56`), IPv4-mapped (`::ffff:a.b.c.d`) and NAT64 (`64:ff9b::a.b.c.d`)
 * IPv6 as the IPv4 they carry: reduced to a /56, every NAT64 client shared one bucket.
 * Not an address (or not a string): `E_INVALID_ARGUMENT`; with `clientAddress`, which returns
 * `undefined` when it finds none, decide first what an unknown client is (see the README).
 */
export function ipKey(address: string, options: IpKeyOptions = {}): string {
  const bits = (options as IpKeyOptions | null)?.ipv6Subnet ?? 56;
  if (!Number.isInteger(bits) || bits < 1 || bits > 128) {
    throw new KvError(
      'E_INVALID_OPTIONS',
      `ipKey: ipv6Subnet must be a whole number from 1 to 128, got ${describeValue(bits)}`,
    );
  }
  const a = typeof address === 'string' ? parse(address) : undefined;
  if (!a) throw new KvError('E_INVALID_ARGUMENT', `ipKey: ${describeValue(address)} is not an IP address`);
  if (a.kind() === 'ipv4') return a.toString();
  if ((a as ipaddr.IPv6).match(NAT64)) {
    const bytes = a.toByteArray().slice(12);
    return ipaddr.fromByteArray(bytes).toString();
  }
  const bytes = a.toByteArray();
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i] = (bytes[i] as number) & ((0xff << (8 - keep)) & 0xff);
  }
  return `${ipaddr.fromByteArray(bytes).toString()}/${bits}`;
}
