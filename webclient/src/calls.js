// The dialer's calls: at most two at a time, one in the foreground (the
// call the main panel shows and the existing events describe) and one
// beside it, ringing (call waiting) or on hold. A small state machine over
// Call-like objects, free of DOM and JsSIP so that it can be tested alone.

/** Calls the dialer keeps at once; another incoming call gets 486 Busy Here. */
export const MAX_CALLS = 2;

/**
 * @typedef {object} CallLike
 * @property {string} state 'calling', 'ringing', 'incoming', 'answering', 'in-call' or 'ended'
 * @property {'in'|'out'} direction
 * @property {boolean} held on hold from this side
 * @property {boolean} [earlyMedia] an outgoing call plays the far end's ringback
 * @property {(on: boolean) => boolean} setHeld re-INVITE to hold or resume; false when refused
 * @property {(stream: any, pcConfig: any) => void} answer
 * @property {(o?: {busy?: boolean, byUser?: boolean}) => void} hangup
 */

/**
 * @typedef {'ring'|'waiting'|'ringback'|null} ToneName
 */

/**
 * The list of calls, foreground first.
 * @template {CallLike} C
 */
export class CallList {
  /** @type {C[]} */
  #calls = [];

  /** @returns {C|null} the foreground call */
  get current() {
    return this.#calls[0] ?? null;
  }

  /** @returns {C|null} the second call: ringing beside the first, or on hold */
  get other() {
    return this.#calls[1] ?? null;
  }

  /** Number of calls in the list. */
  get size() {
    return this.#calls.length;
  }

  /** @returns {C[]} the calls, foreground first */
  all() {
    return this.#calls.slice();
  }

  /**
   * Reports whether call is in the list.
   * @param {C} call
   */
  has(call) {
    return this.#calls.includes(call);
  }

  /**
   * The ringing call that Answer (and Decline) act on: the foreground call
   * when it rings, else the waiting one.
   * @returns {C|null}
   */
  get ringing() {
    return this.#calls.find((c) => c.state === 'incoming') ?? null;
  }

  /**
   * Takes an incoming call: "ring" when it is the only call, "waiting" when
   * it rings beside another call (RFC 3261 leaves a busy user agent free to
   * alert), "busy" when the list is full and the call must be refused with
   * 486 Busy Here (RFC 3261 §21.4.24); a busy call is not added.
   * @param {C} call
   * @returns {'ring'|'waiting'|'busy'}
   */
  offer(call) {
    if (this.#calls.length >= MAX_CALLS) return 'busy';
    this.#calls.push(call);
    return this.#calls.length === 1 ? 'ring' : 'waiting';
  }

  /**
   * Adds an outgoing call; there may be no other call.
   * @param {C} call
   */
  dial(call) {
    if (this.#calls.length > 0) return false;
    this.#calls.push(call);
    return true;
  }

  /**
   * Answers a ringing call of the list and brings it to the foreground.
   * The call that was in the foreground is first put on hold (RFC 3264
   * §8.4: re-INVITE with a=sendonly) when connected, left ringing when it
   * rings too, or ended when it is an outgoing call not yet answered,
   * which cannot be held. One still connecting after its own answer
   * cannot be held yet either; it is reported in holdRefused.
   * @param {C} call
   * @param {any} stream the microphone stream for the answer
   * @param {any} pcConfig
   * @returns {{held: C|null, holdRefused: C|null, ended: C|null}|null} null
   *   when call is not ringing in this list
   */
  answer(call, stream, pcConfig) {
    if (!this.has(call) || call.state !== 'incoming') return null;
    const prev = this.current === call ? null : this.current;
    // Foreground first: ending prev below reports at once, and prev must
    // be the second call by then.
    this.#front(call);
    const result = { held: null, holdRefused: null, ended: null };
    if (prev && prev.state === 'in-call') {
      if (prev.held || prev.setHeld(true)) result.held = prev;
      else result.holdRefused = prev;
    } else if (prev && prev.state === 'answering') {
      result.holdRefused = prev;
    } else if (prev && prev.state !== 'incoming') {
      prev.hangup();
      result.ended = prev;
    }
    call.answer(stream, pcConfig);
    return result;
  }

  /**
   * Reports whether the two calls can change places: both connected.
   */
  canSwap() {
    return this.#calls.length === 2 && this.#calls.every((c) => c.state === 'in-call');
  }

  /**
   * Holds the foreground call, resumes the other and swaps them. Returns
   * null when not possible (see canSwap, or the hold was refused because
   * a re-INVITE is still pending, RFC 3261 §14.1); resumed is false when
   * only the resume was refused.
   * @returns {{current: C, held: C, resumed: boolean}|null}
   */
  swap() {
    if (!this.canSwap()) return null;
    const [a, b] = this.#calls;
    if (!a.held && !a.setHeld(true)) return null;
    const resumed = !b.held || b.setHeld(false);
    this.#front(b);
    return { current: b, held: a, resumed };
  }

  /**
   * Reports whether the two calls can be joined by an attended transfer:
   * both connected.
   */
  canTransfer() {
    return this.canSwap();
  }

  /**
   * The parties of an attended transfer (RFC 5589 §7): the second call's
   * party (on hold) receives the REFER and replaces the foreground call
   * with its own (RFC 3891).
   * @returns {{transferee: C, target: C}|null}
   */
  transferParties() {
    if (!this.canTransfer()) return null;
    return { transferee: this.#calls[1], target: this.#calls[0] };
  }

  /**
   * Removes a call that ended. The second call, if any, moves to the
   * foreground when the foreground call ended.
   * @param {C} call
   * @returns {{wasCurrent: boolean, promoted: C|null}|null} null when the
   *   call was not in the list
   */
  remove(call) {
    const i = this.#calls.indexOf(call);
    if (i < 0) return null;
    this.#calls.splice(i, 1);
    return { wasCurrent: i === 0, promoted: i === 0 ? this.#calls[0] ?? null : null };
  }

  /**
   * The tone to play now: the full ring for a ringing foreground call, a
   * short call-waiting tone for a call ringing beside another one,
   * ringback while an outgoing call rings without early media (RFC 3960).
   * @param {CallLike|null} [quiet] a call whose ringing is silenced (its
   *   answer is being prepared)
   * @returns {ToneName}
   */
  tone(quiet = null) {
    const [a, b] = this.#calls;
    if (!a) return null;
    if (a.state === 'incoming' && a !== quiet) return 'ring';
    if (b && b.state === 'incoming' && b !== quiet) return 'waiting';
    if (a.direction === 'out' && a.state === 'ringing' && !a.earlyMedia) return 'ringback';
    return null;
  }

  /** @param {C} call */
  #front(call) {
    const i = this.#calls.indexOf(call);
    if (i > 0) {
      this.#calls.splice(i, 1);
      this.#calls.unshift(call);
    }
  }
}
