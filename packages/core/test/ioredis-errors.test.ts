import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { mapError } from '../src/adapters/ioredis/errors.js';

function reply(message: string): Error {
  return new (ReplyError as unknown as new (m: string) => Error)(message);
}

describe('ioredis error mapping', () => {
  it('maps server replies through fromReplyError', () => {
    expect(
      mapError(reply('WRONGTYPE Operation against a key holding the wrong kind of value'), false).code,
    ).toBe('E_WRONG_TYPE');
    expect(mapError(reply("CROSSSLOT Keys in request don't hash to the same slot"), false).code).toBe(
      'E_CROSSSLOT',
    );
    expect(mapError(reply('ERR unknown command'), false).code).toBe('E_COMMAND');
  });

  it('maps connection failures to E_CONNECTION', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    for (const error of [
      refused,
      reset,
      new Error('Connection is closed.'),
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      new Error(
        'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.',
      ),
      new Error('Failed to refresh slots cache.'),
      new Error('None of startup nodes is available'),
    ]) {
      expect(mapError(error, false).code, error.message).toBe('E_CONNECTION');
    }
  });

  it('maps a command timeout to E_TIMEOUT, anything after close to E_CLOSED', () => {
    expect(mapError(new Error('Command timed out'), false).code).toBe('E_TIMEOUT');
    expect(mapError(new Error('Connection is closed.'), true).code).toBe('E_CLOSED');
    expect(mapError(new Error('something else'), false).code).toBe('E_COMMAND');
  });
});
