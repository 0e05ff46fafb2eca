import { isKvError, memoryAdapter } from '@raptorflow/core';
import { describe, expect, it } from 'vitest';
import { clientAddress, createCheckRateLimit, ipKey, trustedProxies } from '../src/index.js';

describe('clientAddress', () => {
  const trusted = ['10.0.0.0/8', '::1/128', '2001:db8:ffff::/48'];

  it('ignores X-Forwarded-For from an untrusted peer', () => {
    expect(clientAddress({ remoteAddress: '203.0.113.9', forwardedFor: '1.2.3.4', trusted })).toBe(
      '203.0.113.9',
    );
  });

  it('walks from the right, skipping trusted proxies only', () => {
    const forwardedFor = '6.6.6.6, 198.51.100.7, 10.1.2.3';
    expect(clientAddress({ remoteAddress: '10.0.0.1', forwardedFor, trusted })).toBe('198.51.100.7');
    expect(
      clientAddress({ remoteAddress: '::ffff:10.0.0.1', forwardedFor: ['6.6.6.6', '10.9.9.9'], trusted }),
    ).toBe('6.6.6.6');
    expect(clientAddress({ remoteAddress: '::1', forwardedFor: '[2001:db8::5]:443', trusted })).toBe(
      '2001:db8::5',
    );
  });

  it('stops at a malformed hop instead of believing what is left of it', () => {
    expect(
      clientAddress({ remoteAddress: '10.0.0.1', forwardedFor: '6.6.6.6, garbage, 10.0.0.2', trusted }),
    ).toBe('10.0.0.2');
  });

  it('refuses a bad CIDR with E_INVALID_OPTIONS', () => {
    expect(() => trustedProxies(['10.0.0.0/99'])).toThrow(
      expect.objectContaining({ code: 'E_INVALID_OPTIONS' }),
    );
  });
});

describe('ipKey', () => {
  it('keeps IPv4, groups IPv6 by /56 (configurable), unwraps IPv4-mapped', () => {
    expect(ipKey('192.0.2.1')).toBe('192.0.2.1');
    expect(ipKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(ipKey('2001:db8:aaaa:bbcc:1:2:3:4')).toBe('2001:db8:aaaa:bb00::/56');
    expect(ipKey('2001:db8:aaaa:bbff::9')).toBe(ipKey('2001:db8:aaaa:bb00::1'));
    expect(ipKey('2001:db8:aaaa:bbcc::1', { ipv6Subnet: 64 })).toBe('2001:db8:aaaa:bbcc::/64');
    try {
      ipKey('not-an-ip');
      throw new Error('expected a throw');
    } catch (error) {
      expect(isKvError(error, 'E_INVALID_ARGUMENT')).toBe(true);
    }
  });
});

describe('checkRateLimit (the old call shape)', () => {
  it('returns { allowed, reset_time } and keeps endpoints apart', async () => {
    // The store's clock, pinned: reset_time is checked against the instant the calls were decided
    // at, not against a wall clock read later (a busy machine can put a second between them).
    const now = 1_700_000_000_250;
    const checkRateLimit = createCheckRateLimit({
      store: memoryAdapter({ sweepIntervalMs: 0, clock: () => now }),
    });
    const args = { user_id: 'u1', endpoint: '/api/chat', limit: 2, window_seconds: 60 };
    const a = await checkRateLimit(args);
    expect(a.allowed).toBe(true);
    expect(a.reset_time).toBeGreaterThanOrEqual(Math.floor(now / 1000) + 59);
    expect((await checkRateLimit(args)).allowed).toBe(true);
    const c = await checkRateLimit(args);
    expect(c.allowed).toBe(false);
    expect(c.reset_time).toBeLessThanOrEqual(Math.ceil(now / 1000) + 60);
    expect((await checkRateLimit({ ...args, endpoint: '/api/other' })).allowed).toBe(true);
    expect((await checkRateLimit({ ...args, user_id: 'u2' })).allowed).toBe(true);
  });
});
