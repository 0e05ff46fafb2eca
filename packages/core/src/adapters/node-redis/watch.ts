/**
 * The send times of the commands in flight on one connection, in the coarse ticks of one
 * interval timer. Redis answers a connection's commands in order, so the oldest command in
 * flight is always the next to be answered: a ring of ticks indexed by sequence number is all
 * the bookkeeping a reply deadline needs (no timer, promise or closure per command).
 */
export class InFlightTicks {
  #ticks = new Uint32Array(256);
  #sent = 0;
  #answered = 0;
  /** The current tick, advanced by the owner's timer. */
  tick = 0;

  /** A command was written; returns its sequence number. */
  sent(): number {
    if (this.#sent - this.#answered === this.#ticks.length) this.#grow();
    this.#ticks[this.#sent % this.#ticks.length] = this.tick;
    return this.#sent++;
  }

  /** The oldest command in flight was answered (or failed); returns its sequence number. */
  answered(): number {
    return this.#answered++;
  }

  /** Commands sent so far: every sequence number below it is sent. */
  get sentCount(): number {
    return this.#sent;
  }

  /** How many ticks ago the oldest command in flight was sent; -1 when none is in flight. */
  oldestAge(): number {
    if (this.#answered >= this.#sent) return -1;
    return this.tick - (this.#ticks[this.#answered % this.#ticks.length] as number);
  }

  #grow(): void {
    const old = this.#ticks;
    const next = new Uint32Array(old.length * 2);
    for (let seq = this.#answered; seq < this.#sent; seq++)
      next[seq % next.length] = old[seq % old.length] as number;
    this.#ticks = next;
  }
}
