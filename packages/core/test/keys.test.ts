import { describe, expect, it } from 'vitest';
import { escapeGlob, hashKeyPart, hashTag, isKvError, joinKey, KvError } from '../src/index.js';

describe('key helpers', () => {
  it('hashes key parts with SHA-256 (hex)', () => {
    expect(hashKeyPart('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashKeyPart('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('builds Cluster hash tags and refuses braces', () => {
    expect(hashTag('user:1')).toBe('{user:1}');
    expect(() => hashTag('a}b')).toThrowError(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    expect(() => hashTag('')).toThrowError(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
  });

  it('joins parts and refuses parts that would make two keys collide', () => {
    expect(joinKey('ws', '42', 'profile')).toBe('ws:42:profile');
    expect(() => joinKey('a:b', 'c')).toThrowError(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
  });

  it('escapes glob characters so a prefix matches only itself', () => {
    expect(escapeGlob('a*b?[c]\\d')).toBe('a\\*b\\?\\[c\\]\\\\d');
  });
});

describe('KvError', () => {
  it('carries a stable code, the adapter and the cause; isKvError works without instanceof', () => {
    const cause = new Error('boom');
    const error = new KvError('E_CONNECTION', 'refused', { adapter: 'ioredis', cause });
    expect(error.message).toBe('[raptorflow] [ioredis] refused');
    expect(error.cause).toBe(cause);
    expect(isKvError(error, 'E_CONNECTION')).toBe(true);
    expect(isKvError(error, 'E_TIMEOUT')).toBe(false);
    // A KvError from a second copy of the package is a plain object with the same shape.
    expect(isKvError({ name: 'KvError', code: 'E_TIMEOUT', message: 'x' })).toBe(true);
    expect(isKvError({ name: 'KvError', code: 'NOT_A_CODE' })).toBe(false);
    expect(isKvError(new Error('x'))).toBe(false);
  });
});
