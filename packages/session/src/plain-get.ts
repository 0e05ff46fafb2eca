import { parseRecord, type SessionRecord } from './scripts/shared.js';

/*
 * `get` as one plain `GET` of the record when no touch can be due, and the get script otherwise.
 *
 * The script decides on the store's clock (`TIME`); the client has its own. Every script reply
 * carries the store's `now`, so the client learns `offset = now - sent`, where `sent` is its own
 * clock just before the call went out. The script ran after `sent`, so this offset is never below
 * the true one (up to the ms each clock rounds down, and the local clock's drift since): the
 * estimate of the store's now, `Date.now() + offset`, errs towards LATER. It is relearnt from
 * every script reply and at least once a minute (after that, `get` runs the script again).
 *
 * A record's "due" instant is when a `GET` can no longer stand in for the script: its expiry, or
 * earlier the first instant the script would slide it (`now - touched >= touchAfter` and
 * `min(now + idle, cap) > expires`). `get` sends a `GET` only when the estimate plus a margin is
 * before the due instant this process last saw for the session (a bounded map of hints; no hint,
 * or no fresh estimate: the script), and after the `GET` checks the record it got the same way.
 *
 * Why a wrong estimate cannot change what a session is, only when it is touched:
 * - A `GET` writes nothing. Every expiry is written by the scripts on the store's clock (PXAT,
 *   at most the absolute cap), so no estimate can extend a session or pass its cap.
 * - Redis expires the key on its own clock: a `GET` of a session that is gone is nil, never a
 *   resurrection; the script would have said nil too.
 * - An estimate that is too late (the usual error) runs the script a little early; the script
 *   re-decides on the store's clock, so the reply is the script's own.
 * - An estimate that is too early (the local clock stepped back by more than the margin) answers
 *   with the stored record a little longer, untouched: the touch is delayed by that error, never
 *   brought forward, and the record returned is the one the script would have returned without a
 *   touch. The delay ends at the next script call (a relearn within a minute).
 */

/** How long an estimate of the store's clock is used before `get` runs the script to relearn it. */
const REFRESH_MS = 60_000;
/** Most sessions a process keeps a hint for (the oldest goes first). */
const MAX_HINTS = 10_000;
/** The margin (ms) kept before a due instant, at most a quarter of `touchAfter`. */
const MARGIN_MS = 1_000;

/** The state of the plain-GET path of one `createSessions`. */
export interface PlainGet {
  /** Store clock minus local clock, ms (an estimate that errs late). */
  readonly offset: number;
  /** Kept before a due instant, ms. */
  readonly margin: number;
  /** The session's due instant (store ms), or `undefined`: no hint, or no fresh estimate. */
  hint(id: string, local: number): number | undefined;
  /**
   * The record in `text` when a GET answers for it at local time `local`, else `undefined`;
   * `hint` is the session's hint the GET was sent on.
   */
  read(id: string, text: string, local: number, hint?: number): SessionRecord | undefined;
  /** Note a record a script returned (or the times of one `create` wrote). */
  remember(id: string, r: RecordTimes): void;
  /** Drop the hint of a session that is gone. */
  forget(id: string): void;
  /** Learn the offset from a script reply's `now`, the call sent at local `sent`. */
  learn(now: number, sent: number): void;
}

/** The times of a record that decide when a `GET` can no longer answer for it. */
export type RecordTimes = Pick<SessionRecord, 'touchedAt' | 'expiresAt' | 'absoluteExpiresAt' | 'idleMs'>;

/** The plain-GET state for a `touchAfter` (ms, > 0). */
export function plainGet(touchAfter: number): PlainGet {
  const hints = new Map<string, number>();
  let learnedAt = Number.NEGATIVE_INFINITY;

  const dueOf = (r: RecordTimes): number =>
    r.expiresAt >= r.absoluteExpiresAt
      ? r.expiresAt
      : Math.min(r.expiresAt, Math.max(r.touchedAt + touchAfter, r.expiresAt - r.idleMs + 1));

  /** Keep `due` for `id`, the oldest hint going first at {@link MAX_HINTS}. */
  const note = (id: string, due: number): void => {
    if (hints.size >= MAX_HINTS && !hints.has(id)) hints.delete(hints.keys().next().value as string);
    hints.set(id, due);
  };

  const state = {
    offset: 0,
    margin: Math.min(MARGIN_MS, Math.floor(touchAfter / 4)),
    hint(id: string, local: number): number | undefined {
      return local - learnedAt < REFRESH_MS ? hints.get(id) : undefined;
    },
    read(id: string, text: string, local: number, hint?: number): SessionRecord | undefined {
      if (!text.startsWith('s2,')) return undefined;
      let r: SessionRecord;
      try {
        r = parseRecord('session-get', text);
      } catch {
        return undefined; // the script reports it
      }
      const due = dueOf(r);
      if (local + state.offset + state.margin >= due) return undefined;
      // Usually unchanged since the last script reply (a GET changes nothing): no second map write.
      if (due !== hint) note(id, due);
      return r;
    },
    remember(id: string, r: RecordTimes): void {
      note(id, dueOf(r));
    },
    forget(id: string): void {
      hints.delete(id);
    },
    learn(now: number, sent: number): void {
      state.offset = now - sent;
      learnedAt = sent;
    },
  };
  return state;
}
