// Ring tone, call-waiting tone, ringback and key clicks made with WebAudio, so the bundle ships
// no audio files. Browsers keep an AudioContext suspended until the page has
// had a user gesture (autoplay policy); `blocked` tells the element to offer
// an "Enable sound" button.

/** Row and column frequencies of the DTMF keypad (ITU-T Q.23). */
const DTMF_FREQS = {
  1: [697, 1209], 2: [697, 1336], 3: [697, 1477], A: [697, 1633],
  4: [770, 1209], 5: [770, 1336], 6: [770, 1477], B: [770, 1633],
  7: [852, 1209], 8: [852, 1336], 9: [852, 1477], C: [852, 1633],
  '*': [941, 1209], 0: [941, 1336], '#': [941, 1477], D: [941, 1633],
};

/** @typedef {'ring'|'waiting'|'ringback'} ToneName */

/**
 * Cadences as [start, end] seconds within one period.
 * @type {Record<ToneName, {freqs: number[], period: number, bursts: [number, number][], level: number}>}
 */
const CADENCES = {
  // Two short bursts, then a pause: clearly an incoming call.
  ring: { freqs: [440, 480], period: 3, bursts: [[0, 0.4], [0.6, 1.0]], level: 0.12 },
  // Two soft short beeps every few seconds over a call: another call is
  // waiting. Quiet enough not to drown the conversation.
  waiting: { freqs: [440], period: 6, bursts: [[0, 0.2], [0.4, 0.6]], level: 0.04 },
  // One long burst every four seconds: the far end is ringing.
  ringback: { freqs: [440, 480], period: 4, bursts: [[0, 1.5]], level: 0.06 },
};

/** Plays the dialer's tones on one lazily created AudioContext. */
export class Tones {
  constructor() {
    /** @type {AudioContext|null} */
    this.ctx = null;
    /** @type {ToneName|null} */
    this.wanted = null;
    this.playing = null;
    this.sinkId = '';
  }

  /** Reports whether sound is held back by the browser's autoplay policy. */
  get blocked() {
    return this.wanted !== null && (!this.ctx || this.ctx.state !== 'running');
  }

  /** @returns {AudioContext|null} */
  context() {
    if (this.ctx) return this.ctx;
    const AC = globalThis.AudioContext || globalThis.webkitAudioContext;
    if (!AC) return null;
    try {
      this.ctx = new AC({ latencyHint: 'interactive' });
    } catch {
      return null;
    }
    if (this.sinkId) this.applySink();
    this.ctx.addEventListener('statechange', () => {
      if (this.ctx && this.ctx.state === 'running' && this.wanted && !this.playing) this.start(this.wanted);
    });
    return this.ctx;
  }

  /**
   * Tries to start audio; call it from a user gesture. Resolves to true when
   * sound can play.
   */
  async unlock() {
    const ctx = this.context();
    if (!ctx) return false;
    if (ctx.state !== 'running') {
      await Promise.race([ctx.resume().catch(() => {}), new Promise((r) => setTimeout(r, 400))]);
    }
    return ctx.state === 'running';
  }

  /**
   * Routes the tones to an output device where the browser allows it
   * (AudioContext.setSinkId).
   * @param {string} id
   */
  setSink(id) {
    this.sinkId = id;
    this.applySink();
  }

  applySink() {
    if (this.ctx && typeof this.ctx.setSinkId === 'function') {
      this.ctx.setSinkId(this.sinkId || '').catch(() => {});
    }
  }

  /**
   * Starts a cadence; if the browser blocks audio, it starts as soon as the
   * context runs. Resolves to false while blocked.
   * @param {ToneName} name
   */
  async play(name) {
    this.wanted = name;
    const ok = await this.unlock();
    if (this.wanted !== name) return ok;
    if (ok) this.start(name);
    return ok;
  }

  /** @param {ToneName} name */
  start(name) {
    this.halt();
    const ctx = this.ctx;
    if (!ctx || ctx.state !== 'running') return;
    const c = CADENCES[name];
    const env = ctx.createGain();
    env.gain.value = 0;
    env.connect(ctx.destination);
    const oscs = c.freqs.map((f) => {
      const o = ctx.createOscillator();
      o.frequency.value = f;
      o.connect(env);
      o.start();
      return o;
    });
    const schedule = (t0) => {
      for (const [on, off] of c.bursts) {
        env.gain.setValueAtTime(0, t0 + on);
        env.gain.linearRampToValueAtTime(c.level, t0 + on + 0.02);
        env.gain.setValueAtTime(c.level, t0 + off - 0.02);
        env.gain.linearRampToValueAtTime(0, t0 + off);
      }
    };
    let next = ctx.currentTime + 0.05;
    schedule(next);
    next += c.period;
    const timer = setInterval(() => {
      if (ctx.currentTime > next - 1) {
        schedule(next);
        next += c.period;
      }
    }, 250);
    this.playing = () => {
      clearInterval(timer);
      env.gain.cancelScheduledValues(ctx.currentTime);
      env.gain.setValueAtTime(0, ctx.currentTime);
      for (const o of oscs) o.stop();
      env.disconnect();
    };
  }

  /**
   * Plays a short key click for a DTMF digit (only when sound is already
   * allowed).
   * @param {string} digit
   */
  click(digit) {
    const f = DTMF_FREQS[String(digit).toUpperCase()];
    const ctx = this.ctx;
    if (!f || !ctx || ctx.state !== 'running') return;
    const env = ctx.createGain();
    const t = ctx.currentTime;
    env.gain.setValueAtTime(0, t);
    env.gain.linearRampToValueAtTime(0.05, t + 0.01);
    env.gain.setValueAtTime(0.05, t + 0.09);
    env.gain.linearRampToValueAtTime(0, t + 0.1);
    env.connect(ctx.destination);
    for (const hz of f) {
      const o = ctx.createOscillator();
      o.frequency.value = hz;
      o.connect(env);
      o.start(t);
      o.stop(t + 0.11);
    }
    setTimeout(() => env.disconnect(), 300);
  }

  halt() {
    if (this.playing) {
      this.playing();
      this.playing = null;
    }
  }

  /** Stops any cadence. */
  stop() {
    this.wanted = null;
    this.halt();
  }

  /** Stops everything and releases the AudioContext. */
  close() {
    this.stop();
    if (this.ctx) {
      this.ctx.close().catch(() => {});
      this.ctx = null;
    }
  }
}
