import { KvError } from '@raptorflow/core';

/**
 * Race a store call against a timer. The call itself is not cancelled (a store cannot take a
 * command back), so its late outcome is ignored; the caller learns `E_TIMEOUT`.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, adapter: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new KvError('E_TIMEOUT', `rate-limit call took more than ${ms} ms`, { adapter })),
      ms,
    );
  });
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
